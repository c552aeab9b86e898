#!/bin/bash
# 31-sms: SMS reminders through Kannel (bearerbox + smsbox + fakesmsc):
# accents intact (UCS-2 when GSM 03.38 lacks a character), delivery reports
# recorded, the gateway down for a while (connection refused) retried then
# sent, a STOP reply from the phone withdraws SMS consent and cancels the
# pending SMS reminders (horizon 400d: the rows of every check-in exist);
# bad receipts get 400/404 and record nothing, receipts from an address not
# in [sms] allow_from get 403. Delivery reports carry the per-message secret
# of their dlr-url (Kannel's own reports are recorded: it has them; the test
# computes them with tests/helpers/dlrsecret.py): a forged report without
# it, or with a wrong one, gets 403 and changes nothing.
. "$(dirname "$0")/../lib.sh"
lib_init sms

start_kafka
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" sms.gateway=kannel sms.user=tester \
    retry.first=1s retry.max=2s retry.attempts=20 \
    checkins.location="Salle Émeraude" reminders.default_consent=sms \
    reminders.horizon=400d
start_kannel
conf_kannel "$T/relance.conf"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"

# exam.completed (ev_exam): SMS only
EXAM=(time=2026-06-19T16:05:00+02:00 -email consent_email=false locale=fr last_exam_on=2026-11-23)
ev_exam "${EXAM[@]}" id=e1 student=STU1 phone=+33611111111 given_name=Zoé >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
wait_for '[ "$(kannel_mt_count)" -ge 1 ]' 20
kannel_messages >"$T/mt.tsv"
sed 's/^/  .. /' "$T/mt.tsv"
assert_grep $'^AvenirPro\t\\+33611111111\tBonjour Zoé, rappel : entretien de suivi le lundi 07/12/2026 à 10h30, Salle Émeraude. Confirmer/déplacer : '"$RELANCE_URL"'/r/[A-Za-z0-9_-]{22}$' \
    "$T/mt.tsv" "fakesmsc got the SMS with accents intact, and the personal link"
wait_for '[ "$(sql "select count(*) from reminders where student_id = '"'STU1'"' and status = $REM_SENT")" -ge 1 ]' 10
assert_eq "$(sql "select count(*) from reminders where student_id = 'STU1' and status = $REM_SENT")" 1 "the reminder is sent"
wait_for '[ "$(sql "select count(*) from attempts where detail like '"'delivery report%'"'")" -ge 1 ]' 15
assert_ne "$(sql "select count(*) from attempts where detail like 'delivery report%'")" 0 "a delivery report is recorded"
note "delivery reports: $(sql "select group_concat(outcome) from attempts where detail like 'delivery report%'")"
if [ "$(sql "select count(*) from attempts where outcome = 'delivered'")" -gt 0 ]; then
	assert_ne "$(sql "select coalesce(last_contact_at, 0) from students where id = 'STU1'")" 0 \
	    "a delivered report counts as a contact"
fi

# The gateway is down for a while (smsbox stopped: connection refused).
lib_stop "$KANNEL_SMSBOX_PID"
KANNEL_SMSBOX_PID=
n0=$(kannel_mt_count)
ev_exam "${EXAM[@]}" id=e2 student=STU2 phone=+33622222222 given_name=Léa >"$T/ev2.jsonl"
produce avenirpro.exams "$T/ev2.jsonl"
wait_for '[ "$(sql "select count(*) from attempts a join reminders r on r.id = a.reminder_id where r.student_id = '"'STU2'"' and a.outcome = '"'transient'"'")" -ge 2 ]' 20
assert_ne "$(sql "select count(*) from attempts a join reminders r on r.id = a.reminder_id where r.student_id = 'STU2' and a.outcome = 'transient'")" 0 \
    "gateway down: transient failures recorded"
assert_eq "$(sql "select count(*) from reminders where student_id = 'STU2' and status = $REM_FAILED")" 0 "nothing failed for good"
as=$(lib_as_kannel)
# shellcheck disable=SC2086
lib_spawn smsbox $as /usr/sbin/smsbox -v 1 "$KANNEL_DIR/kannel.conf"
KANNEL_SMSBOX_PID=$LIB_PID
wait_for '[ "$(sql "select count(*) from reminders where student_id = '"'STU2'"' and status = $REM_SENT")" -ge 1 ]' 20
assert_eq "$(sql "select count(*) from reminders where student_id = 'STU2' and status = $REM_SENT")" 1 "retried then sent once the gateway is back"
wait_for '[ "$(kannel_mt_count)" -gt '"$n0"' ]' 10
kannel_messages >"$T/mt.tsv"
assert_grep $'\\+33622222222\tBonjour Léa' "$T/mt.tsv" "the retried SMS reached the SMSC"
# Its delivery report comes after (bearerbox, smsbox, then relanced): wait
# for it, or it could land among the receipts counted below.
assert_ok "the retried SMS's delivery report is recorded" \
    wait_for '[ "$(sql "select count(*) from attempts a join reminders r on r.id = a.reminder_id where r.student_id = '"'STU2'"' and a.detail like '"'delivery report%'"'")" -ge 1 ]' 15

# A STOP reply from STU1's phone.
pending=$(sql "select count(*) from reminders where student_id = 'STU1' and channel = $CH_SMS and status = $REM_PENDING")
assert_ne "$pending" 0 "STU1 has pending SMS reminders"
kannel_send_mo +33611111111 AvenirPro "  Arrêt ! "
wait_for '[ "$(sql "select consent_sms from students where id = '"'STU1'"'")" = 0 ]' 15
assert_eq "$(sql "select consent_sms from students where id = 'STU1'")" 0 "STOP reply withdrew SMS consent"
assert_eq "$(sql "select count(*) from reminders where student_id = 'STU1' and channel = $CH_SMS and status = $REM_PENDING")" 0 \
    "no SMS reminder left pending for that student"
assert_eq "$(sql "select count(*) from reminders where student_id = 'STU1' and channel = $CH_SMS and status = $REM_CANCELLED and last_error = 'STOP reply'")" \
    "$pending" "they are cancelled as STOP reply"
assert_eq "$(sql "select value from counters where name = 'sms_stop'")" 1 "STOP replies counted"
assert_no_grep '33611111111' "$T/relanced.log" "the phone number is not logged"
secret() { "$PY" "$LIB_TESTS/helpers/dlrsecret.py" "$T/relance.db" "$1"; }
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$RELANCE_URL/sms/kannel/dlr?id=1&secret=$(secret 1)&status=1")" 200 \
    "delivery reports accepted from loopback"

# Forged delivery reports (sequential ids): 403, nothing changes
R2=$(sql "select id from reminders where student_id = 'STU2' and status = $REM_SENT limit 1")
A2="select count(*) || '/' || group_concat(a.outcome) from attempts a join reminders r on r.id = a.reminder_id where r.student_id = 'STU2'"
before=$(sql "$A2")
forged() { curl -s -o /dev/null -w '%{http_code}' "$RELANCE_URL/sms/kannel/dlr?id=$R2$1&status=2"; }
assert_eq "$(forged '')" 403 "a delivery report without its secret: 403"
assert_eq "$(forged '&secret=')" 403 "... with an empty secret: 403"
assert_eq "$(forged '&secret=0000000000000000')" 403 "... with a wrong secret: 403"
assert_eq "$(forged "&secret=$(secret 1)")" 403 "... with the secret of another message: 403"
assert_eq "$(forged "&secret=$(secret "$R2")0")" 403 "... with its secret and more: 403"
assert_eq "$(sql "select status from reminders where id = $R2")" "$REM_SENT" "forged reports leave the SMS sent"
assert_eq "$(sql "$A2")" "$before" "forged reports record no attempt"

# Bad receipts: a clear answer and nothing recorded
code() { curl -s -o "$T/answer" -w '%{http_code}' "$RELANCE_URL$1"; }
# (delivery reports are recorded as attempts named "delivery report N")
DLRS="select count(*) from attempts where detail like 'delivery report%'"
ATTEMPTS=$(sql "$DLRS")
assert_eq "$(code '/sms/kannel/dlr?id=1')" 400 "delivery report without status: 400"
assert_grep '^id and status required$' "$T/answer" "... saying what is missing"
assert_eq "$(code '/sms/kannel/dlr?id=x1&status=1')" 400 "delivery report with a bad id: 400"
assert_eq "$(code "/sms/kannel/dlr?id=999999&secret=$(secret 999999)&status=1")" 404 "delivery report for no SMS reminder: 404"
assert_eq "$(code '/sms/kannel/incoming?from=%2B33611111111')" 400 "incoming SMS without text: 400"
assert_grep '^from and text required$' "$T/answer" "... saying what is missing"
assert_eq "$(sql "$DLRS")" "$ATTEMPTS" "bad receipts record nothing"

stop_relanced
assert_eq $? 0 "relanced stops cleanly"

# Receipts only from [sms] allow_from: loopback refused when not listed
sed -i 's|^\[sms\]$|[sms]\nallow_from = 192.0.2.1|' "$T/relance.conf"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"
assert_eq "$(code '/sms/kannel/dlr?id=1&status=1')" 403 "delivery report from an address not allowed: 403"
assert_eq "$(code '/sms/kannel/incoming?from=%2B33622222222&text=STOP')" 403 \
    "incoming SMS from an address not allowed: 403"
assert_eq "$(sql "$DLRS")" "$ATTEMPTS" "refused receipts record nothing"
assert_eq "$(sql "select consent_sms from students where id = 'STU2'")" 1 "a refused STOP changes nothing"
stop_relanced
assert_eq $? 0 "relanced stops cleanly (allow_from)"
