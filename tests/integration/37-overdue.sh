#!/bin/bash
# 37-overdue: reminders after an outage (contract section 2), end to end
# with the real peers (aiosmtpd, Kannel + fakesmsc) and relanced's injected
# clock (RELANCE_TEST_CLOCK).
#  - Four offsets (72h, 48h, 24h, 2h). On Friday 2026-12-04 10:00 STA
#    (email and SMS) gets a check-in on Wednesday 12-09 09:00 with four
#    reminder rows per channel. relanced is then down (an outage) until
#    Wednesday 08:30: all four are overdue at once. Only the latest of each
#    channel goes (the 2 h one, due at 08:00 after the quiet hours); the
#    other three are recorded as skipped: in the store, relancectl
#    (status, plan, reminders --skipped) and /metrics.
#  - Delivered on one channel means done: STB1 and STB2 (check-ins on
#    Thursday 12-10 09:00) have SMS consent false. STB1's 48 h reminder goes
#    by email on Wednesday 08:30 (its 72 h one is skipped); when STB1 gives
#    SMS consent back, the 48 h reminder is not sent again by SMS, only the
#    24 h and 2 h ones are planned. STB2 had no email consent: when it gives
#    SMS consent back, its 48 h reminder goes by SMS at once.
. "$(dirname "$0")/../lib.sh"
lib_init overdue

at() { TZ=Europe/Paris date -d "$1" +%s; }
start_kafka
start_smtpd
write_conf "$T/relance.conf" smtp.url="$SMTP_URL" smtp.tls=none \
    sms.gateway=kannel sms.user=tester \
    reminders.offsets="72h, 48h, 24h, 2h" reminders.quiet_hours=20:00-08:00
start_kannel
conf_kannel "$T/relance.conf"

# --- Friday 12-04 10:00: the plans and their reminder rows
RELANCED_ENV="RELANCE_TEST_CLOCK=$(at '2026-12-04 10:00:00')" start_relanced "$T/relance.conf"
EV=(time=2026-12-04T10:00:00+01:00 consent_email=true)
{
	ev_exam "${EV[@]}" id=a student=STA adviser=adva email=sta@example.org phone=+33611111111 \
	    consent_sms=true last_exam_on=2026-11-25
	ev_exam "${EV[@]}" id=b1 student=STB1 adviser=advb1 email=stb1@example.org phone=+33622222221 \
	    consent_sms=false last_exam_on=2026-11-26
	ev_exam time=2026-12-04T10:00:00+01:00 id=b2 student=STB2 adviser=advb2 email=stb2@example.org \
	    phone=+33622222222 consent_sms=false consent_email=false last_exam_on=2026-11-26
} >"$T/exams.jsonl"
produce avenirpro.exams "$T/exams.jsonl"
wait_for '[ "$(sql "select count(*) from events")" = 3 ]' 20 || die "exams not applied"
APPT=$(sql "select id from appointments where student_id = 'STA' and starts_at = $(at '2026-12-09 09:00')")
assert_ne "$APPT" "" "STA: check-in on Wednesday 09:00"
rem() { sql "select count(*) from reminders where appointment_id = $1 and channel = $2 and status = $3"; }
assert_eq "$(rem "$APPT" "$CH_SMS" "$REM_PENDING")|$(rem "$APPT" "$CH_EMAIL" "$REM_PENDING")" "4|4" \
    "four reminders per channel"
assert_eq "$(sql "select count(distinct due_at) from reminders where appointment_id = $APPT")" 4 \
    "at four different times"
APPT_B1=$(sql "select id from appointments where student_id = 'STB1' and starts_at = $(at '2026-12-10 09:00')")
APPT_B2=$(sql "select id from appointments where student_id = 'STB2' and starts_at = $(at '2026-12-10 09:00')")
assert_ne "$APPT_B1" "" "STB1: check-in on Thursday 09:00"
assert_eq "$(rem "$APPT_B1" "$CH_EMAIL" "$REM_PENDING")|$(sql "select count(*) from reminders where student_id in ('STB1', 'STB2') and channel = $CH_SMS")" \
    "4|0" "STB1: email only; STB2: nothing"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"

# --- the outage ends on Wednesday 08:30
RELANCED_ENV="RELANCE_TEST_CLOCK=$(at '2026-12-09 08:30:00')" start_relanced "$T/relance.conf"
wait_for '[ "$(sql "select count(*) from reminders where appointment_id = '"$APPT"' and status in ($REM_PENDING, $REM_SENDING)")" = 0 ]' 20 ||
    fail "STA's reminders still pending"
for ch in $CH_SMS $CH_EMAIL; do
	name=$([ "$ch" = "$CH_SMS" ] && echo SMS || echo email)
	assert_eq "$(rem "$APPT" "$ch" "$REM_SENT")|$(rem "$APPT" "$ch" "$REM_SKIPPED")" "1|3" \
	    "$name: one sent, three skipped"
	assert_eq "$(sql "select due_at from reminders where appointment_id = $APPT and channel = $ch and status = $REM_SENT")" \
	    "$(at '2026-12-09 08:00')" "$name: the one sent is the latest (2 h, at the end of the quiet hours)"
done
assert_eq "$(sql "select count(*) from reminders where appointment_id = $APPT and status = $REM_SKIPPED and sent_at is not null and last_error = 'skipped: a later reminder is due too'")" \
    6 "skipped ones carry the time and the reason"
wait_for '[ "$(kannel_mt_count)" -ge 1 ] && [ "$(smtp_count)" -ge 2 ]' 20
sleep 2
kannel_messages >"$T/mt.tsv"
assert_eq "$(grep -c $'\t+33611111111\t' "$T/mt.tsv")" 1 "the SMSC got one SMS for STA"
assert_eq "$(grep -l 'sta@example.org' "$SMTP_DIR"/*.env 2>/dev/null | wc -l)" 1 "the SMTP server got one email for STA"
# STB1: 72 h and 48 h overdue (the 24 h one is at 09:00): the 48 h goes
assert_eq "$(sql "select status from reminders where appointment_id = $APPT_B1 and channel = $CH_EMAIL order by due_at")" \
    "$(printf '%s\n' "$REM_SKIPPED" "$REM_SENT" "$REM_PENDING" "$REM_PENDING")" \
    "STB1: 72 h skipped, 48 h sent by email, 24 h and 2 h pending"

# relancectl and /metrics
relancectl status --json >"$T/status.json"
jget() { "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
assert_eq "$(jget "$T/status.json" 'd["reminders"]["sms"]["skipped"], d["reminders"]["email"]["skipped"]')" \
    "(3, 4)" "relancectl status --json: skipped by channel"
assert_grep '^reminders sms .*skipped 3' <(relancectl status) "relancectl status: skipped"
relancectl reminders --skipped --json >"$T/skipped.json"
assert_eq "$(jget "$T/skipped.json" 'd["status"], d["count"], sorted({r["student_id"] for r in d["reminders"]})')" \
    "('skipped', 7, ['STA', 'STB1'])" "relancectl reminders --skipped --json"
assert_eq "$(relancectl reminders --skipped | grep -c 'skipped: a later reminder is due too')" 7 \
    "relancectl reminders --skipped: with the reason"
relancectl plan STA --json >"$T/plan.json"
assert_eq "$(jget "$T/plan.json" 'sorted(r["status"] for a in d["appointments"] for r in a["reminders"] if r["id"])')" \
    "['sent', 'sent', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']" \
    "relancectl plan: two sent, six skipped"
curl -s "$RELANCE_URL/metrics" >"$T/metrics"
assert_grep '^relance_reminders\{channel="sms",status="skipped"\} 3$' "$T/metrics" "/metrics: skipped SMS"
assert_grep '^relance_reminders\{channel="email",status="skipped"\} 4$' "$T/metrics" "/metrics: skipped emails"

# --- SMS consent given back: delivered on one channel means done
n0=$(kannel_mt_count)
{
	ev_update time=2026-12-09T08:31:00+01:00 id=u-b1 student=STB1 consent_sms=true
	ev_update time=2026-12-09T08:31:00+01:00 id=u-b2 student=STB2 consent_sms=true
} >"$T/upd.jsonl"
produce avenirpro.students "$T/upd.jsonl"
wait_for '[ "$(sql "select count(*) from reminders where student_id = '"'STB2'"' and channel = $CH_SMS and status = $REM_SENT")" = 1 ]' 20 ||
    fail "STB2's SMS not sent"
wait_for '[ "$(kannel_mt_count)" -ge '"$((n0 + 1))"' ]' 20
sleep 2
kannel_messages >"$T/mt2.tsv"
assert_eq "$(grep -c $'\t+33622222222\t' "$T/mt2.tsv")" 1 "STB2 (no reminder delivered yet): the 48 h one goes by SMS at once"
assert_eq "$(grep -c $'\t+33622222221\t' "$T/mt2.tsv")" 0 "STB1: no SMS repeats the 48 h reminder delivered by email"
assert_eq "$(sql "select group_concat(due_at || ':' || status) from (select due_at, status from reminders where appointment_id = $APPT_B1 and channel = $CH_SMS order by due_at)")" \
    "$(at '2026-12-09 09:00'):$REM_PENDING,$(at '2026-12-10 08:00'):$REM_PENDING" \
    "STB1: SMS reminders for the 24 h and 2 h offsets only"
assert_grep "reminder already delivered on the other channel" "$T/relanced.log" "logged"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
