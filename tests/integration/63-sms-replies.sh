#!/bin/bash
# 63-sms-replies: students answer their reminders by SMS (contract section
# 8), through Kafka, Kannel (bearerbox + smsbox + fakesmsc), aiosmtpd and
# the store:
#   - "OUI" (national form 06...) and "oui." (E.164) confirm the student's
#     next appointment; " Non ! " (0033...) and "annuler" (33...) cancel it
#     (cancelled by the student, its reminders cancelled, its slot free);
#     any other text is kept for the adviser (student_messages);
#   - each gets one acknowledgement SMS at fakesmsc: GSM 03.38 (coding 0),
#     one segment (<= 160 septets), with the personal link of the
#     appointment (its code hashes to the appointment's code_hash; none in
#     the cancellation's), in the student's language;
#   - a "OUI" from a number of no student is counted and gets no answer; a
#     student who sent STOP gets no acknowledgement (the answer holds);
#   - the replies topic holds one CloudEvent per answer (kcat);
#   - the adviser's digest reaches aiosmtpd once, with the message, the
#     given name and family-name initial and no phone; a second message
#     within the hour sends no second email; after the hour (test clock x60)
#     a second digest lists the second message only; both are mailed;
#   - relancectl replies lists the messages (text and --json, --since);
#     relancectl indicators counts the answers (--json), indicators --csv
#     parses with Python's csv module with the same numbers; /metrics has
#     the answers by kind and via, the replies not understood and from
#     unknown numbers, and the indicator gauges (promcheck accepts them).
# Clock: RELANCE_TEST_CLOCK at Monday 2026-12-07 10:00 (Paris) x60 (an
# hour a minute); exams of 2026-12-01 plan check-ins from 2026-12-15.
. "$(dirname "$0")/../lib.sh"
lib_init smsreplies

start_kafka
start_smtpd
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" sms.gateway=kannel sms.user=tester smtp.url="$SMTP_URL" smtp.tls=none \
    retry.first=1s retry.max=2s reminders.default_consent=sms reminders.horizon=400d
start_kannel
conf_kannel "$T/relance.conf"
RELANCED_ENV="RELANCE_TEST_CLOCK=${NOW}x60" start_relanced "$T/relance.conf"

# sms_to PHONE: SMS the fake SMSC got for PHONE (E.164), typed (kannel_messages -t)
sms_to() { kannel_messages -t | awk -F'\t' -v p="$1" '$3 == p'; }
nsms_to() { sms_to "$1" | wc -l; }
# next_appt STUDENT: id of the appointment the answer is about (the first
# check-in, fixed before any answer)
next_appt() { sql "select id from appointments where student_id = '$1' and status = $APPT_CONFIRMED order by starts_at, id limit 1"; }
answer_of() { sql "select status || ' ' || answer || ' ' || (answered_at is not null) from appointments where id = $1"; }

# 1. Six students (SMS only); the advisers have email addresses.
EXAM=(time=2026-12-01T10:00:00+01:00 -email consent_email=false consent_sms=true last_exam_on=2026-12-01)
{
	ev_exam "${EXAM[@]}" id=a1 student=STU1 phone=+33611111111 adviser=adv1 given_name=Zoé
	ev_exam "${EXAM[@]}" id=a2 student=STU2 phone=+33622222222 adviser=adv2 locale=en given_name=Liam
	ev_exam "${EXAM[@]}" id=a3 student=STU3 phone=+33633333333 adviser=adv3
	ev_exam "${EXAM[@]}" id=a4 student=STU4 phone=+33644444444 adviser=adv4
	ev_exam "${EXAM[@]}" id=a5 student=STU5 phone=+33655555555 adviser=adv5 given_name=Léa \
	    family_name=Élisabeth-Martin adviser_email=adv5@ml.example.org adviser_name="Amélie Comelli"
	ev_exam "${EXAM[@]}" id=a6 student=STU6 phone=+33666666666 adviser=adv6
} >"$T/ev1.jsonl"
produce avenirpro.exams "$T/ev1.jsonl"
wait_for '[ "$(sql "select count(distinct student_id) from reminders where channel = $CH_SMS and status = $REM_PENDING")" = 6 ]' 20
assert_eq "$(kannel_mt_count)" 0 "nothing due yet: no SMS sent"
for s in 1 2 3 4 5 6; do eval "A$s=\$(next_appt STU$s)"; done
assert_ne "$A3" "" "STU3 has a check-in to answer"

# 2. Yes and no, the senders in four forms.
kannel_send_mo 0611111111 AvenirPro "OUI"
wait_for '[ "$(answer_of "$A1")" = "$APPT_CONFIRMED $ANSWER_CONFIRMED 1" ]' 15
assert_eq "$(answer_of "$A1")" "$APPT_CONFIRMED $ANSWER_CONFIRMED 1" "OUI from 0611111111 confirmed STU1's next appointment"
kannel_send_mo +33622222222 AvenirPro "oui."
wait_for '[ "$(answer_of "$A2")" = "$APPT_CONFIRMED $ANSWER_CONFIRMED 1" ]' 15
assert_eq "$(answer_of "$A2")" "$APPT_CONFIRMED $ANSWER_CONFIRMED 1" "'oui.' from +33622222222 confirmed STU2's"
pending3=$(sql "select count(*) from reminders where appointment_id = $A3 and status = $REM_PENDING")
assert_ne "$pending3" 0 "STU3's appointment has pending reminders"
kannel_send_mo 0033633333333 AvenirPro " Non ! "
wait_for '[ "$(answer_of "$A3")" = "$APPT_CANCELLED $ANSWER_CANCELLED 1" ]' 15
assert_eq "$(answer_of "$A3")" "$APPT_CANCELLED $ANSWER_CANCELLED 1" "' Non ! ' from 0033633333333 cancelled STU3's next appointment"
assert_eq "$(sql "select count(*) from reminders where appointment_id = $A3 and kind = $REM_REMINDER and status in ($REM_PENDING, $REM_SENDING)")" 0 \
    "... and none of its reminders is left pending"
assert_eq "$(sql "select count(*) from reminders where appointment_id = $A3 and kind = $REM_REMINDER and status = $REM_CANCELLED")" \
    "$pending3" "... they are cancelled"
kannel_send_mo 33644444444 AvenirPro "annuler"
wait_for '[ "$(answer_of "$A4")" = "$APPT_CANCELLED $ANSWER_CANCELLED 1" ]' 15
assert_eq "$(answer_of "$A4")" "$APPT_CANCELLED $ANSWER_CANCELLED 1" "'annuler' from 33644444444 cancelled STU4's"
assert_eq "$(sql "select count(*) from appointments where student_id in ('STU3', 'STU4') and status = $APPT_CONFIRMED and kind = $KIND_CHECKIN and starts_at < (select starts_at from appointments where id = $A3) + 86400 * 2")" 0 \
    "no replacement is booked for a cancellation by the student"

# 3. A message for the adviser; a yes from an unknown number; a yes after STOP.
kannel_send_mo 0655555555 AvenirPro "Je serai en retard de 10 minutes, désolée"
wait_for '[ "$(sql "select count(*) from student_messages where student_id = '"'STU5'"'")" = 1 ]' 15
assert_eq "$(sql "select adviser_id || '|' || via || '|' || text || '|' || (mailed_at is null) from student_messages where student_id = 'STU5'")" \
    "adv5|$VIA_SMS|Je serai en retard de 10 minutes, désolée|1" "STU5's text is kept for adv5, not mailed yet"
assert_eq "$(answer_of "$A5")" "$APPT_CONFIRMED $ANSWER_NONE 0" "... and answers nothing"
kannel_send_mo 0699999998 AvenirPro "OUI"
wait_for '[ "$(sql "select value from counters where name = '"'sms_reply_unknown'"'")" = 1 ]' 15
assert_eq "$(sql "select value from counters where name = 'sms_reply_unknown'")" 1 "a reply from a number of no student is counted"
kannel_send_mo 0666666666 AvenirPro "STOP"
wait_for '[ "$(sql "select consent_sms from students where id = '"'STU6'"'")" = 0 ]' 15
kannel_send_mo 0666666666 AvenirPro "Oui"
wait_for '[ "$(answer_of "$A6")" = "$APPT_CONFIRMED $ANSWER_CONFIRMED 1" ]' 15
assert_eq "$(answer_of "$A6")" "$APPT_CONFIRMED $ANSWER_CONFIRMED 1" "after STOP, OUI still confirms"

# 4. Acknowledgements at fakesmsc: one segment of GSM 03.38 with the link.
wait_for '[ "$(kannel_mt_count)" -ge 5 ]' 20
sleep 2     # anything more (the unknown number, STU6) would have come by now
kannel_messages -t >"$T/mt.tsv"
sed 's/^/  .. /' "$T/mt.tsv"
assert_eq "$(kannel_mt_count)" 5 "five acknowledgements, no more"
assert_eq "$(nsms_to +33699999998)" 0 "no answer to a number of no student"
assert_eq "$(nsms_to +33666666666)" 0 "no acknowledgement after STOP"
for p in +33611111111 +33622222222 +33633333333 +33644444444 +33655555555; do
	assert_eq "$(nsms_to $p)" 1 "$p got one acknowledgement"
	assert_eq "$(sms_to $p | cut -f1)" text "... in GSM 03.38 (coding 0), not UCS-2 nor concatenated (udh)"
	n=$(sms_to $p | cut -f4 | "$PY" -c '
import sys
ext = set("^{}\\[~]|€")
t = sys.stdin.read().rstrip("\n")
print(sum(2 if c in ext else 1 for c in t))')
	[ "$n" -le 160 ] && pass "... of $n septets (one segment)" || fail "... of $n septets (over 160)"
done
# link_ok PHONE APPT: the acknowledgement to PHONE carries APPT's personal link
link_ok() {
	sms_to "$1" | cut -f4 | "$PY" -c '
import hashlib, re, sys
m = re.search(r"'"$RELANCE_URL"'/r/([A-Za-z0-9_-]{22})\b", sys.stdin.read())
print(hashlib.sha256(m.group(1).encode()).hexdigest() if m else "no link")' >"$T/hash"
	[ "$(cat "$T/hash")" = "$(sql "select code_hash from appointments where id = $2")" ]
}
assert_ok "STU1's acknowledgement has the link of the appointment confirmed" link_ok +33611111111 "$A1"
assert_ok "STU2's too" link_ok +33622222222 "$A2"
assert_ok "STU5's (a message) has the link of the next appointment, to move it" link_ok +33655555555 "$A5"
assert_grep $'\t\\+33611111111\tC\'est noté, nous vous attendons le mardi 15/12/2026 à 09h00 !' "$T/mt.tsv" \
    "STU1's in French, with the appointment's day and time"
assert_grep $'\t\\+33622222222\tThank you, see you on ' "$T/mt.tsv" "STU2's in English"
assert_grep $'\t\\+33633333333\tC\'est noté : votre rendez-vous du .* est annulé' "$T/mt.tsv" "STU3's says cancelled"
assert_no_grep $'\\+33633333333\t.*/r/' "$T/mt.tsv" "... with no link (nothing left to do on the page)"
assert_grep $'\t\\+33655555555\tMerci, votre message est transmis à Amélie Comelli' "$T/mt.tsv" "STU5's names the adviser"
assert_eq "$(sql "select count(*) from reminders where kind in ($REM_ACK_CONFIRMED, $REM_ACK_CANCELLED, $REM_ACK_MESSAGE) and status = $REM_SENT")" 5 \
    "the acknowledgements are reminder rows, sent"

# 5. The replies topic: one CloudEvent per answer.
wait_for '[ "$(consume_count avenirpro.relance.replies)" -ge 6 ]' 20
consume_all avenirpro.relance.replies | cut -f2 >"$T/replies.jsonl"
"$PY" - "$T/replies.jsonl" >"$T/replies.txt" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    d = e["data"]
    print(e["type"], d["student_id"], d["via"], e["specversion"], e["subject"] == d.get("appointment_uid", d["student_id"]) or e["subject"], d.get("text", "-"))
EOF
sed 's/^/  .. /' "$T/replies.txt"
assert_eq "$(wc -l <"$T/replies.txt")" 6 "six reply events (2 confirmed, 2 cancelled, 1 message, STU6's yes)"
for x in "avenirpro.reply.confirmed STU1 sms 1.0 True" "avenirpro.reply.confirmed STU2 sms 1.0 True" \
    "avenirpro.reply.cancelled STU3 sms 1.0 True" "avenirpro.reply.cancelled STU4 sms 1.0 True" \
    "avenirpro.reply.message STU5 sms 1.0 True Je serai en retard de 10 minutes, désolée" \
    "avenirpro.reply.confirmed STU6 sms 1.0 True"; do
	assert_grep "^$x" "$T/replies.txt" "replies topic: $x"
done

# 6. The adviser's digest: once within the hour.
wait_for '[ "$(smtp_count)" -ge 1 ]' 30
assert_eq "$(smtp_count)" 1 "one digest email reached aiosmtpd"
MAIL1=$(find "$SMTP_DIR" -name '*.eml' | sort | head -n1)
"$PY" - "$MAIL1" >"$T/mail1.txt" <<'EOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("To:", m["To"])
print("Subject:", m["Subject"])
print(m.get_body(("plain",)).get_content())
EOF
sed 's/^/  .. /' "$T/mail1.txt"
assert_grep '^To: adv5@ml.example.org' "$T/mail1.txt" "to STU5's adviser"
assert_grep '^Subject: Avenir Pro : messages de vos élèves \(1\)' "$T/mail1.txt" "its subject counts one message"
assert_grep '^- Léa É\. \(rendez-vous du mardi 15/12/2026 à 09h00\), reçu le lundi 07/12/2026 à ' "$T/mail1.txt" \
    "the student by given name and family initial, the appointment's day, when"
assert_grep '^  Je serai en retard de 10 minutes, désolée$' "$T/mail1.txt" "the text as written"
assert_no_grep 'Martin\|655555555\|STU5' "$T/mail1.txt" "no family name, phone or id"
wait_for '[ "$(sql "select count(*) from student_messages where mailed_at is not null")" = 1 ]' 10
assert_eq "$(sql "select count(*) from student_messages where mailed_at is not null")" 1 "the message is marked mailed"
kannel_send_mo 0655555555 AvenirPro "Finalement je peux venir à l'heure"
wait_for '[ "$(sql "select count(*) from student_messages where student_id = '"'STU5'"'")" = 2 ]' 15
sleep 25    # the digest job runs every 15 s: it would have sent again by now
assert_eq "$(smtp_count)" 1 "a second message within the hour sends no second email"
assert_eq "$(sql "select count(*) from student_messages where mailed_at is null")" 1 "... it waits, unmailed"
# After the hour: relanced restarted with its clock an hour further on
# (the message waits in the store; a digest due goes out at start).
# (/metrics' counters count since start: read them before)
curl -s -o "$T/metrics.txt" "$RELANCE_URL/metrics"
restart_later "$T/relance.conf" 3600
wait_for '[ "$(smtp_count)" -ge 2 ]' 20
assert_eq "$(smtp_count)" 2 "after the hour, a second digest"
MAIL2=$(find "$SMTP_DIR" -name '*.eml' | sort | tail -n1)
"$PY" - "$MAIL2" >"$T/mail2.txt" <<'EOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("Subject:", m["Subject"])
print(m.get_body(("plain",)).get_content())
EOF
assert_grep "Finalement je peux venir à l'heure" "$T/mail2.txt" "it lists the second message"
assert_no_grep 'Je serai en retard' "$T/mail2.txt" "... and not the first again"
gap=$(sql "select max(due_at) - min(due_at) from reminders where kind = $REM_ALERT_MESSAGES and adviser_id = 'adv5'")
[ "$gap" -ge 3600 ] && pass "the two digests are $gap s apart (>= 1 h)" || fail "the two digests are $gap s apart"
wait_for '[ "$(sql "select count(*) from student_messages where mailed_at is null")" = 0 ]' 10
assert_eq "$(sql "select count(*) from student_messages where mailed_at is null")" 0 "both messages are mailed"

# 7. relancectl replies, indicators (--json, --csv), /metrics (read before
# the restart).
relancectl replies >"$T/replies-ctl.txt"
assert_eq $? 0 "relancectl replies exits 0"
sed 's/^/  .. /' "$T/replies-ctl.txt"
assert_grep "STU5 .*adv5 .*mailed Je serai en retard de 10 minutes, désolée" "$T/replies-ctl.txt" "replies lists the first message"
assert_grep "STU5 .*adv5 .*Finalement je peux venir" "$T/replies-ctl.txt" "... and the second"
relancectl replies --json >"$T/replies-ctl.json"
assert_eq "$("$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["count"], [r["student_id"] for r in d["replies"]], d["replies"][0]["via"])' "$T/replies-ctl.json")" \
    "2 ['STU5', 'STU5'] sms" "replies --json"
relancectl replies --since 2030-01-01 >"$T/replies-none.txt"
assert_grep '^no messages from students since 2030-01-01' "$T/replies-none.txt" "--since DATE"
assert_eq "$(relancectl replies --since 30d --json | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["count"])')" 2 "--since 30d"
relancectl replies --since yesterday >/dev/null
assert_eq $? 2 "--since with neither a duration nor a date: usage error"

ANSWERABLE=$(sql "select count(*) from appointments where kind in ($KIND_CHECKIN, $KIND_DROPIN) and (status <> $APPT_CANCELLED or answer = $ANSWER_CANCELLED)")
relancectl indicators --json >"$T/ind.json"
assert_eq "$("$PY" -c 'import json, sys; a = json.load(open(sys.argv[1]))["total"]["answers"]; print(a["appointments"], a["confirmed"], a["cancelled"], a["moved"], round(a["confirmed_share"], 4))' "$T/ind.json")" \
    "$ANSWERABLE 3 2 0 $("$PY" -c "print(round(3 / $ANSWERABLE, 4))")" "indicators --json counts the answers"
relancectl indicators >"$T/ind.txt"
assert_grep "answers: of $ANSWERABLE appointments, confirmed 3 (.*), cancelled by the student 2 (.*), moved 0" "$T/ind.txt" \
    "indicators (text) says them"
relancectl indicators --csv >"$T/ind.csv"
assert_eq $? 0 "indicators --csv exits 0"
"$PY" - "$T/ind.csv" >"$T/csv.txt" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
for r in rows:
    print(r["uai"], r["programme_code"], r["programme_label"], r["students"], r["appointments_answerable"],
          r["confirmed"], r["cancelled_by_student"], r["moved"], r["confirmed_share"],
          r["unanswered_attendance_rate"] or "-")
EOF
cat "$T/csv.txt" | sed 's/^/  .. /'
assert_eq "$(wc -l <"$T/csv.txt")" 1 "one CSV row per establishment and programme"
assert_eq "$(cat "$T/csv.txt")" \
    "0570123X BP-RC Bac pro réparation des carrosseries 6 $ANSWERABLE 3 2 0 $("$PY" -c "print('%.4f' % (3 / $ANSWERABLE))") -" \
    "indicators --csv parses with the csv module, the same numbers"
relancectl indicators --csv --json >/dev/null
assert_eq $? 2 "--csv with --json: usage error"

if "$PY" "$TOP/tests/peers/promcheck.py" <"$T/metrics.txt" >"$T/metrics.parsed" 2>"$T/metrics.err"; then
	pass "/metrics parses (promcheck)"
else
	sed 's/^/  .. /' "$T/metrics.err" | head; fail "/metrics parses (promcheck)"
fi
m() { awk -v k="$1" '$1 == k { print $2 }' "$T/metrics.parsed"; }
assert_eq "$(m 'relance_answers_total{answer="confirmed",via="sms"}')" 3 "answers_total confirmed via sms"
assert_eq "$(m 'relance_answers_total{answer="cancelled",via="sms"}')" 2 "answers_total cancelled via sms"
assert_eq "$(m 'relance_answers_total{answer="message",via="sms"}')" 2 "answers_total message via sms"
assert_eq "$(m 'relance_answers_total{answer="confirmed",via="web"}')" 0 "answers_total confirmed via web"
assert_eq "$(m 'relance_sms_replies_total{result="not_understood"}')" 2 "two replies were no keyword"
assert_eq "$(m 'relance_sms_replies_total{result="unknown_number"}')" 1 "one came from an unknown number"
assert_eq "$(m 'relance_indicator_appointments{programme="BP-RC",uai="0570123X"}')" "$ANSWERABLE" "indicator gauge: appointments"
assert_eq "$(m 'relance_indicator_answer_share{answer="cancelled",programme="BP-RC",uai="0570123X"}')" \
    "$("$PY" -c "print('%.4f' % (2 / $ANSWERABLE))")" "indicator gauge: share cancelled"

assert_no_grep '611111111\|622222222\|633333333\|644444444\|655555555\|699999998' "$T/relanced.log" \
    "no phone number is logged"
assert_no_grep 'Je serai en retard' "$T/relanced.log" "no message text is logged"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
