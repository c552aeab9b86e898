#!/bin/bash
# 07-dead-letter-big: a 2 MB invalid value with 40 headers on an input topic
# (contract 1.5). It is dead-lettered: the store keeps it whole, the
# dead-letter topic gets a copy cut to fit the producer's message.max.bytes
# with relance-truncated (the original size) and every original header;
# good events before and after it, on all three topics, are applied; it is
# read after a restart and nothing is held back or published twice. Then a
# message with a 1 MB key (and an invalid value) while relanced runs: its
# copy on the dead-letter topic has the key cut to fit, with
# relance-key-truncated (the original key size); the good events around it
# are applied and ingest goes on.
. "$(dirname "$0")/../lib.sh"
lib_init dead-letter-big

start_kafka
write_conf "$T/relance.conf"
start_relanced "$T/relance.conf"
stored() { sql "select count(*) from events"; }

ev_exam id=e1 student=STU1 >"$T/before.jsonl"
produce avenirpro.exams "$T/before.jsonl"
wait_for '[ "$(stored)" -ge 1 ]' 30
assert_eq "$(stored)" 1 "the event before is applied"
APPT=$(sql "select uid from appointments where student_id = 'STU1' order by starts_at limit 1")
stop_relanced
assert_eq $? 0 "relanced stops cleanly"

# While relanced is stopped: the big one, then good events on all topics.
"$PY" -c 'import sys; sys.stdout.write("{" + "x" * 2000000)' >"$T/big.bin"
HDRS=()
for i in $(seq 1 40); do HDRS+=(-H "h$i=v$i"); done
kcat -P -q -b "$BROKERS" -t avenirpro.attendance -k STU1 -X message.max.bytes=4000000 \
    "${HDRS[@]}" "$T/big.bin" || die "cannot produce the big message"
ev_exam id=e2 student=STU2 >"$T/after-exams.jsonl"
ev_attendance id=a1 student=STU1 uid="$APPT" status=present >"$T/after-att.jsonl"
ev_update id=u1 student=STU1 email=nouvelle@example.org >"$T/after-upd.jsonl"
produce avenirpro.exams "$T/after-exams.jsonl"
produce avenirpro.attendance "$T/after-att.jsonl"
produce avenirpro.students "$T/after-upd.jsonl"

start_relanced "$T/relance.conf"
wait_for '[ "$(stored)" -ge 4 ]' 30
assert_eq "$(stored)" 4 "the good events after it, on all three topics, are applied"
assert_eq "$(sql "select email from students where id = 'STU1'")" nouvelle@example.org \
    "the update after it is applied"
assert_eq "$(sql "select count(*) from dead_letters")" 1 "one dead letter (the attendance after it is not one)"
assert_eq "$(sql "select length(payload) from dead_letters")" 2000001 "kept whole in the store"

dlq() {
	kcat -C -q -e -b "$BROKERS" -t avenirpro.relance.dlq -o beginning \
	    -X fetch.wait.max.ms=10 -f '%S\t%k\t%h\n' 2>>"$T/kcat.log"
}
wait_for '[ "$(dlq | wc -l)" -ge 1 ]' 30
dlq >"$T/dlq.txt"
assert_eq "$(wc -l <"$T/dlq.txt")" 1 "one message on the dead-letter topic"
SIZE=$(cut -f1 "$T/dlq.txt")
if [ "$SIZE" -gt 900000 ] && [ "$SIZE" -le 1000000 ]; then
	pass "the copy is cut to fit ($SIZE bytes)"
else
	fail "the copy is $SIZE bytes"
fi
assert_grep 'relance-truncated=2000001' "$T/dlq.txt" "relance-truncated gives the original size"
assert_grep 'relance-topic=avenirpro.attendance' "$T/dlq.txt" "relance-topic"
assert_grep 'h1=v1,' "$T/dlq.txt" "the first original header is kept"
assert_grep 'h40=v40' "$T/dlq.txt" "the 40th original header is kept"
assert_eq "$(cut -f2 "$T/dlq.txt")" STU1 "the original key is kept"
wait_for '[ "$(sql "select count(*) from outbox")" = 0 ]' 10
assert_eq "$(sql "select count(*) from outbox")" 0 "the publish queue is empty once acknowledged"
assert_grep 'dead letter: avenirpro.attendance' "$T/relanced.log" "logged"

# Restarted again: nothing is read or published twice.
stop_relanced
start_relanced "$T/relance.conf"
sleep 3
assert_eq "$(dlq | wc -l)" 1 "still one message on the dead-letter topic"
assert_eq "$(stored)" 4 "nothing applied twice"

# A 1 MB key: kcat takes key and value from a file line (-K TAB -l).
ev_exam id=e3 student=STU3 >"$T/k-before.jsonl"
produce avenirpro.exams "$T/k-before.jsonl"
"$PY" -c 'import sys; sys.stdout.write("K" * 1000000 + "\t{\"not\": \"a cloudevent\"\n")' >"$T/bigkey.tsv"
kcat -P -q -b "$BROKERS" -t avenirpro.exams -K $'\t' -X message.max.bytes=4000000 \
    -l "$T/bigkey.tsv" || die "cannot produce the message with a 1 MB key"
ev_exam id=e4 student=STU4 >"$T/k-after.jsonl"
produce avenirpro.exams "$T/k-after.jsonl"
wait_for '[ "$(stored)" -ge 6 ]' 30
assert_eq "$(stored)" 6 "the good events before and after the 1 MB key are applied"
assert_eq "$(sql "select count(*) from students where id in ('STU3', 'STU4')")" 2 "both students known"
# (its key puts it on another partition than e3 and e4: it may come after them)
wait_for '[ "$(sql "select count(*) from dead_letters")" -ge 2 ]' 30
assert_eq "$(sql "select count(*) from dead_letters")" 2 "the 1 MB key message is dead-lettered"
wait_for '[ "$(dlq | wc -l)" -ge 2 ]' 30
dlq >"$T/dlq2.txt"
assert_eq "$(wc -l <"$T/dlq2.txt")" 2 "two messages on the dead-letter topic"
# (the topic has several partitions: the other one is the 2 MB value's)
grep -a 'relance-topic=avenirpro.exams' "$T/dlq2.txt" >"$T/dlq-key.txt"
KLEN=$(cut -f2 "$T/dlq-key.txt" | tr -d '\n' | wc -c)
if [ "$KLEN" -gt 0 ] && [ "$KLEN" -lt 1000000 ] && [ "$(cut -f2 "$T/dlq-key.txt" | tr -d 'K\n')" = "" ]; then
	pass "its copy has the key cut to fit ($KLEN bytes of the original)"
else
	fail "its copy's key is $KLEN bytes"
fi
assert_grep 'relance-key-truncated=1000000' "$T/dlq-key.txt" "relance-key-truncated gives the original key size"
assert_grep 'relance-error=' "$T/dlq-key.txt" "relance-error"
wait_for '[ "$(sql "select count(*) from outbox")" = 0 ]' 10
assert_eq "$(sql "select count(*) from outbox")" 0 "the publish queue is empty once acknowledged"
ev_exam id=e5 student=STU5 >"$T/k-later.jsonl"
produce avenirpro.exams "$T/k-later.jsonl"
wait_for '[ "$(stored)" -ge 7 ]' 30
assert_eq "$(stored)" 7 "ingest goes on"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
