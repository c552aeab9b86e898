#!/bin/bash
# 59-auth-pause-sms: Kannel answers 403 "Authorization failed for sendsms"
# (relanced has a wrong sendsms password): a configuration fault, not the
# reminders'. The SMS channel pauses with backoff ([retry] first, doubling,
# at most [retry] max), trying one reminder after each pause: no reminder
# fails (they stay pending, attempts not counted), nothing reaches the
# SMSC, /healthz is 503 with the reason, /metrics says the channel is
# paused, relancectl status too, one error-level line is logged for the
# pause (not one per reminder). The password file is fixed and relanced
# reloaded (SIGHUP): every reminder reaches the SMSC exactly once,
# /healthz is ok again, the resume is logged at notice.
. "$(dirname "$0")/../lib.sh"
lib_init authsms

start_kafka
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" sms.gateway=kannel sms.user=tester \
    retry.first=1s retry.max=4s retry.attempts=2 reminders.default_consent=sms
start_kannel
printf 'not-the-password\n' >"$T/creds/sms-password"
sed -i "s|^url = file://$T/outbox/sms|url = $KANNEL_SENDSMS_URL\npassword_file = $T/creds/sms-password|" \
    "$T/relance.conf"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"

metrics() {
	curl -s -o "$T/$1.txt" "$RELANCE_URL/metrics"
	"$PY" "$TOP/tests/peers/promcheck.py" <"$T/$1.txt" >"$T/$1.parsed" 2>"$T/$1.err" ||
	    { sed 's/^/  .. /' "$T/$1.err" | head; fail "/metrics ($1) does not parse"; }
}
m() { awk -v k="$2" '$1 == k { print $2 }' "$T/$1.parsed"; }
paused() { metrics mp; m mp 'relance_channel_paused{channel="sms"}'; }
healthz() { curl -s -w '%{http_code}\n' "$RELANCE_URL/healthz"; }
due_sms() { sql "select count(*) from reminders where channel = $CH_SMS and kind = $REM_REMINDER and due_at <= $NOW + 60 and status in ($REM_PENDING, $REM_SENDING, $REM_SENT)"; }

# Four students, SMS only, each with a check-in today 10:30 (its reminder
# is due at once; the 48 h one is overdue and skipped).
ev_exam -n 4 id=e{i} time=2026-06-19T16:05:00+02:00 student=STU{i} phone=+3361111111{i} \
    adviser=adv{i} -email consent_email=false last_exam_on=2026-11-23 >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
wait_for '[ "$(paused)" = 1 ]' 20
assert_eq "$(paused)" 1 "403 Authorization failed: relance_channel_paused{sms} is 1"
wait_for '[ "$(due_sms)" = 4 ]' 10
assert_eq "$(due_sms)" 4 "4 SMS reminders due"
healthz >"$T/h1.txt"
sed 's/^/  .. healthz: /' "$T/h1.txt"
assert_eq "$(tail -n1 "$T/h1.txt")" 503 "/healthz: 503 (degraded)"
assert_eq "$(head -n1 "$T/h1.txt")" "sms: the gateway refused the credentials (HTTP 403), channel paused" \
    "/healthz gives the reason"
# Let several pauses pass (1 s, 2 s, 4 s, 4 s ...).
sleep 8
assert_eq "$(sql "select count(*) from reminders where status = $REM_FAILED")" 0 "no reminder failed"
assert_eq "$(relancectl reminders --failed)" "no failed reminders" "relancectl reminders --failed: none"
assert_eq "$(sql "select count(*) from reminders where channel = $CH_SMS and due_at <= $NOW + 60 and status = $REM_PENDING")" 4 \
    "the 4 due reminders stay pending"
assert_eq "$(sql "select coalesce(max(attempts), 0) from reminders")" 0 "no attempt counted against them"
refused=$(sql "select count(*) from attempts where outcome = 'refused'")
note "$refused refused tries stored in about 9 s"
assert_ok "the refused tries are stored, few of them: one try after each pause ($refused)" \
    [ "$refused" -ge 3 -a "$refused" -le 9 ]
assert_eq "$(kannel_mt_count)" 0 "nothing reached the SMSC"
assert_eq "$(grep -c '^<3>sms: the gateway refused the credentials (HTTP 403), channel paused' "$T/relanced.log")" 1 \
    "one error-level (<3>) line for the pause, not one per reminder"
assert_no_grep 'STU|\+336' <(grep -a '^<[0-5]>' "$T/relanced.log") "no personal data in the log"
metrics m1
assert_ok "relance_channel_pauses_total{sms} is 1" [ "$(m m1 'relance_channel_pauses_total{channel="sms"}')" = 1 ]
assert_eq "$(m m1 'relance_reminders_failed_total{channel="sms"}')" 0 "reminders_failed_total{sms} 0"
assert_eq "$(m m1 'relance_channel_paused{channel="email"}')" 0 "the email channel is not paused"
relancectl status >"$T/status1.txt"
assert_grep '^channel paused +sms paused since [0-9-]+ [0-9:]+: credentials refused' "$T/status1.txt" \
    "relancectl status: the SMS channel is paused"
relancectl status --json >"$T/status1.json"
assert_ne "$(jq -r '.channels_paused.sms' "$T/status1.json")" null "relancectl status --json: channels_paused.sms set"

# Fixed password, reload: everything goes, once.
printf '%s\n' "$KANNEL_PASSWORD" >"$T/creds/sms-password"
reload_relanced || fail "reload not acknowledged"
wait_for '[ "$(sql "select count(*) from reminders where channel = $CH_SMS and status = $REM_SENT")" = 4 ]' 15
assert_eq "$(sql "select count(*) from reminders where channel = $CH_SMS and status = $REM_SENT")" 4 \
    "after the reload the 4 reminders are sent"
wait_for '[ "$(kannel_mt_count)" -ge 4 ]' 10
sleep 2
assert_eq "$(kannel_mt_count)" 4 "the SMSC got 4 SMS"
kannel_messages | cut -f2 | sort >"$T/to.txt"
assert_eq "$(sort -u "$T/to.txt" | wc -l)" 4 "one to each student (exactly once)"
assert_eq "$(sql "select count(*) from reminders where status = $REM_FAILED")" 0 "still no reminder failed"
assert_eq "$(sql "select group_concat(distinct attempts) from reminders where status = $REM_SENT")" 1 \
    "each counted one attempt: the one that went"
wait_for '[ "$(paused)" = 0 ]' 5
assert_eq "$(paused)" 0 "relance_channel_paused{sms} back to 0"
healthz >"$T/h2.txt"
assert_eq "$(tr '\n' ' ' <"$T/h2.txt")" "ok 200 " "/healthz ok again"
assert_grep '^<5>sms: the gateway accepts relance again: channel resumed' "$T/relanced.log" \
    "the resume is logged at notice (<5>)"
relancectl status >"$T/status2.txt"
assert_no_grep '^channel paused' "$T/status2.txt" "relancectl status: no channel paused"

stop_relanced
assert_eq $? 0 "relanced stops cleanly"
