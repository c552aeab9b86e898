#!/bin/bash
# 32-quiet: quiet hours, reminder times and the daily cap end to end, with
# relanced's injected clock (RELANCE_TEST_CLOCK=EPOCH[xSPEED]; libfaketime
# stalls librdkafka's threads). Email reminders go to the outbox.
#  - Monday 2026-12-07 21:00 (quiet hours 20:00-08:00): an exam on 11-24
#    books a check-in on Tuesday 12-08 09:00; its reminders are not sent at
#    night but planned for 08:00; one made due at 21:00 by hand is moved to
#    08:00 by the dispatcher at send time.
#  - The clock then starts at 07:56 running 60x: at 08:00 the reminders of
#    the check-in are all due at once: only the latest goes, the other one
#    is skipped (contract section 2: several reminders of one appointment
#    and channel overdue at once). A reminder of the student's next
#    check-in, made due at 08:00 too, meets max_per_day = 1: it moves to
#    the end of the next quiet hours (Wednesday 08:00).
. "$(dirname "$0")/../lib.sh"
lib_init quiet

start_kafka
at() { TZ=Europe/Paris date -d "$1" +%s; }
write_conf "$T/relance.conf" reminders.quiet_hours=20:00-08:00 reminders.max_per_day=1 \
    reminders.offsets="48h, 2h" reminders.default_consent=email
RELANCED_ENV="RELANCE_TEST_CLOCK=$(at '2026-12-07 21:00:00')" start_relanced "$T/relance.conf"
ev_exam id=q1 time=2026-06-19T16:05:00+02:00 student=STUQ email=axel.b@example.org -phone consent_sms=false \
    last_exam_on=2026-11-24 >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
wait_for '[ "$(sql "select count(*) from reminders where student_id = '"'STUQ'"'")" -gt 0 ]' 20
APPT=$(sql "select id from appointments where student_id = 'STUQ' and starts_at = $(at '2026-12-08 09:00') and status = $APPT_CONFIRMED")
assert_ne "$APPT" "" "check-in booked on Tuesday 09:00"
EIGHT=$(at '2026-12-08 08:00')
assert_eq "$(sql "select count(*) from reminders where appointment_id = $APPT and status = $REM_PENDING and next_at = $EIGHT")" \
    "$(sql "select count(*) from reminders where appointment_id = $APPT")" "its reminders are planned for 08:00, after the quiet hours"
# One made due now (21:00) behind the planner's back: the dispatcher checks again.
sql "insert into reminders(appointment_id, student_id, channel, kind, due_at, next_at, status, created_at)
     values($APPT, 'STUQ', 2, 1, $(at '2026-12-07 21:00'), $(at '2026-12-07 21:00'), 0, 0)"
wait_for '[ "$(sql "select next_at from reminders where id = (select max(id) from reminders)")" = '"$EIGHT"' ]' 10
assert_eq "$(sql "select status, next_at from reminders where id = (select max(id) from reminders)")" "0|$EIGHT" \
    "a reminder due during quiet hours is moved to 08:00 at send time"
# One of the next check-in (in January), due at 08:00: it meets the daily cap.
APPT2=$(sql "select id from appointments where student_id = 'STUQ' and plan_index = 1 and status = $APPT_CONFIRMED")
assert_ne "$APPT2" "" "the next check-in is booked"
sql "insert into reminders(appointment_id, student_id, channel, kind, due_at, next_at, status, created_at)
     values($APPT2, 'STUQ', $CH_EMAIL, $REM_REMINDER, $EIGHT, $EIGHT, $REM_PENDING, 0)"
sleep 1
assert_eq "$(ls "$T/outbox/email" | wc -l)" 0 "nothing is sent at night"
stop_relanced

# 07:56, 60x: four fake minutes (4 s) later the reminders are due; a slow
# start (sanitizers, a loaded machine) must not reach 08:00 before the check.
RELANCED_ENV="RELANCE_TEST_CLOCK=$(at '2026-12-08 07:56:00')x60" start_relanced "$T/relance.conf"
sleep 0.5
assert_eq "$(ls "$T/outbox/email" | wc -l)" 0 "still nothing before 08:00"
wait_for '[ "$(ls "$T/outbox/email" | wc -l)" -ge 1 ]' 15
wait_for '[ "$(sql "select count(*) from reminders where appointment_id = '"$APPT"' and status in ($REM_PENDING, $REM_SENDING)")" = 0 ]' 10
assert_eq "$(ls "$T/outbox/email" | wc -l)" 1 "at 08:00 one email goes out (max_per_day = 1)"
sent_at=$(sql "select sent_at from reminders where appointment_id = $APPT and status = $REM_SENT")
assert_ok "sent at or after 08:00" test "$sent_at" -ge "$EIGHT"
n=$(sql "select count(*) from reminders where appointment_id = $APPT")
assert_ok "the check-in had several reminders ($n)" [ "$n" -ge 2 ]
assert_eq "$(sql "select max(due_at) = (select due_at from reminders where appointment_id = $APPT and status = $REM_SENT) from reminders where appointment_id = $APPT")" \
    1 "the one sent is the latest due"
# (contract change: several reminders of one appointment and channel due at
# once collapse to the latest; the others were cancelled by the daily cap)
assert_eq "$(sql "select count(*) from reminders where appointment_id = $APPT and status = $REM_SKIPPED and last_error like 'skipped%'")" \
    "$((n - 1))" "the others are skipped, not counted against the daily cap"
wait_for '[ "$(sql "select status from reminders where appointment_id = '"$APPT2"'")" = "$REM_PENDING" ] &&
    [ -n "$(sql "select 1 from reminders where appointment_id = '"$APPT2"' and last_error = '"'daily cap reached'"'")" ]' 10
assert_eq "$(sql "select status, next_at, last_error from reminders where appointment_id = $APPT2")" \
    "$REM_PENDING|$(at '2026-12-09 08:00')|daily cap reached" "over the daily cap, the next check-in's reminder moves to Wednesday 08:00"
assert_eq "$(ls "$T/outbox/email" | wc -l)" 1 "still one email"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
