#!/bin/bash
# 01-ingest: events through Kafka into the store (contract sections 1 and 5).
# Good events (structured and binary CloudEvents modes, the three topics)
# land in the store; every bad one (not JSON, truncated, not a CloudEvent,
# unknown type, impossible date, CR/LF injection, bad UAI, bad E.164, bad
# binary-mode headers, attendance naming an unknown appointment, ...) goes to
# the dead-letter topic byte for byte with relance-error/-topic/-partition/
# -offset headers, is recorded in dead_letters and logged once at warning
# level without personal data; consumption goes on after them; a second
# delivery of the same (source, id) changes nothing; SIGTERM exits 0 and a
# restart replays nothing.
. "$(dirname "$0")/../lib.sh"
lib_init ingest

FIX=$LIB_TESTS/fixtures/events
EXAMS=avenirpro.exams ATT=avenirpro.attendance STUDENTS=avenirpro.students
DLQ=avenirpro.relance.dlq

start_kafka
# exam-minimal.json's leap day (2024-02-29) is older than the default
# plausible range (two years): widened here, out of range is B17.
write_conf "$T/relance.conf" checkins.last_exam_past=3650d
start_relanced "$T/relance.conf"

LAST=$(date -d '-3 days' +%F)
# good exam.completed events (ev_exam): the Kieffer family, no locale, no consent
GOOD=(family_name=Kieffer phone=+33687654321 -locale -consent programme_label="Bac pro" last_exam_on="$LAST")
# bad ones: only the fields that matter
MINIMAL=(-family_name -phone -locale -consent -school -data.programme -session -adviser_name -adviser_email)
# kv KEY FILE: "KEY<TAB>contents of FILE" (one message for produce_keyed)
kv() { printf '%s\t' "$1"; cat "$2"; echo; }
# binary KEY TOPIC VALUE_FILE HEADER...: one binary-mode message on partition 0
binary() {
	local key=$1 topic=$2 file=$3 h=()
	shift 3
	for a in "$@"; do h+=(-H "$a"); done
	kcat -P -q -b "$BROKERS" -t "$topic" -p 0 -k "$key" "${h[@]}" "$file"
}
# counts: the numbers that must not move on a redelivery or a restart
counts() {
	sql "select (select count(*) from events), (select count(*) from students),
	     (select count(*) from appointments), (select count(*) from reminders),
	     (select count(*) from dead_letters), (select count(*) from attendance)"
}

# ------------------------------------------------------------ good events
{
	kv G1 "$FIX/exam-completed.json"
	kv G2 "$FIX/exam-minimal.json"
	ev_exam -k G3 "${GOOD[@]}" id=good-3 student=S3 given_name='Léna'
} >"$T/good-exams.tsv"
produce_keyed $EXAMS "$T/good-exams.tsv" -p 0
cp "$FIX/exam-binary-data.json" "$T/bin-good.json"
binary G4 $EXAMS "$T/bin-good.json" ce_specversion=1.0 ce_id=bin-good-1 \
    ce_source=/sis/0570123X ce_type=avenirpro.exam.completed \
    content-type=application/json
wait_for 'sql "select count(*) from students" | grep -qx 4' 20 || die "good exams not stored"
kv G5 "$FIX/student-contact.json" >"$T/good-students.tsv"
produce_keyed $STUDENTS "$T/good-students.tsv" -p 0
wait_for "sql \"select email from students where id = '070123456AB'\" | grep -qx axel.new@example.org" 10
assert_eq "$(sql "select given_name, family_name, uai from students where id = '070123456AB'")" \
    "Axel|Belvalette|0570123X" "structured exam.completed: the student is stored"
assert_eq "$(sql "select given_name, uai from students where id = '070123457CD'")" "Zoé|0570123X" \
    "minimal exam.completed: stored, UAI upper-cased"
assert_eq "$(sql "select given_name, family_name, locale, consent_sms from students where id = '070123458EF'")" \
    "Noël|Müller|en|0" "binary-mode exam.completed: stored from the ce_* headers and data"
assert_eq "$(sql "select email, phone, locale, consent_sms from students where id = '070123456AB'")" \
    "axel.new@example.org|+33611111111|en|0" "student.updated: contact, locale and consent applied"
assert_eq "$(sql "select count(*) from events where source = '/sis/0570123X' and id = 'bin-good-1'")" 1 \
    "binary-mode event remembered by (source, id)"
assert_eq "$(sql "select count(*) from appointments where student_id = 'S3' and kind = $KIND_CHECKIN and status = $APPT_CONFIRMED")" 4 \
    "exam.completed: 4 check-ins planned"

# ------------------------------------------------------------- bad events
# Each bad message has its own key; expected.tsv maps key -> topic and the
# reason (an ERE on relance-error).
: >"$T/expected.tsv"
: >"$T/bad-exams.tsv"
: >"$T/bad-att.tsv"
: >"$T/bad-students.tsv"
bad() {		# bad KEY TOPIC REASON_ERE VALUE
	local f
	case $2 in
	$EXAMS) f=$T/bad-exams.tsv ;;
	$ATT) f=$T/bad-att.tsv ;;
	*) f=$T/bad-students.tsv ;;
	esac
	printf '%s\t%s\n' "$1" "$4" >>"$f"
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$T/expected.tsv"
}
badfix() { bad "$1" "$2" "$3" "$(cat "$FIX/$4")"; }

bad B01 $EXAMS '^invalid JSON' 'this is not json'
badfix B02 $EXAMS '^invalid JSON' bad-truncated.json
bad B03 $EXAMS '^(not an object|.*must be an object)' '[1,2,3]'
bad B04 $EXAMS '^specversion: missing' '{"hello":"world","data":{}}'
bad B05 $EXAMS '^specversion: must be 1\.0' \
    '{"specversion":"0.3","id":"x-10","source":"/sis/0570123X","type":"avenirpro.exam.completed","data":{}}'
badfix B06 $EXAMS '^unknown type' bad-unknown-type.json
badfix B07 $EXAMS '^data\.exam\.last_exam_on' bad-date.json
badfix B08 $EXAMS '^data\.student\.given_name: control character' bad-header-injection.json
badfix B09 $EXAMS '^data\.establishment\.uai: invalid' bad-uai.json
badfix B10 $EXAMS '^data\.student\.phone: invalid' bad-phone.json
badfix B11 $EXAMS 'invalid UTF-8' bad-utf8.json
bad B12 $EXAMS '^data\.student\.email: invalid' \
    "$(ev_exam "${MINIMAL[@]}" id=x-12 student=070999994ZZ given_name=Mallory 'email=mallory @example.org')"
bad B13 $EXAMS '^id: (missing|empty)' \
    '{"specversion":"1.0","source":"/sis/0570123X","type":"avenirpro.exam.completed","data":{}}'
bad B14 $EXAMS '^data: (missing|must be an object)' \
    '{"specversion":"1.0","id":"x-14","source":"/sis/0570123X","type":"avenirpro.exam.completed","data":"x"}'
bad B15 $EXAMS '^data\.student\.given_name: too long' \
    "$(ev_exam "${MINIMAL[@]}" id=x-15 student=070999993ZZ given_name="$(printf 'A%.0s' {1..101})" email=long@example.org)"
bad B16 $EXAMS '^data\.exam\.last_exam_on' \
    "$(ev_exam "${MINIMAL[@]}" id=x-16 student=070999992ZZ given_name=Bob -email phone=+33600000000 last_exam_on:=20260619)"
bad B17 $EXAMS '^data\.exam\.last_exam_on: out of range$' \
    "$(ev_exam "${MINIMAL[@]}" id=x-17 student=070999991ZY given_name=Bob -email phone=+33600000000 last_exam_on=9999-12-31)"
badfix B20 $ATT '^unknown appointment' attendance-uid.json
badfix B21 $ATT '^unknown appointment' attendance-absent.json
badfix B22 $ATT '^data: appointment_uid or kind and starts_at required' bad-attendance-no-appointment.json
bad B23 $ATT '^data\.status' "$(ev_attendance id=x-23 student=070123456AB uid=a@b status=late)"
badfix B30 $STUDENTS '^data: nothing to update' bad-update-nothing.json
bad B31 $STUDENTS '^data\.follow_up: must be stop' "$(ev_update id=x-31 student=070123456AB follow_up=pause)"
produce_keyed $EXAMS "$T/bad-exams.tsv" -p 0
produce_keyed $ATT "$T/bad-att.tsv" -p 0
produce_keyed $STUDENTS "$T/bad-students.tsv" -p 0

# Binary mode: bad envelope headers, bad data, CR/LF in a header.
cp "$FIX/exam-binary-data.json" "$T/bin-data.json"
printf '%s' '{"student":{"id":"070999991ZZ","given_name":"Trudy","phone":"+33600000000"},"establishment":{"uai":"05701X"},"exam":{"last_exam_on":"2026-06-19"},"adviser":{"id":"acomelli"}}' \
    >"$T/bin-baduai.json"
binary B40 $EXAMS "$T/bin-data.json" ce_specversion=0.3 ce_id=bin-bad-40 \
    ce_source=/sis/0570123X ce_type=avenirpro.exam.completed
printf '%s\t%s\t%s\n' B40 $EXAMS '^ce_specversion: (must be 1\.0|invalid)' >>"$T/expected.tsv"
binary B41 $EXAMS "$T/bin-baduai.json" ce_specversion=1.0 ce_id=bin-bad-41 \
    ce_source=/sis/0570123X ce_type=avenirpro.exam.completed
printf '%s\t%s\t%s\n' B41 $EXAMS '^data\.establishment\.uai: invalid' >>"$T/expected.tsv"
binary B42 $EXAMS "$T/bin-data.json" ce_specversion=1.0 "ce_id=bin-bad-42"$'\r\n'"Bcc: everyone@example.org" \
    ce_source=/sis/0570123X ce_type=avenirpro.exam.completed
printf '%s\t%s\t%s\n' B42 $EXAMS '^ce_id: (invalid|control character)' >>"$T/expected.tsv"
binary B43 $EXAMS "$T/bin-data.json" ce_specversion=1.0 ce_id=bin-bad-43 \
    ce_source=/sis/0570123X ce_type=avenirpro.exam.exploded
printf '%s\t%s\t%s\n' B43 $EXAMS '^(ce_type: )?unknown type' >>"$T/expected.tsv"
NBAD=$(wc -l <"$T/expected.tsv")

# A good event after all the bad ones, on the same partition.
ev_exam -k G6 "${GOOD[@]}" id=good-6 student=S6 given_name='Maëlys' >"$T/after.tsv"
produce_keyed $EXAMS "$T/after.tsv" -p 0
wait_for "sql \"select count(*) from dead_letters\" | grep -qx $NBAD" 20
wait_for 'sql "select count(*) from students where id = '"'S6'"'" | grep -qx 1' 20
assert_eq "$(sql "select count(*) from students where id = 'S6'")" 1 \
    "consumption goes on: a good event after $NBAD bad ones is applied"
assert_eq "$(sql "select count(*) from appointments where student_id = 'S6' and kind = $KIND_CHECKIN")" 4 \
    "consumption goes on: the good event after the bad ones is planned"
assert_eq "$(sql 'select count(*) from dead_letters')" "$NBAD" "dead_letters: one row per bad message"
wait_for "[ \$(consume_count $DLQ) -ge $NBAD ]" 15
assert_eq "$(consume_count $DLQ)" "$NBAD" "dead-letter topic: one message per bad message"
assert_eq "$(sql 'select count(*) from students')" 5 "store: only the good students"
assert_eq "$(sql 'select count(*) from events')" 6 "store: every good event, no bad one"

# Dead-letter topic: value byte for byte, key, headers. The source offsets
# are read back from the source topics by key.
for t in $EXAMS $ATT $STUDENTS; do
	kcat -C -q -e -b "$BROKERS" -t "$t" -o beginning -X fetch.wait.max.ms=10 \
	    -f "$t\t%k\t%p\t%o\n" 2>>"$T/kcat.log"
done >"$T/origins.tsv"
kcat -C -q -e -b "$BROKERS" -t $DLQ -o beginning -X fetch.wait.max.ms=10 \
    -f '%k\t%h\t%S\t%s\n' 2>>"$T/kcat.log" >"$T/dlq.dump"
sql "select topic, partition, offset, reason, hex(payload) from dead_letters" >"$T/dl-rows.txt"
"$PY" - "$T" "$NBAD" <<'EOF' >"$T/dlq-check.txt"
import re, sys
T, nbad = sys.argv[1], int(sys.argv[2])
expected = {}
for line in open(T + "/expected.tsv", encoding="utf-8"):
    k, topic, rx = line.rstrip("\n").split("\t")
    expected[k] = (topic, rx)
values = {}
for f in ("bad-exams.tsv", "bad-att.tsv", "bad-students.tsv"):
    for line in open(T + "/" + f, "rb").read().split(b"\n"):
        if line:
            k, v = line.split(b"\t", 1)
            values[k.decode()] = v
for k, f in (("B40", "bin-data.json"), ("B41", "bin-baduai.json"),
             ("B42", "bin-data.json"), ("B43", "bin-data.json")):
    values[k] = open(T + "/" + f, "rb").read()
origins = {}
for line in open(T + "/origins.tsv", encoding="utf-8", errors="replace"):
    t, k, p, o = line.rstrip("\n").split("\t")
    origins[k] = (t, p, o)
rows = {}
for line in open(T + "/dl-rows.txt", encoding="utf-8", errors="replace"):
    t, p, o, reason, payload = line.rstrip("\n").rsplit("|", 4) if line.count("|") >= 4 else (None,) * 5
    rows[(t, p, o)] = (reason, bytes.fromhex(payload))
# The dump: KEY \t HEADERS \t LEN \t VALUE \n, values may hold any byte but \n
data = open(T + "/dlq.dump", "rb").read()
seen = {}
pos = 0
while pos < len(data):
    k_end = data.index(b"\t", pos)
    key = data[pos:k_end].decode()
    h_end = data.index(b"\t", k_end + 1)
    hdrs = data[k_end + 1:h_end].decode("utf-8", "replace")
    l_end = data.index(b"\t", h_end + 1)
    n = int(data[h_end + 1:l_end])
    val = data[l_end + 1:l_end + 1 + n]
    pos = l_end + 1 + n + 1
    seen[key] = (hdrs, val)
def header(hdrs, name):
    m = re.search(r"(?:^|,)" + re.escape(name) + r"=(.*?)(?=,relance-|$)", hdrs)
    return m.group(1) if m else None
ok = True
def check(cond, msg):
    global ok
    print(("ok " if cond else "BAD ") + msg)
    ok = ok and cond
check(sorted(seen) == sorted(expected), "DLQ keys %s" % ",".join(sorted(seen)))
for k, (topic, rx) in sorted(expected.items()):
    if k not in seen:
        check(False, "%s: not in the DLQ" % k)
        continue
    hdrs, val = seen[k]
    check(val == values[k], "%s: value unchanged" % k)
    err = header(hdrs, "relance-error")
    check(err is not None and re.search(rx, err) is not None,
          "%s: relance-error %r matches /%s/" % (k, err, rx))
    t, p, o = origins.get(k, (None, None, None))
    check(header(hdrs, "relance-topic") == topic == t, "%s: relance-topic %s" % (k, topic))
    check(header(hdrs, "relance-partition") == p, "%s: relance-partition %s" % (k, p))
    check(header(hdrs, "relance-offset") == o, "%s: relance-offset %s" % (k, o))
    row = rows.get((t, p, o))
    check(row is not None and row[0] == err and row[1] == values[k],
          "%s: dead_letters row with the same reason and payload" % k)
    print("reason %s %s" % (k, err))
sys.exit(0 if ok else 1)
EOF
rc=$?
sed 's/^/     /' "$T/dlq-check.txt" | grep -v '^     ok ' || true
assert_eq "$rc" 0 "dead-letter topic: $NBAD values unchanged, keys, relance-error reasons, origin headers, dead_letters rows"
assert_eq "$(grep -c '^ok .*value unchanged' "$T/dlq-check.txt")" "$NBAD" "every bad value byte-identical in the DLQ"
assert_eq "$(grep -c '^ok .*relance-error' "$T/dlq-check.txt")" "$NBAD" "every bad message has the right reason"

# Binary mode: the ce_* headers travel with the dead letter (the message
# "unchanged" includes its envelope).
kcat -C -q -e -b "$BROKERS" -t $DLQ -o beginning -X fetch.wait.max.ms=10 \
    -f '%k %h\n' 2>>"$T/kcat.log" | grep '^B41 ' >"$T/b41.hdr"
assert_grep 'ce_id=bin-bad-41' "$T/b41.hdr" "binary-mode dead letter keeps its ce_* headers"

# The log: each one once, at warning level, no personal data.
while IFS=$'\t' read -r t k p o; do
	case $k in B*) ;; *) continue ;; esac
	n=$(grep -c "^<4>dead letter: $t \[$p\] offset $o: " "$T/relanced.log")
	[ "$n" = 1 ] || fail "$k ($t [$p] offset $o) logged $n times at warning level"
done <"$T/origins.tsv"
assert_eq "$(grep -c '^<4>dead letter: ' "$T/relanced.log")" "$NBAD" "each bad message logged once at warning level"
for pii in everyone@example.org eve@example.org 0612345678 Mallory mallory Trudy AAAAAAAAAA \
    Belvalette axel.b@example.org axel.new@example.org +33612345678 Kieffer Léna Maëlys 'Noël' 070999999ZZ; do
	assert_no_grep "$pii" "$T/relanced.log" "no personal data in the log: $pii"
done

# -------------------------------------------------- duplicate delivery
# Attendance by UID on S3's first check-in, then everything again.
UID3=$(sql "select uid from appointments where student_id = 'S3' and kind = $KIND_CHECKIN order by starts_at limit 1")
ev_attendance -k G7 id=att-good-7 student=S3 uid="$UID3" status=present situation=training >"$T/good-att.tsv"
produce_keyed $ATT "$T/good-att.tsv" -p 0
wait_for "sql \"select status from appointments where uid = '$UID3'\" | grep -qx $APPT_ATTENDED" 15
assert_eq "$(sql "select count(*) from attendance where student_id = 'S3'")" 1 "attendance: recorded"
BEFORE=$(counts)
SEQ3=$(sql "select sequence from appointments where uid = '$UID3'")
produce_keyed $EXAMS "$T/good-exams.tsv" -p 0
binary G4 $EXAMS "$T/bin-good.json" ce_specversion=1.0 ce_id=bin-good-1 \
    ce_source=/sis/0570123X ce_type=avenirpro.exam.completed
produce_keyed $EXAMS "$T/after.tsv" -p 0
produce_keyed $STUDENTS "$T/good-students.tsv" -p 0
produce_keyed $ATT "$T/good-att.tsv" -p 0
# Then a new good event on each partition, to know the duplicates were read.
ev_exam -k G8 "${GOOD[@]}" id=good-8 student=S8 given_name='Inès' >"$T/g8.tsv"
produce_keyed $EXAMS "$T/g8.tsv" -p 0
ev_update -k G9 id=upd-9 student=S8 locale=en >"$T/g9.tsv"
wait_for 'sql "select count(*) from students where id = '"'S8'"'" | grep -qx 1' 20
produce_keyed $STUDENTS "$T/g9.tsv" -p 0
wait_for "sql \"select locale from students where id = 'S8'\" | grep -qx en" 20
ev_attendance -k G9 id=att-9 student=S8 kind=workshop starts_at="$(date -d yesterday +%F)T10:00:00+01:00" \
    status=present >"$T/g9att.tsv"
produce_keyed $ATT "$T/g9att.tsv" -p 0
wait_for "sql \"select count(*) from attendance where student_id = 'S8'\" | grep -qx 1" 20
PLAN_S8="$(sql "select count(*) from appointments where student_id = 'S8'")|$(sql "select count(*) from reminders where student_id = 'S8'")"
AFTER=$(sql "select (select count(*) from events) - 3, (select count(*) from students) - 1,
	     (select count(*) from appointments) - ${PLAN_S8%|*}, (select count(*) from reminders) - ${PLAN_S8#*|},
	     (select count(*) from dead_letters), (select count(*) from attendance) - 1")
assert_eq "$AFTER" "$BEFORE" "duplicate delivery changes nothing (events|students|appointments|reminders|dead letters|attendance)"
assert_eq "$(sql "select sequence from appointments where uid = '$UID3'")" "$SEQ3" "duplicate attendance: SEQUENCE unchanged"
assert_eq "$(sql "select count(*) from (select student_id, plan_index from appointments
	where status = $APPT_CONFIRMED and kind = $KIND_CHECKIN group by 1, 2 having count(*) > 1)")" 0 "no student has two plans"
assert_eq "$(grep -c '^<4>dead letter: ' "$T/relanced.log")" "$NBAD" "duplicates are not dead letters"

# ------------------------------------------------------- stop, restart
BEFORE=$(counts)
APPTS=$(sql "select uid, status, sequence, starts_at from appointments order by uid")
DLQN=$(consume_count $DLQ)
stop_relanced 20
assert_eq "$?" 0 "SIGTERM: relanced exits 0"
assert_eq "$(counts)" "$BEFORE" "stopped: the store holds the same"
start_relanced "$T/relance.conf"
ev_exam -k G10 "${GOOD[@]}" id=good-10 student=S10 given_name='Jade' >"$T/g10.tsv"
produce_keyed $EXAMS "$T/g10.tsv" -p 0
# (the update must not overtake the exam: other topic, other partition)
wait_for 'sql "select count(*) from students where id = '"'S10'"'" | grep -qx 1' 30 ||
    fail "restarted relanced does not consume"
ev_update -k G11 id=upd-11 student=S10 locale=en >"$T/g11.tsv"
produce_keyed $STUDENTS "$T/g11.tsv" -p 0
ev_attendance -k G12 id=att-12 student=S3 kind=workshop starts_at="$(date -d '-1 days' +%F)T10:00:00+01:00" \
    status=present >"$T/g12.tsv"
produce_keyed $ATT "$T/g12.tsv" -p 0
wait_for "sql \"select locale from students where id = 'S10'\" | grep -qx en" 20
wait_for "sql \"select count(*) from events where id = 'att-12'\" | grep -qx 1" 20
sleep 1
assert_eq "$(sql "select (select count(*) from events) - 3, (select count(*) from students) - 1,
	     (select count(*) from dead_letters), (select count(*) from attendance) - 1")" \
    "$(echo "$BEFORE" | cut -d'|' -f1,2,5,6)" "restart: nothing replayed (events, students, dead letters, attendance)"
assert_eq "$(sql "select uid, status, sequence, starts_at from appointments where student_id != 'S10' order by uid")" \
    "$APPTS" "restart: appointments unchanged"
assert_eq "$(sql "select count(*) from (select student_id, kind, starts_at from appointments
	where status = $APPT_CONFIRMED group by 1, 2, 3 having count(*) > 1)")" 0 "restart: no duplicate appointment"
assert_eq "$(consume_count $DLQ)" "$DLQN" "restart: nothing dead-lettered again (offsets were committed)"
assert_eq "$(grep -c '^<4>dead letter: ' "$T/relanced.log")" "$NBAD" "restart: no new dead-letter log line"
stop_relanced 20
assert_eq "$?" 0 "second SIGTERM: exit 0"
