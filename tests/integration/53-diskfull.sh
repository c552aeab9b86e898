#!/bin/bash
# 53-diskfull: the store on a small tmpfs (root only; skipped otherwise).
# The file system is filled until relanced's store commits fail: /healthz
# answers 503 "store: ...", the log says so, consumption pauses (the batch
# is held, no offset moves past what is stored); space is freed, and
# everything resumes without a restart, each event stored once.
. "$(dirname "$0")/../lib.sh"
lib_init diskfull

[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs"
mkdir -p "$T/store"
mount -t tmpfs -o size=16m relance-test "$T/store" 2>/dev/null || skip "cannot mount a tmpfs"
# Unmounted at exit, after every process is stopped (lib_cleanup runs
# this trap's commands first only through LIB_EXTRA: keep it simple).
trap 'lib_cleanup_mount' EXIT
lib_cleanup_mount() {
	local rc=$?
	trap - EXIT
	for p in "${LIB_PIDS[@]}"; do lib_stop "${p%%:*}" 5 || true; done
	LIB_PIDS=()
	umount "$T/store" 2>/dev/null || umount -l "$T/store" 2>/dev/null
	(exit $rc)
	lib_cleanup
}

EPOCH=$(TZ=Europe/Paris date -d '2027-01-04 10:00:00' +%s)
start_kafka 4
write_conf "$T/relance.conf" store.path="$T/store/relance.db"
export RELANCE_DB=$T/store/relance.db
RELANCED_ENV="RELANCE_TEST_CLOCK=$EPOCH" start_relanced "$T/relance.conf"
PID0=$RELANCED_PID
healthz() { curl -s -m 5 -o "$T/healthz.body" -w '%{http_code}' "$RELANCE_URL/healthz"; }
stored() { sql "select count(*) from events"; }

"$PY" "$TOP/tests/bench/gen_events.py" 1000 50 2027-03-01 30 53 >"$T/all.tsv"
head -n 100 "$T/all.tsv" >"$T/a.tsv"
tail -n 900 "$T/all.tsv" >"$T/b.tsv"
produce_keyed avenirpro.exams "$T/a.tsv"
wait_for '[ "$(stored)" -ge 100 ]' 30
assert_eq "$(stored)" 100 "first events stored"
assert_eq "$(healthz)" 200 "healthy before the disk fills"

# Fill the file system (a few KB may remain).
dd if=/dev/zero of="$T/store/filler" bs=64k >/dev/null 2>&1
note "tmpfs: $(df -h "$T/store" | awk 'NR == 2 {print $3 " used, " $4 " free"}')"
produce_keyed avenirpro.exams "$T/b.tsv"
if wait_for '[ "$(healthz)" = 503 ]' 30; then
	pass "/healthz answers 503 when the store cannot commit"
	note "/healthz: $(cat "$T/healthz.body")"
	assert_grep '^store: ' "$T/healthz.body" "the reason starts with 'store: '"
else
	fail "/healthz does not notice the full disk (answers $(healthz): $(cat "$T/healthz.body"))"
fi
assert_grep 'store: .*not applied' "$T/relanced.log" "the log says the batch was not applied"
n1=$(stored)
sleep 3
assert_eq "$(stored)" "$n1" "consumption paused while the disk is full ($n1 stored)"
assert_ok "relanced still running" kill -0 "$RELANCED_PID"

# Free the space.
rm -f "$T/store/filler"
wait_for '[ "$(stored)" -ge 1000 ]' 60
assert_eq "$(stored)" 1000 "every event stored once space is back"
assert_eq "$(sql 'select count(*) from appointments')" 4000 "each planned once (4 check-ins)"
assert_eq "$(sql 'select count(*) from dead_letters')" 0 "none dead-lettered"
wait_for '[ "$(healthz)" = 200 ]' 15
assert_eq "$(healthz)" 200 "/healthz is 200 again"
assert_grep 'writable again' "$T/relanced.log" "the log says the store is writable again"
assert_eq "$RELANCED_PID" "$PID0" "no restart"
# Offsets: a restart redelivers nothing that is not stored (the committed
# offsets never passed the store): all are duplicates or nothing at all.
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
RELANCED_ENV="RELANCE_TEST_CLOCK=$EPOCH" start_relanced "$T/relance.conf"
sleep 8
assert_eq "$(stored)" 1000 "after a restart still 1000 events"
assert_eq "$(sql 'select count(*) from appointments')" 4000 "and 4000 appointments"
stop_relanced
