#!/bin/bash
# 56-symlinks: a hostile writer of the state directory plants symbolic
# links for every path relanced writes or sweeps (contract section 6:
# safe files): the establishment and adviser feed directories and the email
# outbox point to directories outside, the old predictable temp name of a
# feed file and the feed file itself point to files outside. relanced
# writes and removes nothing outside the state directory: the links to
# directories are not followed (the feeds and outbox there are not
# written; the sweep leaves the .ics files outside alone), the temp file
# has an unpredictable name made with O_EXCL|O_NOFOLLOW, and a link in the
# place of a feed file is replaced by the file.
. "$(dirname "$0")/../lib.sh"
lib_init symlinks

OUT=$T/outside
mkdir -p "$OUT/est" "$OUT/adv" "$OUT/mail" "$T/feeds/student" "$T/outbox"
echo keep >"$OUT/est/00000000000000000000000000000000.ics"
echo keep >"$OUT/adv/00000000000000000000000000000001.ics"
echo keep >"$OUT/target.ics"
ln -s "$OUT/est" "$T/feeds/establishment"
ln -s "$OUT/adv" "$T/feeds/adviser"
rmdir "$T/outbox/email"
ln -s "$OUT/mail" "$T/outbox/email"
snapshot() { (cd "$OUT" && find . -printf '%p %y %s\n' && find . -type f -exec sha256sum {} +) | sort; }
snapshot >"$T/before"

start_kafka
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" calendar.refresh=1s reminders.default_consent=email
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"
ev_exam time=2026-06-19T16:05:00+02:00 last_exam_on=2026-11-23 -phone consent_sms=false \
    id=e1 student=S1 given_name=Axel >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
TOK=
wait_for '[ -n "$(sql "select feed_token from students where id = '"'S1'"'")" ]' 20 || die "student not stored"
TOK=$(sql "select feed_token from students where id = 'S1'")
FILE=$T/feeds/student/$TOK.ics
wait_for "[ -f '$FILE' ]" 20
assert_ok "the student feed is written in its own directory" [ -f "$FILE" ]
wait_for '[ "$(sql "select count(*) from attempts")" -ge 1 ]' 20
note "attempts: $(sql "select group_concat(outcome || ' ' || coalesce(detail, ''), '; ') from attempts")"
assert_eq "$(find "$OUT/mail" -type f | wc -l)" 0 "no email written through the outbox link"

# The old predictable temp name, then the file itself, as links outside.
rm -f "$FILE"
ln -s "$OUT/victim.ics" "$FILE.tmp.$RELANCED_PID"
wait_for "[ -f '$FILE' ]" 20
assert_ok "the feed file is written again" [ -f "$FILE" ]
assert_ok "not through a link at the old temp name" [ ! -e "$OUT/victim.ics" ]
rm -f "$FILE"
ln -s "$OUT/target.ics" "$FILE"
wait_for "[ ! -L '$FILE' ] && [ -f '$FILE' ]" 20
assert_ok "a link in the place of the feed file is replaced by the file" \
    eval "[ ! -L '$FILE' ] && grep -q BEGIN:VCALENDAR '$FILE'"
sleep 6    # a sweep (every 5 s with refresh = 1 s) after all that
assert_grep 'establishment is not a directory' "$T/relanced.log" "the linked directory is said not swept"
snapshot >"$T/after"
assert_ok "nothing outside the state directory written or removed" diff "$T/before" "$T/after"
assert_ok "relanced still runs" kill -0 "$RELANCED_PID"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
