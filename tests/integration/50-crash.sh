#!/bin/bash
# 50-crash: contract section 5 under SIGKILL. A stream of CRASH_EVENTS
# (default 100,000) events — exam.completed from tests/bench/gen_events.py,
# then attendance, then student.updated, with bad ones mixed in — is
# consumed by two relanced: a reference that runs undisturbed (own store,
# own consumer group) and a victim SIGKILLed at random moments
# CRASH_KILLS times (default 10) and restarted. At the end both stores hold
# the same appointments (student, kind, starts_at, status), reminders
# (student, channel, due_at, status), dead letters (topic, partition,
# offset, reason) and events count. A few reminders are due at once: the
# victim sends them to smtp-sink, and each one arrives at least once and at
# most once more per kill.
#
# Deterministic from RELANCE_SEED (printed; set it to replay a failure);
# only the kill moments depend on timing. Events are keyed by adviser, so
# an adviser's bookings are in one partition, in order; the three phases
# are produced one after the other (attendance names appointments planned
# in phase 1; updates touch other advisers' students than attendance).
# Both daemons run on the same fixed test clock, months before the exams.
#
# Environment: RELANCE_SEED, CRASH_EVENTS, CRASH_KILLS (make soak: more).
. "$(dirname "$0")/../lib.sh"
lib_init crash

SEED=${RELANCE_SEED:-20260619}
# Under the sanitizers (BUILD=build/san) relanced is several times slower.
case $BUILD in *san*) N=${CRASH_EVENTS:-20000} ;; *) N=${CRASH_EVENTS:-100000} ;; esac
KILLS=${CRASH_KILLS:-10}
echo "RELANCE_SEED=$SEED CRASH_EVENTS=$N CRASH_KILLS=$KILLS (replay: RELANCE_SEED=$SEED make check)"
RANDOM=$SEED

# Monday 2027-01-04 10:00 Paris; the exams end from 2027-03-01 on.
EPOCH=$(TZ=Europe/Paris date -d '2027-01-04 10:00:00' +%s)
CLOCK="RELANCE_TEST_CLOCK=$EPOCH"
ADVISERS=400

# The mock cluster keeps about 5 MB per partition: enough partitions that
# nothing is trimmed before both consumers read it.
PEX=$((N / 3500 > 48 ? N / 3500 : 48))
start_kafka 4 avenirpro.exams:$PEX avenirpro.attendance:8 avenirpro.students:8 \
    avenirpro.relance.dlq avenirpro.relance.outcomes
start_smtp_sink

# ---- events -----------------------------------------------------------------------
# Phase 1: exams (+ 10 due at once, + bad ones); phase 3: updates (+ bad).
# Phase 2 (attendance) is made from the reference store after phase 1.
NDUE=10
NBAD=$((N / 1000 > 20 ? N / 1000 : 20))
NATT=$((N * 5 / 100))
# Few updates: before schema 2 (index on reminders.student_id) each one
# scanned the whole reminders table (~30/s on a 100,000-student store).
NUPD=$((N / 400))
NEX=$((N - NDUE - 3 * NBAD - NATT - NUPD))
"$PY" "$TOP/tests/bench/gen_events.py" "$NEX" "$ADVISERS" 2027-03-01 60 "$SEED" >"$T/gen.tsv" ||
    die "gen_events.py failed"
"$PY" - "$SEED" "$T" "$NDUE" "$NBAD" "$NUPD" "$NEX" "$ADVISERS" <<'PYEOF' || die "event generation failed"
import json, os, random, sys
sys.path.insert(0, os.environ["TOP"] + "/tests/helpers")
import events
seed, T, ndue, nbad, nupd, nex, nadv = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
rnd = random.Random(int(seed))
lines = []
for line in open(T + "/gen.tsv", encoding="utf-8"):
    sid, js = line.rstrip("\n").split("\t", 1)
    ev = json.loads(js)
    lines.append((ev["data"]["adviser"]["id"], js))
def exam(i, adv, day):
    return events.exam({"data.programme": events.DROP}, id="due-%d" % i, student="D%09dAB" % i,
                       given_name="Due", family_name=events.DROP, email="due%d@example.org" % i,
                       phone=events.DROP, consent_sms=False, school=events.DROP, session=events.DROP,
                       last_exam_on=day, adviser=adv, adviser_name="Due", adviser_email=adv + "@ml.example.org")
# Due at once: +14d check-in today (2026-12-21 + 14 d), 48 h reminder overdue.
due = [("due%02d" % i, json.dumps(exam(i, "due%02d" % i, "2026-12-21"), ensure_ascii=False)) for i in range(ndue)]
bad = []
for i in range(nbad):
    k = "adv%04d" % rnd.randrange(nadv)
    c = i % 5
    if c == 0:
        v = '{"specversion":"1.0","id":"bad-%d",' % i
    elif c == 1:
        e = exam(1000000 + i, k, "2027-02-30"); e["id"] = "bad-%d" % i; v = json.dumps(e)
    elif c == 2:
        e = exam(1000000 + i, k, "2027-03-02"); e["id"] = "bad-%d" % i
        e["data"]["establishment"]["uai"] = "57X"; v = json.dumps(e)
    elif c == 3:
        v = json.dumps({"specversion": "1.0", "id": "bad-%d" % i, "source": "/x", "type": "avenirpro.nope", "data": {}})
    else:
        v = "\u00e9t\u00e9 not json at all"
    bad.append((k, v))
for b in bad:
    lines.insert(rnd.randrange(len(lines) + 1), b)
with open(T + "/phase1.tsv", "w", encoding="utf-8") as f:
    for k, v in due + lines:
        f.write(k + "\t" + v + "\n")
# Phase 3: students of odd advisers only (attendance takes even ones).
odd = [i for i in range(nex) if (i % nadv) % 2 == 1]
out = []
for n, i in enumerate(rnd.sample(odd, min(nupd, len(odd)))):
    sid, adv = "S%09dAB" % i, "adv%04d" % (i % nadv)
    c = rnd.randrange(10)
    d = {}
    if c < 3:
        d["email"] = "new%d@example.org" % i
    elif c < 5:
        d["consent"] = {"sms": False, "email": False}
    elif c < 7:
        d["phone"] = "+33699%06d" % (i % 1000000); d["consent"] = {"sms": True, "email": True}
    elif c < 9:
        d["locale"] = "en"
    else:
        d["follow_up"] = "stop"
    out.append((adv, json.dumps(events.update(d, id="upd-%d" % n, source="/ml/x", student=sid))))
for i in range(nbad):
    k = "adv%04d" % rnd.randrange(nadv)
    d = {"student": "S%09dAB" % rnd.randrange(nex), "consent": {}} if i % 2 == 0 else {"student": "Z"}
    out.insert(rnd.randrange(len(out) + 1), (k, json.dumps(events.update(d, id="badupd-%d" % i, source="/ml/x"))))
with open(T + "/phase3.tsv", "w", encoding="utf-8") as f:
    for k, v in out:
        f.write(k + "\t" + v + "\n")
PYEOF
N1=$(wc -l <"$T/phase1.tsv")
N3=$(wc -l <"$T/phase3.tsv")
note "phase 1: $N1 exam events, phase 3: $N3 updates ($(elapsed)s)"

# ---- the two daemons ----------------------------------------------------------------
mkdir -p "$T/ref/feeds" "$T/ref/outbox"
# reminders.horizon=400d: every reminder row is written with its
# appointment, in the ingest transactions that the kills interrupt.
write_conf "$T/ref.conf" kafka.group=relance-ref store.path="$T/ref/relance.db" \
    calendar.feeds_dir="$T/ref/feeds" smtp.url="file://$T/ref/outbox" \
    reminders.default_consent=email daemon.batch=2000 reminders.horizon=400d
REF_URL=$RELANCE_URL
write_conf "$T/relance.conf" kafka.group=relance-victim \
    smtp.url="smtp://127.0.0.1:$SMTP_SINK_PORT" smtp.tls=none reminders.default_consent=email \
    retry.first=1s retry.max=2s daemon.batch=2000 reminders.horizon=400d
REF_DB=$T/ref/relance.db
lib_spawn relanced-ref env $CLOCK "$BUILD/relanced" -c "$T/ref.conf"
REF_PID=$LIB_PID
RELANCED_ENV=$CLOCK start_relanced "$T/relance.conf"
wait_for "curl -sf $REF_URL/healthz" 30 || die "reference relanced did not start"

# total STORE: events + dead letters in a store
total() { RELANCE_DB=$1 sql "select (select count(*) from events) + (select count(*) from dead_letters)"; }

NKILL=0
# phase_run EXPECTED: until both stores hold EXPECTED messages, SIGKILL the
# victim at random moments (some progress between kills), restart it.
phase_run() {
	local want=$1 budget=$2 n t deadline
	deadline=$(($(date +%s) + 600 + N / 100))
	while [ "$(total "$T/relance.db")" -lt "$want" ] || [ "$(total "$REF_DB")" -lt "$want" ]; do
		[ "$(date +%s)" -lt $deadline ] || { fail "phase stalled at $(total "$T/relance.db")/$(total "$REF_DB") of $want"; return 1; }
		if [ "$NKILL" -lt "$budget" ] && [ "$(total "$T/relance.db")" -lt "$want" ]; then
			n=$(total "$T/relance.db")
			# Progress first, then a random moment within 0..1.5 s.
			wait_for "[ \$(total '$T/relance.db') -gt $n ] || [ \$(total '$T/relance.db') -ge $want ]" 60 || true
			t=$((RANDOM % 1500))
			sleep "$((t / 1000)).$(printf %03d $((t % 1000)))"
			# Done meanwhile: no kill of an idle daemon here.
			[ "$(total "$T/relance.db")" -lt "$want" ] || continue
			kill9_relanced
			NKILL=$((NKILL + 1))
			note "kill $NKILL at $(total "$T/relance.db") stored ($(elapsed)s)"
			RELANCED_ENV=$CLOCK start_relanced "$T/relance.conf"
		else
			sleep 0.5
		fi
	done
	return 0
}

produce_keyed avenirpro.exams "$T/phase1.tsv"
phase_run "$N1" $((KILLS * 7 / 10)) || die "phase 1 not consumed"
note "phase 1 consumed by both ($(elapsed)s), $NKILL kills"

# Phase 2: attendance for check-ins of even advisers' students, from the
# reference store; some name no appointment (dead letters).
RELANCE_DB=$REF_DB sql "select a.student_id, s.adviser_id, a.starts_at from appointments a
    join students s on s.id = a.student_id where a.kind = $KIND_CHECKIN and a.plan_index = 0
    and s.adviser_id like 'adv%' and cast(substr(s.adviser_id, 4) as integer) % 2 = 0
    order by a.student_id" >"$T/att-src.txt"
"$PY" - "$SEED" "$T" "$NATT" "$NBAD" <<'PYEOF' || die "attendance generation failed"
import datetime, json, os, random, sys, zoneinfo
sys.path.insert(0, os.environ["TOP"] + "/tests/helpers")
import events
seed, T, natt, nbad = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(int(seed) + 2)
tz = zoneinfo.ZoneInfo("Europe/Paris")
src = [l.rstrip("\n").split("|") for l in open(T + "/att-src.txt")]
pick = sorted(rnd.sample(range(len(src)), min(natt, len(src))))
out = []
for n, j in enumerate(pick):
    sid, adv, start = src[j]
    st = rnd.choice(["absent", "absent", "absent", "present", "present", "excused"])
    at = datetime.datetime.fromtimestamp(int(start), tz).isoformat()
    d = {}
    if rnd.randrange(4) == 0:
        d["situation"] = rnd.choice(["employed", "training", "seeking", "unknown"])
    out.append((adv, json.dumps(events.attendance(d, id="att-%d" % n, source="/ml/x", student=sid,
                                                  kind="check-in", starts_at=at, status=st))))
for i in range(nbad):
    sid, adv, start = src[rnd.randrange(len(src))]
    at = datetime.datetime.fromtimestamp(int(start) + 420, tz).isoformat()
    out.insert(rnd.randrange(len(out) + 1), (adv, json.dumps(events.attendance(
        id="badatt-%d" % i, source="/ml/x", student=sid, kind="check-in", starts_at=at, status="absent"))))
with open(T + "/phase2.tsv", "w") as f:
    for k, v in out:
        f.write(k + "\t" + v + "\n")
PYEOF
N2=$(wc -l <"$T/phase2.tsv")
note "phase 2: $N2 attendance events"
produce_keyed avenirpro.attendance "$T/phase2.tsv"
phase_run $((N1 + N2)) $((KILLS * 85 / 100)) || die "phase 2 not consumed"
produce_keyed avenirpro.students "$T/phase3.tsv"
phase_run $((N1 + N2 + N3)) "$KILLS" || die "phase 3 not consumed"
# Kills still owed (a fast machine): at random moments while idle.
while [ "$NKILL" -lt "$KILLS" ]; do
	sleep "0.$((RANDOM % 10))"
	kill9_relanced
	NKILL=$((NKILL + 1))
	RELANCED_ENV=$CLOCK start_relanced "$T/relance.conf"
done
note "all $((N1 + N2 + N3)) events consumed by both ($(elapsed)s), $NKILL kills"
assert_ok "at least $KILLS SIGKILLs" [ "$NKILL" -ge "$KILLS" ]
assert_eq "$(kill -0 "$REF_PID" 2>/dev/null && echo up)" up "the reference ran without a restart"

# ---- due reminders: sent, never lost, at most once more per kill -----------------------
DUE_LIMIT=$((EPOCH + 86400))
wait_for "[ \$(sql 'select count(*) from reminders where due_at < $DUE_LIMIT and status in ($REM_PENDING, $REM_SENDING)') = 0 ]" 60 ||
    fail "due reminders still pending"
wait_for "[ \$(RELANCE_DB=$REF_DB sql 'select count(*) from reminders where due_at < $DUE_LIMIT and status in ($REM_PENDING, $REM_SENDING)') = 0 ]" 30 ||
    fail "reference: due reminders still pending"
sql "select id from reminders where due_at < $DUE_LIMIT and status = $REM_SENT and channel = $CH_EMAIL order by id" >"$T/due-ids.txt"
NDUEREM=$(wc -l <"$T/due-ids.txt")
assert_ok "some reminders were due and sent ($NDUEREM)" [ "$NDUEREM" -ge "$NDUE" ]
grep -rhoaE '^Message-I[dD]: *<reminder-[0-9]+@' "$SMTP_SINK_DIR" 2>/dev/null |
    grep -oE '[0-9]+' | sort | uniq -c | awk '{print $2, $1}' >"$T/sent-counts.txt"
lost=0 over=0 dups=0
while read -r id; do
	c=$(awk -v id="$id" '$1 == id {print $2}' "$T/sent-counts.txt")
	c=${c:-0}
	[ "$c" -ge 1 ] || lost=$((lost + 1))
	[ "$c" -le $((1 + NKILL)) ] || over=$((over + 1))
	[ "$c" -gt 1 ] && dups=$((dups + c - 1))
done <"$T/due-ids.txt"
note "messages in smtp-sink: $(awk '{s += $2} END {print s + 0}' "$T/sent-counts.txt"), duplicates: $dups"
assert_eq "$lost" 0 "no due reminder lost (each one reached the SMTP server)"
assert_eq "$over" 0 "no reminder sent more than once more per kill"
assert_ok "duplicates at most one per kill ($dups <= $NKILL)" [ "$dups" -le "$NKILL" ]

# ---- the stores are equal ---------------------------------------------------------------
dump() { # DB
	RELANCE_DB=$1 sql "select count(*) from events" >"$1.events"
	RELANCE_DB=$1 sql "select student_id, kind, starts_at, status from appointments
	    order by 1, 2, 3, 4" >"$1.appointments"
	# Due-at-once reminders are due at their ingest time: not compared.
	RELANCE_DB=$1 sql "select student_id, channel, case when due_at < $DUE_LIMIT then 'now' else due_at end,
	    status from reminders order by 1, 2, 3, 4" >"$1.reminders"
	RELANCE_DB=$1 sql "select topic, partition, offset, reason from dead_letters order by 1, 2, 3" \
	    >"$1.dead_letters"
}
dump "$REF_DB"
dump "$T/relance.db"
for what in events appointments reminders dead_letters; do
	if cmp -s "$REF_DB.$what" "$T/relance.db.$what"; then
		pass "$what equal to the uninterrupted run ($(wc -l <"$REF_DB.$what") rows)"
	else
		fail "$what differ from the uninterrupted run"
		diff "$REF_DB.$what" "$T/relance.db.$what" | head -10 | sed 's/^/    /'
	fi
done
assert_ok "dead letters were recorded" [ "$(wc -l <"$REF_DB.dead_letters")" -ge $((3 * NBAD)) ]
assert_ok "replacements were booked" [ "$(sql 'select count(*) from appointments where replaces is not null')" -gt 0 ]
assert_ok "appointments were cancelled" [ "$(sql "select count(*) from appointments where status != $APPT_CONFIRMED")" -gt 0 ]

stop_relanced
assert_eq $? 0 "victim stops cleanly"
lib_stop "$REF_PID" 20
assert_eq $? 0 "reference stops cleanly"
