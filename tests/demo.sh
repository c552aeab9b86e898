#!/bin/bash
# demo.sh — `make demo`: relance end to end on this machine, in under a
# minute, with nothing to set up. Starts a local Kafka (librdkafka's mock
# cluster), runs relanced with conf/demo.conf (mail and SMS written to outbox
# directories), produces the events of one class that has just sat its last
# exam (plus one broken event, some attendance and two changes from the
# students), then shows what relanced did with relancectl, the calendar feed
# and the outbox. Everything it started is stopped when it ends; the store,
# feeds and outbox stay in build/demo for a closer look.
# Environment: BUILD (default build/default).
. "$(dirname "$0")/lib.sh"
lib_init demo

DEMO_DIR=$TOP/build/demo
CLASS="$PY $LIB_TESTS/demo/class.py"

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' G=$'\e[32m' N=$'\e[0m'; else B='' D='' G='' N=''; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
say() { printf '   %s\n' "$*"; }
show() { sed 's/^/     /'; }
# ctl ARGS...: print "relancectl ARGS" (dimmed), run it, its output indented
ctl() { printf '   %s$ relancectl %s%s\n' "$D" "$*" "$N"; rctl "$@" 2>&1 | show; }
die_demo() { echo "demo: $*" >&2; LIB_NFAIL=1; exit 1; }

for b in relanced relancectl kafka_mock; do
	[ -x "$BUILD/$b" ] || die_demo "$BUILD/$b is not built (run make demo, or make first)"
done
# relancectl as the demo runs it, without the long build path
rctl() { "$BUILD/relancectl" -c "$RELANCE_CONF" "$@"; }

t_start=$(date +%s)
printf '%srelance demo%s — follow-up of vocational students after their last exam\n' "$B" "$N"
say "a class of the Lycée La Briquerie (Thionville) sat its last exam a few days ago;"
say "relanced plans their check-ins and drop-in, publishes calendars and sends reminders."

# ------------------------------------------------------------------ set-up
step "1. Starting a local Kafka and relanced"
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR/outbox/email" "$DEMO_DIR/outbox/sms" "$DEMO_DIR/feeds"
start_kafka 4
HTTP_PORT=$(free_port) || die_demo "no free TCP port"
LAST=$(date -d '-4 days' +%F)
SOON=$(date -d '+1 day' +%F)
FIRST=$(date -d '+3 days' +%F)
LASTDROP=$(date -d '+4 days' +%F)
RELANCE_CONF=$DEMO_DIR/relance.conf
sed -e "s|@DEMO_DIR@|$DEMO_DIR|g" -e "s|@BROKERS@|$BROKERS|g" \
    -e "s|@HTTP_PORT@|$HTTP_PORT|g" -e "s|@TEMPLATES_DIR@|$TOP/conf/templates|g" \
    -e "s|^window = .*|window = * $SOON..$SOON 16:00-16:40 slot=20m capacity=2\nwindow = * $FIRST..$LASTDROP 09:00-12:00,14:00-17:00 slot=20m capacity=3|" \
    "$TOP/conf/demo.conf" >"$RELANCE_CONF"
export RELANCE_CONF
RELANCE_DB=$DEMO_DIR/relance.db
export RELANCE_DB
"$BUILD/relanced" -c "$RELANCE_CONF" --check-config >"$T/check.log" 2>&1 ||
    { cat "$T/check.log"; die_demo "the demo configuration is not valid"; }
start_relanced "$RELANCE_CONF"
say "Kafka (mock cluster)  $BROKERS"
say "relanced              pid $RELANCED_PID, HTTP on 127.0.0.1:$HTTP_PORT"
say "configuration         ${RELANCE_CONF#$TOP/} (conf/demo.conf with today's dates)"
say "drop-in windows       $SOON 16:00-16:40, and $FIRST..$LASTDROP 09:00-12:00, 14:00-17:00"

# ------------------------------------------------------------------ events
step "2. The class: 20 students, last exam on $LAST"
$CLASS students | show
$CLASS exams "$LAST" >"$T/exams.tsv"
produce_keyed avenirpro.exams "$T/exams.tsv"
say "produced 21 exam.completed events to avenirpro.exams"
say "(one of them, Théo's, has the phone number \"06 12 34 01 21\": not E.164)"
wait_for 'sql "select count(*) from students" | grep -qx 20 && sql "select count(*) from dead_letters" | grep -qx 1' 30 ||
    die_demo "relanced did not take the class in within 30 s"

# A CV workshop at school yesterday; one student excuses herself from the
# drop-in session tomorrow; Zoé answers STOP to SMS; Kévin found an
# apprenticeship and leaves the programme.
YDAY=$(date -d '-1 day' +%F)
OFF=$(TZ=Europe/Paris date -d "$YDAY 10:00" +%:z)
n=0
for s in 070123401AB 070123402AB 070123403AB 070123405AB 070123406AB 070123408AB \
    070123410AB 070123411AB 070123413AB 070123414AB 070123417AB 070123420AB; do
	n=$((n + 1))
	sit=-situation
	case $s in 070123403AB|070123414AB) sit=situation=seeking ;; 070123417AB) sit=situation=training ;; esac
	ev_attendance -k "$s" id="$(printf 'ml-ws-%02d' $n)" student="$s" kind=workshop \
	    starts_at="${YDAY}T10:00:00$OFF" status=present $sit
done >"$T/attendance.tsv"
EXCUSED=$(sql "select a.student_id || ' ' || a.uid from appointments a join students s on s.id = a.student_id
	where a.kind = $KIND_DROPIN and a.status = $APPT_CONFIRMED and date(a.starts_at, 'unixepoch', 'localtime') = '$SOON'
	order by a.starts_at desc, a.student_id limit 1")
if [ -n "$EXCUSED" ]; then
	ev_attendance -k "${EXCUSED% *}" id=ml-att-excused-1 student="${EXCUSED% *}" uid="${EXCUSED#* }" \
	    status=excused >>"$T/attendance.tsv"
fi
produce_keyed avenirpro.attendance "$T/attendance.tsv"
{
	ev_update -k 070123406AB id=ml-upd-1 student=070123406AB consent_sms=false
	ev_update -k 070123416AB id=ml-upd-2 student=070123416AB follow_up=stop
} >"$T/updates.tsv"
produce_keyed avenirpro.students "$T/updates.tsv"
say "produced $(wc -l <"$T/attendance.tsv") attendance events (a CV workshop yesterday${EXCUSED:+, one excused drop-in})"
say "produced 2 student.updated events (Zoé withdraws SMS consent, Kévin leaves the programme)"
NEV=$((20 + $(wc -l <"$T/attendance.tsv") + 2))
wait_for "sql 'select count(*) from events' | grep -qx $NEV" 30 || die_demo "relanced did not apply every event"
# Reminders due at once (tomorrow's session is less than 48 h away).
wait_for '[ "$(find "$DEMO_DIR/outbox" -type f | wc -l)" -gt 0 ] &&
    [ "$(sql "select count(*) from reminders where status in ($REM_PENDING, $REM_SENDING) and next_at <= strftime(\"%s\", \"now\")")" = 0 ]' 30 ||
    say "(some reminders are still on their way)"

# ------------------------------------------------------------------ results
step "3. What relanced holds now"
ctl status

STUDENT=$(sql "select a.student_id from appointments a join students s on s.id = a.student_id
	where a.kind = $KIND_DROPIN and a.status = $APPT_CONFIRMED and s.phone is not null and s.email is not null
	and a.starts_at < strftime('%s', 'now') + 2 * 86400 order by a.starts_at, a.student_id limit 1")
[ -n "$STUDENT" ] || STUDENT=070123401AB
step "4. One student's plan: 4 check-ins with an adviser, 1 drop-in, their reminders"
ctl plan "$STUDENT"

step "5. The class's indicators (per establishment and programme)"
ctl indicators

step "6. The broken event went to the dead-letter topic, with its reason"
ctl dead-letters
printf '   %s$ kcat -C -t avenirpro.relance.dlq -f "%%h"%s\n' "$D" "$N"
# The copy is published in the background from the store's publish queue:
# wait for it (seconds) rather than read the topic before it is there.
wait_for '[ "$(sql "select count(*) from outbox")" = 0 ] && [ "$(consume_all avenirpro.relance.dlq | wc -l)" -ge 1 ]' 20 ||
    echo "   (the dead-letter copy is not on the topic yet: relancectl status shows the publish queue)"
consume_all avenirpro.relance.dlq | cut -f1 | tr ',' '\n' | grep '^relance-' | show

step "7. An adviser's calendar feed (subscribe to it in any calendar app)"
URL=$(rctl feed adviser acomelli)
say "Amélie Comelli's feed: $URL"
wait_for "[ \$(curl -s -o /dev/null -w '%{http_code}' '$URL') = 200 ]" 10
printf '   %s$ curl -s %s%s\n' "$D" "$URL" "$N"
curl -s "$URL" >"$DEMO_DIR/acomelli.ics"
# The calendar's head, then its first event (the time zone block skipped).
tr -d '\r' <"$DEMO_DIR/acomelli.ics" | awk '
	/^BEGIN:VTIMEZONE/ { print "(VTIMEZONE Europe/Paris ...)"; skip = 1 }
	!skip { print }
	/^END:VTIMEZONE/ { skip = 0 }
	/^END:VEVENT/ { print "..."; exit }' | show
say "... $(grep -c '^BEGIN:VEVENT' "$DEMO_DIR/acomelli.ics") events in all (also written under ${DEMO_DIR#$TOP/}/feeds/)"

step "8. Reminders due now, written to the outbox (the embedded mail/SMS stand-in)"
NMAIL=$(find "$DEMO_DIR/outbox/email" -type f | wc -l)
NSMS=$(find "$DEMO_DIR/outbox/sms" -type f | wc -l)
say "${DEMO_DIR#$TOP/}/outbox/email: $NMAIL message(s); ${DEMO_DIR#$TOP/}/outbox/sms: $NSMS SMS"
MAIL=$(find "$DEMO_DIR/outbox/email" -type f -name '*.eml' | sort | head -n 1)
if [ -n "$MAIL" ]; then
	say "first email (${MAIL#$TOP/}):"
	"$PY" - "$MAIL" <<'EOF' | show
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for h in ("From", "To", "Subject", "Date"):
    print("%s: %s" % (h, m[h]))
body = m.get_body(preferencelist=("plain",))
text = body.get_content() if body is not None else ""
print()
for line in text.strip().splitlines()[:8]:
    print(line)
att = [p.get_filename() for p in m.iter_attachments()]
if att:
    print("[attached: %s]" % ", ".join(a or "?" for a in att))
EOF
fi
SMS=$(find "$DEMO_DIR/outbox/sms" -type f -name '*.json' | sort | head -n 1)
if [ -n "$SMS" ]; then
	say "first SMS (${SMS#$TOP/}):"
	"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print("to %s from %s:\n%s" % (d["to"], d["from"], d["text"]))' "$SMS" | show
fi

# ------------------------------------------------------------------ answers
step "9. Students answer (contract section 8)"
RELANCE_URL=http://127.0.0.1:$HTTP_PORT
# One student confirms their next appointment by SMS. The demo has no SMS
# gateway: the reply comes as Kannel would pass it on, from the loopback.
YES=$(sql "select s.id || ' ' || s.phone from students s join appointments a on a.student_id = s.id
	where s.phone is not null and s.consent_sms = 1 and s.stopped = 0 and s.id <> '$STUDENT'
	and a.status = $APPT_CONFIRMED order by a.starts_at, s.id limit 1")
YES_ID=${YES% *} YES_PHONE=${YES#* }
say "student $YES_ID replies \"Oui\" to a reminder (Kannel passes incoming SMS on to relanced):"
printf '   %s$ curl "%s/sms/kannel/incoming?from=%s&text=Oui"%s\n' "$D" "$RELANCE_URL" "$YES_PHONE" "$N"
curl -s -o /dev/null -w '   HTTP %{http_code}\n' -G "$RELANCE_URL/sms/kannel/incoming" \
    --data-urlencode "from=$YES_PHONE" --data-urlencode "to=AvenirPro" --data-urlencode "text=Oui"
wait_for "[ \"\$(sql \"select count(*) from appointments where student_id = '$YES_ID' and answer = $ANSWER_CONFIRMED\")\" = 1 ]" 10 ||
    die_demo "the SMS answer was not applied"
wait_for "[ \"\$(sql \"select count(*) from reminders where student_id = '$YES_ID' and kind = $REM_ACK_CONFIRMED and status = $REM_SENT\")\" = 1 ]" 10
ACK=$(sql "select id from reminders where student_id = '$YES_ID' and kind = $REM_ACK_CONFIRMED")
if [ -n "$ACK" ] && [ -s "$DEMO_DIR/outbox/sms/$ACK.json" ]; then
	say "the acknowledgement (${DEMO_DIR#$TOP/}/outbox/sms/$ACK.json), one SMS with the link to move it:"
	"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print("to %s: %s" % (d["to"], d["text"]))' \
	    "$DEMO_DIR/outbox/sms/$ACK.json" | show
fi
say "what an adviser sees:"
ctl plan "$YES_ID" | grep -B1 "answer confirmed" | head -n 2

# Another student moves their first check-in through their personal page:
# its reminders are days away, so the adviser gives the link another way
# (relancectl link; the reminders will carry the same one).
MOVE=$(sql "select a.student_id || ' ' || a.uid from appointments a where a.kind = $KIND_CHECKIN
	and a.status = $APPT_CONFIRMED and a.student_id not in ('$YES_ID', '$STUDENT')
	order by a.starts_at, a.student_id limit 1")
MOVE_ID=${MOVE% *} MOVE_UID=${MOVE#* }
say "the adviser gives student $MOVE_ID the personal link of the first check-in:"
ctl link "$MOVE_UID"
PAGE=$(rctl link "$MOVE_UID")
[ "${PAGE##*/r/}" = "$("$PY" "$LIB_TESTS/helpers/linkcode.py" "$DEMO_DIR/link.key" "$MOVE_UID")" ] ||
	die "relancectl link printed $PAGE, not the link of the key"
say "student $MOVE_ID opens the personal page and moves the first check-in to the second slot offered:"
printf '   %s$ curl %s%s\n' "$D" "$PAGE" "$N"
curl -s "$PAGE" >"$T/page.html"
"$PY" -c '
import html, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
page = re.sub(r"(?s)<(head|style)\b.*?</\1>", "", page)
for line in html.unescape(re.sub(r"<[^>]+>", "\n", page)).splitlines():
    line = re.sub(r"\s+", " ", line).strip()
    if line:
        print("| " + line)' "$T/page.html" >"$T/page.txt"
head -n 14 "$T/page.txt" | show
TOKEN=$(grep -o 'name="token" value="[^"]*"' "$T/page.html" | head -n1 | sed 's/.*value="//; s/"$//')
SLOT=$(grep -o 'name="slot" value="[0-9]*"' "$T/page.html" | sed -n 2p | sed 's/.*value="//; s/"$//')
[ -n "$TOKEN" ] && [ -n "$SLOT" ] || die_demo "the page offers no slot to move to"
printf '   %s$ curl -d "token=%s&action=move&slot=%s" %s%s\n' "$D" "$TOKEN" "$SLOT" "$PAGE" "$N"
curl -s -o /dev/null -w '   HTTP %{http_code}, Location: %{redirect_url}\n' \
    --data-raw "token=$TOKEN&action=move&slot=$SLOT" "$PAGE"
wait_for "[ \"\$(sql \"select moves from appointments where uid = '$MOVE_UID'\")\" = 1 ]" 10 ||
    die_demo "the move was not applied"
say "what an adviser sees: the same appointment (UID) at the new time, one move:"
ctl plan "$MOVE_ID" | grep -A2 "$MOVE_UID" | head -n 3
say "and what the mission locale's own system reads on avenirpro.relance.replies:"
printf '   %s$ kcat -C -t avenirpro.relance.replies%s\n' "$D" "$N"
wait_for '[ "$(consume_count avenirpro.relance.replies)" -ge 2 ]' 10
consume_all avenirpro.relance.replies | cut -f2 | "$PY" -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    d = e["data"]
    was = "  (was %s)" % d["previous_starts_at"] if d.get("previous_starts_at") else ""
    print("%s  %s  via %s  %s%s" % (e["type"], e["subject"], d["via"], d.get("starts_at"), was))' | show
say "and in the indicators:"
ctl indicators | grep -E "answers:|attendance:" | head -n 2

# ------------------------------------------------------------------ the end
step "10. Stopping"
stop_relanced 20
rc=$?
cp "$T/relanced.log" "$DEMO_DIR/relanced.log"
say "relanced stopped (exit status $rc); the mock Kafka is stopped on exit"
say "everything is kept in ${DEMO_DIR#$TOP/}/: relance.db, relance.conf, feeds/, outbox/, relanced.log"
say "try:  ${BUILD#$TOP/}/relancectl -c ${RELANCE_CONF#$TOP/} plan $STUDENT"
[ "$rc" = 0 ] || die_demo "relanced did not stop cleanly (exit status $rc)"
[ "$NMAIL" -gt 0 ] && [ "$NSMS" -gt 0 ] || die_demo "no reminder reached the outbox"
printf '\n%sdemo done in %d s%s\n' "$G" $(($(date +%s) - t_start)) "$N"
# lib.sh counts assertions; the demo's checks above are its own.
LIB_NPASS=1
exit 0
