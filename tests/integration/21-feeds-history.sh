#!/bin/bash
# 21-feeds-history: an adviser with three years of history still has a feed
# that Google Calendar reads (under ~1 MB) and that holds every future
# appointment (contract section 3: [calendar] keep_past, default 90 days);
# adviser feeds in [calendar] adviser_locale; cancelled events say so in
# SUMMARY. History is made with relanced's injected clock
# (RELANCE_TEST_CLOCK), one restart per cohort of one adviser's students:
# June 2023, 2024, 2025, January 2026 (a few, one of them stopped in
# January), June 2026 (one stopped at once). On 2026-06-22 the adviser feed
# (parsed with python3-icalendar, tests/peers/icscheck.py) holds exactly the
# store's appointments from 90 days back on, plus the cancellations of the
# last 30 days, and stays under 1 MB; with keep_past = 3650d the same feed
# would not (over 1 MB), and adviser_locale = en turns it English.
. "$(dirname "$0")/../lib.sh"
lib_init feeds-history

ICSCHECK="$PY $LIB_TESTS/peers/icscheck.py"
N=${HISTORY_STUDENTS:-140}
at() { TZ=Europe/Paris date -d "$1" +%s; }
# unfold FILE: the iCalendar lines of FILE unfolded, LF-terminated
unfold() { "$PY" -c 'import sys; sys.stdout.write(open(sys.argv[1], newline="").read().replace("\r\n ", "").replace("\r\n", "\n"))' "$1"; }
start_kafka
write_conf "$T/relance.conf" calendar.refresh=2s

# cohort DAY LAST_EXAM_ON PREFIX COUNT: relanced with its clock at DAY
# 10:00 plans COUNT students of adviser adv3y (email only), then stops.
cohort() {
	local n
	RELANCED_ENV="RELANCE_TEST_CLOCK=$(at "$1 10:00:00")" start_relanced "$T/relance.conf"
	ev_exam -n "$4" id="$3-{i}" student="$3S{i}" adviser=adv3y -phone consent_sms=false \
	    last_exam_on="$2" >"$T/$3.jsonl"
	produce avenirpro.exams "$T/$3.jsonl"
	wait_for '[ "$(sql "select count(*) from students where id like '"'$3S%'"'")" = '"$4"' ]' 60 ||
	    die "cohort $3 not applied"
	n=$(sql "select count(*) from appointments where student_id like '$3S%' and status = $APPT_CONFIRMED")
	assert_eq "$n" "$((4 * $4))" "cohort $3 ($1): $4 students, four check-ins each"
}
stop_student() {
	ev_update id="stop-$1" student="$1" follow_up=stop >"$T/stop-$1.jsonl"
	produce avenirpro.students "$T/stop-$1.jsonl"
	wait_for '[ "$(sql "select count(*) from appointments where student_id = '"'$1'"' and status = $APPT_CANCELLED")" -gt 0 ]' 20 ||
	    fail "stop of $1 not applied"
}

cohort 2023-06-20 2023-06-19 c23 "$N"; stop_relanced
cohort 2024-06-20 2024-06-19 c24 "$N"; stop_relanced
cohort 2025-06-20 2025-06-19 c25 "$N"; stop_relanced
cohort 2026-01-12 2026-01-09 w26 5; stop_student w26S5; stop_relanced
cohort 2026-06-20 2026-06-19 c26 "$N"; stop_student c26S1; stop_relanced
TOTAL=$(sql "select count(*) from appointments where adviser_id = 'adv3y'")
note "adviser adv3y: $TOTAL appointments over three years"

NOW=$(at '2026-06-22 10:00:00')
# adviser_feed FILE WHAT: relanced at $NOW, the adviser's feed over HTTP into FILE
adviser_feed() {
	RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"
	ADV_URL=$RELANCE_URL/feeds/adviser/$(sql "select feed_token from advisers where id = 'adv3y'").ics
	assert_eq "$(curl -s -o "$1" -w '%{http_code}' "$ADV_URL")" 200 "adviser feed ($2): 200"
	note "adviser feed ($2): $(stat -c %s "$1") bytes"
}
adviser_feed "$T/adv.ics" "keep_past = 90d"
SIZE=$(stat -c %s "$T/adv.ics")
assert_ok "adviser feed under 1 MB ($SIZE bytes)" [ "$SIZE" -lt 1000000 ]
assert_ok "adviser feed valid (python3-icalendar)" $ICSCHECK "$T/adv.ics" --kind adviser
$ICSCHECK "$T/adv.ics" 2>/dev/null | cut -f1 | sort >"$T/feed.uids"
# What the feed must hold: from 90 days back on, and cancellations of the
# last 30 days (31 kept).
sql "select uid from appointments where adviser_id = 'adv3y' and
     ((status != $APPT_CANCELLED and starts_at >= $NOW - 90 * 86400) or
      (status = $APPT_CANCELLED and updated_at >= $NOW - 31 * 86400))" | sort >"$T/want.uids"
assert_ok "feed events = the store's appointments from 90 days back, and recent cancellations ($(wc -l <"$T/want.uids"))" \
    cmp -s "$T/feed.uids" "$T/want.uids"
FUTURE=$(sql "select count(*) from appointments where adviser_id = 'adv3y' and starts_at >= $NOW and status = $APPT_CONFIRMED")
assert_eq "$(grep -cxFf <(sql "select uid from appointments where adviser_id = 'adv3y' and starts_at >= $NOW and status = $APPT_CONFIRMED") "$T/feed.uids")" \
    "$FUTURE" "every future appointment is in the feed ($FUTURE)"
PAST=$(sql "select count(*) from appointments where adviser_id = 'adv3y' and status = $APPT_CONFIRMED and starts_at < $NOW and starts_at >= $NOW - 90 * 86400")
assert_ok "the last 90 days are there too ($PAST: the +90d check-ins of January)" [ "$PAST" -ge 4 ]
assert_ok "most of the history is older than that" \
    [ "$(sql "select count(*) from appointments where adviser_id = 'adv3y' and starts_at < $NOW - 90 * 86400")" -ge $((12 * N)) ]
OLD=$(sql "select uid from appointments where adviser_id = 'adv3y' and starts_at < $NOW - 90 * 86400 limit 1")
assert_no_grep "^UID:$OLD" "$T/adv.ics" "an appointment of 2023 is not in the feed"
W26S5=$(sql "select uid from appointments where student_id = 'w26S5' and starts_at > $NOW")
assert_ne "$W26S5" "" "w26S5 had a future check-in (cancelled in January)"
assert_no_grep "^UID:$W26S5" "$T/adv.ics" "a cancellation older than 30 days left the feed, even of a future date"
# Cancelled events: STATUS and SUMMARY (for clients that ignore STATUS).
$ICSCHECK "$T/adv.ics" >"$T/adv.lst" 2>/dev/null
assert_eq "$(grep -c $'\tCANCELLED\t' "$T/adv.lst")" 4 "the stopped student's four check-ins are CANCELLED"
assert_eq "$(grep $'\tCANCELLED\t' "$T/adv.lst" | grep -c $'\tAnnulé : Point d\'étape — Axel Belvalette$')" 4 \
    "their SUMMARY says Annulé"
assert_eq "$(grep $'\tCONFIRMED\t' "$T/adv.lst" | grep -c 'Annulé')" 0 "confirmed ones do not"
unfold "$T/adv.ics" >"$T/adv.txt"
assert_grep "^DESCRIPTION:Point d'étape Avenir Pro avec Axel Belvalette \(élève c26S2\)" "$T/adv.txt" \
    "adviser feed in French by default"
STU=$(sql "select feed_token from students where id = 'c26S1'")
curl -s -o "$T/stu.ics" "$RELANCE_URL/feeds/student/$STU.ics"
assert_ok "student feed valid" $ICSCHECK "$T/stu.ics" --kind student
assert_eq "$(unfold "$T/stu.ics" | grep -c '^SUMMARY:Annulé : Point d.étape avec ')" 4 \
    "student feed: cancelled SUMMARY in the student's language"
assert_eq "$(curl -s "$RELANCE_URL/metrics" | grep -c '^relance_up 1$')" 1 "relanced healthy"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"

# The same adviser with keep_past = 3650d: the whole history, over 1 MB;
# adviser_locale = en.
write_conf "$T/relance.conf" calendar.refresh=2s calendar.keep_past=3650d calendar.adviser_locale=en
adviser_feed "$T/all.ics" "keep_past = 3650d"
SIZE_ALL=$(stat -c %s "$T/all.ics")
assert_ok "the whole history would not fit in 1 MB ($SIZE_ALL bytes)" [ "$SIZE_ALL" -gt 1000000 ]
$ICSCHECK "$T/all.ics" --kind adviser >"$T/all.lst" || fail "whole-history feed invalid"
assert_eq "$(wc -l <"$T/all.lst")" \
    "$(sql "select count(*) from appointments where adviser_id = 'adv3y' and (status != $APPT_CANCELLED or updated_at >= $NOW - 31 * 86400)")" \
    "keep_past = 3650d: every appointment but the old cancellations"
assert_eq "$(grep $'\tCONFIRMED\t' "$T/all.lst" | grep -c $'\tCheck-in — Axel Belvalette$')" \
    "$(grep -c $'\tCONFIRMED\t' "$T/all.lst")" "adviser_locale = en: English SUMMARY"
assert_eq "$(grep -c $'\tCANCELLED\t.*\tCancelled: Check-in — Axel Belvalette$' "$T/all.lst")" 4 \
    "cancelled SUMMARY in English"
unfold "$T/all.ics" >"$T/all.txt"
assert_grep '^DESCRIPTION:Avenir Pro check-in with Axel Belvalette \(student c26S2\)' "$T/all.txt" \
    "English DESCRIPTION"
assert_no_grep "Point d'étape|Statut" "$T/all.txt" "no French left in the adviser feed"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
note "done in $(elapsed)s"
