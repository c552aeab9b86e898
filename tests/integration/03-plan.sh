#!/bin/bash
# 03-plan: follow-up plans end to end through Kafka (contract section 2),
# read back with `relancectl plan STUDENT --json` after each kind of event:
# exam.completed (4 check-ins, 1 drop-in, reminders outside quiet hours),
# attendance absent (missed + replacement), present, excused (by kind and
# starts_at), two consecutive absences (one adviser alert), workshop,
# student.updated (SMS consent withdrawn, follow_up stop), a resit (second
# exam.completed: the future part of the plan moved in place, never two
# plans), and
# a restart (every plan identical before and after: nothing planned twice).
. "$(dirname "$0")/../lib.sh"
lib_init plan

EXAMS=avenirpro.exams ATT=avenirpro.attendance STUDENTS=avenirpro.students
start_kafka
D1=$(date -d '+7 days' +%F)
D2=$(date -d '+8 days' +%F)
write_conf "$T/relance.conf" "dropin.window=* $D1..$D2 09:00-12:00,14:00-17:00 slot=20m capacity=5" \
    "dropin.location=Lycée, salle d'accueil"
start_relanced "$T/relance.conf"

LAST=$(date -d '-3 days' +%F)
N=0
# jp FILE EXPR: a Python expression on the JSON document d (appointments: A,
# confirmed ones: C; P: the statuses of reminders still to go, "pending"
# rows and "scheduled" ones of appointments beyond [reminders] horizon)
jp() {
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
A = d.get("appointments", [])
C = [a for a in A if a["status"] == "confirmed"]
P = ("pending", "scheduled")
print(eval(sys.argv[2]))' "$1" "$2"
}
# plan ID: relancectl plan ID --json into $T/ID.N.json, prints the file name
plan() {
	N=$((N + 1))
	relancectl plan "$1" --json >"$T/$1.$N.json"
	echo "$T/$1.$N.json"
}
# the students' exam.completed (ev_exam): Élodie Schœller, no phone unless given
ELODIE=(given_name=Élodie family_name=Schœller -phone -locale programme_code=CAP-EL "programme_label=CAP électricien")
send() {	# send TOPIC KEY JSON
	printf '%s\t%s\n' "$2" "$3" >"$T/msg.tsv"
	produce_keyed "$1" "$T/msg.tsv"
}
# applied EVENT_ID: wait until the event is stored (or dead-lettered)
applied() {
	wait_for "[ \"\$(sql \"select (select count(*) from events where id = '$1') +
	    (select count(*) from dead_letters where reason != '')\")\" -gt $(sql 'select count(*) from dead_letters') ]" 20 ||
	    fail "event $1 not applied within 20 s"
}

# ------------------------------------------------------- exam.completed
for s in P1 P2 P3 P4; do
	send $EXAMS $s "$(ev_exam "${ELODIE[@]}" id="exam-$s" student=$s last_exam_on="$LAST" phone=+3361234567${s#P})"
done
for s in P1 P2 P3 P4; do applied "exam-$s"; done
F=$(plan P1)
assert_eq "$(jp "$F" 'd["student"]["id"], d["student"]["last_exam_on"]')" "('P1', '$LAST')" "plan: the student"
assert_eq "$(jp "$F" 'sorted((a["kind"], a["status"]) for a in A)')" \
    "[('check-in', 'confirmed'), ('check-in', 'confirmed'), ('check-in', 'confirmed'), ('check-in', 'confirmed'), ('drop-in', 'confirmed')]" \
    "exam.completed: 4 check-ins and 1 drop-in, confirmed"
assert_eq "$(jp "$F" '[a["start"][:10] for a in C if a["kind"] == "drop-in"][0] in ("'"$D1"'", "'"$D2"'")')" True \
    "drop-in in the configured window"
assert_eq "$(jp "$F" 'all(a["start"][:10] >= "'"$(date -d "$LAST +14 days" +%F)"'" for a in C if a["kind"] == "check-in")')" True \
    "first check-in on or after last exam + 14 days"
assert_eq "$(jp "$F" 'all(__import__("datetime").datetime.fromisoformat(a["start"]).weekday() < 5 and "09:00" <= a["start"][11:16] < "17:00" for a in C if a["kind"] == "check-in")')" True \
    "check-ins on weekdays within office hours"
assert_eq "$(jp "$F" 'sorted(len(a["reminders"]) for a in A)')" "[4, 4, 4, 4, 4]" \
    "reminders: 2 offsets x (SMS + email) per appointment"
assert_eq "$(jp "$F" 'all(r["status"] in P and r["due"] < a["start"] for a in A for r in a["reminders"])')" True \
    "reminders pending, due before their appointment"
assert_eq "$(jp "$F" 'all("08:00" <= r["due"][11:16] < "20:00" for a in A for r in a["reminders"])')" True \
    "no reminder due inside quiet hours (20:00-08:00)"
# [reminders] horizon (7 days): appointments further away have no reminder
# rows yet; relancectl shows their reminders as scheduled, without an id
assert_eq "$(jp "$F" 'all((r["status"] == "scheduled") == (r["id"] is None) for a in A for r in a["reminders"])')" True \
    "scheduled reminders have no id, rows have one"
assert_eq "$(jp "$F" 'sorted(set(r["status"] for a in A for r in a["reminders"] if a["start"][:10] >= "'"$(date -d '+9 days' +%F)"'"))')" \
    "['scheduled']" "appointments beyond the horizon: reminders scheduled"
assert_eq "$(sql "select count(*) from reminders r join appointments a on a.id = r.appointment_id
	where a.student_id = 'P1' and a.starts_at > strftime('%s', 'now') + 8 * 86400")" 0 \
    "appointments beyond the horizon: no reminder rows in the store"
relancectl status --json >"$T/status.json"
AWAITING=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["appointments_awaiting_reminders"])' "$T/status.json")
assert_eq "$AWAITING" \
    "$(sql "select count(*) from appointments where status = $APPT_CONFIRMED and reminded = 0")" \
    "status: appointments awaiting their reminder rows"
assert_ne "$AWAITING" 0 "status: some are awaiting"
relancectl reminders --pending --json >"$T/pending.json"
assert_eq "$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["appointments_awaiting_reminders"])' "$T/pending.json")" \
    "$AWAITING" "reminders --pending --json counts the appointments awaiting their rows"
relancectl reminders --pending >"$T/pending.txt"
assert_grep "^and the reminders of $AWAITING appointments beyond the horizon: their rows are made 7 days before" \
    "$T/pending.txt" "reminders --pending says which reminders are still to come"
assert_eq "$(sql "select count(*) from (select adviser_id, starts_at from appointments
	where kind = $KIND_CHECKIN and status = $APPT_CONFIRMED group by 1, 2 having count(*) > 1)")" 0 "4 students of one adviser: no double booking"

# ------------------------------------------------------- attendance absent
UID1=$(jp "$F" '[a["uid"] for a in C if a["kind"] == "check-in"][0]')
START1=$(jp "$F" '[a["start"] for a in C if a["kind"] == "check-in"][0]')
send $ATT P1 "$(ev_attendance id=att-1 student=P1 uid="$UID1" status=absent situation=seeking)"
applied att-1
F=$(plan P1)
assert_eq "$(jp "$F" '[(a["status"], a["sequence"] > 0, a["situation"]) for a in A if a["uid"] == "'"$UID1"'"][0]')" \
    "('missed', True, 'seeking')" "absent: missed, SEQUENCE incremented, situation stored"
assert_eq "$(jp "$F" '[r["status"] for a in A if a["uid"] == "'"$UID1"'" for r in a["reminders"] if r["status"] in P]')" \
    "[]" "absent: no pending reminder left on the missed check-in"
REP1=$(jp "$F" '[a["uid"] for a in A if a["replaces"] == "'"$UID1"'"]')
assert_eq "$(jp "$F" 'len([a for a in C if a["replaces"] == "'"$UID1"'" and a["kind"] in ("check-in", "drop-in")])')" 1 \
    "absent: one replacement, linked to the missed one"
REP1=$(jp "$F" '[a["uid"] for a in C if a["replaces"] == "'"$UID1"'"][0]')
assert_eq "$(jp "$F" '[a["start"] > "'"$START1"'" and len(a["reminders"]) > 0 for a in C if a["uid"] == "'"$REP1"'"][0]')" True \
    "absent: the replacement is later and has its reminders"
assert_eq "$(jp "$F" 'len([a for a in C if a["kind"] == "check-in"])')" \
    "$(jp "$F" '4 - 1 + int(any(a["kind"] == "check-in" for a in C if a["uid"] == "'"$REP1"'"))')" \
    "absent: the other check-ins untouched"

# ------------------------------------------------------- attendance present
send $ATT P1 "$(ev_attendance id=att-2 student=P1 uid="$REP1" status=present situation=training)"
applied att-2
F=$(plan P1)
assert_eq "$(jp "$F" '[a["status"] for a in A if a["uid"] == "'"$REP1"'"][0]')" attended "present: attended"
assert_eq "$(jp "$F" '[r["status"] for a in A if a["uid"] == "'"$REP1"'" for r in a["reminders"] if r["status"] in P]')" \
    "[]" "present: its pending reminders cancelled"
assert_eq "$(jp "$F" 'len([a for a in A if a["replaces"] == "'"$REP1"'"])')" 0 "present: no replacement"

# ------------------------------------------------------- attendance excused, by kind + starts_at
UID2=$(jp "$F" 'sorted((a["start"], a["uid"]) for a in C if a["kind"] == "check-in")[0][1]')
START2=$(jp "$F" 'sorted((a["start"], a["uid"]) for a in C if a["kind"] == "check-in")[0][0]')
send $ATT P1 "$(ev_attendance id=att-3 student=P1 kind=check-in starts_at="$START2" status=excused)"
applied att-3
F=$(plan P1)
assert_eq "$(jp "$F" '[a["status"] for a in A if a["uid"] == "'"$UID2"'"][0]')" excused "excused (named by kind and starts_at)"
assert_eq "$(jp "$F" 'len([a for a in C if a["replaces"] == "'"$UID2"'"])')" 1 "excused: a replacement"
assert_eq "$(sql "select absences from appointments where uid = '$UID2'")" 0 "excused: not counted as an absence"

# ------------------------------------------------------- two consecutive absences: one alert
F=$(plan P4)
U4=$(jp "$F" 'sorted((a["start"], a["uid"]) for a in C if a["kind"] == "check-in")[0][1]')
send $ATT P4 "$(ev_attendance id=att-41 student=P4 uid="$U4" status=absent)"
applied att-41
F=$(plan P4)
R4=$(jp "$F" '[a["uid"] for a in C if a["replaces"] == "'"$U4"'"][0]')
send $ATT P4 "$(ev_attendance id=att-42 student=P4 uid="$R4" status=absent)"
applied att-42
F=$(plan P4)
assert_eq "$(jp "$F" '[a["status"] for a in A if a["uid"] in ("'"$U4"'", "'"$R4"'")]')" "['missed', 'missed']" \
    "two absences in a row: both missed"
assert_eq "$(sql "select count(*) from reminders where student_id = 'P4' and kind = $REM_ALERT_ABSENCES")" 1 \
    "two consecutive absences: one adviser alert queued"
assert_eq "$(jp "$F" 'len([a for a in C if a["replaces"] == "'"$R4"'"])')" 1 "second absence: replaced again"

# ------------------------------------------------------- workshop
send $ATT P3 "$(ev_attendance id=att-5 student=P3 kind=workshop starts_at="$(date -d '-1 days' +%F)T10:00:00+01:00" \
    status=present situation=employed)"
applied att-5
assert_eq "$(sql "select kind, status, situation from attendance where student_id = 'P3'")" "$KIND_WORKSHOP|$ATT_PRESENT|$SIT_EMPLOYED" \
    "workshop attendance stored for the indicators"

# ------------------------------------------------------- SMS consent withdrawn
F=$(plan P1)
NEMAIL=$(jp "$F" 'len([r for a in A for r in a["reminders"] if r["channel"] == "email" and r["status"] in P])')
assert_ne "$(jp "$F" 'len([r for a in A for r in a["reminders"] if r["channel"] == "sms" and r["status"] in P])')" 0 \
    "before: SMS reminders pending"
send $STUDENTS P1 "$(ev_update id=upd-1 student=P1 consent_sms=false)"
applied upd-1
F=$(plan P1)
assert_eq "$(jp "$F" 'd["student"]["consent"]')" "{'sms': False, 'email': True}" "student.updated: consent stored"
assert_eq "$(jp "$F" 'len([r for a in A for r in a["reminders"] if r["channel"] == "sms" and r["status"] in P])')" 0 \
    "SMS consent withdrawn: no SMS reminder pending"
assert_eq "$(jp "$F" 'len([r for a in A for r in a["reminders"] if r["channel"] == "email" and r["status"] in P])')" \
    "$NEMAIL" "SMS consent withdrawn: email reminders untouched"

# ------------------------------------------------------- follow_up stop
send $STUDENTS P2 "$(ev_update id=upd-2 student=P2 follow_up=stop)"
applied upd-2
F=$(plan P2)
assert_eq "$(jp "$F" 'd["student"]["stopped"]')" True "stop: the student is stopped"
assert_eq "$(jp "$F" 'sorted({a["status"] for a in A})')" "['cancelled']" "stop: every future appointment cancelled"
assert_eq "$(jp "$F" 'len([r for a in A for r in a["reminders"] if r["status"] in P]) + len([r for r in d["other_reminders"] if r["status"] in P])')" \
    0 "stop: no reminder pending"
assert_eq "$(jp "$F" 'all(a["sequence"] >= 1 for a in A)')" True "stop: SEQUENCE incremented (calendars see the cancellation)"

# ------------------------------------------------------- resit
F=$(plan P3)
OLD3=$(jp "$F" '" ".join(sorted(a["uid"] for a in C))')
LAST2=$(date -d '+2 days' +%F)
send $EXAMS P3 "$(ev_exam "${ELODIE[@]}" id=resit-P3 student=P3 last_exam_on="$LAST2" phone=+33612340099 email=p3.resit@example.org)"
applied resit-P3
F=$(plan P3)
assert_eq "$(jp "$F" 'd["student"]["last_exam_on"], d["student"]["email"], d["student"]["phone"]')" \
    "('$LAST2', 'p3.resit@example.org', '+33612340099')" "resit: contact data and exam date updated"
# (contract 1.1 since issue 12: a resit moves the appointments in place)
assert_eq "$(jp "$F" 'sorted(a["status"] for a in A if a["uid"] in "'"$OLD3"'".split())')" \
    "['confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed']" "resit: the old appointments moved in place, UIDs kept, none cancelled"
assert_eq "$(jp "$F" 'sorted(a["kind"] for a in C)')" "['check-in', 'check-in', 'check-in', 'check-in', 'drop-in']" \
    "resit: one plan (4 check-ins, 1 drop-in), never two"
assert_eq "$(jp "$F" 'all(a["uid"] in "'"$OLD3"'".split() for a in A)')" True "resit: no new UID"
assert_eq "$(jp "$F" 'sorted(a["sequence"] for a in C if a["kind"] == "check-in")')" "[1, 1, 1, 1]" \
    "resit: the check-ins moved (SEQUENCE + 1)"
assert_eq "$(jp "$F" 'all(a["start"][:10] >= "'"$(date -d "$LAST2 +14 days" +%F)"'" for a in C if a["kind"] == "check-in")')" True \
    "resit: check-ins counted from the new last exam"
assert_eq "$(jp "$F" 'all(r["due"] < a["start"] for a in C for r in a["reminders"] if r["status"] in P)')" True \
    "resit: the reminders follow their appointments"
send $EXAMS P3 "$(ev_exam "${ELODIE[@]}" id=resit-P3 student=P3 last_exam_on="$LAST2" phone=+33612340099 email=p3.resit@example.org)"
send $EXAMS P3 "$(ev_exam "${ELODIE[@]}" id=exam-P3 student=P3 last_exam_on="$LAST" phone=+33612345673)"
# keyed P3: same partition, so read after the two duplicates
send $EXAMS P3 "$(ev_exam "${ELODIE[@]}" id=exam-P9 student=P9 last_exam_on="$LAST")"
applied exam-P9
assert_eq "$(relancectl plan P3 --json | md5sum)" "$(md5sum <"$F")" "resit redelivered (and the first exam again): nothing changes"

assert_eq "$(sql "select count(*) from (select adviser_id, starts_at from appointments
	where kind = $KIND_CHECKIN and status = $APPT_CONFIRMED group by 1, 2 having count(*) > 1)")" 0 "no adviser double booking, replacements included"
assert_eq "$(sql "select count(*) from dead_letters")" 0 "nothing dead-lettered"

# ------------------------------------------------------- restart
for s in P1 P2 P3 P4 P9; do relancectl plan $s --json >"$T/before-$s.json"; done
sql 'select count(*), sum(sequence) from appointments' >"$T/before.counts"
sql 'select count(*) from reminders' >>"$T/before.counts"
stop_relanced 20
assert_eq "$?" 0 "SIGTERM: exit 0"
start_relanced "$T/relance.conf"
send $EXAMS P10 "$(ev_exam "${ELODIE[@]}" id=exam-P10 student=P10 last_exam_on="$LAST")"
applied exam-P10
sleep 1
for s in P1 P2 P3 P4 P9; do
	relancectl plan $s --json >"$T/after-$s.json"
	assert_ok "restart: plan of $s identical" cmp -s "$T/before-$s.json" "$T/after-$s.json"
done
assert_eq "$(sql "select count(*) - 5, sum(sequence) from appointments where student_id != 'P10'")" \
    "$(head -1 "$T/before.counts" | awk -F'|' '{print $1 - 5 "|" $2}')" "restart: no appointment added or changed"
assert_eq "$(jp "$(plan P10)" 'len(C)')" 5 "after the restart a new student is planned"

# ------------------------------------------------------- the horizon moves
# 12 days later (relanced's test clock), the job that makes reminder rows
# has made those of every appointment now within the 7-day horizon.
stop_relanced 20
LATER=$(($(date +%s) + 12 * 86400))
BEFORE=$(sql "select count(*) from reminders")
RELANCED_ENV="RELANCE_TEST_CLOCK=$LATER" start_relanced "$T/relance.conf"
AWAIT="select count(*) from appointments where status = $APPT_CONFIRMED and reminded = 0 and starts_at <= $LATER + 7 * 86400"
wait_for "[ \"\$(sql \"$AWAIT\")\" = 0 ]" 30
assert_eq "$(sql "$AWAIT")" 0 "12 days later: every appointment within the horizon has its reminder rows"
assert_eq "$(sql "select count(*) > $BEFORE from reminders")" 1 "12 days later: new reminder rows"
assert_eq "$(sql "select count(*) from appointments where status = $APPT_CONFIRMED and reminded = 1
	and starts_at > $LATER + 8 * 86400 and created_at < $LATER - 86400")" 0 \
    "12 days later: appointments further away still have none"
assert_eq "$(sql "select count(*) from (select appointment_id, channel, due_at from reminders
	where status != $REM_CANCELLED group by 1, 2, 3 having count(*) > 1)")" 0 "no reminder made twice"
