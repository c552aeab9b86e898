#!/bin/bash
# 65-replies-hostile: SMS replies (contract section 8) as hostile or
# confused students, siblings sharing a phone, careless admins and
# spreadsheet users send them, through Kafka, Kannel (bearerbox + smsbox +
# fakesmsc: the acknowledgements, and replies of GSM 03.38 text and 8-bit
# data), aiosmtpd and relanced's /sms/kannel/incoming called as Kannel's
# get-url calls it (with coding=%c and charset=%C, which fakesmsc cannot
# make for UCS-2):
#   - keywords: "OUI!!!", "ok." and "Oui merci" (courtesy around a keyword)
#     confirm; "c'est bon", "Non mais", "NON STOP" are messages for the
#     adviser (the README says so); "stop" and "Stop svp" are STOP;
#   - a flood of replies from one number: every answer is applied and every
#     message kept, but at most REPLY_ACKS_PER_DAY (5) acknowledgements go
#     to the number in 24 hours;
#   - an empty or blank text (or a UCS-2 text Kannel did not recode, cut
#     at its first NUL) is no message and gets no acknowledgement;
#   - Latin-1 bytes (8-bit data, charset=ISO-8859-1) and invalid UTF-8 are
#     kept as UTF-8: the message reaches the replies topic and relancectl
#     replies --json;
#   - siblings on one number: a tie at the same start goes to the student
#     whose id sorts first; a second "OUI" does not confirm the sibling's;
#   - the acknowledgement at 3 a.m. goes at once, in one segment;
#   - CR/LF, "Bcc:" and "Subject:" in a message stay in the digest's body
#     (one recipient, the template's subject); an adviser without email:
#     messages kept and listed, no digest; 150 messages for one adviser: 100
#     in the first digest, the 50 others in the next hour's;
#   - indicators --csv: a programme label "=cmd|..." and others starting
#     with + - @ are neutralised (a leading '), commas and quotes quoted;
#     /metrics escapes quotes and backslashes of label values (promcheck);
#   - relancectl replies --since with bad values: exit 2 and a clear message;
#   - no phone number nor message text in relanced's log.
# Clock: RELANCE_TEST_CLOCK at Monday 2026-12-07 03:00 (Paris) x60 (an hour
# a minute); exams of 2026-12-01 plan check-ins from 2026-12-15.
. "$(dirname "$0")/../lib.sh"
lib_init replieshostile

start_kafka
start_smtpd
NOW=$(TZ=Europe/Paris date -d '2026-12-07 03:00:00' +%s)
write_conf "$T/relance.conf" sms.gateway=kannel sms.user=tester smtp.url="$SMTP_URL" smtp.tls=none \
    retry.first=1s retry.max=2s reminders.default_consent=sms reminders.horizon=400d
start_kannel
conf_kannel "$T/relance.conf"
RELANCED_ENV="RELANCE_TEST_CLOCK=${NOW}x60" start_relanced "$T/relance.conf"

# mo PHONE URLENCODED-TEXT [MORE-ARGS]: an incoming SMS as Kannel's get-url
# gives it (from the loopback); prints the HTTP status and body
mo() { curl -s -w '%{http_code}' "$RELANCE_URL/sms/kannel/incoming?from=$1&to=AvenirPro&text=$2${3:-}"; }
sms_to() { kannel_messages -t | awk -F'\t' -v p="$1" '$3 == p'; }
nsms_to() { sms_to "$1" | wc -l; }
nmsg() { sql "select count(*) from student_messages where student_id = '$1'"; }
nacks() { sql "select count(*) from reminders where student_id = '$1' and kind in ($REM_ACK_CONFIRMED, $REM_ACK_CANCELLED, $REM_ACK_MESSAGE)"; }
next_appt() { sql "select id from appointments where student_id = '$1' and status = $APPT_CONFIRMED order by starts_at, id limit 1"; }
answer_of() { sql "select status || ' ' || answer from appointments where id = $1"; }

# 1. Students. STU2 and STU3 share a phone, with different advisers (their
# first check-ins start at the same time). STU6's adviser has no email.
# STU7..STU9: programmes a spreadsheet would take for formulas.
EXAM=(time=2026-12-01T10:00:00+01:00 -email consent_email=false consent_sms=true last_exam_on=2026-12-01)
{
	ev_exam "${EXAM[@]}" id=a1 student=STU1 phone=+33611111111 adviser=adv1 adviser_email=adv1@ml.example.org
	ev_exam "${EXAM[@]}" id=a2 student=STU2 phone=+33622222222 adviser=adv2
	ev_exam "${EXAM[@]}" id=a3 student=STU3 phone=+33622222222 adviser=adv3
	ev_exam "${EXAM[@]}" id=a4 student=STU4 phone=+33644444444 adviser=adv4
	ev_exam "${EXAM[@]}" id=a5 student=STU5 phone=+33655555555 adviser=adv5 adviser_email=adv5@ml.example.org
	ev_exam "${EXAM[@]}" id=a6 student=STU6 phone=+33666666666 adviser=adv6 -adviser_email
	ev_exam "${EXAM[@]}" id=a7 student=STU7 phone=+33677777777 adviser=adv7 adviser_email=adv7@ml.example.org \
	    uai=0570999Z programme_code=F1 programme_label="=cmd|' /C calc'!A0" school="Lycée \"Pierre, Paul\""
	ev_exam "${EXAM[@]}" id=a8 student=STU8 phone=+33688888888 adviser=adv8 \
	    programme_code='Q"\x' programme_label="+33 6 12, -2 @SUM(A1)"
	ev_exam "${EXAM[@]}" id=a9 student=STU9 phone=+33699999999 adviser=adv9 \
	    programme_code=F3 programme_label="@SUM(1+1)*cmd|' /C calc'!A0"
} >"$T/ev1.jsonl"
produce avenirpro.exams "$T/ev1.jsonl"
wait_for '[ "$(sql "select count(*) from students")" = 9 ]' 20
assert_eq "$(sql "select count(*) from students")" 9 "nine students"
wait_for '[ "$(sql "select count(distinct student_id) from appointments")" = 9 ]' 20
for s in 1 2 3 4 5 6 7; do eval "A$s=\$(next_appt STU$s)"; done
assert_eq "$(sql "select count(distinct starts_at) from appointments where id in ($A2, $A3)")" 1 \
    "the siblings' first check-ins start at the same time"

# 2. Keywords, one by one from STU1 (the acknowledgements are capped: see 3).
kannel_send_mo 0611111111 AvenirPro "OUI!!!"
wait_for '[ "$(answer_of "$A1")" = "$APPT_CONFIRMED $ANSWER_CONFIRMED" ]' 15
assert_eq "$(answer_of "$A1")" "$APPT_CONFIRMED $ANSWER_CONFIRMED" "'OUI!!!' confirms"
# The acknowledgement at 3 a.m.: at once, one segment of GSM 03.38.
wait_for '[ "$(nsms_to +33611111111)" -ge 1 ]' 15
assert_eq "$(nsms_to +33611111111)" 1 "the acknowledgement reached fakesmsc at 3 a.m. (test clock)"
assert_eq "$(sms_to +33611111111 | cut -f1)" text "... in one GSM 03.38 segment (not UCS-2 nor concatenated)"
late=$(sql "select max(sent_at - due_at) from reminders where student_id = 'STU1' and kind = $REM_ACK_CONFIRMED and status = $REM_SENT")
[ -n "$late" ] && [ "$late" -le 600 ] && pass "... sent $late s (test clock) after the reply" ||
    fail "... sent $late s (test clock) after the reply"
for t in "ok." "Oui%20merci" "c%27est%20bon" "Non%20mais" "NON%20STOP"; do
	assert_eq "$(mo 0611111111 "$t")" 200 "'$t' answered 200"
done
assert_eq "$(answer_of "$A1")" "$APPT_CONFIRMED $ANSWER_CONFIRMED" "'Non mais', 'NON STOP' cancel nothing"
assert_eq "$(sql "select group_concat(text, '|') from (select text from student_messages where student_id = 'STU1' order by id)")" \
    "c'est bon|Non mais|NON STOP" "the others are messages for the adviser, as written"
assert_eq "$(sql "select consent_sms from students where id = 'STU1'")" 1 "'NON STOP' is not STOP (README)"

# 3. A flood from one number: everything applied and kept, acknowledgements
# capped at 5 a day for the number (already 6 replies from STU1).
for i in $(seq 1 20); do mo 0611111111 "message%20$i" >/dev/null; mo 0611111111 "OUI" >/dev/null; done
assert_eq "$(nmsg STU1)" 23 "every message of the flood is kept (3 + 20)"
assert_eq "$(sql "select count(*) from counters where name = 'sms_ack_capped'")" 1 "the acknowledgements over the cap are counted"
assert_eq "$(nacks STU1)" 5 "at most 5 acknowledgements queued for the number in 24 hours"
sleep 5
assert_eq "$(nsms_to +33611111111)" 5 "... and 5 reached fakesmsc"

# 4. Empty, blank, and UCS-2 texts Kannel did not recode (cut at the first
# NUL): no message, no acknowledgement.
assert_eq "$(mo 0644444444 "")" 200 "an empty text answered 200 (Kannel does not retry)"
mo 0644444444 "%20%20%09%0D%0A" >/dev/null
mo 0644444444 "%E2%80%8B%C2%A0" >/dev/null
mo 0644444444 "%00O%00U%00I" "&coding=2&charset=UTF-16BE" >/dev/null
mo 0644444444 "%1B%07" >/dev/null
assert_eq "$(nmsg STU4)" 0 "no message from empty, blank or NUL-cut texts"
assert_eq "$(nacks STU4)" 0 "... and no acknowledgement"
assert_eq "$(answer_of "$A4")" "$APPT_CONFIRMED $ANSWER_NONE" "... and no answer"
assert_eq "$(sql "select value from counters where name = 'sms_reply_empty'")" 5 "... counted (sms_reply_empty)"
mo 0644444444 "%F0%9F%91%8D" >/dev/null
assert_eq "$(sql "select text from student_messages where student_id = 'STU4'")" "👍" "an emoji alone is a message"
# A long concatenated reply (1,500 accented characters, 9,000 octets once
# escaped as Kannel's get-url does): kept whole; a 20 KiB target: 414.
long=$(printf '%%C3%%A9%.0s' $(seq 1500))
assert_eq "$(mo 0644444444 "$long")" 200 "a reply of 1,500 accented characters answered 200"
assert_eq "$(sql "select max(length(text)) from student_messages where student_id = 'STU4'")" 1500 \
    "... and kept whole for the adviser"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$RELANCE_URL/sms/kannel/incoming?from=0644444444&to=AvenirPro&text=$(printf '%%C3%%A9%.0s' $(seq 3500))")" \
    414 "a 21,000-octet target: 414"
assert_eq "$(nmsg STU4)" 2 "... nothing kept from it"

# 5. Latin-1 and invalid UTF-8: kept as UTF-8, published, listed.
kannel_start_fakesmsc -m 1 "0655555555 AvenirPro data Annul%E9%20%E0%2010h%2C%20d%E9sol%E9e"
wait_for '[ "$(nmsg STU5)" = 1 ]' 15
mo 0655555555 "Retard%20de%205%20min%2C%20d%E9sol%E9" "&coding=0&charset=ISO-8859-1" >/dev/null
mo 0655555555 "abc%FF%FEdef%C3" >/dev/null
assert_eq "$(sql "select group_concat(text, '|') from (select text from student_messages where student_id = 'STU5' order by id)")" \
    "Annulé à 10h, désolée|Retard de 5 min, désolé|abcÿþdefÃ" "8-bit data and ISO-8859-1 read as Latin-1, invalid UTF-8 too"
sql "select hex(text) from student_messages" >"$T/hex.txt"
assert_eq "$("$PY" -c '
import sys
bad = 0
for l in open(sys.argv[1]):
    try:
        bytes.fromhex(l.strip()).decode("utf-8")
    except UnicodeDecodeError:
        bad += 1
print(bad)' "$T/hex.txt")" 0 "every stored message is valid UTF-8"
wait_for '[ "$(consume_all avenirpro.relance.replies | grep -c "\"STU5\"")" -ge 3 ]' 20
consume_all avenirpro.relance.replies | cut -f2 | grep '"STU5"' >"$T/stu5.jsonl"
assert_eq "$("$PY" -c '
import json, sys
print("|".join(json.loads(l)["data"]["text"] for l in open(sys.argv[1])))' "$T/stu5.jsonl")" \
    "Annulé à 10h, désolée|Retard de 5 min, désolé|abcÿþdefÃ" "the three reach the replies topic"
relancectl replies --json >"$T/replies.json"
assert_eq $? 0 "replies --json exits 0"
assert_eq "$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["count"] == len(d["replies"]), sum(r["student_id"] == "STU5" for r in d["replies"]))' "$T/replies.json")" \
    "True 3" "replies --json: valid, every message listed"
assert_no_grep 'cannot make the reply event' "$T/relanced.log" "no reply event lost"

# 6. Siblings on one number: a tie goes to the student whose id sorts first.
mo 0622222222 "OUI" >/dev/null
assert_eq "$(answer_of "$A2") / $(answer_of "$A3")" "$APPT_CONFIRMED $ANSWER_CONFIRMED / $APPT_CONFIRMED $ANSWER_NONE" \
    "'OUI' from the shared phone confirms STU2's (same start, first id)"
mo 0622222222 "oui" >/dev/null
assert_eq "$(answer_of "$A3")" "$APPT_CONFIRMED $ANSWER_NONE" "a second 'oui' does not confirm the sibling's"
mo 0622222222 "NON" >/dev/null
assert_eq "$(answer_of "$A2") / $(answer_of "$A3")" "$APPT_CANCELLED $ANSWER_CANCELLED / $APPT_CONFIRMED $ANSWER_NONE" \
    "'NON' cancels STU2's"
mo 0622222222 "OUI" >/dev/null
assert_eq "$(answer_of "$A3")" "$APPT_CONFIRMED $ANSWER_CONFIRMED" "then STU3's is the next: 'OUI' confirms it"
# STOP, then a yes: applied, no acknowledgement.
mo 0622222222 "Stop%20svp" >/dev/null
assert_eq "$(sql "select group_concat(consent_sms) from students where phone = '+33622222222'")" "0,0" "'Stop svp' withdraws both"
n=$(nacks STU2)$(nacks STU3)
mo 0622222222 "C" >/dev/null
assert_eq "$(nacks STU2)$(nacks STU3)" "$n" "no acknowledgement after STOP"

# 7. Adversarial messages for the digest; an adviser without email; 150
# messages for one adviser within an hour of their last digest.
# digests_to ADDR: the envelopes of the emails to ADDR, oldest first
digests_to() { find "$SMTP_DIR" -name '*.env' | sort | xargs grep -l "$1" 2>/dev/null; }
# digest_text ENV: the digest's headers we check, entries and body
digest_text() {
	"$PY" - "${1%.env}.eml" <<'EOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("Subject:", m["Subject"])
print("Bcc:", m["Bcc"])
body = m.get_body(("plain",)).get_content()
print("ENTRIES", body.count("\n- "))
print(body)
EOF
}
mo 0677777777 "x%0D%0ABcc:%20evil@attacker.example%0D%0ASubject:%20hacked%0D%0A%0D%0Abody" >/dev/null
long=$("$PY" -c 'print("%C3%A9" * 5 + "a" * 995)')
mo 0677777777 "$long" >/dev/null
assert_eq "$(sql "select length(text) from student_messages where student_id = 'STU7' order by id limit 1 offset 1")" 1000 \
    "a message of 1,000 characters is kept whole"
mo 0666666666 "je%20serai%20absent" >/dev/null
wait_for '[ "$(digests_to adv7@ | wc -l)" -ge 1 ]' 40
ENV1=$(digests_to adv7@ | head -n1)
assert_eq "$(grep -c '^rcpt-to' "$ENV1")" 1 "the digest has one recipient"
assert_no_grep 'attacker' "$ENV1" "... not the Bcc of a message"
digest_text "$ENV1" >"$T/digest1.txt"
assert_grep '^Subject: Avenir Pro : messages de vos élèves \(2\)$' "$T/digest1.txt" "the template's subject"
assert_grep '^Bcc: None$' "$T/digest1.txt" "no Bcc header"
assert_grep '^  Bcc: evil@attacker.example$' "$T/digest1.txt" "the injected lines stay in the body, indented"
assert_grep '^  (é){5}a{995}$' "$T/digest1.txt" "the long message whole"
for i in $(seq 1 150); do mo 0677777777 "msg%20$i" >/dev/null; done
assert_eq "$(nmsg STU7)" 152 "150 more messages for adv7 within the hour"
assert_eq "$(digests_to adv7@ | wc -l)" 1 "... no second digest within the hour"
# An hour later (relanced restarted with its clock moved on: see lib.sh).
restart_later "$T/relance.conf" 3600
wait_for '[ "$(digests_to adv7@ | wc -l)" -ge 2 ]' 20
digest_text "$(digests_to adv7@ | sed -n 2p)" >"$T/digest2.txt"
assert_grep '^ENTRIES 100$' "$T/digest2.txt" "after the hour, a digest of 100 (DIGEST_MAX)"
assert_grep '^Subject: Avenir Pro : messages de vos élèves \(100\)$' "$T/digest2.txt" "... its subject says so"
wait_for '[ "$(sql "select count(*) from student_messages where mailed_at is not null and student_id = '"'STU7'"'")" = 102 ]' 15
assert_eq "$(sql "select count(*) from student_messages where student_id = 'STU7' and mailed_at is null")" 50 "50 wait for the next hour"
restart_later "$T/relance.conf" 3600
wait_for '[ "$(digests_to adv7@ | wc -l)" -ge 3 ]' 20
digest_text "$(digests_to adv7@ | sed -n 3p)" >"$T/digest3.txt"
assert_grep '^ENTRIES 50$' "$T/digest3.txt" "the next hour's digest lists the 50 others"
wait_for '[ "$(sql "select count(*) from student_messages where student_id = '"'STU7'"' and mailed_at is null")" = 0 ]' 15
assert_eq "$(sql "select count(*) from student_messages where student_id = 'STU7' and mailed_at is null")" 0 "... all mailed"
assert_eq "$(sql "select count(*) from student_messages where student_id = 'STU6' and mailed_at is null")" 1 "adv6 (no email): the message is kept, unmailed"
relancectl replies >"$T/replies.txt"
assert_grep 'STU6 +adv6 +new +je serai absent' "$T/replies.txt" "... and listed by relancectl replies"
assert_no_grep $'\r' "$T/replies.txt" "replies (text): no CR reaches the terminal"

# 8. relancectl: --since with bad values; indicators --csv; /metrics.
for s in "yesterday" "-1d" "2026-13-45" "" "7d%" "99999999999999999999d"; do
	"$BUILD/relancectl" -c "$RELANCE_CONF" replies --since "$s" >/dev/null 2>"$T/since.err"
	rc=$?
	assert_eq "$rc" 2 "--since '$s': exit 2"
	assert_grep "--since takes a duration" "$T/since.err" "... saying what it takes"
done
relancectl indicators --csv >"$T/ind.csv"
assert_eq $? 0 "indicators --csv exits 0"
"$PY" - "$T/ind.csv" >"$T/csv.txt" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
bad = [v for r in rows for v in r.values() if v and v[0] in "=+-@\t\r"]
print(len(rows), "bad:", bad)
for r in rows:
    print(r["programme_code"], "|", r["programme_label"], "|", r["establishment"])
EOF
sed 's/^/  .. /' "$T/csv.txt"
assert_grep '^4 bad: \[\]$' "$T/csv.txt" "no CSV cell starts with = + - @ (CSV injection)"
assert_grep "^F1 \| '=cmd\|' /C calc'!A0 \| Lycée \"Pierre, Paul\"$" "$T/csv.txt" \
    "the formula is kept, neutralised by a leading quote; commas and quotes quoted"
assert_grep "^Q\"\\\\x \| '\+33 6 12, -2 @SUM\(A1\) \|" "$T/csv.txt" "'+...' neutralised, the quote and backslash of the code kept"
assert_grep "^F3 \| '@SUM" "$T/csv.txt" "'@...' neutralised"
curl -s -o "$T/metrics.txt" "$RELANCE_URL/metrics"
if "$PY" "$TOP/tests/peers/promcheck.py" <"$T/metrics.txt" >"$T/metrics.parsed" 2>"$T/metrics.err"; then
	pass "/metrics parses (promcheck) with quotes and backslashes in programme codes"
else
	sed 's/^/  .. /' "$T/metrics.err" | head; fail "/metrics parses (promcheck)"
fi
assert_grep '^relance_indicator_appointments\{.*programme="Q\\"\\\\x"' "$T/metrics.txt" "... escaped as the exposition format says"

# 9. Personal data: no phone number nor message text in the log.
assert_no_grep '6111111|6222222|6444444|6555555|6666666|6777777' "$T/relanced.log" "no phone number is logged"
assert_no_grep 'Oui merci|Stop svp|je serai absent|attacker|Retard de|désolé|👍' "$T/relanced.log" "no message text is logged"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
