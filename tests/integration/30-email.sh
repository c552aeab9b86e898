#!/bin/bash
# 30-email: email reminders through a real SMTP server (aiosmtpd with
# STARTTLS required and AUTH): the stored message parses with Python's
# email parser (RFC 2047 subject, UTF-8 body, text/calendar attachment that
# parses as iCalendar), a 451 then success is retried then sent, a 550
# fails at once without retry and is logged at warning priority, the
# outcomes reach the outcomes topic; a normal start logs no warning.
. "$(dirname "$0")/../lib.sh"
lib_init email

start_kafka
start_smtpd --tls --auth relance:s3cret --fail-rcpt refuse@example.org:550 \
    --fail-first 1 451
# Monday 2026-12-07 10:00 Paris: the +14d check-in of an exam on 11-23 is
# today 10:30, its 48h reminder is overdue: due at once.
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" smtp.url="$SMTP_URL" smtp.tls=required \
    smtp.user=relance smtp.password_file="$SMTP_PASSWORD_FILE" smtp.ca_file="$SMTP_CA" \
    smtp.helo=relance.test retry.first=1s retry.max=2s retry.attempts=5 \
    checkins.location="Mission locale, 2 rue de l'Été" \
    reminders.default_consent=email
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"

# exam.completed (ev_exam): email only
EXAM=(time=2026-06-19T16:05:00+02:00 -phone consent_sms=false last_exam_on=2026-11-23)
ev_exam "${EXAM[@]}" id=e1 student=STU1 email=eleve.un@example.org given_name=Élodie locale=fr >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"

# The first transaction gets 451 (fail-first): retried within seconds.
wait_for '[ "$(smtp_count)" -ge 1 ]' 25
# smtpd stores the message before it answers 250: until relanced has that
# answer, the reminder is still in flight (REM_SENDING).
wait_for '[ "$(sql "select count(*) from reminders where channel = $CH_EMAIL and status = $REM_SENDING")" = 0 ]' 10
assert_eq "$(smtp_count)" 1 "one message stored"
assert_grep '^tls: yes$' "$SMTP_DIR/000001.env" "sent over STARTTLS"
assert_grep '^auth: relance$' "$SMTP_DIR/000001.env" "sent authenticated"
assert_grep '^rcpt-to: eleve.un@example.org$' "$SMTP_DIR/000001.env" "to the student"
assert_grep 'transient' <(sql "select outcome from attempts order by id") "the 451 was recorded as transient"
assert_eq "$(sql "select status, attempts from reminders where channel = $CH_EMAIL and status != $REM_PENDING order by id limit 1")" \
    "$REM_SENT|2" "the reminder is sent after 2 attempts"

"$PY" - "$SMTP_DIR/000001.eml" >"$T/parsed.txt" 2>&1 <<'PYEOF'
import sys, email, email.policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("subject:", m["subject"])
print("message-id:", m["message-id"])
print("date-ok:", m["date"].datetime is not None)
print("multipart:", m.get_content_type())
body = m.get_body(preferencelist=("plain",)).get_content()
print("body-has-name:", "Élodie" in body)
print("body-has-location:", "rue de l'Été" in body)
ics = [p for p in m.iter_attachments() if p.get_content_type() == "text/calendar"]
print("ics-count:", len(ics))
text = ics[0].get_content() if ics else ""
if isinstance(text, bytes):
    text = text.decode()
print("ics-method:", ics[0].get_param("method") if ics else None)
try:
    import icalendar
    cal = icalendar.Calendar.from_ical(text)
    print("ics-events:", len(cal.walk("VEVENT")))
except ImportError:
    ok = text.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in text and text.rstrip().endswith("END:VCALENDAR")
    print("ics-events:", 1 if ok else 0)
PYEOF
cat "$T/parsed.txt" | sed 's/^/  .. /'
assert_grep '^subject: Rappel : votre entretien de suivi du lundi 07/12/2026 à 10h30$' "$T/parsed.txt" "RFC 2047 subject decodes"
assert_grep '^message-id: <reminder-[0-9]+@relance.test>$' "$T/parsed.txt" "stable Message-ID"
assert_line 'date-ok: True' "$T/parsed.txt" "Date header parses"
assert_line 'multipart: multipart/mixed' "$T/parsed.txt" "multipart/mixed"
assert_line 'body-has-name: True' "$T/parsed.txt" "UTF-8 body with the accented name"
assert_line 'body-has-location: True' "$T/parsed.txt" "body has the location"
assert_line 'ics-count: 1' "$T/parsed.txt" "one text/calendar attachment"
assert_line 'ics-method: PUBLISH' "$T/parsed.txt" "method=PUBLISH"
assert_line 'ics-events: 1' "$T/parsed.txt" "the attachment parses as iCalendar with one event"

# 550 on the recipient: failed at once, no retry.
ev_exam "${EXAM[@]}" id=e2 student=STU2 email=refuse@example.org given_name=Hugo locale=en >"$T/ev2.jsonl"
produce avenirpro.exams "$T/ev2.jsonl"
wait_for '[ "$(sql "select count(*) from reminders where student_id = '"'STU2'"' and status = $REM_FAILED")" -ge 1 ]' 15
assert_eq "$(sql "select status, attempts from reminders where student_id = 'STU2' and status != $REM_PENDING")" "$REM_FAILED|1" \
    "550: failed after one attempt"
assert_grep '550' <(sql "select last_error from reminders where student_id = 'STU2' and status = $REM_FAILED") "the 550 is the recorded error"
sleep 3
assert_eq "$(sql "select count(*) from attempts a join reminders r on r.id = a.reminder_id where r.student_id = 'STU2'")" 1 \
    "and never retried"
assert_eq "$(smtp_count)" 1 "nothing stored for the refused recipient"
# A permanent failure is a warning (journalctl -p warning shows it): <4>.
assert_grep '^<4>reminder [0-9]+ \(reminder, email\): failed after 1 attempt' "$T/relanced.log" \
    "the permanent failure is logged at warning priority (<4>)"
# A normal start logs no warning or error at all.
assert_eq "$(sed -n '1,/relanced started/p' "$T/relanced.log" | grep -c '^<[0-4]>')" 0 \
    "no warning or error before 'relanced started'"

# Outcomes on Kafka: one sent, one failed, no personal data.
wait_for '[ "$(consume_count avenirpro.relance.outcomes)" -ge 2 ]' 10
consume_all avenirpro.relance.outcomes >"$T/outcomes.txt"
assert_grep 'avenirpro.relance.reminder.sent' "$T/outcomes.txt" "sent outcome published"
assert_grep 'avenirpro.relance.reminder.failed' "$T/outcomes.txt" "failed outcome published"
assert_no_grep 'example.org|Élodie|Hugo' "$T/outcomes.txt" "outcomes carry no personal data"

stop_relanced
assert_eq $? 0 "relanced stops cleanly"
