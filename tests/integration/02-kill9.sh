#!/bin/bash
# 02-kill9: durability (contract section 5). 50,000 exam.completed events in
# 32 partitions, relanced killed with SIGKILL in the middle of ingesting them
# and restarted: every valid event ends up stored exactly once, each student
# with exactly one plan (4 confirmed check-ins, at most one drop-in), no
# adviser booked twice, no drop-in slot over capacity, no reminder twice.
. "$(dirname "$0")/../lib.sh"
lib_init kill9

N=50000
start_kafka 32
FIRST=$(date -d '+3 days' +%F)
DAY=$(date -d '+40 days' +%F)
"$PY" "$LIB_TESTS/bench/gen_events.py" $N 200 "$FIRST" >"$T/events.tsv" || die "gen_events.py failed"
assert_eq "$(wc -l <"$T/events.tsv")" $N "$N events generated"
produce_keyed avenirpro.exams "$T/events.tsv" || die "produce failed"

# A small drop-in window: most students get none (shortage), none over capacity.
# reminders.horizon=400d: reminder rows are written with their appointments,
# in the transactions the kill interrupts
write_conf "$T/relance.conf" "dropin.window=* $DAY..$DAY 09:00-12:00 slot=20m capacity=50" \
    reminders.horizon=400d
start_relanced "$T/relance.conf"
t0=$(date +%s.%N)
wait_for '[ "$(sql "select count(*) from events")" -gt 10000 ]' 60 ||
    die "relanced did not ingest 10,000 events within 60 s"
kill9_relanced
AT_KILL=$(sql 'select count(*) from events')
note "SIGKILL with $AT_KILL events stored, $(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}') s after start"
if [ "$AT_KILL" -ge $N ]; then
	fail "relanced finished before it could be killed ($AT_KILL events): not a mid-ingest kill"
else
	pass "killed in the middle of ingesting ($AT_KILL of $N)"
fi
assert_eq "$(sql 'pragma integrity_check')" ok "store intact after SIGKILL"
assert_eq "$(sql "select (select count(*) from events) = (select count(*) from students)")" 1 \
    "after SIGKILL: one student per stored event (whole transactions only)"

start_relanced "$T/relance.conf"
# Poll once a second: a reader every 50 ms would hold back WAL checkpoints.
for ((i = 0; i < 80; i++)); do
	[ "$(sql 'select count(*) from events')" -ge $N ] && break
	sleep 1
done
[ "$i" -lt 80 ] || fail "not every event stored 80 s after the restart ($(sql 'select count(*) from events'))"
note "all events stored $(elapsed) s into the test"
# Let the consumer reach the end and commit, then stop it cleanly.
sleep 1
note "stopping at $(elapsed) s"; stop_relanced 30
assert_eq "$?" 0 "clean stop after the restart: exit 0"; note "stopped at $(elapsed) s"

assert_eq "$(sql 'select count(*) from events')" $N "every event stored exactly once"
assert_eq "$(sql "select count(*) from events where type = 'avenirpro.exam.completed' and id like 'bench-%'")" $N \
    "events are the produced ones"
assert_eq "$(sql 'select count(*) from students')" $N "$N students"
assert_eq "$(sql 'select count(*) from dead_letters')" 0 "no event dead-lettered"
assert_eq "$(sql "select count(*) from (select s.id from students s left join appointments a
	on a.student_id = s.id and a.kind = $KIND_CHECKIN and a.status = $APPT_CONFIRMED group by s.id having count(a.id) != 4)")" 0 \
    "each student has exactly 4 confirmed check-ins"
assert_eq "$(sql "select count(*) from appointments where kind = $KIND_CHECKIN")" $((4 * N)) \
    "no extra check-in, even cancelled"
assert_eq "$(sql "select count(*) from (select student_id from appointments where kind = $KIND_DROPIN and status = $APPT_CONFIRMED
	group by student_id having count(*) > 1)")" 0 "at most one drop-in per student"
assert_eq "$(sql "select count(*) from (select student_id, plan_index from appointments where kind = $KIND_CHECKIN
	group by 1, 2 having count(*) > 1)")" 0 "one plan per student (no plan index twice)"
assert_eq "$(sql "select count(*) from (select adviser_id, starts_at from appointments
	where kind = $KIND_CHECKIN and status = $APPT_CONFIRMED group by 1, 2 having count(*) > 1)")" 0 "no adviser double booking"
assert_eq "$(sql "select count(*) from (select starts_at, lag(ends_at) over
	(partition by adviser_id order by starts_at) as prev_end from appointments
	where kind = $KIND_CHECKIN and status = $APPT_CONFIRMED) where prev_end > starts_at")" 0 "no overlapping check-ins for an adviser"
NDROP=$(sql "select count(*) from appointments where kind = $KIND_DROPIN and status = $APPT_CONFIRMED")
assert_eq "$NDROP" 450 "drop-in window full: 9 slots x 50"
assert_eq "$(sql "select count(*) from (select starts_at from appointments where kind = $KIND_DROPIN and status = $APPT_CONFIRMED
	group by starts_at having count(*) > 50)")" 0 "no drop-in slot over capacity"
assert_eq "$(sql "select coalesce(sum(booked), 0) from dropin_fill")" "$NDROP" \
    "drop-in fill counts match the booked appointments"
assert_eq "$(sql "select count(*) from (select appointment_id, channel, due_at from reminders
	where status != $REM_CANCELLED group by 1, 2, 3 having count(*) > 1)")" 0 "no reminder planned twice"
assert_eq "$(sql "select count(*) from appointments a where a.status = $APPT_CONFIRMED and (select count(*)
	from reminders r where r.appointment_id = a.id and r.status != $REM_CANCELLED) != 4")" 0 \
    "every confirmed appointment has its 4 reminders (48h and 2h, SMS and email)"
note "checked at $(elapsed) s"
