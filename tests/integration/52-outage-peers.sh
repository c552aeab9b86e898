#!/bin/bash
# 52-outage-peers: the SMTP server (aiosmtpd) and Kannel's sendsms (smsbox)
# are down (connection refused) while reminders fall due, for longer than
# several retries ([retry] first = 1s, max = 4s), then back on the same
# ports: every due reminder is retried (attempts > 1), then sent exactly
# once; none is lost or failed for good; relanced keeps running.
. "$(dirname "$0")/../lib.sh"
lib_init outage-peers

DOWN=${PEERS_DOWN_SECS:-12}
N=5
start_kafka
start_smtpd
# Monday 2026-12-07 10:00: the +14d check-in of an exam on 11-23 is today
# 10:30 and its 48 h reminder is due at once.
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" smtp.url="$SMTP_URL" smtp.tls=none \
    sms.gateway=kannel sms.user=tester \
    retry.first=1s retry.max=4s retry.attempts=30 reminders.default_consent=email
start_kannel
conf_kannel "$T/relance.conf"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"
PID0=$RELANCED_PID

# Both peers down.
stop_smtpd
lib_stop "$KANNEL_SMSBOX_PID"
KANNEL_SMSBOX_PID=
assert_ok "SMTP port closed" eval "! port_open $SMTP_PORT"

# One advisor each, so every check-in is today 10:30. Email and SMS.
exams_both_channels $N >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
wait_for "[ \$(sql 'select count(*) from events') = $N ]" 30
due() { sql "select count(*) from reminders where next_at <= $((NOW + 3600)) and due_at <= $((NOW + 3600)) and channel = $1"; }
NEMAIL=$(sql "select count(*) from reminders where due_at <= $NOW + 600 and channel = $CH_EMAIL")
NSMS=$(sql "select count(*) from reminders where due_at <= $NOW + 600 and channel = $CH_SMS")
note "due at once: $NEMAIL email, $NSMS SMS reminders"
assert_ok "email reminders are due" [ "$NEMAIL" -ge "$N" ]
assert_ok "SMS reminders are due" [ "$NSMS" -ge "$N" ]

sleep "$DOWN"
assert_ok "relanced still running with both peers down" kill -0 "$RELANCED_PID"
a_email=$(sql "select min(attempts) from reminders where due_at <= $NOW + 600 and channel = $CH_EMAIL")
a_sms=$(sql "select min(attempts) from reminders where due_at <= $NOW + 600 and channel = $CH_SMS")
assert_ok "email reminders retried while SMTP is down (min attempts $a_email)" [ "$a_email" -ge 2 ]
assert_ok "SMS reminders retried while Kannel is down (min attempts $a_sms)" [ "$a_sms" -ge 2 ]
# (REM_SENDING: an attempt in flight, about to fail on the closed port)
assert_eq "$(sql "select count(*) from reminders where due_at <= $NOW + 600 and status not in ($REM_PENDING, $REM_SENDING)")" 0 \
    "none sent, failed for good or cancelled meanwhile"
assert_ne "$(sql "select count(*) from attempts where outcome = 'transient'")" 0 "transient failures recorded"
assert_eq "$(smtp_count)" 0 "nothing reached the SMTP server"

# Back, on the same ports.
mkdir -p "$SMTP_DIR"
lib_spawn smtpd "$PY" "$LIB_TESTS/peers/smtpd.py" --dir "$SMTP_DIR" --port "$SMTP_PORT"
SMTPD_PID=$LIB_PID
as=$(lib_as_kannel)
# shellcheck disable=SC2086
lib_spawn smsbox $as /usr/sbin/smsbox -v 1 "$KANNEL_DIR/kannel.conf"
KANNEL_SMSBOX_PID=$LIB_PID
wait_for "[ \$(sql 'select count(*) from reminders where due_at <= $NOW + 600 and status in ($REM_PENDING, $REM_SENDING)') = 0 ]" 30 ||
    fail "due reminders still pending or in flight 30 s after the peers came back"
assert_eq "$(sql "select count(*) from reminders where due_at <= $NOW + 600 and channel = $CH_EMAIL and status = $REM_SENT")" \
    "$NEMAIL" "every email reminder sent once the server is back"
assert_eq "$(sql "select count(*) from reminders where due_at <= $NOW + 600 and channel = $CH_SMS and status = $REM_SENT")" \
    "$NSMS" "every SMS reminder sent once Kannel is back"
assert_eq "$(sql "select count(*) from reminders where status = $REM_FAILED")" 0 "none failed"
wait_for '[ "$(smtp_count)" -ge '"$NEMAIL"' ]' 10
assert_eq "$(smtp_count)" "$NEMAIL" "the SMTP server got each email exactly once"
wait_for '[ "$(kannel_mt_count)" -ge '"$NSMS"' ]' 20
assert_eq "$(kannel_mt_count)" "$NSMS" "the SMSC got each SMS exactly once"
assert_eq "$RELANCED_PID" "$PID0" "no restart"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
