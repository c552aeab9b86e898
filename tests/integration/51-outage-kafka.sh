#!/bin/bash
# 51-outage-kafka: every broker down for 30 s, then back (mock cluster,
# rd_kafka_mock_broker_set_down through kafka_down/kafka_up). relanced stays
# up, /healthz answers 503 naming Kafka and the log says so meanwhile;
# events produced before and after are all applied exactly once, without a restart; /healthz is 200 again.
. "$(dirname "$0")/../lib.sh"
lib_init outage-kafka

OUTAGE=${OUTAGE_SECS:-30}
EPOCH=$(TZ=Europe/Paris date -d '2027-01-04 10:00:00' +%s)
start_kafka 4
write_conf "$T/relance.conf"
RELANCED_ENV="RELANCE_TEST_CLOCK=$EPOCH" start_relanced "$T/relance.conf"
PID0=$RELANCED_PID

"$PY" "$TOP/tests/bench/gen_events.py" 600 40 2027-03-01 30 51 >"$T/all.tsv"
sed -n 1,200p "$T/all.tsv" >"$T/before.tsv"
sed -n 201,400p "$T/all.tsv" >"$T/during.tsv"
sed -n 401,600p "$T/all.tsv" >"$T/after.tsv"
stored() { sql "select count(*) from events"; }
healthz() { curl -s -m 5 -o "$T/healthz.body" -w '%{http_code}' "$RELANCE_URL/healthz"; }

produce_keyed avenirpro.exams "$T/before.tsv"
wait_for '[ "$(stored)" -ge 200 ]' 60
assert_eq "$(stored)" 200 "events before the outage applied"
assert_eq "$(healthz)" 200 "healthy before the outage"

kafka_down
T0=$(date +%s)
note "brokers down at $(elapsed)s"
if wait_for '[ "$(healthz)" = 503 ]' 25; then
	pass "/healthz answers 503 while the brokers are down"
	note "/healthz: $(cat "$T/healthz.body")"
	assert_grep '[Kk]afka' "$T/healthz.body" "/healthz names Kafka as the problem"
else
	fail "/healthz does not notice the brokers are down (answers $(healthz): $(cat "$T/healthz.body"))"
fi
assert_grep 'kafka: .*(down|[Cc]onnect|refused|FAIL)' "$T/relanced.log" "the log says Kafka is unreachable"
sleep $((OUTAGE - ($(date +%s) - T0) > 0 ? OUTAGE - ($(date +%s) - T0) : 0))
assert_ok "relanced still running after ${OUTAGE}s without brokers" kill -0 "$RELANCED_PID"
assert_eq "$(healthz)" 503 "/healthz still 503 at the end of the outage"

kafka_up
note "brokers up at $(elapsed)s"
if wait_for '[ "$(healthz)" = 200 ]' 20; then
	pass "/healthz is 200 again once a broker is back, before any new event"
else
	fail "/healthz stays unhealthy without traffic after the brokers came back: $(cat "$T/healthz.body")"
fi
# kcat gives up while every broker is down: the next events are produced
# as soon as they are back, then more once relanced is consuming again.
produce_keyed avenirpro.exams "$T/during.tsv"
wait_for '[ "$(stored)" -ge 400 ]' 90
produce_keyed avenirpro.exams "$T/after.tsv"
wait_for '[ "$(stored)" -ge 600 ]' 90
assert_eq "$(stored)" 600 "every event (before, right after, later) applied"
assert_eq "$(sql 'select count(distinct student_id) from appointments')" 600 "each student planned"
assert_eq "$(sql 'select count(*) from appointments')" 2400 "each one once (4 check-ins each)"
assert_eq "$(sql 'select count(*) from dead_letters')" 0 "no dead letter"
if wait_for '[ "$(healthz)" = 200 ]' 30; then
	pass "/healthz is 200 again"
else
	fail "/healthz still unhealthy after the brokers came back: $(cat "$T/healthz.body")"
fi
assert_eq "$RELANCED_PID" "$PID0" "resumed without a restart"
assert_eq "$(grep -c '=== start' "$T/relanced.log")" 1 "started once"
# Nothing applied twice after the redelivery that follows a rejoin.
sleep 2
assert_eq "$(stored)" 600 "no event applied twice"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
