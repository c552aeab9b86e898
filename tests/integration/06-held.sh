#!/bin/bash
# 06-held: events that come before their student (contract 1.4). A
# student.updated withdrawing SMS consent, produced after its student's
# exam.completed but on another topic and read first, is held (in the
# store, counted by relancectl status and /metrics; a second delivery is a
# duplicate), then applied once the exam.completed is: the SMS reminders of
# the new plan are cancelled, the email ones stay. A binary-mode event is
# held with its key and ce_* headers and parsed again from them. Held events survive a
# SIGKILL. One whose student never comes is dead-lettered after
# [kafka] hold_unknown (test clock moved 8 days on): relance-error
# "unknown student", value and origin headers, read back from the DLQ
# topic. An attendance naming an unknown UID is dead-lettered at once.
. "$(dirname "$0")/../lib.sh"
lib_init held

EXAMS=avenirpro.exams ATT=avenirpro.attendance STUDENTS=avenirpro.students
DLQ=avenirpro.relance.dlq
LAST=$(date -d '-3 days' +%F)
# The exam was sat (and sent) before the update was made.
T_EXAM=$(date -d '-2 hours' +%FT%T%:z) T_UPD=$(date -d '-1 hour' +%FT%T%:z)

start_kafka
# Every reminder row is made with its appointment (horizon): the test can
# see which channels were planned and cancelled at once.
write_conf "$T/relance.conf" reminders.horizon=3650d
start_relanced "$T/relance.conf"

held() { sql "select count(*) from held_events"; }
metric() { curl -sf "$RELANCE_URL/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
pending() {	# pending STUDENT CHANNEL_CODE
	sql "select count(*) from reminders where student_id = '$1' and channel = $2 and status = $REM_PENDING"
}

# ---------------------------------------------- held, then applied
ev_update id=upd-h1 student=H1 time="$T_UPD" consent_sms=false >"$T/upd-h1.jsonl"
produce $STUDENTS "$T/upd-h1.jsonl"
wait_for '[ "$(held)" = 1 ]' 20 || die "update of an unknown student not held"
assert_eq "$(sql "select count(*) from dead_letters")" 0 "held, not dead-lettered"
assert_eq "$(sql "select count(*) from students")" 0 "held: nothing applied yet"
assert_eq "$(sql "select student_id, type, topic from held_events")" \
    "H1|avenirpro.student.updated|$STUDENTS" "held in the store with its student, type and origin"
assert_eq "$(sql "select value from held_events")" "$(cat "$T/upd-h1.jsonl")" "held: the message as received"

relancectl status >"$T/status.txt"
assert_grep '^held events +1 \(student not known yet; oldest [0-9-]+ [0-9:]+, dead-lettered after 7d\)$' \
    "$T/status.txt" "relancectl status: 1 held event, the oldest and hold_unknown"
relancectl status --json >"$T/status.json"
assert_eq "$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["held_events"], d["held_events_oldest"] is not None)' "$T/status.json")" \
    "1 True" "relancectl status --json: held_events"
assert_eq "$(metric relance_held_events)" 1 "/metrics: relance_held_events 1 while held"
assert_eq "$(metric relance_events_held_total)" 1 "/metrics: relance_events_held_total 1"

# The same event again: a duplicate, held once.
produce $STUDENTS "$T/upd-h1.jsonl"
wait_for '[ "$(metric "relance_events_total{type=\"any\",result=\"duplicate\"}")" = 1 ]' 20 ||
    fail "second delivery of the held event not seen as a duplicate"
assert_eq "$(held)" 1 "second delivery of a held event: still held once"
assert_eq "$(metric relance_events_held_total)" 1 "second delivery: not counted as held again"

# The student arrives.
ev_exam id=exam-h1 student=H1 time="$T_EXAM" last_exam_on="$LAST" >"$T/exam-h1.jsonl"
produce $EXAMS "$T/exam-h1.jsonl"
wait_for '[ "$(held)" = 0 ]' 20 || fail "held event not released when its student came"
assert_eq "$(sql "select consent_sms from students where id = 'H1'")" 0 "released: SMS consent withdrawn"
assert_eq "$(pending H1 $CH_SMS)" 0 "released: no SMS reminder pending"
assert_ne "$(sql "select count(*) from reminders where student_id = 'H1' and channel = $CH_SMS and status = $REM_CANCELLED")" 0 \
    "released after the plan: its SMS reminders cancelled"
assert_ne "$(pending H1 $CH_EMAIL)" 0 "released: the email reminders stay"
assert_eq "$(sql "select count(*) from events where id = 'upd-h1'")" 1 "released: the update is remembered"
assert_eq "$(sql "select count(*) from dead_letters")" 0 "released: nothing dead-lettered"
relancectl plan H1 --json >"$T/plan-h1.json"
assert_eq "$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = [x for a in d["appointments"] for x in a["reminders"]]
print(sum(x["channel"] == "sms" and x["status"] == "pending" for x in r), sum(x["channel"] == "email" and x["status"] == "pending" for x in r) > 0)' "$T/plan-h1.json")" \
    "0 True" "relancectl plan: no SMS reminder pending, email ones pending"
assert_eq "$(metric relance_held_events)" 0 "/metrics: relance_held_events 0 once released"
assert_eq "$(metric 'relance_held_events_done_total{outcome="released"}')" 1 "/metrics: one released"
relancectl status >"$T/status2.txt"
assert_grep '^held events +0$' "$T/status2.txt" "relancectl status: 0 held once released"

# Redelivered after its release: a duplicate, not held again.
produce $STUDENTS "$T/upd-h1.jsonl"
wait_for '[ "$(metric "relance_events_total{type=\"any\",result=\"duplicate\"}")" = 2 ]' 20
assert_eq "$(held)" 0 "redelivery after the release: not held again"

# An attendance naming a UID relance never made: dead-lettered at once.
ev_attendance id=att-x student=NOBODY01 uid=nope@relance.test status=present >"$T/att-x.jsonl"
produce $ATT "$T/att-x.jsonl"
wait_for 'sql "select count(*) from dead_letters" | grep -qx 1' 20
assert_eq "$(sql "select reason from dead_letters")" "unknown appointment" \
    "attendance by unknown UID of an unknown student: dead-lettered at once"
assert_eq "$(held)" 0 "attendance by unknown UID: not held"

# A binary-mode update (envelope in ce_* headers, a key): held with its
# headers and key, parsed again from them when its student comes.
printf '%s' '{"student_id":"H4","locale":"en"}' >"$T/bin-h4.json"
kcat -P -q -b "$BROKERS" -t $STUDENTS -p 0 -k key-h4 -H ce_specversion=1.0 -H ce_id=bin-upd-h4 \
    -H ce_source=/ml/x -H ce_type=avenirpro.student.updated -H "ce_time=$T_UPD" \
    -H content-type=application/json "$T/bin-h4.json"
wait_for '[ "$(held)" = 1 ]' 20 || fail "binary-mode update of an unknown student not held"
assert_eq "$(sql "select msg_key, length(headers) > 0 from held_events")" "key-h4|1" \
    "binary mode: held with its key and headers"
ev_exam id=exam-h4 student=H4 time="$T_EXAM" last_exam_on="$LAST" >"$T/exam-h4.jsonl"
produce $EXAMS "$T/exam-h4.jsonl"
wait_for '[ "$(held)" = 0 ]' 20 || fail "binary-mode held event not released"
assert_eq "$(sql "select locale from students where id = 'H4'")" en \
    "binary mode: released, parsed again from its headers"
assert_eq "$(sql "select count(*) from events where source = '/ml/x' and id = 'bin-upd-h4'")" 1 \
    "binary mode: remembered by its (source, id)"

# ---------------------------------------------- a SIGKILL while held
ev_update id=upd-h2 student=H2 time="$T_UPD" locale=en >"$T/upd-h2.jsonl"
ev_update id=upd-h3 student=H3 time="$T_UPD" consent_email=false >"$T/upd-h3.jsonl"
produce $STUDENTS "$T/upd-h2.jsonl"
produce $STUDENTS "$T/upd-h3.jsonl"
wait_for '[ "$(held)" = 2 ]' 20 || fail "two updates of unknown students not held"
kill9_relanced
assert_eq "$(held)" 2 "SIGKILL: the held events are in the store"
start_relanced "$T/relance.conf"
ev_exam id=exam-h3 student=H3 time="$T_EXAM" last_exam_on="$LAST" >"$T/exam-h3.jsonl"
produce $EXAMS "$T/exam-h3.jsonl"
wait_for 'sql "select count(*) from students where id = '"'H3'"'" | grep -qx 1' 30 || fail "H3 not applied after restart"
wait_for '[ "$(held)" = 1 ]' 10
assert_eq "$(held)" 1 "after SIGKILL and restart: H3's held event released, H2's still held"
assert_eq "$(sql "select consent_email from students where id = 'H3'")" 0 "released after a restart: email consent withdrawn"
assert_eq "$(pending H3 $CH_EMAIL)" 0 "released after a restart: no email reminder pending"
assert_ne "$(pending H3 $CH_SMS)" 0 "released after a restart: the SMS reminders stay"
assert_eq "$(sql "select count(*) from events where id = 'upd-h2'")" 0 "H2's update: not applied, not replayed as applied"
relancectl status --json >"$T/status3.json"
assert_eq "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["held_events"])' "$T/status3.json")" 1 \
    "relancectl status --json: 1 held after the restart"

# ---------------------------------------------- never comes: dead-lettered
# (the attendance may be there twice: it was redelivered after the SIGKILL)
unknown_dl() { consume_all $DLQ | grep -F 'relance-error=unknown student'; }
assert_eq "$(unknown_dl | wc -l)" 0 "DLQ before the expiry: no 'unknown student'"
stop_relanced 20
# A week and a day later (the daemon's clock only).
RELANCED_ENV="RELANCE_TEST_CLOCK=$(($(date +%s) + 8 * 86400))" start_relanced "$T/relance.conf"
wait_for 'sql "select count(*) from dead_letters where reason = '"'unknown student'"'" | grep -qx 1' 75 ||
    fail "held event not dead-lettered after hold_unknown"
assert_eq "$(held)" 0 "after hold_unknown: nothing held"
assert_eq "$(sql "select topic, hex(payload) from dead_letters where reason = 'unknown student'")" \
    "$STUDENTS|$(tr -d '\n' <"$T/upd-h2.jsonl" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" \
    "dead_letters: the held message, from the students topic"
wait_for 'unknown_dl' 20
unknown_dl >"$T/dlq-unknown.txt"
assert_eq "$(wc -l <"$T/dlq-unknown.txt")" 1 "DLQ topic: one 'unknown student' dead letter"
assert_eq "$(cut -f2- "$T/dlq-unknown.txt")" "$(cat "$T/upd-h2.jsonl")" "DLQ topic: the value unchanged"
assert_grep "relance-topic=$STUDENTS" "$T/dlq-unknown.txt" "DLQ topic: relance-topic names the origin"
assert_grep 'relance-offset=[0-9]+' "$T/dlq-unknown.txt" "DLQ topic: relance-offset"
assert_eq "$(grep -c '^<4>dead letter: .*: unknown student$' "$T/relanced.log")" 1 "logged once at warning level"
assert_eq "$(metric 'relance_held_events_done_total{outcome="expired"}')" 1 "/metrics: one expired"
assert_eq "$(metric relance_held_events)" 0 "/metrics: none held"
assert_eq "$(sql "select count(*) from students where id = 'H2'")" 0 "the student never came: nothing planned"
stop_relanced 20
assert_eq "$?" 0 "SIGTERM: exit 0"
