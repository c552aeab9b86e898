#!/bin/bash
# 34-sms-503: Kannel answers 503 "Temporal failure, try again later." (its
# outgoing queue is full: sms-outgoing-queue-limit = 1 while the fake SMSC is
# offline). Those SMS reminders are recorded as transient failures with the
# gateway's answer, retried, and sent once the queue drains; the SMSC gets
# each exactly once, none fails for good. Bearerbox's router thread takes the
# queued SMS out of its queue while it retries routing it, and a sendsms
# arriving then is queued too: Kannel refuses N - 1 of the N SMS, sometimes
# fewer, so each refused one is checked, whichever they are.
. "$(dirname "$0")/../lib.sh"
lib_init sms-503

N=4
start_kafka
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" sms.gateway=kannel sms.user=tester \
    retry.first=1s retry.max=2s retry.attempts=30 reminders.default_consent=sms
KANNEL_CORE_EXTRA="sms-outgoing-queue-limit = 1" start_kannel
conf_kannel "$T/relance.conf"

# The SMSC goes offline: bearerbox queues one SMS, then answers 503.
lib_stop "$KANNEL_FAKESMSC_PID"
KANNEL_FAKESMSC_PID=
wait_for "! curl -sf 'http://127.0.0.1:$KANNEL_ADMIN_PORT/status.txt?password=adminpw' | grep -q '(online'" 10 ||
    die "the fake SMSC is still online"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"

# N students, one adviser each: every check-in is today 10:30, its 48 h SMS
# reminder due at once.
exams_both_channels $N consent_email=false >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
wait_for "[ \$(sql 'select count(*) from events') = $N ]" 30
DUE="due_at <= $NOW + 600 and channel = $CH_SMS"
NSMS=$(sql "select count(*) from reminders where $DUE")
assert_eq "$NSMS" "$N" "one SMS reminder due at once per student"
T503="select count(*) from attempts where outcome = 'transient' and detail like '%503%Temporal failure%'"
wait_for "[ \$(sql \"$T503\") -ge $((N - 1)) ]" 20
assert_ok "Kannel's 503 recorded as transient failures, with its answer ($(sql "$T503"))" \
    [ "$(sql "$T503")" -ge $((N - 1)) ]
assert_eq "$(sql "select count(*) from reminders where $DUE and status = $REM_FAILED")" 0 "none failed for good on a 503"
assert_grep 'HTTP 503' "$T/relanced.log" "the log names the gateway's answer"
assert_eq "$(kannel_mt_count)" 0 "nothing reached the offline SMSC"

# The SMSC is back: the queue drains, the retries are accepted.
kannel_start_fakesmsc -m 0 "100 200 text x"
wait_for "[ \$(sql 'select count(*) from reminders where $DUE and status in ($REM_PENDING, $REM_SENDING)') = 0 ]" 30 ||
    fail "SMS reminders still pending 30 s after the SMSC came back"
assert_eq "$(sql "select count(*) from reminders where $DUE and status = $REM_SENT")" "$NSMS" "every SMS reminder sent"
# The reminders Kannel refused with a 503 at least once.
REFUSED="$DUE and id in (select reminder_id from attempts where outcome = 'transient' and detail like '%503%Temporal failure%')"
NREFUSED=$(sql "select count(*) from reminders where $REFUSED")
assert_ok "Kannel refused some of them ($NREFUSED of $NSMS)" [ "$NREFUSED" -ge 1 ]
assert_eq "$(sql "select count(*) from reminders where $REFUSED and attempts >= 2 and status = $REM_SENT")" "$NREFUSED" \
    "each refused one was retried, then sent"
assert_eq "$(sql "select count(*) from reminders where $DUE and status = $REM_SENT and attempts = 1")" "$((NSMS - NREFUSED))" \
    "the ones Kannel queued were sent at the first attempt"
wait_for '[ "$(kannel_mt_count)" -ge '"$NSMS"' ]' 20
sleep 1
assert_eq "$(kannel_mt_count)" "$NSMS" "the SMSC got each SMS exactly once"
kannel_messages | cut -f2 | sort -u >"$T/to.txt"
assert_eq "$(wc -l <"$T/to.txt")" "$NSMS" "one SMS per student's phone"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
