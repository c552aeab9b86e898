#!/bin/bash
# 20-feeds: calendar feeds end to end (contract section 3). Events flow
# through the Kafka mock into relanced; the adviser, student and
# establishment feeds are fetched over HTTP with curl (200, Content-Type,
# strong ETag, 304 on If-None-Match, HEAD, 404/405 on bad requests) and
# validated with python3-icalendar (tests/peers/icscheck.py: required
# properties, VTIMEZONE vs tzdata across DST). Then an absence changes the
# adviser feed (new ETag, replacement event, SEQUENCE of the missed one
# incremented), a stop cancels the events (STATUS:CANCELLED, still there),
# a revoked token answers 404 and its file goes away; files appear under
# feeds_dir within refresh; /healthz and /metrics answer. Last, students'
# answers as reply.c records them (written to the store while relanced is
# stopped): python3-icalendar reads the student as ATTENDEE with
# PARTSTAT=ACCEPTED and a mark in SUMMARY for a confirmed appointment,
# no ATTENDEE for those not answered, and "Annulé par l'élève" on the STATUS:CANCELLED
# event the student cancelled.
. "$(dirname "$0")/../lib.sh"
lib_init feeds

ICSCHECK="$PY $LIB_TESTS/peers/icscheck.py"

start_kafka
DAY=$(date -d '+20 days' +%F)
# reminders.horizon=400d: reminder rows at once (the metrics list them)
write_conf "$T/relance.conf" calendar.refresh=2s \
    "checkins.location=Mission locale, 3 rue de la Gare — Thionville" \
    "dropin.window=* $DAY..$DAY 09:00-09:20 slot=20m capacity=2" \
    reminders.horizon=400d
start_relanced "$T/relance.conf"

LAST=$(date -d '-1 days' +%F)
# exam.completed (ev_exam): email only
EXAM=(family_name=Belvalette-Dûrand -phone consent_sms=false "programme_label=Bac pro" last_exam_on="$LAST")
{
	ev_exam "${EXAM[@]}" student=S1 given_name=Axel locale=fr
	ev_exam "${EXAM[@]}" student=S2 given_name=Éloïse-Gwenaëlle-Marie-Clémentine-Ségolène locale=en
	ev_exam "${EXAM[@]}" student=S3 given_name=Noé locale=fr
} >"$T/exams.jsonl"
produce avenirpro.exams "$T/exams.jsonl"
wait_for 'sql "select count(distinct student_id) from appointments" | grep -qx 3' 20 ||
    die "students not planned"

tok() { sql "select feed_token from $1 where $2 = '$3'"; }
ADV=$(tok advisers id acomelli)
STU2=$(tok students id S2)
EST=$(tok establishments uai 0570123X)
assert_ok "tokens are 128 bits of hex" eval "[[ '$ADV' =~ ^[0-9a-f]{32,}$ && '$STU2' =~ ^[0-9a-f]{32,}$ ]]"
ADV_URL=$RELANCE_URL/feeds/adviser/$ADV.ics

# fetch URL OUT: body to OUT, headers to OUT.h, prints the status code
fetch() { curl -s -D "$2.h" -o "$2" -w '%{http_code}' "${@:3}" "$1"; }
hdr() { grep -i "^$1:" "$2" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# --- adviser feed over HTTP
assert_eq "$(fetch "$ADV_URL" "$T/adv1.ics")" 200 "adviser feed: 200"
assert_eq "$(hdr Content-Type "$T/adv1.ics.h")" "text/calendar; charset=utf-8" "Content-Type"
ETAG1=$(hdr ETag "$T/adv1.ics.h")
assert_ok "strong ETag" eval "[[ '$ETAG1' =~ ^\\\"[0-9a-f]+\\\"$ ]]"
assert_grep '^Last-Modified: .* GMT' "$T/adv1.ics.h" "Last-Modified"
assert_ok "adviser feed valid (icscheck, DST both sides)" \
    $ICSCHECK "$T/adv1.ics" --kind adviser --dst-both
$ICSCHECK "$T/adv1.ics" >"$T/adv1.lst" 2>/dev/null
assert_eq "$(grep -c $'\tCONFIRMED\t' "$T/adv1.lst")" 14 "12 check-ins and 2 drop-ins (capacity 2), confirmed"
assert_grep "Point d'étape — Éloïse-Gwenaëlle-Marie-Clémentine-Ségolène Belvalette-Dûrand" \
    "$T/adv1.lst" "long accented name intact after folding"
assert_eq "$(fetch "$ADV_URL" "$T/adv304" -H "If-None-Match: $ETAG1")" 304 "If-None-Match: 304"
assert_ok "304 has no body" eval "! test -s '$T/adv304'"
assert_eq "$(curl -s -I -o /dev/null -w '%{http_code}' "$ADV_URL")" 200 "HEAD: 200"
assert_eq "$(curl -s -X HEAD -o "$T/head" -w '%{size_download}' "$ADV_URL" 2>/dev/null)" 0 "HEAD: no body"

# --- DST: a check-in at a known winter and summer local time
WINTER=$(sql "select starts_at from appointments where student_id = 'S1' and plan_index = 0")
SUMMER=$(sql "select starts_at from appointments where student_id = 'S1' and plan_index = 3")
for t in $WINTER $SUMMER; do
	want=$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)
	off=$(TZ=Europe/Paris date -d "@$t" +%z)
	assert_grep "	$want	$( [ "$off" = +0100 ] && echo 1:00:00 || echo 2:00:00)	" "$T/adv1.lst" \
	    "check-in at $want has offset $off through the feed's VTIMEZONE"
done

# --- student (English, VALARM) and establishment (no personal data) feeds
assert_eq "$(fetch "$RELANCE_URL/feeds/student/$STU2.ics" "$T/stu2.ics")" 200 "student feed: 200"
assert_ok "student feed valid" $ICSCHECK "$T/stu2.ics" --kind student
assert_grep '^SUMMARY:Check-in with your adviser Amélie Comelli' "$T/stu2.ics" "student feed in English"
assert_grep '^BEGIN:VALARM' "$T/stu2.ics" "student feed has a VALARM"
assert_eq "$(fetch "$RELANCE_URL/feeds/establishment/$EST.ics" "$T/est.ics")" 200 "establishment feed: 200"
assert_ok "establishment feed valid" $ICSCHECK "$T/est.ics" --kind establishment
assert_grep '^SUMMARY:Permanence Avenir Pro — 2/2 \(complet\)' "$T/est.ics" "full drop-in slot with its fill level"
assert_no_grep 'Belvalette|example.org' "$T/est.ics" "no personal data in the establishment feed"

# --- bad requests
assert_eq "$(fetch "$RELANCE_URL/feeds/adviser/00000000000000000000000000000000.ics" "$T/nf")" 404 "unknown token: 404"
assert_eq "$(cat "$T/nf")" "not found" "404 says nothing more"
assert_eq "$(fetch "$RELANCE_URL/feeds/adviser/../../etc/passwd" "$T/nf2" --path-as-is)" 404 "traversal: 404"
assert_eq "$(fetch "$RELANCE_URL/feeds/student/$ADV.ics" "$T/nf3")" 404 "token of another kind: 404"
assert_eq "$(fetch "$ADV_URL" "$T/post" -X POST -d x=1)" 405 "POST: 405"
assert_eq "$(fetch "$RELANCE_URL/$(head -c 3000 /dev/zero | tr '\0' a)" "$T/long")" 414 "long URL: 414"

# --- files under feeds_dir within refresh
assert_ok "adviser feed file written" wait_file "$T/feeds/adviser/$ADV.ics" 6
assert_ok "student feed file written" wait_file "$T/feeds/student/$STU2.ics" 6
assert_ok "establishment feed file written" wait_file "$T/feeds/establishment/$EST.ics" 6
# (the file may be from a pass before the last exam was applied: the
# writer rewrites it within refresh)
assert_ok "feed file equals the HTTP body" wait_for "cmp -s '$T/feeds/adviser/$ADV.ics' '$T/adv1.ics'" 6

# --- an absence: new ETag, replacement event, SEQUENCE of the missed one + 1
UID1=$(sql "select uid from appointments where student_id = 'S1' and plan_index = 0")
SEQ1=$(sql "select sequence from appointments where uid = '$UID1'")
ev_attendance id=att-1 source=/ml/test student=S1 uid="$UID1" status=absent >"$T/att.jsonl"
produce avenirpro.attendance "$T/att.jsonl"
wait_for "sql \"select status from appointments where uid = '$UID1'\" | grep -qx $APPT_MISSED" 20 ||
    fail "absence not applied"
fetch "$ADV_URL" "$T/adv2.ics" >/dev/null
ETAG2=$(hdr ETag "$T/adv2.ics.h")
assert_ne "$ETAG2" "$ETAG1" "adviser feed has a new ETag after the absence"
$ICSCHECK "$T/adv2.ics" --kind adviser >"$T/adv2.lst" || fail "adviser feed invalid after the absence"
assert_grep "^$UID1	CONFIRMED	$((SEQ1 + 1))	" "$T/adv2.lst" "missed event: SEQUENCE incremented, same UID"
assert_grep 'Statut : absent' "$T/adv2.ics" "missed event shows the attendance status"
assert_eq "$(grep -c $'\tCONFIRMED\t' "$T/adv2.lst")" 15 "a replacement event was added"

# --- a stop: the events stay, cancelled (S3 may or may not have got the
# one drop-in slot: the three exams may be consumed in any order)
N3=$(sql "select count(*) from appointments where student_id = 'S3' and status = $APPT_CONFIRMED")
ev_update id=stop-1 source=/ml/test student=S3 follow_up=stop >"$T/stop.jsonl"
produce avenirpro.students "$T/stop.jsonl"
wait_for "sql \"select count(*) from appointments where student_id = 'S3' and status = $APPT_CANCELLED\" | grep -qx $N3" 20 ||
    fail "stop not applied"
fetch "$ADV_URL" "$T/adv3.ics" >/dev/null
$ICSCHECK "$T/adv3.ics" --kind adviser >"$T/adv3.lst" || fail "adviser feed invalid after the stop"
assert_eq "$(grep 'Noé' "$T/adv3.lst" | grep -c $'\tCANCELLED\t')" "$N3" "stopped student's events are CANCELLED"
assert_eq "$(grep 'Noé' "$T/adv3.lst" | grep $'\tCANCELLED\t' | grep -c $'\tAnnulé : [^\t]* — Noé ')" "$N3" \
    "their SUMMARY says so (Annulé), for clients that ignore STATUS"
assert_ok "the adviser's file follows within refresh" \
    wait_for "grep -q 'STATUS:CANCELLED' '$T/feeds/adviser/$ADV.ics'" 8

# --- revocation: old URL 404, old file removed, new URL works
if [ -x "$BUILD/relancectl" ] && relancectl feed revoke adviser acomelli >"$T/revoke.out"; then
	NEW_URL=$(tail -n1 "$T/revoke.out")
else
	sql "update advisers set feed_token = lower(hex(randomblob(16))) where id = 'acomelli'"
	NEW_URL=$RELANCE_URL/feeds/adviser/$(tok advisers id acomelli).ics
fi
NEW=$(tok advisers id acomelli)
assert_ne "$NEW" "$ADV" "the token changed"
assert_eq "$(fetch "$ADV_URL" "$T/old")" 404 "revoked URL: 404"
assert_eq "$(fetch "$RELANCE_URL/feeds/adviser/$NEW.ics" "$T/new.ics")" 200 "new URL: 200"
assert_ok "revoked file removed" wait_for "! test -e '$T/feeds/adviser/$ADV.ics'" 15
assert_ok "new file written" wait_file "$T/feeds/adviser/$NEW.ics" 15

# --- /healthz and /metrics
assert_eq "$(fetch "$RELANCE_URL/healthz" "$T/health")" 200 "/healthz: 200"
assert_eq "$(cat "$T/health")" ok "/healthz says ok"
assert_eq "$(fetch "$RELANCE_URL/metrics" "$T/metrics")" 200 "/metrics: 200"
assert_grep '^relance_events_total\{type="exam.completed",result="applied"\} 3$' "$T/metrics" \
    "metrics: events by type"
assert_grep '^relance_appointments\{status="cancelled"\} [0-9]+$' "$T/metrics" "metrics: appointments by status"
assert_grep '^relance_reminders\{channel="email",status="[a-z]+"\} [0-9]+$' "$T/metrics" "metrics: reminders"
assert_grep '^relance_dead_letters_total 0$' "$T/metrics" "metrics: dead letters"
assert_grep '^relance_dropin_shortage_total\{window=".*"\} 1$' "$T/metrics" "metrics: drop-in shortage counted"
assert_grep '^relance_store_batch_seconds\{stat="max"\}' "$T/metrics" "metrics: store latency"

stop_relanced
assert_eq $? 0 "relanced stops cleanly"

# --- students' answers (contract section 8), as reply.c records them
YES=$(sql "select uid from appointments where student_id = 'S2' and plan_index = 1")
NO=$(sql "select uid from appointments where student_id = 'S2' and plan_index = 2")
NOW=$(date +%s)
sql "update appointments set answer = 1, answered_at = $NOW where uid = '$YES';
     update appointments set status = $APPT_CANCELLED, answer = 2, answered_at = $NOW,
       changed_by = 'student', sequence = sequence + 1, updated_at = $NOW where uid = '$NO'"
start_relanced "$T/relance.conf"
assert_eq "$(fetch "$RELANCE_URL/feeds/adviser/$NEW.ics" "$T/adv4.ics")" 200 "adviser feed after answers: 200"
assert_ok "adviser feed with answers valid (icscheck)" $ICSCHECK "$T/adv4.ics" --kind adviser
"$PY" - "$T/adv4.ics" "$YES" "$NO" >"$T/answers.out" 2>&1 <<'EOF'
import sys
from icalendar import Calendar
cal = Calendar.from_ical(open(sys.argv[1], "rb").read())
ev = {str(e["UID"]): e for e in cal.walk("VEVENT")}
def att(e):
    a = e.get("ATTENDEE")
    assert a is not None and not isinstance(a, list), "one ATTENDEE in %s" % e["UID"]
    return a.params.get("PARTSTAT"), a.params.get("CN"), str(a)
yes, no = ev[sys.argv[2]], ev[sys.argv[3]]
print("yes", *att(yes), str(yes["SUMMARY"]), sep="|")
print("no", att(no)[0], str(no["STATUS"]), str(no["SUMMARY"]), sep="|")
others = {"attendee" if e.get("ATTENDEE") is not None else "none"
          for u, e in ev.items() if u not in sys.argv[2:] and str(e["STATUS"]) == "CONFIRMED"}
print("others", *sorted(others), sep="|")
EOF
sed 's/^/  .. /' "$T/answers.out"
assert_grep '^yes\|ACCEPTED\|Éloïse-Gwenaëlle-Marie-Clémentine-Ségolène Belvalette-Dûrand\|mailto:S2@example.org\|Point d.étape — Éloïse-[^|]* \(✔ confirmé\)$' \
    "$T/answers.out" "confirmed: ATTENDEE (CN, mailto:) PARTSTAT=ACCEPTED and a mark in SUMMARY"
assert_grep "^no\\|DECLINED\\|CANCELLED\\|Annulé par l'élève : Point d'étape — Éloïse" "$T/answers.out" \
    "cancelled by the student: STATUS:CANCELLED, SUMMARY says so"
assert_grep '^others\|none$' "$T/answers.out" "not answered: no ATTENDEE"

# An adviser without an email address (optional in events) is still every
# event's ORGANIZER (contract 3), by a URN.
ev_exam "${EXAM[@]}" student=S9 adviser=nomail "adviser_name=Nora Sansmail" -adviser_email >"$T/s9.jsonl"
produce avenirpro.exams "$T/s9.jsonl"
wait_for '[ -n "$(tok advisers id nomail)" ]' 20
NOMAIL=$(tok advisers id nomail)
wait_for '[ "$(fetch "$RELANCE_URL/feeds/adviser/$NOMAIL.ics" "$T/nomail.ics")" = 200 ] && grep -q VEVENT "$T/nomail.ics"' 20
assert_ok "feed of an adviser without email valid, an ORGANIZER on every event (icscheck)" \
    $ICSCHECK "$T/nomail.ics" --kind adviser
assert_grep '^ORGANIZER;CN=Nora Sansmail:urn:relance:adviser:nomail' "$T/nomail.ics" "... by the adviser's URN"
stop_relanced
assert_eq $? 0 "relanced stops cleanly after the answers"
note "done in $(elapsed)s"
