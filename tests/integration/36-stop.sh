#!/bin/bash
# 36-stop: a STOP reply holds (contract 1.1, 2 and 4), through Kafka,
# Kannel (bearerbox + smsbox + fakesmsc) and the store:
#   - the sender is matched in the forms a gateway gives it: national
#     (0611...), international without "+" (33622...) and with 00
#     (0033633...), in [sms] country (default FR);
#   - a STOP reaches every student with that number (two siblings);
#   - a later exam.completed (a re-export or a resit: another id, the
#     school's record of consent, dated before or after the STOP) with consent.sms
#     true plans no SMS, and the fake SMSC gets none, while a student who
#     never said STOP gets hers at once;
#   - a student.updated withdrawal holds against an exam.completed read
#     after it whose time is older;
#   - a student.updated giving consent back with a time older than the
#     STOP changes nothing; one made after the STOP gives SMS back (an SMS
#     reaches the fake SMSC).
# Clock: RELANCE_TEST_CLOCK at Monday 2026-12-07 10:00 (Paris); exams of
# 2026-12-01 plan from 2026-12-15 (nothing due), resits of 2026-11-23 plan a
# check-in today, whose reminder is due at once.
. "$(dirname "$0")/../lib.sh"
lib_init stop

start_kafka
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" sms.gateway=kannel sms.user=tester \
    retry.first=1s retry.max=2s reminders.default_consent=sms reminders.horizon=400d
start_kannel
conf_kannel "$T/relance.conf"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"

# sms_to PHONE: SMS the fake SMSC got for PHONE (E.164)
sms_to() { kannel_messages | awk -F'\t' -v p="$1" '$2 == p' | wc -l; }
# live_sms STUDENT: SMS reminders pending, being sent or sent
live_sms() {
	sql "select count(*) from reminders where student_id = '$1' and channel = $CH_SMS
	     and status in ($REM_PENDING, $REM_SENDING, $REM_SENT)"
}
consent() { sql "select consent_sms || ' ' || consent_sms_by from students where id = '$1'"; }
applied() { [ "$(sql "select count(*) from events where id = '$1'")" = 1 ]; }

# 1. Five students with SMS consent (the school's record of 2026-12-01);
#    STU2 and STU3 are siblings sharing one phone.
T0=2026-12-01T10:00:00+01:00
EXAM=(time=$T0 -email consent_email=false consent_sms=true last_exam_on=2026-12-01)
{
	ev_exam "${EXAM[@]}" id=a1 student=STU1 phone=+33611111111 adviser=adv1
	ev_exam "${EXAM[@]}" id=a2 student=STU2 phone=+33622222222 adviser=adv2
	ev_exam "${EXAM[@]}" id=a3 student=STU3 phone=+33622222222 adviser=adv3 given_name=Léa
	ev_exam "${EXAM[@]}" id=a4 student=STU4 phone=+33633333333 adviser=adv4
	ev_exam "${EXAM[@]}" id=a5 student=STU5 phone=+33655555555 adviser=adv5
} >"$T/ev1.jsonl"
produce avenirpro.exams "$T/ev1.jsonl"
wait_for '[ "$(sql "select count(distinct student_id) from reminders where channel = $CH_SMS and status = $REM_PENDING")" = 5 ]' 20
for s in STU1 STU2 STU3 STU4 STU5; do
	assert_ne "$(live_sms $s)" 0 "$s has SMS reminders planned"
	assert_eq "$(consent $s)" "1 $CONSENT_EXAM" "$s: SMS consent is the school's record"
done
assert_eq "$(kannel_mt_count)" 0 "nothing due yet: no SMS sent"

# 2. STOP replies, the sender in three forms.
kannel_send_mo 0611111111 AvenirPro "STOP"
wait_for '[ "$(consent STU1)" = "0 $CONSENT_STOP" ]' 15
assert_eq "$(consent STU1)" "0 $CONSENT_STOP" "STOP from 0611111111 (national) matched +33611111111"
kannel_send_mo 33622222222 AvenirPro " stop sms. "
wait_for '[ "$(consent STU2)$(consent STU3)" = "0 ${CONSENT_STOP}0 $CONSENT_STOP" ]' 15
assert_eq "$(consent STU2)" "0 $CONSENT_STOP" "STOP from 33622222222 (no +) matched +33622222222"
assert_eq "$(consent STU3)" "0 $CONSENT_STOP" "... and reached the sibling with the same number"
kannel_send_mo 0033633333333 AvenirPro "Arrêt"
wait_for '[ "$(consent STU4)" = "0 $CONSENT_STOP" ]' 15
assert_eq "$(consent STU4)" "0 $CONSENT_STOP" "STOP from 0033633333333 (00) matched +33633333333"
for s in STU1 STU2 STU3 STU4; do
	assert_eq "$(live_sms $s)" 0 "$s: no SMS reminder left"
	assert_ne "$(sql "select count(*) from reminders where student_id = '$s' and channel = $CH_SMS and status = $REM_CANCELLED and last_error = 'STOP reply'")" 0 \
	    "$s: its SMS reminders are cancelled as STOP reply"
done
assert_eq "$(relancectl plan STU3 --json | "$PY" -c 'import json, sys; d = json.load(sys.stdin)["student"]; print(d["consent"]["sms"], d["consent_by"]["sms"])')" \
    "False stop-reply" "relancectl plan --json says who withdrew"
relancectl plan STU2 >"$T/plan.txt"
assert_grep 'phone \+33622222222 \(consent no: stop-reply\)' "$T/plan.txt" "relancectl plan says it too"
assert_eq "$(consent STU5)" "1 $CONSENT_EXAM" "another number is not touched"
assert_ne "$(live_sms STU5)" 0 "... nor its reminders"
assert_eq "$(sql "select value from counters where name = 'sms_stop'")" 3 "three STOP replies counted"
kannel_send_mo 0699999998 AvenirPro "STOP"
wait_for '[ "$(sql "select value from counters where name = '"'sms_stop_unknown'"'")" = 1 ]' 15
assert_eq "$(sql "select value from counters where name = 'sms_stop_unknown'")" 1 \
    "a STOP from a number of no student is counted apart"

# 3. STU5 withdraws through student.updated (made 2026-12-05).
ev_update id=u5 student=STU5 time=2026-12-05T12:00:00+01:00 consent_sms=false >"$T/u5.jsonl"
produce avenirpro.students "$T/u5.jsonl"
wait_for '[ "$(consent STU5)" = "0 $CONSENT_UPDATE" ]' 15
assert_eq "$(consent STU5)" "0 $CONSENT_UPDATE" "student.updated withdrew STU5's SMS consent"
assert_eq "$(live_sms STU5)" 0 "... and cancelled its SMS reminders"

# 4. Later exam.completed events (resits: new ids, a check-in today whose
#    reminder is due at once) carrying consent.sms true as the school
#    recorded it before the withdrawals; STU9 never withdrew.
RESIT=(-email consent_email=false consent_sms=true last_exam_on=2026-11-23)
{
	ev_exam "${RESIT[@]}" time=$T0 id=b1 student=STU1 phone=+33611111111 adviser=adv1
	# a day after the STOP: the school's record still does not lift it
	ev_exam "${RESIT[@]}" time=2026-12-06T10:00:00+01:00 id=b2 student=STU2 phone=+33622222222 adviser=adv2
	ev_exam "${RESIT[@]}" time=$T0 id=b3 student=STU3 phone=+33622222222 adviser=adv3 given_name=Léa
	# no time: dated when received, after the STOP; does not lift it either
	ev_exam "${RESIT[@]}" -time id=b4 student=STU4 phone=+33633333333 adviser=adv4
	# older than STU5's withdrawal (2026-12-05), read after it
	ev_exam "${RESIT[@]}" time=2026-12-03T10:00:00+01:00 id=b5 student=STU5 phone=+33655555555 adviser=adv5
	ev_exam "${RESIT[@]}" time=$T0 id=b9 student=STU9 phone=+33699999999 adviser=adv9
} >"$T/ev2.jsonl"
produce avenirpro.exams "$T/ev2.jsonl"
wait_for '[ "$(sms_to +33699999999)" -ge 1 ]' 30
assert_eq "$(sms_to +33699999999)" 1 "the student who never withdrew got her SMS at once"
wait_for 'applied b1 && applied b2 && applied b3 && applied b4 && applied b5' 10
# The reminders of the others would have gone in the same pass; give the
# gateway a moment anyway, and let the control's delivery report land.
wait_for '[ "$(sql "select count(*) from reminders where student_id = '"'STU9'"' and status = $REM_SENT")" -ge 1 ]' 15
sleep 2
for s in STU1 STU2 STU3 STU4 STU5; do
	assert_ne "$(sql "select count(*) from appointments where student_id = '$s' and status = $APPT_CONFIRMED and starts_at < $((NOW + 86400))")" 0 \
	    "$s: the resit booked a check-in today"
	assert_eq "$(live_sms $s)" 0 "$s: the later exam.completed planned no SMS"
done
for s in STU1 STU2 STU3 STU4; do
	assert_eq "$(consent $s)" "0 $CONSENT_STOP" "$s: the STOP holds against the later exam.completed"
done
assert_eq "$(consent STU5)" "0 $CONSENT_UPDATE" \
    "STU5: the withdrawal holds against an older-timed exam.completed read after it"
for p in +33611111111 +33622222222 +33633333333 +33655555555; do
	assert_eq "$(sms_to $p)" 0 "the fake SMSC got no SMS for $p"
done
assert_grep 'older than the stop-reply recorded, or not the student.s: ignored' "$T/relanced.log" \
    "the ignored consent is logged"

# 5. student.updated giving consent back: older than the STOP, nothing;
#    made after it, SMS again.
ev_update id=u1a student=STU1 time=2026-12-06T10:00:00+01:00 consent_sms=true >"$T/u1a.jsonl"
produce avenirpro.students "$T/u1a.jsonl"
wait_for 'applied u1a' 15
assert_eq "$(consent STU1)" "0 $CONSENT_STOP" "a consent older than the STOP changes nothing"
assert_eq "$(live_sms STU1)" 0 "... and plans no SMS"
AFTER=$(TZ=Europe/Paris date -d "@$((NOW + 3600))" +%Y-%m-%dT%H:%M:%S%:z)
ev_update id=u1b student=STU1 time="$AFTER" consent_sms=true >"$T/u1b.jsonl"
produce avenirpro.students "$T/u1b.jsonl"
wait_for '[ "$(consent STU1)" = "1 $CONSENT_UPDATE" ]' 15
assert_eq "$(consent STU1)" "1 $CONSENT_UPDATE" "a consent made after the STOP gives SMS back"
wait_for '[ "$(sms_to +33611111111)" -ge 1 ]' 30
assert_eq "$(sms_to +33611111111)" 1 "... and the fake SMSC gets STU1's reminder"
assert_eq "$(consent STU2)" "0 $CONSENT_STOP" "the sibling's STOP still holds"
assert_eq "$(sms_to +33622222222)" 0 "... and the shared number gets nothing"
assert_no_grep '611111111\|622222222\|633333333\|699999998' "$T/relanced.log" \
    "no phone number is logged"

stop_relanced
assert_eq $? 0 "relanced stops cleanly"
