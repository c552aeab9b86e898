#!/bin/bash
# 35-sms-fit: SMS reminders fit one segment (contract section 4) through
# the real Kannel (bearerbox + smsbox + fakesmsc). With [sms] encoding =
# gsm7 (the default), every shipped SMS template (fr and en) with
# 100-character names full of accents (given, family and adviser) and a
# long accented place reaches the SMSC as one GSM 03.38 message (type
# "text": coding 0, no UDH), of at most 160 septets, transliterated (no
# '?'), with the time, the whole place (38 characters) and the whole
# personal link of a realistic base_url (https://rdv.mission-locale.
# example.fr, 37 characters: a link of 62), whose code opens the
# appointment (its SHA-256 is the appointment's code_hash). With encoding = unicode the
# text keeps its accents (UCS-2) and the log says how many segments it
# takes. A place too long for one segment whatever the names is a warning
# of --check-config.
. "$(dirname "$0")/../lib.sh"
lib_init sms-fit

GIVEN="Marie-Thérèse Éloïse-Gwenaëlle Clémentine-Ségolène Françoise-Hélène Anaïs-Zoé Maëlys Noémie-Chloé Aï"
FAMILY="Le Guénnec-Dûrand-Bœuf de La Châtaigneraie-Prévôt-Lefèvre-Kerhervé-Ménétrier-Oïl-Gâtinais-Fénelon-Çç"
ADVISER="Amélie-Françoise Comelli-Hêtre-Dûrand-Bœuf de Saint-Exupéry-Châteaubriand-Lefèvre-Ménétrier-Noël-Ôïs"
PLACE="Mission locale, 12 rue de l’Hôtel-Dieu"
PLACE_GSM="Mission locale, 12 rue de l'Hotel-Dieu"
BASE=https://rdv.mission-locale.example.fr
for n in "$GIVEN" "$FAMILY" "$ADVISER"; do
	assert_eq "$("$PY" -c 'import sys; print(len(sys.argv[1]))' "$n")" 100 "a name of 100 characters"
done

start_kafka
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" sms.gateway=kannel sms.user=tester calendar.base_url=$BASE \
    retry.first=1s retry.max=2s retry.attempts=20 \
    checkins.location="$PLACE" reminders.default_consent=sms
start_kannel
conf_kannel "$T/relance.conf" "dlr_url = $RELANCE_URL"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"

EXAM=(time=2026-06-19T16:05:00+02:00 -email consent_email=false last_exam_on=2026-11-23
    given_name="$GIVEN" family_name="$FAMILY" adviser_name="$ADVISER")
{
	ev_exam "${EXAM[@]}" id=e-fr student=FR1 locale=fr phone=+33611111111
	ev_exam "${EXAM[@]}" id=e-en student=EN1 locale=en phone=+33622222222
} >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"

# sent: SMS reminders of STUDENT sent so far
sent() { sql "select count(*) from reminders where student_id = '$1' and channel = $CH_SMS and status = $REM_SENT"; }
wait_for '[ "$(sent FR1)" -ge 1 ] && [ "$(sent EN1)" -ge 1 ]' 30
# Every due SMS reminder is sent (nothing left pending and due).
wait_for '[ "$(sql "select count(*) from reminders where channel = $CH_SMS and status = $REM_PENDING and next_at <= '"$NOW"'")" = 0 ]' 20
wait_for '[ "$(kannel_mt_count)" -ge "$(( $(sent FR1) + $(sent EN1) ))" ]' 15
kannel_messages -t >"$T/mt.tsv"
sed 's/^/  .. /' "$T/mt.tsv"

# check_sms PHONE TIME GREETING: every message fakesmsc got for PHONE is one
# GSM 03.38 segment with TIME, the place, GREETING and a personal link
# whose code's SHA-256 is a code_hash of the store; prints the count.
check_sms() {
	sql "select code_hash from appointments where code_hash is not null" >"$T/hashes"
	"$PY" - "$T/mt.tsv" "$1" "$2" "$PLACE_GSM" "$3" "$BASE/r/" "$T/hashes" <<'EOF'
import hashlib, re, sys
path, phone, time, place, greeting, base, hashes = sys.argv[1:]
hashes = set(open(hashes).read().split())
basic = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
         "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
ext = "^{}\\[~]|€"
n = 0
for line in open(path, encoding="utf-8"):
    typ, frm, to, text = line.rstrip("\n").split("\t", 3)
    if to != phone:
        continue
    n += 1
    septets = sum(1 if c in basic else 2 if c in ext else 1000 for c in text)
    problems = []
    if typ != "text":
        problems.append("type %s (not one GSM 03.38 segment, coding 0)" % typ)
    if septets > 160:
        problems.append("%d septets" % septets)
    if "?" in text:
        problems.append("a '?' (a character not transliterated)")
    for what, s in (("time", time), ("place", place), ("greeting", greeting)):
        if s not in text:
            problems.append("no %s %r" % (what, s))
    m = re.search(re.escape(base) + r"([A-Za-z0-9_-]{22})$", text)
    if not m:
        problems.append("no personal link %s... at the end" % base)
    elif hashlib.sha256(m.group(1).encode()).hexdigest() not in hashes:
        problems.append("link code %s opens no appointment" % m.group(1))
    if problems:
        print("BAD %s: %s" % (text, "; ".join(problems)))
print(n)
EOF
}

# appt_time STUDENT FORMAT: start of the student's first appointment with
# a sent SMS reminder, in Paris time
appt_time() {
	TZ=Europe/Paris date -d "@$(sql "select min(a.starts_at) from reminders r join appointments a on a.id = r.appointment_id where r.student_id = '$1' and r.channel = $CH_SMS and r.status = $REM_SENT")" +"$2"
}
# check_student ID PHONE TIME_FORMAT GREETING
check_student() {
	local out
	out=$(check_sms "$2" "$(appt_time "$1" "$3")" "$4")
	printf '%s\n' "$out" | grep '^BAD' | sed 's/^/  .. /'
	assert_eq "$(printf '%s\n' "$out" | grep -c '^BAD')" 0 \
	    "$1: every SMS is one GSM 03.38 segment (coding 0, <= 160 septets) with the time, the whole place and a personal link that opens the appointment"
	assert_eq "$(printf '%s\n' "$out" | tail -1)" "$(sent "$1")" \
	    "$1: one message at the SMSC per SMS reminder sent (no concatenated parts)"
}
check_student FR1 +33611111111 %Hh%M "Bonjour Marie"
check_student EN1 +33622222222 %H:%M "Hello Marie"
assert_grep $'^text\tAvenirPro\t\\+33611111111\tBonjour Marie[^,]*, (rappel : )?entretien de suivi le ' \
    "$T/mt.tsv" "French: greeting, kind, then the date"
assert_grep $'^text\tAvenirPro\t\\+33622222222\tHello Marie[^,]*, (reminder: )?check-in on ' \
    "$T/mt.tsv" "English: greeting, kind, then the date"
assert_no_grep 'segment' "$T/relanced.log" "gsm7: no text took more than one segment"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"

# [sms] encoding = unicode: accents kept (UCS-2); the log says how many
# segments each text takes.
sed -i 's|^\[sms\]$|[sms]\nencoding = unicode|' "$T/relance.conf"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"
n0=$(kannel_mt_count)
ev_exam "${EXAM[@]}" id=e-u student=UNI1 locale=fr phone=+33633333333 \
    given_name=Gaëlle family_name=Hêtre adviser_name=Amélie >"$T/ev2.jsonl"
produce avenirpro.exams "$T/ev2.jsonl"
wait_for '[ "$(sent UNI1)" -ge 1 ] && [ "$(kannel_mt_count)" -gt '"$n0"' ]' 30
kannel_messages -t >"$T/mt2.tsv"
assert_grep $'^ucs-2\tAvenirPro\t\\+33633333333\tBonjour Gaëlle, rappel' "$T/mt2.tsv" \
    "unicode: the text keeps its accents (UCS-2, coding 2)"
assert_grep '^.*reminder [0-9]+: SMS of [2-9] segments \(UCS-2\)' "$T/relanced.log" \
    "unicode: the log says how many segments the text takes"
assert_no_grep '33633333333' "$T/relanced.log" "the phone number is not logged"
stop_relanced
assert_eq $? 0 "relanced stops cleanly (unicode)"

# A place too long for one segment whatever the names: --check-config (and
# start, and reload) warn, naming the template and the key; still valid.
LONG=$(printf 'p%.0s' $(seq 150))
sed '/^encoding = unicode$/d' "$T/relance.conf" >"$T/gsm7.conf"
sed "s|^location = .*|location = $LONG|" "$T/gsm7.conf" >"$T/long.conf"
"$BUILD/relanced" -c "$T/long.conf" --check-config >"$T/check.out" 2>&1
assert_eq $? 0 "a place too long for one segment is a warning, not an error"
assert_no_grep '^<[0-9]>' "$T/check.out" "--check-config outside the journal: no <N> priority prefixes"
assert_grep 'fr/reminder.sms: an SMS reminder with \[checkins\] location and its personal link takes 2 segments' \
    "$T/check.out" "--check-config warns about the French SMS"
assert_grep 'en/reminder.sms: an SMS reminder with \[checkins\] location and its personal link takes 2 segments' \
    "$T/check.out" "--check-config warns about the English SMS"
"$BUILD/relanced" -c "$T/gsm7.conf" --check-config >"$T/check.out" 2>&1
assert_grep 'configuration OK' "$T/check.out" "--check-config: the gsm7 configuration is valid"
sed "s|^\(dir = \).*templates.*|\1$T/no-templates|" "$T/gsm7.conf" >"$T/notpl.conf"
"$BUILD/relanced" -c "$T/notpl.conf" --check-config >"$T/notpl.out" 2>&1
assert_eq $? 1 "--check-config with a missing templates directory: exit 1"
assert_eq "$(grep -cE "^$T/notpl.conf:[0-9]+: \[templates\] dir: cannot read $T/no-templates: No such file or directory$" "$T/notpl.out")" 1 \
    "... said once, as FILE:LINE: [templates] dir"
assert_eq "$(wc -l <"$T/notpl.out")" 2 "... with the refusal: two lines, not one per template"
# A password file that cannot be read: a warning (a relative name resolves
# in systemd's credentials directory, which a shell does not have).
sed 's|^url = file://.*/outbox/email$|url = smtp://127.0.0.1:9|' "$T/gsm7.conf" >"$T/nopw.conf"
printf '[smtp]\nuser = relance\npassword_file = %s\n' "$T/no-password" >>"$T/nopw.conf"
"$BUILD/relanced" -c "$T/nopw.conf" --check-config >"$T/nopw.out" 2>&1
assert_eq $? 0 "--check-config with an unreadable password file: exit 0 (a warning)"
assert_grep "^$T/nopw.conf:[0-9]+: \[smtp\] password_file: cannot read $T/no-password: No such file or directory; emails would be sent without a password$" \
    "$T/nopw.out" "... saying FILE:LINE: [smtp] password_file and what follows"
printf '[smtp]\nuser = relance\npassword_file = %s\n' "$T/no-password" >>"$T/gsm7.conf"
"$BUILD/relanced" -c "$T/gsm7.conf" --check-config >"$T/nopw2.out" 2>&1
assert_no_grep 'password_file' "$T/nopw2.out" "... not for an outbox (file://), which reads no password"
assert_no_grep 'segments' "$T/check.out" "the shipped templates fit with a 38-character place and the link of a 37-character base_url"
