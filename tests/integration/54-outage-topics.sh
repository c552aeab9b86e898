#!/bin/bash
# 54-outage-topics: the dead-letter and outcome topics lose their partition
# leaders (mock cluster) for longer than message.timeout.ms, with a restart
# of relanced in the middle (contract 1.5, 4). Meanwhile good events are
# applied as they come and /healthz always answers within 1 s; dead letters
# and outcomes wait in the store's publish queue (shown by /healthz and
# /metrics) and every one of them reaches its topic after the recovery,
# once; one outcome per reminder.
. "$(dirname "$0")/../lib.sh"
lib_init outage-topics

start_kafka 4 -x avenirpro.relance.dlq -x avenirpro.relance.outcomes
# Monday 2026-12-07 10:00 Paris: the 48h reminder of the +14d check-in of an
# exam on 11-23 is overdue: sent at once (to the file outbox).
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)
write_conf "$T/relance.conf" smtp.url="file://$T/mail" reminders.default_consent=email \
    kafka.rdkafka.message.timeout.ms=2000
mkdir -p "$T/mail"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"
stored() { sql "select count(*) from events"; }
queued() { sql "select count(*) from outbox"; }
EXAM=(time=2026-06-19T16:05:00+02:00 -phone consent_sms=false last_exam_on=2026-11-23)

# /healthz every 0.2 s with a 1 s limit, while relanced runs.
probe_start() {
	( while :; do
		curl -s -o /dev/null -m 1 -w '%{http_code} %{time_total}\n' "$RELANCE_URL/healthz"
		sleep 0.2
	done >>"$T/probe.log" 2>&1 ) &
	PROBE=$!
}
probe_stop() { kill "$PROBE" 2>/dev/null; wait "$PROBE" 2>/dev/null; }

topics_down
probe_start
ev_exam -n 3 "${EXAM[@]}" id=e{i} student=STU{i} email=eleve{i}@example.org >"$T/good1.jsonl"
printf 'not json %s\n' 1 2 3 >"$T/bad1.txt"
produce avenirpro.exams "$T/bad1.txt"
produce avenirpro.exams "$T/good1.jsonl"
wait_for '[ "$(stored)" -ge 3 ]' 20
assert_eq "$(stored)" 3 "good events applied while the topics are down"
assert_eq "$(sql "select count(*) from dead_letters")" 3 "bad ones dead-lettered in the store"
wait_for '[ "$(ls "$T/mail" | wc -l)" -ge 3 ]' 20
wait_for '[ "$(queued)" -ge 6 ]' 20
assert_eq "$(queued)" 6 "3 dead letters and 3 outcomes wait in the publish queue"
sleep 4    # longer than message.timeout.ms: their first publication fails
assert_grep 'publishing to avenirpro.relance.(dlq|outcomes) failed' "$T/relanced.log" \
    "the failed publication is logged"
assert_eq "$(queued)" 6 "kept in the queue after the timeout"
curl -s "$RELANCE_URL/healthz" >"$T/healthz.txt"
assert_grep 'publish queue: 6 waiting' "$T/healthz.txt" "/healthz shows the backlog"
curl -s "$RELANCE_URL/metrics" >"$T/metrics.txt"
assert_grep '^relance_publish_queue 6$' "$T/metrics.txt" "/metrics relance_publish_queue"
assert_grep '^relance_publish_queue_oldest_age_seconds [0-9]+$' "$T/metrics.txt" \
    "/metrics relance_publish_queue_oldest_age_seconds"
relancectl status >"$T/status.txt"
assert_grep '^publish queue +6 waiting \(oldest [0-9-]+ [0-9:]+, [0-9]+s\)$' "$T/status.txt" \
    "relancectl status shows the backlog and its oldest"
relancectl status --json >"$T/status.json"
assert_eq "$(jq -r '.publish_queue.waiting' "$T/status.json")" 6 "relancectl status --json: publish_queue.waiting"
assert_ne "$(jq -r '.publish_queue.oldest' "$T/status.json")" null "relancectl status --json: publish_queue.oldest"

# A restart in the middle of the outage.
probe_stop
stop_relanced
assert_eq $? 0 "relanced stops cleanly during the outage"
assert_eq "$(queued)" 6 "the queue survives the stop"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"
probe_start
ev_exam -n 2 "${EXAM[@]}" id=f{i} student=STV{i} email=eleve{i}@example.net >"$T/good2.jsonl"
printf 'not json either\n' >"$T/bad2.txt"
produce avenirpro.exams "$T/good2.jsonl"
produce avenirpro.exams "$T/bad2.txt"
wait_for '[ "$(stored)" -ge 5 ]' 20
assert_eq "$(stored)" 5 "good events applied after the restart, topics still down"
wait_for '[ "$(queued)" -ge 9 ]' 20
assert_eq "$(queued)" 9 "4 dead letters and 5 outcomes wait"
sleep 3

topics_up
wait_for '[ "$(queued)" = 0 ]' 90
assert_eq "$(queued)" 0 "the queue empties after the recovery"
assert_eq "$(consume_count avenirpro.relance.dlq)" 4 "every dead letter reached its topic, once"
consume_all avenirpro.relance.outcomes >"$T/outcomes.txt"
assert_eq "$(wc -l <"$T/outcomes.txt")" 5 "every outcome reached its topic, once"
assert_eq "$(grep -c 'reminder.sent' "$T/outcomes.txt")" 5 "one sent outcome per reminder"
assert_grep 'content-type=application/cloudevents\+json' "$T/outcomes.txt" \
    "outcomes keep their content-type header"
curl -s "$RELANCE_URL/healthz" >"$T/healthz.txt"
assert_eq "$(cat "$T/healthz.txt")" ok "/healthz ok with an empty queue"
assert_grep '^publish queue +0 waiting$' <(relancectl status) "relancectl status: the queue is empty"
probe_stop
note "healthz probes: $(wc -l <"$T/probe.log")"
assert_eq "$(awk '$1 != 200 && $1 != 503' "$T/probe.log" | wc -l)" 0 "/healthz always answered"
assert_eq "$(awk '$2 >= 1' "$T/probe.log" | wc -l)" 0 "/healthz always answered within 1 s"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
