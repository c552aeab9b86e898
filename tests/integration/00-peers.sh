#!/bin/bash
# 00-peers: self-test of the harness (tests/lib.sh) and of the real peers on
# loopback: the Kafka mock cluster with kcat (produce, consume, consumer
# group offsets, headers, outage control), aiosmtpd with STARTTLS + AUTH
# driven by curl, and Kannel (bearerbox + smsbox + fakesmsc) with an
# accented SMS. Needs no relanced.
. "$(dirname "$0")/../lib.sh"
lib_init peers

# --- Kafka
start_kafka 3
assert_grep '^127\.0\.0\.1:[0-9]+$' "$T/kafka.ready" "kafka mock prints its bootstrap servers"
for i in $(seq 1 10); do echo "{\"n\":$i}"; done >"$T/ten.jsonl"
produce avenirpro.exams "$T/ten.jsonl"
consume_all avenirpro.exams >"$T/exams.out"
assert_eq "$(wc -l <"$T/exams.out")" 10 "10 messages produced and consumed back"
assert_eq "$(cut -f2 "$T/exams.out" | sort -t: -k2n | tr -d '\n')" \
    "$(tr -d '\n' <"$T/ten.jsonl")" "message values intact"
printf 's1\tone\ns2\ttwo\n' >"$T/keyed.tsv"
produce_keyed avenirpro.students "$T/keyed.tsv" -H relance-error=bad-json
kcat -C -q -e -b "$BROKERS" -t avenirpro.students -o beginning -f '%k=%s %h\n' >"$T/students.out"
assert_grep '^s1=one relance-error=bad-json$' "$T/students.out" "keyed message with header"
consume_all avenirpro.students >"$T/students2.out"
assert_grep $'^relance-error=bad-json\ttwo$' "$T/students2.out" "consume_all prints headers and value"
assert_eq "$(consume_count avenirpro.relance.dlq)" 0 "DLQ topic exists, empty"
echo '{"dlq":1}' >"$T/one"
produce avenirpro.unknown.topic "$T/one"
assert_eq "$(consume_count avenirpro.unknown.topic)" 1 "unknown topics are auto-created"
# consumer group: offsets committed by a first member are where a second
# one starts (what relanced's restart relies on). The mock makes a new
# member wait about session.timeout.ms after the previous one left: keep
# it at its minimum, 6 s (write_conf does the same for relanced).
kcat -C -q -e -b "$BROKERS" -G peers-group -X fetch.wait.max.ms=10 -X session.timeout.ms=6000 \
    -X auto.offset.reset=earliest -X enable.auto.offset.store=true \
    -f '%s\n' avenirpro.exams >"$T/group1.out" 2>>"$T/kcat.log"
assert_eq "$(wc -l <"$T/group1.out")" 10 "consumer group reads all 10"
seq 11 15 | kcat -P -q -b "$BROKERS" -t avenirpro.exams
kcat -C -q -e -b "$BROKERS" -G peers-group -X fetch.wait.max.ms=10 -X session.timeout.ms=6000 \
    -X auto.offset.reset=earliest -f '%s\n' avenirpro.exams >"$T/group2.out" 2>>"$T/kcat.log"
assert_eq "$(sort -n "$T/group2.out" | tr '\n' ' ')" "11 12 13 14 15 " "committed offsets resume the group"
kafka_down
assert_ok "brokers down refuse connections" eval "! port_open ${BROKERS##*:}"
kafka_up
assert_ok "brokers up again" eval "kcat -L -b $BROKERS -m 5 >/dev/null 2>&1"

# --- SMTP: STARTTLS required + AUTH
start_smtpd --tls --auth relance:s3cret
printf 'From: a@relance.test\r\nTo: b@example.org\r\nSubject: =?UTF-8?Q?R=C3=A9union?=\r\n\r\nBonjour, été.\r\n' >"$T/mail.txt"
curl -sS --ssl-reqd --cacert "$SMTP_CA" "$SMTP_URL/relance.test" \
    --mail-from a@relance.test --mail-rcpt b@example.org -T "$T/mail.txt" \
    -u relance:s3cret 2>>"$T/curl.log"
assert_eq $? 0 "curl sends a mail with STARTTLS and AUTH"
assert_eq "$(smtp_count)" 1 "smtpd stored one message"
assert_ok "stored byte-for-byte" cmp -s "$SMTP_DIR/000001.eml" "$T/mail.txt"
assert_grep '^rcpt-to: b@example.org$' "$SMTP_DIR/000001.env" "envelope recipient recorded"
assert_grep '^tls: yes$' "$SMTP_DIR/000001.env" "message came over TLS"
assert_grep '^auth: relance$' "$SMTP_DIR/000001.env" "message came authenticated"
curl -sS "$SMTP_URL" --mail-from a@relance.test --mail-rcpt b@example.org \
    -T "$T/mail.txt" 2>>"$T/curl.log"
assert_ne $? 0 "plain-text submission refused"
assert_eq "$(smtp_count)" 1 "nothing stored without TLS"
assert_eq "$(cat "$SMTP_PASSWORD_FILE")" s3cret "password file written"

# --- Kannel
write_conf "$T/relance.conf" reminders.max_per_day=2 -sms.sender 'dropin.window+=* 2026-07-02..2026-07-05 09:00-12:00 slot=20m capacity=3'
assert_grep "^listen = 127.0.0.1:$RELANCE_HTTP_PORT$" "$T/relance.conf" "write_conf picks a listen port"
assert_grep '^max_per_day = 2$' "$T/relance.conf" "write_conf adds keys"
assert_no_grep '^sender' "$T/relance.conf" "write_conf removes keys"
assert_eq "$(grep -c '^\[' "$T/relance.conf")" "$(grep '^\[' "$T/relance.conf" | sort -u | wc -l)" "write_conf has no duplicate section"
# Kannel's incoming SMS go to an HTTP recorder standing in for relance.
note "peers so far: $(elapsed)s"
start_httprec
RELANCE_HTTP_PORT=$HTTPREC_PORT start_kannel
note "kannel ready: $(elapsed)s"
sendsms() {
	curl -sS -o "$T/sendsms.out" -w '%{http_code}' -G "$KANNEL_SENDSMS_URL" \
	    --data-urlencode username="$KANNEL_USER" --data-urlencode password="$KANNEL_PASSWORD" \
	    --data-urlencode from=AvenirPro --data-urlencode to=+33612345678 \
	    --data-urlencode charset=UTF-8 "$@"
}
gsm="Élève prévenu : rendez-vous à 9h où ? Ça marche"
ucs="ça, être à l'heure, côté cœur €"
assert_eq "$(sendsms --data-urlencode "text=$gsm")" 202 "sendsms accepted (GSM)"
assert_grep 'Accepted for delivery' "$T/sendsms.out" "sendsms says accepted"
assert_eq "$(sendsms --data-urlencode coding=2 --data-urlencode "text=$ucs")" 202 "sendsms accepted (UCS-2)"
wait_for '[ "$(kannel_mt_count)" -ge 2 ]' 10
kannel_messages >"$T/mt.tsv"
assert_line "AvenirPro	+33612345678	$gsm" "$T/mt.tsv" "fakesmsc got the SMS with accents intact (GSM 03.38)"
assert_line "AvenirPro	+33612345678	$ucs" "$T/mt.tsv" "fakesmsc got the UCS-2 SMS intact"
note "MT checked: $(elapsed)s"
kannel_send_mo +33612345678 AvenirPro "Arrêt SVP"
wait_for 'grep -q incoming "$HTTPREC_LOG"' 10
assert_grep '"path": "/sms/kannel/incoming"' "$HTTPREC_LOG" "incoming SMS reaches the get-url"
assert_grep '"from": \["\+33612345678"\].*"text": \["Arrêt SVP"\]' "$HTTPREC_LOG" "incoming SMS from and text (UTF-8) intact"
stop_kannel
assert_ok "kannel stopped" eval '! pgrep -u kannel -f "$KANNEL_DIR" >/dev/null'
note "done in $(elapsed)s"
