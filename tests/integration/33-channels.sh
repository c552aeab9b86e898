#!/bin/bash
# 33-channels: email and SMS each have their own limit of sends in flight.
# A slow SMS webhook (each answer after 2 s) with [sms] concurrency = 2:
# never more than 2 SMS requests at once; the emails (outbox) all go out at
# once, not held back by the SMS; relanced does not spin while the SMS
# channel is full and SMS are due; every SMS is sent in the end.
. "$(dirname "$0")/../lib.sh"
lib_init channels

N=6
DELAY=2
start_kafka
start_httprec --delay "$DELAY"
# Monday 2026-12-07 10:00: the +14d check-in of an exam on 11-23 is today
# 10:30 and its reminders are due at once.
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" sms.gateway=webhook sms.url="$HTTPREC_URL/send" \
    sms.concurrency=2 retry.concurrency=16 reminders.max_per_day=10
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"

exams_both_channels $N >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
wait_for "[ \$(sql 'select count(*) from events') = $N ]" 30
NEMAIL=$(sql "select count(*) from reminders where due_at <= $NOW + 600 and channel = $CH_EMAIL")
NSMS=$(sql "select count(*) from reminders where due_at <= $NOW + 600 and channel = $CH_SMS")
note "due at once: $NEMAIL email, $NSMS SMS reminders"
assert_ok "more SMS due than the SMS limit" [ "$NSMS" -gt 2 ]

# The emails do not wait for the SMS (those take $DELAY s per pair).
emails() { find "$T/outbox/email" -type f 2>/dev/null | wc -l; }
wait_for '[ "$(emails)" -ge '"$NEMAIL"' ]' 10
assert_eq "$(emails)" "$NEMAIL" "every due email written at once"
sms_now=$(wc -l <"$HTTPREC_LOG")
# ($NSMS SMS take $NSMS / 2 x $DELAY s; the first pair is usually all that
# has been answered, more when the events came in batches far apart)
assert_ok "meanwhile only $sms_now of $NSMS SMS were answered by the gateway" [ "$sms_now" -le $((NSMS - 2)) ]

# SMS channel full, SMS due: relanced sleeps until a completion.
ticks() { awk '{print $14 + $15}' "/proc/$RELANCED_PID/stat"; }
c0=$(ticks)
sleep 1
c1=$(ticks)
hz=$(getconf CLK_TCK)
note "CPU while the SMS channel is full: $((c1 - c0)) ticks in 1 s (CLK_TCK $hz)"
assert_ok "no busy loop while the SMS channel is full" [ $((c1 - c0)) -lt $((hz / 5)) ]

wait_for "[ \$(sql 'select count(*) from reminders where due_at <= $NOW + 600 and channel = $CH_SMS and status = $REM_SENT') = $NSMS ]" \
    $((NSMS * DELAY + 15))
assert_eq "$(sql "select count(*) from reminders where due_at <= $NOW + 600 and channel = $CH_SMS and status = $REM_SENT")" "$NSMS" \
    "every due SMS sent in the end"
assert_eq "$(wc -l <"$HTTPREC_LOG")" "$NSMS" "the gateway got each SMS once"
assert_eq "$("$PY" -c 'import json, sys; print(max(json.loads(l)["concurrent"] for l in open(sys.argv[1])))' "$HTTPREC_LOG")" \
    2 "never more than [sms] concurrency = 2 SMS requests at once"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
