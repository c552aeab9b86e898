#!/bin/bash
# 04-moves: a second exam.completed for a known student (contract 1.1),
# end to end with the real peers (Kafka mock, aiosmtpd, Kannel + fakesmsc,
# python3-icalendar):
#   - the same event re-sent 3 times under new ids changes no feed byte
#     (DTSTAMP aside) and sends nothing (messages counted at the peers);
#   - a resit moves the appointments in place: same UID, higher SEQUENCE,
#     new DTSTART (read with python3-icalendar), the one at the same time
#     untouched; the moved ones' pending reminders are re-timed (same rows),
#     nothing is sent at once;
#   - a drop-in already attended is not offered again by a resit;
#   - last_exam_on 9999-12-31 or 1900-01-01 is dead-lettered with the
#     reason in relance-error, and the adviser's feed still parses.
# relanced runs on a test clock: Tuesday 2026-12-08 10:00 (Paris).
. "$(dirname "$0")/../lib.sh"
lib_init moves

ICSCHECK="$PY $LIB_TESTS/peers/icscheck.py"
EXAMS=avenirpro.exams ATT=avenirpro.attendance DLQ=avenirpro.relance.dlq
NOW=$(TZ=Europe/Paris date -d '2026-12-08 10:00:00' +%s)
at() { TZ=Europe/Paris date -d "$1" +%s; }

start_kafka
start_smtpd
# horizon 400d: reminder rows at once (re-timing is visible in the store)
write_conf "$T/relance.conf" smtp.url="$SMTP_URL" smtp.tls=none \
    sms.gateway=kannel sms.user=tester calendar.refresh=1s \
    reminders.horizon=400d reminders.max_per_day=20 \
    "dropin.window=* 2026-12-10..2026-12-11 09:00-12:00 slot=20m capacity=3"
start_kannel
conf_kannel "$T/relance.conf"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"

send() {	# send TOPIC KEY JSON
	printf '%s\t%s\n' "$2" "$3" >"$T/msg.tsv"
	produce_keyed "$1" "$T/msg.tsv"
}
# applied EVENT_ID: wait until the event is remembered (applied)
applied() {
	wait_for "[ \"\$(sql \"select count(*) from events where id = '$1'\")\" = 1 ]" 20 ||
	    fail "event $1 not applied within 20 s"
}
# fetch URL OUT: the body in OUT, prints the HTTP status
fetch() { curl -s -o "$2" -w '%{http_code}' "$1"; }
feeds() {	# feeds SUFFIX: the adviser's and M1's feeds into $T/*.SUFFIX.ics
	fetch "$RELANCE_URL/feeds/adviser/$ADV.ics" "$T/adv.$1.ics" >/dev/null
	fetch "$RELANCE_URL/feeds/student/$STU.ics" "$T/stu.$1.ics" >/dev/null
}
# the store's view of a student: appointments and reminders
state() {
	sql "select uid, starts_at, ends_at, status, sequence, updated_at from appointments
	     where student_id = '$1' order by id"
	sql "select id, channel, status, due_at, next_at from reminders where student_id = '$1' order by id"
}
sent() { echo "$(smtp_count) email, $(kannel_mt_count) SMS"; }

# ----------------------------------------------------------- the first plan
# last exam Wednesday 11-25: +14d is tomorrow 09:00, its 48 h reminder is
# overdue (one due at once), like the drop-in's on Thursday 12-10.
M1=(student=M1 given_name=Maëlle phone=+33611110001 email=m1@example.org last_exam_on=2026-11-25)
send $EXAMS M1 "$(ev_exam id=m1-first "${M1[@]}")"
applied m1-first
assert_eq "$(sql "select count(*) from appointments where student_id = 'M1' and status = $APPT_CONFIRMED")" 5 \
    "first exam.completed: 4 check-ins and a drop-in"
wait_for '[ "$(smtp_count)" -ge 2 ] && [ "$(kannel_mt_count)" -ge 2 ]' 30
sleep 2
assert_eq "$(sent)" "2 email, 2 SMS" "the overdue reminders go at once (check-in and drop-in, each channel)"
ADV=$(sql "select feed_token from advisers where id = 'acomelli'")
STU=$(sql "select feed_token from students where id = 'M1'")
sleep 1.5	# a feed refresh
feeds before
assert_ok "adviser feed valid" $ICSCHECK "$T/adv.before.ics" --kind adviser
state M1 >"$T/state.before"

# ----------------------------------------------------------- re-sent 3 times
for i in 1 2 3; do
	send $EXAMS M1 "$(ev_exam id="m1-again-$i" "${M1[@]}")"
done
applied m1-again-3
sleep 3	# feed refresh, and time for anything that would be sent
assert_eq "$(sql "select count(*) from events where id like 'm1-%'")" 4 "the re-sent events were applied (new ids)"
feeds after
assert_ok "adviser feed: no byte changed but DTSTAMP" \
    cmp -s <(grep -v '^DTSTAMP' "$T/adv.before.ics") <(grep -v '^DTSTAMP' "$T/adv.after.ics")
assert_ok "student feed: no byte changed but DTSTAMP" \
    cmp -s <(grep -v '^DTSTAMP' "$T/stu.before.ics") <(grep -v '^DTSTAMP' "$T/stu.after.ics")
state M1 >"$T/state.after"
assert_ok "re-sent: appointments and reminders untouched in the store" cmp -s "$T/state.before" "$T/state.after"
assert_eq "$(sent)" "2 email, 2 SMS" "re-sent 3 times: nothing sent (aiosmtpd, fakesmsc)"
assert_eq "$(sql "select count(*) from appointments where student_id = 'M1' and status = $APPT_CANCELLED")" 0 \
    "re-sent: nothing cancelled"

# ----------------------------------------------------------- a resit
# last exam Friday 11-27: +14d 12-09 -> 12-11; +45d 2027-01-11 is the same
# Monday (untouched); +90d and +180d move; the drop-in of 12-10 09:00 stays.
$ICSCHECK "$T/adv.after.ics" | sort >"$T/ics.before"
sql "select uid, plan_index from appointments where student_id = 'M1' and kind = $KIND_CHECKIN" >"$T/uids"
UID0=$(awk -F'|' '$2 == 0 {print $1}' "$T/uids")
UID1=$(awk -F'|' '$2 == 1 {print $1}' "$T/uids")
ID0=$(sql "select id from appointments where uid = '$UID0'")
PEND0=$(sql "select id from reminders where appointment_id = $ID0 and status = $REM_PENDING order by id" | tr '\n' ' ')
assert_eq "$(echo $PEND0 | wc -w)" 2 "before the resit: check-in 0 has a pending reminder row per channel (2 h before)"
M1[4]=last_exam_on=2026-11-27
send $EXAMS M1 "$(ev_exam id=m1-resit "${M1[@]}")"
applied m1-resit
# moved0: the adviser feed, fetched again, shows check-in 0 moved (SEQUENCE 1)
moved0() {
	fetch "$RELANCE_URL/feeds/adviser/$ADV.ics" "$T/adv.resit.ics" >/dev/null &&
	    $ICSCHECK "$T/adv.resit.ics" 2>/dev/null | grep -qP "^$UID0\tCONFIRMED\t1\t"
}
wait_for moved0 10
assert_ok "adviser feed valid after the resit" $ICSCHECK "$T/adv.resit.ics" --kind adviser
$ICSCHECK "$T/adv.resit.ics" | sort >"$T/ics.resit"
"$PY" - "$T/ics.before" "$T/ics.resit" "$(date -u -d @"$(at '2026-12-11 09:00')" +%Y-%m-%dT%H:%M:%SZ)" \
    "$UID0" "$UID1" >"$T/moves.txt" <<'EOF'
import sys
def read(path):
    return {l.split("\t")[0]: l.rstrip("\n").split("\t") for l in open(path)}
before, after, new0, uid0, uid1 = read(sys.argv[1]), read(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
print("same UIDs", sorted(before) == sorted(after))
moved = [u for u in before if after[u][3] != before[u][3]]
print("moved", len(moved), all(int(after[u][2]) > int(before[u][2]) and after[u][1] == "CONFIRMED" for u in moved))
still = [u for u in before if after[u][3] == before[u][3]]
print("untouched", len(still), all(after[u][2] == before[u][2] for u in still))
print("first", after[uid0][3] == new0, "second", uid1 in still)
EOF
sed 's/^/  .. /' "$T/moves.txt"
assert_line "same UIDs True" "$T/moves.txt" "resit: the same UIDs in the adviser feed (python3-icalendar), none cancelled"
assert_line "moved 3 True" "$T/moves.txt" "resit: 3 check-ins moved: new DTSTART, higher SEQUENCE, CONFIRMED"
assert_line "untouched 2 True" "$T/moves.txt" "resit: the check-in at the same time and the drop-in untouched (same SEQUENCE)"
assert_line "first True second True" "$T/moves.txt" "resit: +14d now Friday 12-11 09:00; +45d still Monday 01-11"
# The moved check-in's reminders: the same pending rows, re-timed for
# Friday 09:00 (48 h before: Wednesday 09:00), plus the 2 h one (quiet
# hours: 08:00); nothing due at once.
assert_eq "$(sql "select id from reminders where appointment_id = $ID0 and status = $REM_PENDING order by id limit 2" | tr '\n' ' ')" \
    "$PEND0" "resit: the moved check-in keeps its pending reminder rows"
assert_eq "$(sql "select group_concat(due_at) from (select distinct due_at from reminders
	where appointment_id = $ID0 and status = $REM_PENDING order by due_at)")" \
    "$(at '2026-12-09 09:00'),$(at '2026-12-11 08:00')" "resit: its reminders re-timed (48 h and 2 h before the new time)"
assert_eq "$(sql "select count(*) from reminders r join appointments a on a.id = r.appointment_id
	where a.student_id = 'M1' and r.status = $REM_PENDING and r.due_at >= a.starts_at")" 0 \
    "resit: no pending reminder after its appointment"
sleep 2
assert_eq "$(sent)" "2 email, 2 SMS" "resit: nothing sent at once"

# ----------------------------------------------------------- attended drop-in
M2=(student=M2 given_name=Noé phone=+33611110002 email=m2@example.org last_exam_on=2026-11-25)
send $EXAMS M2 "$(ev_exam id=m2-first "${M2[@]}")"
applied m2-first
D2=$(sql "select uid from appointments where student_id = 'M2' and kind = $KIND_DROPIN")
send $ATT M2 "$(ev_attendance id=m2-att student=M2 uid="$D2" status=present)"
applied m2-att
M2[4]=last_exam_on=2026-11-26
send $EXAMS M2 "$(ev_exam id=m2-resit "${M2[@]}")"
applied m2-resit
assert_eq "$(sql "select status from appointments where student_id = 'M2' and kind = $KIND_DROPIN order by id")" \
    "$APPT_ATTENDED" "resit: the attended drop-in stays, no drop-in offered again"
assert_eq "$(sql "select count(*) from appointments where student_id = 'M2' and kind = $KIND_CHECKIN and status = $APPT_CONFIRMED")" \
    4 "resit: M2's check-ins still 4"

# ----------------------------------------------------------- out of range
N0=$(consume_count $DLQ)
M1_STATE=$(state M1)
send $EXAMS M3 "$(ev_exam id=m3-9999 student=M3 given_name=Zoé phone=+33611110003 last_exam_on=9999-12-31)"
send $EXAMS M1 "$(ev_exam id=m1-9999 "${M1[@]}" last_exam_on=9999-12-31)"
send $EXAMS M4 "$(ev_exam id=m4-1900 student=M4 given_name=Léo phone=+33611110004 last_exam_on=1900-01-01)"
wait_for "[ \$(consume_count $DLQ) -ge $((N0 + 3)) ]" 20
consume_all $DLQ | tail -n 3 >"$T/dlq.txt"
assert_eq "$(grep -c 'relance-error=data.exam.last_exam_on: out of range' "$T/dlq.txt")" 3 \
    "9999-12-31 and 1900-01-01: dead-lettered with relance-error 'data.exam.last_exam_on: out of range'"
assert_eq "$(sql "select count(*) from dead_letters where reason = 'data.exam.last_exam_on: out of range'")" 3 \
    "kept in the store's dead letters"
assert_eq "$(sql "select count(*) from students where id in ('M3', 'M4')")" 0 "no student planned from them"
assert_eq "$(state M1)" "$M1_STATE" "M1's plan unchanged by its 9999 event"
sleep 1.5
fetch "$RELANCE_URL/feeds/adviser/$ADV.ics" "$T/adv.final.ics" >/dev/null
assert_ok "the adviser's feed still parses (python3-icalendar)" $ICSCHECK "$T/adv.final.ics" --kind adviser
assert_no_grep '00000000T000000' "$T/adv.final.ics" "no DTSTART:00000000T000000 in the adviser's feed"
assert_eq "$(grep -c '^<4>dead letter: .*out of range' "$T/relanced.log")" 3 "each logged once at warning level"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
