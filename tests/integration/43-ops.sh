#!/bin/bash
# 43-ops: administration (contract section 6, issue 13).
#  - relanced started outside systemd from a shell with umask 022 creates
#    its store, feed files and outbox files readable by its user only
#    (umask 077 at start);
#  - with no [smtp] url the email channel is off: said at start, no email
#    reminder planned, no SMS failure falls back to email; the file:// SMS
#    outbox is said at start as such;
#  - /metrics parses as Prometheus text format 0.0.4 (a strict parser
#    below), every counter ends in _total, and the per-channel counters
#    (sent, failed, retried, skipped), delivery reports, STOP replies, dead
#    letters (a counter that stays when the rows are deleted; the rows
#    kept are relance_dead_letters_stored), held events and the age of
#    the oldest due reminder move as expected.
. "$(dirname "$0")/../lib.sh"
lib_init ops

start_kafka
# Monday 2026-12-07 10:00 Paris: the +14d check-in of an exam on 11-23 is
# today 10:30, its 48 h reminder is due at once.
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
umask 022
write_conf "$T/relance.conf" -smtp.url calendar.refresh=1s reminders.max_per_day=10
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"

# ---- channels: email off, SMS to an outbox ------------------------------------
assert_grep '^<6>email: channel off \(no \[smtp\] url\)' "$T/relanced.log" "the start says email is off (info)"
assert_grep "^<6>sms: outbox directory $T/outbox/sms \\(file://\\)" "$T/relanced.log" \
    "the start says SMS go to an outbox directory (info)"
assert_no_grep '^<[0-4]>' "$T/relanced.log" "no warning on a normal start"

exams_both_channels 3 >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
wait_for '[ "$(sql "select count(*) from events")" = 3 ]' 30
assert_eq "$(sql "select count(*) from events")" 3 "3 exams applied"
wait_for '[ "$(find "$T/outbox/sms" -type f -name "*.json" 2>/dev/null | wc -l)" -ge 3 ]' 20
assert_ne "$(sql "select count(*) from reminders where channel = $CH_SMS")" 0 "SMS reminders planned"
assert_eq "$(sql "select count(*) from reminders where channel = $CH_EMAIL")" 0 \
    "no email reminder planned (email off), though the students consented to email"
assert_eq "$(find "$T/outbox" -name '*.eml' | wc -l)" 0 "nothing written as email"

# ---- umask 077 -------------------------------------------------------------------
wait_for '[ -n "$(find "$T/feeds" -type f -name "*.ics" 2>/dev/null | head -n1)" ]' 15
FEED=$(find "$T/feeds" -type f -name '*.ics' | head -n1)
SMS=$(find "$T/outbox/sms" -type f -name '*.json' | head -n1)
assert_ne "$FEED" "" "a feed file was written"
for f in "$T/relance.db" "$FEED" "$SMS"; do
	[ -n "$f" ] || continue
	mode=$(stat -c %a "$f")
	assert_eq "$((8#$mode & 8#077))" 0 "${f#$T/} is not group/other readable (mode $mode, shell umask 022)"
done
# (feeds/ and outbox/ are made by the harness; what is below, by relanced)
for d in $(find "$T/feeds" -mindepth 1 -type d); do
	mode=$(stat -c %a "$d")
	assert_eq "$((8#$mode & 8#077))" 0 "${d#$T/}/ is not group/other accessible (mode $mode)"
done

# ---- /metrics: strict Prometheus text format, counters that move --------------------
# metrics NAME: fetch /metrics into $T/NAME.txt, parse it strictly into
# $T/NAME.parsed ("name{labels} value" per line); fails on a violation.
metrics() {
	curl -s -o "$T/$1.txt" "$RELANCE_URL/metrics"
	if "$PY" "$TOP/tests/peers/promcheck.py" <"$T/$1.txt" >"$T/$1.parsed" 2>"$T/$1.err"; then
		pass "/metrics ($1) parses as Prometheus text format, counters end in _total"
	else
		sed 's/^/  .. /' "$T/$1.err" | head -n 20
		fail "/metrics ($1) parses as Prometheus text format, counters end in _total"
	fi
}
# m FILE SAMPLE: the value of SAMPLE (name{labels} as promcheck prints it)
m() { awk -v k="$2" '$1 == k { print $2 }' "$T/$1.parsed"; }
SMS_SENT='relance_reminders_sent_total{channel="sms"}'
SMS_SKIPPED='relance_reminders_skipped_total{channel="sms"}'

wait_for '[ "$(sql "select count(*) from reminders where status = $REM_SENDING or (status = $REM_PENDING and next_at <= '$NOW' + 60)")" = 0 ]' 20
metrics m1
NSMS=$(find "$T/outbox/sms" -type f -name '*.json' | wc -l)
assert_eq "$(m m1 "$SMS_SENT")" "$NSMS" "reminders_sent_total{sms} = the SMS written ($NSMS)"
assert_eq "$(m m1 'relance_reminders_sent_total{channel="email"}')" 0 "reminders_sent_total{email} = 0 (off)"
assert_eq "$(m m1 "$SMS_SKIPPED")" "$(sql "select count(*) from reminders where channel = $CH_SMS and status = $REM_SKIPPED")" \
    "reminders_skipped_total{sms} = the skipped SMS reminders in the store"
for s in 'relance_reminders_failed_total{channel="sms"}' 'relance_reminders_retried_total{channel="sms"}' \
    relance_delivery_reports_total relance_stop_replies_total relance_dead_letters_total relance_dead_letters_stored \
    relance_held_events relance_events_held_total 'relance_reminder_oldest_due_age_seconds{channel="sms"}'; do
	assert_eq "$(m m1 "$s")" 0 "$s is 0 so far"
done
assert_no_grep '^relance_store_counter ' "$T/m1.txt" "relance_store_counter renamed (counters end in _total)"

# A STOP reply, a message that is no event, an update of an unknown student.
code=$(curl -s -o /dev/null -w '%{http_code}' "$RELANCE_URL/sms/kannel/incoming?from=%2B33611111111&to=AvenirPro&text=STOP")
assert_eq "$code" 200 "STOP reply taken"
printf 'this is not json\n' >"$T/bad.txt"
produce avenirpro.exams "$T/bad.txt"
ev_update id=upd-x1 student=NOBODY time="$(date -d '-1 hour' +%FT%T%:z)" locale=en >"$T/upd.jsonl"
produce avenirpro.students "$T/upd.jsonl"
wait_for '[ "$(sql "select count(*) from dead_letters")" -ge 1 ] && [ "$(sql "select count(*) from held_events")" -ge 1 ]' 20
metrics m2
assert_eq "$(m m2 relance_stop_replies_total)" 1 "stop_replies_total moved to 1"
assert_eq "$(m m2 relance_sms_incoming_total)" 1 "sms_incoming_total moved to 1"
assert_eq "$(m m2 'relance_store_counter_total{name="sms_stop"}')" 1 "store counter sms_stop (relance_store_counter_total) is 1"
assert_eq "$(m m2 relance_dead_letters_total)" 1 "dead_letters_total moved to 1"
assert_eq "$(m m2 relance_dead_letters_stored)" 1 "dead_letters_stored (gauge: rows kept) is 1"
assert_eq "$(m m2 relance_held_events)" 1 "held_events (gauge) is 1"
assert_eq "$(m m2 relance_events_held_total)" 1 "events_held_total moved to 1"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
# The rows go as [store] keep_dead_letters deletes them; the counter stays.
sql "delete from dead_letters"

# ---- failures, retries, the oldest due reminder: SMS to a slow webhook -----------------
# One SMS at a time, 5 s each; the first two answers are 503 (transient):
# the first reminder is retried once, then fails (attempts = 2).
start_httprec --delay 5 --fail-first 2 503
write_conf "$T/relance.conf" -smtp.url sms.gateway=webhook sms.url="$HTTPREC_URL/send" \
    sms.concurrency=1 retry.attempts=2 retry.first=1s retry.max=1s reminders.max_per_day=10
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"
ev_exam id=w-1 time=2026-06-19T16:05:00+02:00 student=W1 phone=+33633333331 adviser=advw1 \
    last_exam_on=2026-11-23 >"$T/w1.jsonl"
produce avenirpro.exams "$T/w1.jsonl"
wait_for '[ "$(sql "select count(*) from reminders where student_id = '"'W1'"' and status = $REM_FAILED")" = 1 ]' 30
metrics m3
assert_eq "$(m m3 'relance_reminders_retried_total{channel="sms"}')" 1 "reminders_retried_total{sms} moved to 1 (a 503)"
assert_eq "$(m m3 'relance_reminders_failed_total{channel="sms"}')" 1 "reminders_failed_total{sms} moved to 1 (a second 503)"
assert_eq "$(m m3 "$SMS_SENT")" 0 "nothing sent yet"
assert_eq "$(m m3 relance_dead_letters_stored)" 0 "dead letters deleted: dead_letters_stored is 0"
assert_eq "$(m m3 relance_dead_letters_total)" 1 "... and dead_letters_total (a counter) still 1"

# Two students more: while the first SMS takes 5 s, the second waits, due.
ev_exam -n 2 id=w-x{i} time=2026-06-19T16:05:00+02:00 student=WX{i} phone=+3363333334{i} \
    adviser=advx{i} last_exam_on=2026-11-23 >"$T/w2.jsonl"
produce avenirpro.exams "$T/w2.jsonl"
age() { metrics m4 >/dev/null; m m4 'relance_reminder_oldest_due_age_seconds{channel="sms"}'; }
wait_for '[ "$(age)" -ge 2 ]' 15
assert_ok "reminder_oldest_due_age_seconds{sms} grows while an SMS waits for the gateway ($(age) s)" \
    [ "$(age)" -ge 2 ]
wait_for '[ "$(sql "select count(*) from reminders where student_id like '"'WX%'"' and status = $REM_SENT")" = 2 ]' 30
metrics m5
assert_eq "$(m m5 "$SMS_SENT")" 2 "reminders_sent_total{sms} moved to 2"
assert_eq "$(m m5 'relance_reminder_oldest_due_age_seconds{channel="sms"}')" 0 "oldest due age back to 0 once sent"
assert_eq "$(m m5 'relance_reminders_sent_total{channel="email"}')" 0 "no email (off)"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
