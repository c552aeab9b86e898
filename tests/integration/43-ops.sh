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
#    letters, held events and the age of the oldest due reminder move as
#    expected.
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
