#!/bin/bash
# 55-redact: gateway answers keep no personal data (contract section 4). A
# webhook SMS gateway (tests/peers/httprec.py) answers 400 with a body that
# names the student, their phone number and their address: the reminder
# fails (permanent), and neither the log, nor the store's attempts and
# reminders.last_error, nor the outcome topic hold the name, the number or
# the address; they hold the status code and the redacted reason.
. "$(dirname "$0")/../lib.sh"
lib_init redact

start_kafka
start_httprec --status 400 \
    --body '{"error": "invalid number +33611111111 for Zoé Martinez <zoe.martinez@example.org>"}'
# Monday 2026-12-07 10:00: the +14d check-in of an exam on 11-23 is today
# 10:30 and its reminder is due at once.
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" sms.gateway=webhook sms.url="$HTTPREC_URL/send" \
    reminders.default_consent=sms
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"

ev_exam time=2026-06-19T16:05:00+02:00 -email consent_email=false last_exam_on=2026-11-23 \
    id=e1 student=STU1 phone=+33611111111 given_name=Zoé family_name=Martinez >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
wait_for '[ "$(sql "select count(*) from reminders where status = $REM_FAILED")" -ge 1 ]' 20 ||
    die "no SMS failed"
assert_ne "$(wc -l <"$HTTPREC_LOG")" 0 "the gateway got the SMS"
wait_for '[ "$(consume_count avenirpro.relance.outcomes)" -ge 1 ]' 10
consume_all avenirpro.relance.outcomes >"$T/outcomes.txt"
sql "select detail from attempts" >"$T/attempts.txt"
sql "select last_error from reminders where last_error is not null" >"$T/last_error.txt"
sed 's/^/  .. attempt: /' "$T/attempts.txt"
assert_grep '^HTTP 400 ' "$T/attempts.txt" "the attempt keeps the status code"
assert_grep 'invalid number' "$T/attempts.txt" "... and a short reason"
assert_grep 'HTTP 400' "$T/last_error.txt" "the reminder's last error keeps the status code"
assert_grep 'HTTP 400' "$T/outcomes.txt" "the outcome's error keeps the status code"
for f in relanced.log attempts.txt last_error.txt outcomes.txt; do
	for pd in 33611111111 611111111 Zoé Martinez zoe.martinez example.org; do
		assert_no_grep "$pd" "$T/$f" "$f does not hold '$pd'"
	done
done
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
