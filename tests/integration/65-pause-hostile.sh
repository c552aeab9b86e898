#!/bin/bash
# 65-pause-hostile: the channel pause of issue 13 (credentials refused) as a
# careless admin meets it, without systemd (58 and 59 run the happy path):
# both channels refused at once (aiosmtpd 535, Kannel 403), a pause long
# enough for the appointments to start (test clock x60), then a restart.
#   - /healthz names every paused channel, not only the first
#   - STATUS= (what `systemctl status` shows) says a channel is paused
#   - no reminder ever fails for the pause: those whose appointment started
#     meanwhile end cancelled ("appointment started"), no attempt counted
#   - a restart: the pause starts again at the first refusal (one err line
#     per start), relancectl status says so
. "$(dirname "$0")/../lib.sh"
lib_init pausehostile

start_kafka
start_smtpd --auth relance:the-right-password
printf 'not-the-password\n' >"$SMTP_PASSWORD_FILE"
start_kannel
printf 'not-the-password\n' >"$T/creds/sms-password"
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" smtp.url="$SMTP_URL" smtp.tls=none smtp.user=relance \
    smtp.password_file="$SMTP_PASSWORD_FILE" sms.gateway=kannel sms.user=tester \
    sms.url="$KANNEL_SENDSMS_URL" sms.password_file="$T/creds/sms-password" \
    retry.first=60s retry.max=300s retry.attempts=2 reminders.quiet_hours=none
RELANCED_ENV="RELANCE_TEST_CLOCK=${NOW}x60" start_relanced "$T/relance.conf"

healthz() { curl -s -w '%{http_code}\n' "$RELANCE_URL/healthz"; }
paused() { curl -s "$RELANCE_URL/metrics" | awk -v k="relance_channel_paused{channel=\"$1\"}" '$1 == k { print $2 }'; }
# Four students on both channels, each with a check-in today 10:30: the 2 h
# reminder is due at once on each channel.
ev_exam -n 4 id=e{i} time=2026-06-19T16:05:00+02:00 student=STU{i} phone=+3361111111{i} \
    email=eleve{i}@example.org adviser=adv{i} last_exam_on=2026-11-23 >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
wait_for '[ "$(paused email)" = 1 ] && [ "$(paused sms)" = 1 ]' 30 || fail "both channels not paused"
assert_eq "$(paused email) $(paused sms)" "1 1" "both channels paused"
healthz >"$T/h1.txt"
sed 's/^/  .. healthz: /' "$T/h1.txt"
assert_eq "$(tail -n1 "$T/h1.txt")" 503 "/healthz: 503"
assert_grep '^smtp: authentication refused \(535\), channel paused' "$T/h1.txt" "/healthz names the email channel"
assert_grep 'sms: the gateway refused the credentials \(HTTP 403\), channel paused' "$T/h1.txt" \
    "/healthz names the SMS channel too"
wait_for 'grep -q "STATUS=.*paused" "$T/notify.log"' 15
assert_grep 'STATUS=.*email paused.*sms paused|STATUS=.*sms paused.*email paused' "$T/notify.log" \
    "STATUS= says both channels are paused"
relancectl status >"$T/status1.txt"
assert_grep '^channel paused +email paused since' "$T/status1.txt" "relancectl status: email paused"
assert_grep '^channel paused +sms paused since' "$T/status1.txt" "relancectl status: sms paused"

# A long pause: the appointments (10:30) start meanwhile (test clock x60: 30 min in 30 s).
START=$(TZ=Europe/Paris date -d '2026-12-07 10:30:00' +%s)
wait_for '[ "$(sql "select count(*) from reminders where status in ($REM_PENDING, $REM_SENDING) and due_at < '"$START"'")" = 0 ]' 120 ||
    fail "due reminders still pending long after their appointments started"
sql "select channel, status, attempts, last_error from reminders where due_at < $START order by id" |
    sed 's/^/  .. /'
assert_eq "$(sql "select count(*) from reminders where status = $REM_FAILED")" 0 "no reminder failed during the long pause"
assert_eq "$(sql "select count(*) from reminders where due_at < $START and status = $REM_CANCELLED
    and last_error = 'appointment started'")" 8 "the 8 due reminders cancelled: appointment started"
assert_eq "$(sql "select coalesce(max(attempts), 0) from reminders")" 0 "no attempt counted against them"
assert_eq "$(grep -c 'channel paused; reminders stay pending' "$T/relanced.log")" 2 \
    "one error line per channel for the whole pause"

# A restart while paused: the pause is not remembered; the first refusal starts it again.
stop_relanced
relancectl status >"$T/status-stopped.txt"
sed 's/^/  .. stopped: /' "$T/status-stopped.txt" | grep -i 'paus\|relanced' | head -5
ev_exam -n 2 id=f{i} time=2026-06-19T16:05:00+02:00 student=NEW{i} phone=+3362222222{i} \
    email=nouveau{i}@example.org adviser=newadv{i} last_exam_on=2026-11-24 >"$T/ev2.jsonl"
LATER=$(TZ=Europe/Paris date -d '2026-12-08 10:00:00' +%s)
RELANCED_ENV="RELANCE_TEST_CLOCK=$LATER" start_relanced "$T/relance.conf"
produce avenirpro.exams "$T/ev2.jsonl"
wait_for '[ "$(paused email)" = 1 ] && [ "$(paused sms)" = 1 ]' 30 || fail "both channels not paused again"
assert_eq "$(grep -c 'channel paused; reminders stay pending' "$T/relanced.log")" 4 \
    "after the restart, one more error line per channel"
relancectl status >"$T/status2.txt"
assert_grep '^channel paused +email paused since' "$T/status2.txt" "relancectl status: email paused again"
assert_eq "$(sql "select count(*) from reminders where status = $REM_FAILED")" 0 "still no reminder failed"
assert_eq "$(sql "select coalesce(max(attempts), 0) from reminders")" 0 "nor any attempt counted"
# fixed and reloaded: sent once each
printf 'the-right-password\n' >"$SMTP_PASSWORD_FILE"
cp "$KANNEL_PASSWORD_FILE" "$T/creds/sms-password"
reload_relanced
wait_for '[ "$(paused email)" = 0 ] && [ "$(paused sms)" = 0 ]' 20
assert_eq "$(healthz | sed -n '1p;$p' | tr '\n' ' ')" "ok 200 " "/healthz ok after the fix"
wait_for 'grep "STATUS=" "$T/notify.log" | tail -1 | grep -vq paused' 15
assert_no_grep 'paused' <(grep 'STATUS=' "$T/notify.log" | tail -1) "STATUS= no longer says paused"
