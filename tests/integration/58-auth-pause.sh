#!/bin/bash
# 58-auth-pause: the SMTP server refuses relanced's password (535) under a
# real systemd (tests/systemd/instance.sh, as 40-systemd), with aiosmtpd
# requiring AUTH: a configuration fault, not the reminders'. The email
# channel pauses with backoff: no reminder fails (store statuses,
# `relancectl reminders --failed`), none counts an attempt, nothing is
# stored by the server, /healthz is 503 with the reason, /metrics and
# `relancectl status` say the channel is paused, the journal has one line
# at priority err for the pause. Then the password is fixed and `systemctl
# reload` run: every reminder reaches the server exactly once, /healthz is
# ok again, the resume is in the journal at notice.
# Skipped (77) only where namespaces are unavailable.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/systemd/instance.sh"
lib_init authpause

UNIT=relanced.service
GOOD=the-right-password
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)

sd_relanced_setup "$T/sd"
install -d -m 700 "$P/etc/relance/credentials"
printf '%s\n' "not-$GOOD" >"$P/etc/relance/credentials/smtp-password"
chmod 600 "$P/etc/relance/credentials/smtp-password"
mkdir -p "$P/etc/systemd/system/$UNIT.d"
cat >"$P/etc/systemd/system/$UNIT.d/test.conf" <<EOF
[Service]
RestartSec=1s
LimitCORE=0
Environment=RELANCE_TEST_CLOCK=$NOW
Environment=ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=66
Environment=UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
EOF

sd_boot 30 || die "systemd did not boot in the namespaces"
note "instance booted ($SD_STATE), PID 1 is host pid $SD_PID"

sd_peers "relance:$GOOD"
sd_conf -sms.url retry.first=1s retry.max=4s retry.attempts=2

ssh_sql() { sd sqlite3 -batch -noheader -cmd '.timeout 5000' /var/lib/private/relance/relance.db "$1"; }
journal() { sd journalctl -u "$UNIT" --no-pager -o cat "$@"; }
ctl() { sd /usr/local/sbin/relancectl -c /etc/relance/relance.conf "$@"; }
healthz() { sd curl -s -w '%{http_code}\n' http://127.0.0.1:8470/healthz; }
metric() { sd curl -s http://127.0.0.1:8470/metrics | awk -v k="$1" '$1 == k { print $2 }'; }
smtp_n() { find "$SMTPD_DIR" -name '*.eml' 2>/dev/null | wc -l; }
due_email() { ssh_sql "select count(*) from reminders where channel = $CH_EMAIL and kind = $REM_REMINDER and due_at <= $NOW + 60 and status in ($REM_PENDING, $REM_SENDING, $REM_SENT)"; }

sd systemctl start "$UNIT"
assert_eq "$?" 0 "systemctl start $UNIT"
# Five students, email only, each with a check-in today 10:30: one
# reminder due at once each.
ev_exam -n 5 id=e{i} time=2026-06-19T16:05:00+02:00 student=STU{i} email=eleve{i}@example.org \
    adviser=adv{i} -phone consent_sms=false last_exam_on=2026-11-23 >"$T/ev.jsonl"
cp "$T/ev.jsonl" "$SD_ROOT/run/relance-test/ev.jsonl"
sd kcat -P -q -b "$BROKERS" -t avenirpro.exams -l /run/relance-test/ev.jsonl

wait_for '[ "$(metric "relance_channel_paused{channel=\"email\"}")" = 1 ]' 25
assert_eq "$(metric 'relance_channel_paused{channel="email"}')" 1 "535: relance_channel_paused{email} is 1"
wait_for '[ "$(due_email)" = 5 ]' 10
assert_eq "$(due_email)" 5 "5 email reminders due"
healthz >"$T/h1.txt"
sed 's/^/  .. healthz: /' "$T/h1.txt"
assert_eq "$(tail -n1 "$T/h1.txt")" 503 "/healthz: 503 (degraded)"
assert_eq "$(head -n1 "$T/h1.txt")" "smtp: authentication refused (535), channel paused" "/healthz gives the reason"
sleep 7      # pauses of 1 s, 2 s, 4 s
assert_eq "$(ssh_sql "select count(*) from reminders where status = $REM_FAILED")" 0 "no reminder failed (store)"
assert_eq "$(ctl reminders --failed)" "no failed reminders" "relancectl reminders --failed: none"
assert_eq "$(ssh_sql "select count(*) from reminders where channel = $CH_EMAIL and due_at <= $NOW + 60 and status = $REM_PENDING")" 5 \
    "the 5 due reminders stay pending"
assert_eq "$(ssh_sql "select coalesce(max(attempts), 0) from reminders")" 0 "no attempt counted against them"
refused=$(ssh_sql "select count(*) from attempts where outcome = 'refused'")
note "$refused refused tries stored"
assert_ok "few refused tries: one after each pause ($refused)" [ "$refused" -ge 3 -a "$refused" -le 10 ]
assert_eq "$(smtp_n)" 0 "the server stored nothing"
journal -p err >"$T/err.txt"
assert_eq "$(grep -c 'smtp: authentication refused (535), channel paused' "$T/err.txt")" 1 \
    "journalctl -p err: one line for the pause (not one per reminder)"
assert_no_grep 'example\.org|STU' <(journal) "no personal data in the journal"
ctl status >"$T/status1.txt"
assert_grep '^channel paused +email paused since' "$T/status1.txt" "relancectl status: email paused"

# The operator fixes the password file and reloads.
printf '%s\n' "$GOOD" >"$SD_ROOT/etc/relance/credentials/smtp-password"
sd systemctl reload "$UNIT"
assert_eq "$?" 0 "systemctl reload succeeds"
# systemd (252) writes the credentials again for ExecReload=: the new
# password is in $CREDENTIALS_DIRECTORY when relanced re-reads it.
assert_eq "$(cat "$SD_ROOT/run/credentials/$UNIT/smtp-password")" "$GOOD" \
    "the reload refreshed the credential in \$CREDENTIALS_DIRECTORY (LoadCredential=)"
wait_for '[ "$(ssh_sql "select count(*) from reminders where channel = $CH_EMAIL and status = $REM_SENT")" = 5 ]' 20
assert_eq "$(ssh_sql "select count(*) from reminders where channel = $CH_EMAIL and status = $REM_SENT")" 5 \
    "after the reload the 5 reminders are sent"
sleep 2
assert_eq "$(smtp_n)" 5 "the server stored 5 messages"
assert_eq "$(cat "$SMTPD_DIR"/*.env | grep '^rcpt-to:' | sort -u | wc -l)" 5 "one to each student (exactly once)"
assert_eq "$(cat "$SMTPD_DIR"/*.env | grep -c '^auth: relance$')" 5 "all sent authenticated"
assert_eq "$(ssh_sql "select count(*) from reminders where status = $REM_FAILED")" 0 "still no reminder failed"
assert_eq "$(metric 'relance_channel_paused{channel="email"}')" 0 "relance_channel_paused{email} back to 0"
healthz >"$T/h2.txt"
assert_eq "$(tr '\n' ' ' <"$T/h2.txt")" "ok 200 " "/healthz ok again"
sd journalctl -u "$UNIT" --no-pager -o json >"$T/journal.json"
assert_eq "$(jq -r 'select(.MESSAGE | tostring | test("smtp: the server accepts relance again")) | .PRIORITY' "$T/journal.json" | sort -u)" \
    5 "the resume is in the journal at notice (PRIORITY=5)"
ctl status >"$T/status2.txt"
assert_no_grep '^channel paused' "$T/status2.txt" "relancectl status: no channel paused"

sd systemctl stop "$UNIT"
assert_eq "$?" 0 "systemctl stop"
note "total $(elapsed) s"
