#!/usr/bin/python3
"""events.py: the one builder of the CloudEvents that relance's tests feed it.

Three kinds, each a fixed field layout with defaults (see KINDS below):
  exam        avenirpro.exam.completed     (topic avenirpro.exams)
  attendance  avenirpro.attendance.recorded (topic avenirpro.attendance)
  update      avenirpro.student.updated    (topic avenirpro.students)

Shell (tests/lib.sh wraps it as ev_exam, ev_attendance, ev_update):
  events.py KIND [-k KEY] [-n N] [FIELD=VALUE | FIELD:=JSON | -FIELD]...
prints one event as one compact JSON line (UTF-8, no spaces, keys in the
layout's order), or "KEY<TAB>JSON" with -k (for kcat -K '\\t'). With -n N,
N events, "{i}" in KEY and every argument replaced by 1..N.
  FIELD=VALUE   a string (VALUE taken as is: quotes, spaces, anything);
                consent_sms and consent_email take true/false
  FIELD:=JSON   any JSON value (a number, an object, null ...)
  -FIELD        leave the field out of the event
FIELD is a short name (below) or a dotted path into the event
(data.student.id, data.exam); a path that the layout lacks is added.

Python (tests/bench/gen_events.py, tests/demo/class.py, 50-crash):
  sys.path.insert(0, TOP + "/tests/helpers"); import events
  ev = events.exam(id="e1", student="S1", phone=events.DROP)   -> dict
  events.dumps(ev)                                             -> the line
"""
import json
import sys

_ABSENT = object()   # in a layout: a field only present when given
DROP = _ABSENT       # as a value: leave the field out


def _envelope(g, default_id, default_source, default_type, data):
    """The CloudEvents attributes every builder shares, around data."""
    return {
        "specversion": "1.0", "id": g("id", default_id),
        "source": g("source", default_source), "type": g("type", default_type),
        "time": g("time", _ABSENT), "subject": g("subject", _ABSENT),
        "data": data,
    }


def _exam(g):
    student = g("student", "070123456AB")
    uai = g("uai", "0570123X")
    return _envelope(g, "exam-%s" % student, "/sis/%s" % uai, "avenirpro.exam.completed", {
            "student": {
                "id": student, "given_name": g("given_name", "Axel"),
                "family_name": g("family_name", "Belvalette"),
                "email": g("email", "%s@example.org" % student), "phone": g("phone", "+33612345678"),
                "locale": g("locale", "fr"),
                "consent": {"sms": g("consent_sms", True), "email": g("consent_email", True)},
            },
            "establishment": {"uai": uai, "name": g("school", "Lycée La Briquerie")},
            "programme": {"code": g("programme_code", "BP-RC"),
                          "label": g("programme_label", "Bac pro réparation des carrosseries")},
            "exam": {"session": g("session", "2026"), "last_exam_on": g("last_exam_on", "2026-06-19")},
            "adviser": {"id": g("adviser", "acomelli"), "name": g("adviser_name", "Amélie Comelli"),
                        "email": g("adviser_email", "a.comelli@ml.example.org")},
    })


def _attendance(g):
    student = g("student", "070123456AB")
    return _envelope(g, "att-%s" % student, "/ml/nord-mosellan", "avenirpro.attendance.recorded", {
            "student_id": student, "appointment_uid": g("uid", _ABSENT),
            "kind": g("kind", _ABSENT), "starts_at": g("starts_at", _ABSENT),
            "status": g("status", "present"), "situation": g("situation", _ABSENT),
    })


def _update(g):
    student = g("student", "070123456AB")
    return _envelope(g, "upd-%s" % student, "/ml/nord-mosellan", "avenirpro.student.updated", {
            "student_id": student, "email": g("email", _ABSENT), "phone": g("phone", _ABSENT),
            "locale": g("locale", _ABSENT),
            "consent": {"sms": g("consent_sms", _ABSENT), "email": g("consent_email", _ABSENT)},
            "follow_up": g("follow_up", _ABSENT),
    })


# Short names: where each one sits. Every short name is a key of its
# layout's g(); the paths serve -FIELD on objects ("-consent") and checks.
_COMMON = {"id": "id", "source": "source", "type": "type", "time": "time", "subject": "subject"}
_STUDENT = {"given_name", "family_name", "email", "phone", "locale"}
KINDS = {
    "exam": (_exam, dict(_COMMON, student="data.student.id",
                         **{k: "data.student." + k for k in _STUDENT},
                         consent="data.student.consent", consent_sms="data.student.consent.sms",
                         consent_email="data.student.consent.email",
                         uai="data.establishment.uai", school="data.establishment.name",
                         programme_code="data.programme.code", programme_label="data.programme.label",
                         session="data.exam.session", last_exam_on="data.exam.last_exam_on",
                         adviser="data.adviser.id", adviser_name="data.adviser.name",
                         adviser_email="data.adviser.email")),
    "attendance": (_attendance, dict(_COMMON, student="data.student_id", uid="data.appointment_uid",
                                     kind="data.kind", starts_at="data.starts_at",
                                     status="data.status", situation="data.situation")),
    "update": (_update, dict(_COMMON, student="data.student_id", email="data.email",
                             phone="data.phone", locale="data.locale", consent="data.consent",
                             consent_sms="data.consent.sms", consent_email="data.consent.email",
                             follow_up="data.follow_up")),
}
_BOOLS = {"consent_sms", "consent_email"}


def _drop(ev, path):
    """Leave the field at the dotted path out, and the objects that this
    leaves empty (an object given empty on purpose stays)."""
    keys = path.split(".")
    chain = [ev]
    for k in keys[:-1]:
        d = chain[-1].get(k)
        if not isinstance(d, dict):
            return
        chain.append(d)
    chain[-1].pop(keys[-1], None)
    for i in range(len(chain) - 1, 0, -1):
        if chain[i]:
            break
        del chain[i - 1][keys[i - 1]]


def build(_kind, _fields=None, **kw):
    """The event of _KIND (exam, attendance, update) as a dict. _fields and kw:
    short name or dotted path -> value (None is JSON null); DROP leaves the
    field out."""
    make, names = KINDS[_kind]
    leaves = _LEAVES[_kind]
    given = dict(_fields, **kw) if _fields else kw
    absent = []

    def g(n, default):
        v = given.get(n, default)
        if v is _ABSENT:
            absent.append(names[n])
        return v
    ev = make(g)
    for p in absent:
        _drop(ev, p)
    # dotted paths, and short names of objects (consent): set or dropped whole
    for k, v in given.items():
        if k in leaves:
            continue
        p = names.get(k, k)
        if v is _ABSENT:
            _drop(ev, p)
        else:
            _set(ev, p, v)
    return ev


def _set(ev, path, v):
    keys = path.split(".")
    d = ev
    for k in keys[:-1]:
        if not isinstance(d.get(k), dict):
            d[k] = {}
        d = d[k]
    d[keys[-1]] = v


def _leaves(kind):
    """Short names that the layout's g() reads (the others are objects)."""
    make = KINDS[kind][0]
    seen = set()

    def g(n, default):
        seen.add(n)
        return default
    make(g)
    return seen


_LEAVES = {k: _leaves(k) for k in KINDS}


def exam(_fields=None, **kw):
    return build("exam", _fields, **kw)


def attendance(_fields=None, **kw):
    return build("attendance", _fields, **kw)


def update(_fields=None, **kw):
    return build("update", _fields, **kw)


def dumps(ev):
    """One compact JSON line (no newline): UTF-8, no spaces, layout order."""
    return json.dumps(ev, ensure_ascii=False, separators=(",", ":"))


def parse_args(kind, args):
    """FIELD=VALUE, FIELD:=JSON, -FIELD -> {name: value}"""
    names = KINDS[kind][1]
    out = {}
    for a in args:
        if a.startswith("-") and "=" not in a:
            out[a[1:]] = DROP
            continue
        name, eq, val = a.partition("=")
        if not eq or not name:
            raise SystemExit("events.py: bad argument %r (FIELD=VALUE, FIELD:=JSON or -FIELD)" % a)
        if name.endswith(":"):
            name = name[:-1]
            try:
                val = json.loads(val)
            except ValueError:
                raise SystemExit("events.py: %s: not JSON: %r" % (name, val))
        elif name in _BOOLS:
            if val not in ("true", "false"):
                raise SystemExit("events.py: %s: true or false, not %r" % (name, val))
            val = val == "true"
        if name not in names and name.split(".")[0] not in ("data",) + tuple(_COMMON):
            raise SystemExit("events.py: %s: no such field of %s (fields: %s; or a path data.X.Y)"
                             % (name, kind, " ".join(sorted(names))))
        out[name] = val
    return out


def main(argv):
    if len(argv) < 1 or argv[0] not in KINDS:
        raise SystemExit(__doc__)
    kind, args = argv[0], argv[1:]
    key, n = None, None
    while args and args[0] in ("-k", "-n"):
        if len(args) < 2:
            raise SystemExit("events.py: %s needs a value" % args[0])
        if args[0] == "-k":
            key = args[1]
        else:
            n = int(args[1])
        args = args[2:]
    out = sys.stdout
    for i in range(1, (n or 1) + 1):
        sub = (lambda s: s.replace("{i}", str(i))) if n is not None else (lambda s: s)
        line = dumps(build(kind, parse_args(kind, [sub(a) for a in args])))
        out.write((sub(key) + "\t" + line if key is not None else line) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
