#!/bin/bash
# 62-browser: a student moves a check-in through the page in a real
# browser (contract section 8), the whole chain:
#   - the student's SMS reminder goes out through Kannel and reaches
#     fakesmsc; the personal link is taken from that SMS's text
#   - Debian's chromium (headless, chromium-driver, python3-selenium),
#     viewport 360x640, opens it: no horizontal scroll, the page names the
#     slot; "Déplacer le rendez-vous", the second slot proposed, "Choisir ce
#     créneau" (tests/helpers/page_browser.py; screenshots of each step in
#     build/screenshots/62-browser-*.png)
#   - then: the adviser feed (python3-icalendar) has the same UID at the
#     new time with a higher SEQUENCE; the student's pending reminders are
#     re-timed to the new start; the old slot goes to the next student of
#     the same adviser (an exam.completed with the same target day gets
#     exactly the freed slot, the earliest of the day); the replies topic
#     holds one avenirpro.reply.moved CloudEvent with both times.
. "$(dirname "$0")/../lib.sh"
lib_init browser

for f in /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x "$f" ] || skip "$f missing (make deps: chromium chromium-driver)"
done
"$PY" -c 'import selenium, icalendar' 2>/dev/null || skip "python3-selenium or python3-icalendar missing"
SHOTS=$TOP/build/screenshots
mkdir -p "$SHOTS"
rm -f "$SHOTS"/62-browser-*.png

# Saturday 2026-12-05 09:30: the 48 h reminder of the check-in of Monday
# 2026-12-07 09:00 (+14 days after 2026-11-23, the adviser's first slot)
# is due; the free slots start the next day (Sunday: closed), so they are
# Monday 09:30, 10:00, ... and the second one is 10:00.
NOW=$(TZ=Europe/Paris date -d '2026-12-05 09:30:00' +%s)
OLD=$(TZ=Europe/Paris date -d '2026-12-07 09:00:00' +%s)
start_kafka
write_conf "$T/relance.conf" sms.gateway=kannel sms.user=tester reminders.quiet_hours=none \
    reminders.default_consent=sms checkins.location="Mission locale, 3 rue des Écoles"
start_kannel
conf_kannel "$T/relance.conf"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"

PHONE=+33645454545
ev_exam id=e1 student=S1 given_name=Inès family_name=Browserova phone=$PHONE -email \
    consent_email=false last_exam_on=2026-11-23 >"$T/ev1.jsonl"
produce avenirpro.exams "$T/ev1.jsonl"
wait_for 'sql "select count(*) from appointments where student_id = '"'S1'"'" | grep -qx 4' 20 ||
    die "the student's appointments were not planned"
A_UID=$(sql "select uid from appointments where student_id = 'S1' order by starts_at limit 1")
assert_eq "$(sql "select starts_at from appointments where uid = '$A_UID'")" "$OLD" \
    "the first check-in is Monday 09:00"

# ---- the SMS, through Kannel --------------------------------------------------------------
wait_for '[ "$(kannel_mt_count)" -ge 1 ]' 30 || die "fakesmsc got no SMS"
kannel_messages >"$T/mt.tsv"
sed 's/^/  .. /' "$T/mt.tsv"
LINK=$(cut -f3 "$T/mt.tsv" | grep -o 'http://[^ ]*/r/[A-Za-z0-9_-]*' | head -1)
[ -n "$LINK" ] || die "no personal link in the SMS fakesmsc got"
pass "the SMS carries the personal link ($LINK)"
assert_eq "${LINK##*/r/}" "$("$PY" "$LIB_TESTS/helpers/linkcode.py" "$T/link.key" "$A_UID")" \
    "the link is the code of the appointment"
assert_eq "${LINK%/r/*}" "$RELANCE_URL" "on [calendar] base_url"

# the adviser feed before the move
FEED_URL=$(relancectl feed adviser acomelli)
[ -n "$FEED_URL" ] || die "no adviser feed URL"
# vevent UID: "DTSTART-epoch SEQUENCE" of UID in the adviser feed
vevent() {
	curl -s "$FEED_URL" | "$PY" -c '
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
for ev in cal.walk("VEVENT"):
    if str(ev.get("UID")) == sys.argv[1]:
        print(int(ev.decoded("DTSTART").timestamp()), int(ev.get("SEQUENCE", 0)))
' "$1"
}
read -r F_START F_SEQ <<<"$(vevent "$A_UID")"
assert_eq "$F_START" "$OLD" "the feed has the appointment at 09:00 before the move"
PENDING_BEFORE=$(sql "select next_at from reminders where appointment_id = (select id from appointments where uid = '$A_UID') and status = $REM_PENDING order by next_at")
note "pending reminders before: $(echo $PENDING_BEFORE)"

# ---- the browser ----------------------------------------------------------------------
t0=$(date +%s)
if timeout 120 "$PY" "$LIB_TESTS/helpers/page_browser.py" "$LINK" "$SHOTS/62-browser" \
    "lundi 7 décembre 2026" "9h00" >"$T/browser.json" 2>"$T/browser.err"; then
	pass "chromium at 360x640: no horizontal scroll, the slot named, moved ($(($(date +%s) - t0)) s)"
else
	fail "the browser run: $(tail -3 "$T/browser.err")"
fi
cat "$T/browser.json" | sed 's/^/  .. /'
bj() { "$PY" -c 'import json, sys; v = json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"v": v}))' "$T/browser.json" "$1" 2>/dev/null; }
NEW=$(bj 'v["slot"]')
assert_eq "$NEW" "$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)" "the second slot proposed was Monday 10:00"
assert_eq "$(bj 'v["move_button"]')" "Déplacer le rendez-vous" "the move button says what it does"
assert_eq "$(bj 'v["submit_button"]')" "Choisir ce créneau" "so does the submit button"
assert_eq "$(bj '"déplacé au lundi 7 décembre 2026 à 10h00" in " ".join(v["status_note"])')" True \
    "the page after the move says the new time"
for n in 1-page 2-move-open 3-slot-picked 4-moved; do
	assert_ok "screenshot $n" test -s "$SHOTS/62-browser-$n.png"
done

# ---- what follows -----------------------------------------------------------------------
assert_eq "$(sql "select starts_at || ' ' || moves from appointments where uid = '$A_UID'")" "$NEW 1" \
    "the store: same UID at the new time, one move"
wait_for '[ "$(vevent "$A_UID" | cut -d" " -f1)" = "$NEW" ]' 15
read -r F2_START F2_SEQ <<<"$(vevent "$A_UID")"
assert_eq "$F2_START" "$NEW" "the adviser feed: same UID at the new time"
assert_ok "the adviser feed: SEQUENCE went up ($F_SEQ -> $F2_SEQ)" [ "${F2_SEQ:-0}" -gt "${F_SEQ:-0}" ]
PENDING_AFTER=$(sql "select next_at from reminders where appointment_id = (select id from appointments where uid = '$A_UID') and status = $REM_PENDING order by next_at")
note "pending reminders after: $(echo $PENDING_AFTER)"
assert_line "$((NEW - 7200))" <(echo "$PENDING_AFTER") "the pending 2 h reminder is re-timed to 2 h before the new start"
assert_no_grep "^$((OLD - 7200))\$" <(echo "$PENDING_AFTER") "none is left at the old time"
relancectl plan S1 >"$T/plan.txt"
assert_grep "$(TZ=Europe/Paris date -d @$((NEW - 7200)) '+%Y-%m-%d %H:%M')" "$T/plan.txt" \
    "relancectl plan shows the re-timed reminder"

# the old slot goes to the next student of the same adviser
ev_exam id=e2 student=S2 given_name=Noa family_name=Suivante phone=+33656565656 -email \
    consent_email=false last_exam_on=2026-11-23 >"$T/ev2.jsonl"
produce avenirpro.exams "$T/ev2.jsonl"
wait_for 'sql "select count(*) from appointments where student_id = '"'S2'"'" | grep -qx 4' 20 ||
    fail "the next student's appointments were not planned"
assert_eq "$(sql "select starts_at from appointments where student_id = 'S2' order by starts_at limit 1")" "$OLD" \
    "the next student of the adviser gets the freed slot (Monday 09:00)"

# one moved event on the replies topic
wait_for '[ "$(consume_all avenirpro.relance.replies | grep -c avenirpro.reply.moved)" -ge 1 ]' 15
sleep 1
consume_all avenirpro.relance.replies | cut -f2- >"$T/replies.jsonl"
"$PY" - "$T/replies.jsonl" "$A_UID" "$NEW" "$OLD" >"$T/replies.check" <<'EOF'
import json, sys
from datetime import datetime
path, uid, new, old = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
evs = [json.loads(l) for l in open(path) if l.strip()]
moved = [e for e in evs if e.get("type") == "avenirpro.reply.moved"]
print("moved", len(moved))
if moved:
    e = moved[0]
    d = e.get("data", {})
    ts = lambda s: int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())
    print("uid", e.get("subject") == uid and d.get("appointment_uid") == uid)
    print("via", d.get("via"))
    print("times", ts(d["starts_at"]) == new and ts(d["previous_starts_at"]) == old)
    print("ce", e.get("specversion") == "1.0" and "relance" in e.get("source", "").split("/")
          and bool(e.get("id")) and bool(e.get("time")))
EOF
sed 's/^/  .. /' "$T/replies.check"
assert_line "moved 1" "$T/replies.check" "one avenirpro.reply.moved CloudEvent"
assert_line "uid True" "$T/replies.check" "about the appointment's UID"
assert_line "via web" "$T/replies.check" "via the web"
assert_line "times True" "$T/replies.check" "with the new and the previous start"
assert_line "ce True" "$T/replies.check" "a CloudEvent 1.0 from relance"
