#!/usr/bin/python3
"""promcheck.py: a strict parser of the Prometheus text exposition format
0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/), for
the tests of /metrics. Reads the exposition on stdin; prints one line per
sample, "name{label="value",...} value" with the labels sorted (no braces
when there is none), and exits 0; or prints every violation on stderr and
exits 1. Checked:
  - every line is "# HELP name text", "# TYPE name type", another comment,
    or a sample "name[{labels}] value [timestamp]"; names, label names,
    quoted label values (only \\\\, \\" and \\n escapes) and values (floats,
    NaN, +Inf, -Inf) are well-formed; no trailing space;
  - at most one HELP and one TYPE per metric, TYPE before its samples; the
    samples of a metric are contiguous; no sample twice (name and labels);
    no label name twice in one sample;
  - relance's own rules: every sample has a TYPE (counter or gauge only),
    counter names end in _total and their values are >= 0.
"""
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE = r"(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|NaN|[+-]Inf)"
SAMPLE = re.compile(r"^(%s)(?:\{(.*)\})? (%s)(?: (-?[0-9]+))?$" % (NAME, VALUE))
LABEL_PAIR = re.compile(r'(%s)="((?:[^"\\\n]|\\[\\"n])*)"' % LABEL)


def parse_labels(s, err):
    out, pos = [], 0
    while pos < len(s):
        m = LABEL_PAIR.match(s, pos)
        if not m:
            err("bad label list {%s}" % s)
            return None
        out.append((m.group(1), m.group(2)))
        pos = m.end()
        if pos < len(s):
            if s[pos] != ",":
                err("bad label list {%s}" % s)
                return None
            pos += 1
    names = [k for k, _ in out]
    if len(set(names)) != len(names):
        err("a label twice in {%s}" % s)
    return out


def main():
    errors = []
    types, helps, done, seen = {}, set(), set(), set()
    current = None
    samples = []
    for n, line in enumerate(sys.stdin.read().split("\n"), 1):
        def err(msg, n=n, line=line):
            errors.append("line %d: %s: %r" % (n, msg, line))
        if line == "":
            continue
        if line != line.rstrip():
            err("trailing space")
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (%s)(?: (.*))?$" % NAME, line)
            if not m:
                if re.match(r"^# ?(HELP|TYPE)\b", line):
                    err("malformed HELP/TYPE")
                continue
            kind, name, rest = m.group(1), m.group(2), m.group(3) or ""
            if kind == "HELP":
                if name in helps:
                    err("second HELP for " + name)
                helps.add(name)
            else:
                if name in types:
                    err("second TYPE for " + name)
                if rest not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    err("unknown type " + rest)
                if name in done or name == current:
                    err("TYPE after samples of " + name)
                types[name] = rest
            continue
        m = SAMPLE.match(line)
        if not m:
            err("not a sample")
            continue
        name, labels, value = m.group(1), m.group(2), m.group(3)
        if name != current:
            if name in done:
                err("samples of %s not contiguous" % name)
            if current is not None:
                done.add(current)
            current = name
        lab = parse_labels(labels, err) if labels else []
        if lab is None:
            continue
        key = (name, tuple(sorted(lab)))
        if key in seen:
            err("sample twice")
        seen.add(key)
        t = types.get(name)
        if t is None:
            err("sample without TYPE")
        elif t not in ("counter", "gauge"):
            err("relance exposes counters and gauges only, not " + t)
        if t == "counter":
            if not name.endswith("_total"):
                err("counter name without _total")
            if value == "NaN" or float(value) < 0:
                err("negative counter")
        ls = ",".join('%s="%s"' % kv for kv in sorted(lab))
        samples.append("%s%s %s" % (name, "{%s}" % ls if ls else "", value))
    for name in types:
        if name not in done and name != current:
            errors.append("TYPE %s without samples" % name)
    if errors:
        sys.stderr.write("\n".join(errors) + "\n")
        return 1
    sys.stdout.write("\n".join(samples) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
