#!/bin/bash
# 10-ctl: relancectl against a running relanced (contract sections 6 and 7).
# Events go through the Kafka mock; every command is run in text and --json
# form while the daemon runs: status, plan, feed, feed revoke, reminders,
# dead-letters, indicators, retry and cancel, plus the exit codes 0/1/2/3.
. "$(dirname "$0")/../lib.sh"
lib_init ctl

[ -x "$BUILD/relancectl" ] || die "$BUILD/relancectl not built"

# jget FILE EXPR: evaluate a Python expression on the JSON document d
jget() { "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# json_ok FILE: FILE holds exactly one JSON document
json_ok() { "$PY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }
# ctl_rc ARGS...: relancectl's exit status (output discarded)
ctl_rc() { relancectl "$@" >/dev/null; echo $?; }

start_kafka
DAY=$(date -d '+60 days' +%F)
# reminder rows at once (horizon of 400 days): the commands below act on them
write_conf "$T/relance.conf" "dropin.window=* $DAY..$DAY 09:00-12:00 slot=20m capacity=3" \
    reminders.horizon=400d
start_relanced "$T/relance.conf"

LAST=$(date -d '-3 days' +%F)
# exam.completed (ev_exam): no locale, no phone unless given
EXAM=(-locale -phone last_exam_on="$LAST")
{ ev_exam "${EXAM[@]}" student=S1 phone=+33612345678; ev_exam "${EXAM[@]}" student=S2; echo 'this is not json'; } >"$T/exams.jsonl"
produce avenirpro.exams "$T/exams.jsonl"
wait_for 'sql "select count(*) from students" | grep -qx 2' 20 || die "students not planned"
wait_for 'sql "select count(*) from dead_letters" | grep -qx 1' 20 || die "bad event not dead-lettered"

# --- usage: exit 2
assert_eq "$(ctl_rc)" 2 "no command: exit 2"
assert_eq "$(ctl_rc frobnicate)" 2 "unknown command: exit 2"
assert_eq "$(ctl_rc plan)" 2 "plan without STUDENT_ID: exit 2"
assert_eq "$(ctl_rc reminders)" 2 "reminders without --pending/--failed: exit 2"
assert_eq "$(ctl_rc feed planet x)" 2 "feed of an unknown kind: exit 2"
assert_eq "$(ctl_rc status --bogus)" 2 "unknown option: exit 2"
"$BUILD/relancectl" -c "$RELANCE_CONF" frobnicate 2>"$T/usage.err" >/dev/null
assert_grep '^usage: relancectl' "$T/usage.err" "usage message on bad usage"
# Bad usage is bad usage even where the configuration cannot be read (a
# new admin trying commands before installing one): 2, not 3.
for a in "" frobnicate plan "feed adviser" "feed adviser x y" "feed revoke adviser" "feed planet x" reminders "retry abc" \
    "replies --since yesterday" "status extra" link "status --csv"; do
	# shellcheck disable=SC2086
	"$BUILD/relancectl" -c "$T/no-such.conf" $a >/dev/null 2>"$T/usage2.err"
	assert_eq "$?" 2 "'relancectl $a' without a configuration: exit 2"
done
"$BUILD/relancectl" -c "$T/no-such.conf" status extra >/dev/null 2>"$T/usage2.err"
assert_grep '^relancectl: wrong number of arguments: status$' "$T/usage2.err" "... saying what is wrong"
"$BUILD/relancectl" -c "$T/no-such.conf" plan >/dev/null 2>"$T/usage2.err"
assert_grep '^relancectl: wrong number of arguments: plan STUDENT_ID$' "$T/usage2.err" "... and what the command takes"
"$BUILD/relancectl" -c "$T/no-such.conf" status >/dev/null 2>"$T/usage2.err"
assert_eq "$?" 3 "a good command line without its configuration: exit 3"
assert_grep 'no-such.conf' "$T/usage2.err" "... naming the file"

# --- status
relancectl status >"$T/status.txt"
assert_grep '^students +2 ' "$T/status.txt" "status: 2 students"
assert_grep '^dead letters +1$' "$T/status.txt" "status: 1 dead letter"
relancectl status --json >"$T/status.json"
assert_ok "status --json is JSON" json_ok "$T/status.json"
assert_eq "$(jget "$T/status.json" 'd["students"]["total"]')" 2 "status --json: students"
assert_eq "$(jget "$T/status.json" 'd["appointments"]["by_kind"]["check-in"]["confirmed"]')" 8 \
    "status --json: 8 check-ins confirmed"
assert_eq "$(jget "$T/status.json" 'd["dead_letters"]')" 1 "status --json: dead letters"
# the store's schema (one per migration of daemon/store.c), not a number
# every new migration would have to change here
assert_eq "$(jget "$T/status.json" 'd["schema_version"]')" "$(sql 'pragma user_version')" \
    "status --json: schema version"
assert_ok "status --json: schema version at least 5 (consent dates)" \
    [ "$(jget "$T/status.json" 'd["schema_version"]')" -ge 5 ]
assert_grep '^held events +0$' "$T/status.txt" "status: no held event"
assert_eq "$(jget "$T/status.json" 'd["held_events"]')" 0 "status --json: no held event"
assert_eq "$(jget "$T/status.json" 'd["reminders"]["sms"]["pending"]')" \
    "$(sql "select count(*) from reminders where channel = $CH_SMS and status = $REM_PENDING")" \
    "status --json: pending SMS reminders as in the store"

# --- plan
relancectl plan S1 --json >"$T/plan1.json"
assert_ok "plan --json is JSON" json_ok "$T/plan1.json"
assert_eq "$(jget "$T/plan1.json" 'd["student"]["id"]')" S1 "plan: the student"
assert_eq "$(jget "$T/plan1.json" 'len(d["appointments"])')" 5 "plan: 4 check-ins and 1 drop-in"
assert_eq "$(jget "$T/plan1.json" '",".join(sorted(a["kind"] for a in d["appointments"]))')" \
    "check-in,check-in,check-in,check-in,drop-in" "plan: kinds"
assert_eq "$(jget "$T/plan1.json" '[a["start"] for a in d["appointments"]] == sorted(a["start"] for a in d["appointments"])')" \
    True "plan: appointments in time order"
assert_eq "$(jget "$T/plan1.json" 'all(__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00[+-]\d\d:\d\d", a["start"]) for a in d["appointments"])')" \
    True "plan: start times are RFC 3339 with an offset"
assert_eq "$(jget "$T/plan1.json" '[a["start"][:10] for a in d["appointments"] if a["kind"] == "drop-in"][0]')" \
    "$DAY" "plan: drop-in on the window's day"
assert_eq "$(jget "$T/plan1.json" 'sum(len(a["reminders"]) for a in d["appointments"])')" 20 \
    "plan: 2 offsets x 2 channels x 5 appointments"
assert_eq "$(jget "$T/plan1.json" '{r["channel"] for a in d["appointments"] for r in a["reminders"]} == {"sms", "email"}')" \
    True "plan: reminders by SMS and email"
relancectl plan S1 >"$T/plan1.txt"
assert_grep '^student S1: Axel Belvalette' "$T/plan1.txt" "plan: text names the student"
assert_grep 'check-in +confirmed' "$T/plan1.txt" "plan: text lists the check-ins"
# The student's answers (contract section 8), as the answer path records
# them (reply.c): none yet, then one appointment confirmed and moved once.
assert_eq "$(jget "$T/plan1.json" '{(a["answer"], a["moves"], a["answered"]) for a in d["appointments"]} == {("none", 0, None)}')" \
    True "plan --json: no answer, no move, never answered"
assert_no_grep "student's answer" "$T/plan1.txt" "plan: no answer line before any answer"
AUID=$(jget "$T/plan1.json" '[a["uid"] for a in d["appointments"] if a["kind"] == "check-in"][0]')
sql "update appointments set answer = 1, moves = 1, answered_at = $(date +%s) where uid = '$AUID'"
relancectl plan S1 --json >"$T/plan1a.json"
assert_eq "$(jget "$T/plan1a.json" '[(a["answer"], a["moves"], a["answered"] is not None) for a in d["appointments"] if a["uid"] == "'"$AUID"'"][0]')" \
    "('confirmed', 1, True)" "plan --json: the answer, the moves and when"
relancectl plan S1 >"$T/plan1a.txt"
assert_grep "^    student's answer confirmed, moves 1, answered [0-9]{4}-" "$T/plan1a.txt" \
    "plan: text says the answer and the moves"
sql "update appointments set answer = 0, moves = 0, answered_at = NULL where uid = '$AUID'"
assert_eq "$(ctl_rc plan NOBODY)" 1 "plan of an unknown student: exit 1"
relancectl plan NOBODY --json >"$T/plan-none.json"
assert_ok "plan of an unknown student --json is still JSON" json_ok "$T/plan-none.json"

# --- feeds
URL=$(relancectl feed adviser acomelli)
assert_eq "$(printf '%s\n' "$URL" | grep -Ec "^$RELANCE_URL/feeds/adviser/[0-9a-f]{44}\.ics$")" 1 \
    "feed adviser: URL alone, 128-bit token"
SURL=$(relancectl feed student S1)
assert_eq "$(printf '%s\n' "$SURL" | grep -Ec "^$RELANCE_URL/feeds/student/[0-9a-f]{44}\.ics$")" 1 \
    "feed student: URL"
EURL=$(relancectl feed establishment 0570123X)
assert_eq "$(printf '%s\n' "$EURL" | grep -Ec "^$RELANCE_URL/feeds/establishment/[0-9a-f]{44}\.ics$")" 1 \
    "feed establishment: URL"
assert_eq "$(ctl_rc feed adviser nobody)" 1 "feed of an unknown adviser: exit 1"
assert_eq "$(ctl_rc feed student NOBODY)" 1 "feed of an unknown student: exit 1"
relancectl feed adviser acomelli --json >"$T/feed.json"
assert_eq "$(jget "$T/feed.json" 'd["url"]')" "$URL" "feed --json: same URL"
served=$(curl -s -o /dev/null -w '%{http_code}' "$URL")
NEWURL=$(relancectl feed revoke adviser acomelli)
assert_eq "$(printf '%s\n' "$NEWURL" | grep -Ec "^$RELANCE_URL/feeds/adviser/[0-9a-f]{44}\.ics$")" 1 \
    "feed revoke: prints the new URL"
assert_ne "$NEWURL" "$URL" "feed revoke: the URL changed"
assert_eq "$(relancectl feed adviser acomelli)" "$NEWURL" "feed: prints the new URL after a revoke"
assert_eq "$(ctl_rc feed revoke adviser nobody)" 1 "feed revoke of an unknown adviser: exit 1"
if [ "$served" = 200 ]; then
	assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL")" 404 "revoked feed URL answers 404"
	wait_for "[ \$(curl -s -o /dev/null -w '%{http_code}' '$NEWURL') = 200 ]" 10
	assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$NEWURL")" 200 "new feed URL answers 200"
else
	note "relanced does not serve feeds yet (HTTP $served): 404 after revoke not checked"
fi

# --- reminders
relancectl reminders --pending --json >"$T/pending.json"
assert_ok "reminders --pending --json is JSON" json_ok "$T/pending.json"
assert_eq "$(jget "$T/pending.json" 'len(d["reminders"])')" \
    "$(sql "select count(*) from reminders where status = $REM_PENDING")" "reminders --pending: all pending"
assert_eq "$(jget "$T/pending.json" 'all(r["appointment_uid"].endswith("@relance.test") and r["student_id"] in ("S1", "S2") for r in d["reminders"])')" \
    True "reminders --pending: student and appointment UID"
relancectl reminders --failed --json >"$T/failed.json"
assert_eq "$(jget "$T/failed.json" 'd["count"]')" 0 "reminders --failed: none yet"
assert_eq "$(relancectl reminders --failed)" "no failed reminders" "reminders --failed: text"

# --- attendance: absent at S1's first check-in, with a situation
UID1=$(jget "$T/plan1.json" 'd["appointments"][0]["uid"]')
ev_attendance id=att-1 student=S1 uid="$UID1" status=absent situation=seeking >"$T/att.jsonl"
ev_attendance id=att-2 student=S1 uid=nope@relance.test status=present >>"$T/att.jsonl"
produce avenirpro.attendance "$T/att.jsonl"
wait_for 'sql "select count(*) from dead_letters" | grep -qx 2' 20
wait_for "sql \"select status from appointments where uid = '$UID1'\" | grep -qx $APPT_MISSED" 10
relancectl plan S1 --json >"$T/plan1b.json"
assert_eq "$(jget "$T/plan1b.json" '[a["status"] for a in d["appointments"] if a["uid"] == "'"$UID1"'"][0]')" \
    missed "plan: the absence shows as missed"
assert_eq "$(jget "$T/plan1b.json" 'sum(a["replaces"] == "'"$UID1"'" for a in d["appointments"])')" 1 \
    "plan: one replacement names the missed check-in"

# --- dead letters
relancectl dead-letters >"$T/dead.txt"
assert_eq "$(wc -l <"$T/dead.txt")" 2 "dead-letters: one line each"
reason=$(sql 'select reason from dead_letters order by id limit 1')
assert_grep "avenirpro\.exams\[[0-9]+\]@[0-9]+ +$reason\$" "$T/dead.txt" "dead-letters: origin and reason"
assert_no_grep 'this is not json' "$T/dead.txt" "dead-letters: no payload by default"
relancectl dead-letters --json --payload >"$T/dead.json"
assert_ok "dead-letters --json is JSON" json_ok "$T/dead.json"
assert_eq "$(jget "$T/dead.json" 'd["dead_letters"][0]["payload"]')" "this is not json" \
    "dead-letters --payload: the message as received"
assert_eq "$(jget "$T/dead.json" 'd["dead_letters"][1]["topic"]')" avenirpro.attendance \
    "dead-letters: unknown appointment from the attendance topic"

# --- indicators
relancectl indicators --json >"$T/ind.json"
assert_ok "indicators --json is JSON" json_ok "$T/ind.json"
assert_eq "$(jget "$T/ind.json" 'len(d["indicators"])')" 1 "indicators: one establishment and programme"
assert_eq "$(jget "$T/ind.json" 'd["indicators"][0]["uai"] + " " + d["indicators"][0]["programme"]["code"]')" \
    "0570123X BP-RC" "indicators: grouped by UAI and programme"
assert_eq "$(jget "$T/ind.json" 'd["indicators"][0]["students"]["followed"]')" 2 "indicators: students followed"
assert_eq "$(jget "$T/ind.json" 'd["indicators"][0]["checkins"]["missed"]')" 1 "indicators: one missed check-in"
assert_eq "$(jget "$T/ind.json" 'd["indicators"][0]["checkins"]["attendance_rate"]')" 0.0 \
    "indicators: attendance rate attended/(attended+missed)"
assert_eq "$(jget "$T/ind.json" 'd["final_checkin"]')" "+180d" "indicators: situation at the +180-day check-in"
relancectl indicators >"$T/ind.txt"
assert_grep '^0570123X Lycée La Briquerie / BP-RC' "$T/ind.txt" "indicators: text"

# --- retry
assert_eq "$(ctl_rc retry 999999)" 1 "retry of an unknown reminder: exit 1"
assert_eq "$(ctl_rc retry abc)" 2 "retry of a non-number: exit 2"
RID=$(sql "select r.id from reminders r join appointments a on a.id = r.appointment_id
	   where r.student_id = 'S2' and r.status = $REM_PENDING and a.status = $APPT_CONFIRMED order by r.due_at desc limit 1")
assert_eq "$(ctl_rc retry "$RID")" 1 "retry of a pending reminder is refused: exit 1"
sql "update reminders set status = $REM_FAILED, attempts = 8, last_error = 'smtp 550 no such user' where id = $RID"
relancectl reminders --failed >"$T/failed.txt"
assert_grep "^$RID +S2 .*smtp 550 no such user" "$T/failed.txt" "reminders --failed: id, student, last error"
relancectl retry "$RID" --json >"$T/retry.json"
assert_eq "$?" 0 "retry of a failed reminder: exit 0"
assert_eq "$(jget "$T/retry.json" 'd["status"]')" pending "retry --json"
assert_eq "$(sql "select status, attempts from reminders where id = $RID")" "$REM_PENDING|0" \
    "retry: pending again, attempts reset"

# --- cancel
UID2=$(sql "select uid from appointments where student_id = 'S2' and kind = $KIND_CHECKIN and status = $APPT_CONFIRMED
	    order by starts_at limit 1 offset 1")
REV0=$(sql "select value from meta where key = 'rev'")
relancectl cancel "$UID2" >"$T/cancel.txt"
assert_eq "$?" 0 "cancel: exit 0"
relancectl plan S2 --json >"$T/plan2.json"
assert_eq "$(jget "$T/plan2.json" '[a["status"] for a in d["appointments"] if a["uid"] == "'"$UID2"'"][0]')" \
    cancelled "cancel: the appointment shows as cancelled"
assert_eq "$(jget "$T/plan2.json" '[a["sequence"] for a in d["appointments"] if a["uid"] == "'"$UID2"'"][0]')" \
    1 "cancel: SEQUENCE incremented"
assert_eq "$(jget "$T/plan2.json" 'sorted({r["status"] for a in d["appointments"] if a["uid"] == "'"$UID2"'" for r in a["reminders"]})')" \
    "['cancelled']" "cancel: its reminders are cancelled"
assert_eq "$(sql "select rev > $REV0 from appointments where uid = '$UID2'")" 1 \
    "cancel: the change counter moved (feeds are rewritten)"
assert_eq "$(ctl_rc cancel "$UID2")" 1 "cancel of a cancelled appointment: exit 1"
assert_eq "$(ctl_rc cancel nope@relance.test)" 1 "cancel of an unknown appointment: exit 1"

# --- every command gives one JSON document
for c in status "plan S1" "feed student S2" "reminders --pending" "reminders --failed" \
    dead-letters indicators "retry 999999" "cancel nope@x"; do
	# shellcheck disable=SC2086
	relancectl $c --json >"$T/any.json"
	assert_ok "--json: one JSON document for '$c'" json_ok "$T/any.json"
done

# --- the daemon still works after relancectl's writes
ev_exam "${EXAM[@]}" student=S3 >"$T/exam3.jsonl"
produce avenirpro.exams "$T/exam3.jsonl"
wait_for 'sql "select count(*) from students" | grep -qx 3' 20
assert_eq "$(relancectl plan S3 --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["appointments"]))')" \
    5 "relanced plans a new student after relancectl's writes"
assert_eq "$(sql "select count(*) from (select adviser_id, starts_at from appointments
	where kind = $KIND_CHECKIN and status = $APPT_CONFIRMED group by 1, 2 having count(*) > 1)")" 0 "no double booking"

# --- store missing, read-only use while stopped
write_conf "$T/missing.conf" "store.path=$T/nope/relance.db"
RELANCE_CONF=$T/relance.conf
"$BUILD/relancectl" -c "$T/missing.conf" status >/dev/null 2>"$T/missing.err"
assert_eq "$?" 3 "missing store: exit 3"
assert_grep "store $T/nope/relance.db does not exist" "$T/missing.err" "missing store: clear message"
assert_eq "$("$BUILD/relancectl" -c "$T/nope.conf" status 2>/dev/null; echo $?)" 3 \
    "missing configuration: exit 3"
stop_relanced
relancectl status --json >"$T/status-stopped.json"
assert_eq "$(jget "$T/status-stopped.json" 'd["students"]["total"]')" 3 "status works with relanced stopped"
