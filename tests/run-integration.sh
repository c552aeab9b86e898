#!/bin/bash
# run-integration.sh [PATTERN...]: run tests/integration/*.sh in order (only
# those whose name contains one of the PATTERNs, when given), each with its
# own timeout (TEST_TIMEOUT, default 300 s). Prints each test's output
# indented, a PASS/FAIL/SKIP line per test and a summary line
# "integration: N passed, N failed, N skipped"; exits 1 if any failed.
# Environment: BUILD (build/default or build/san), KEEP_TMP, LIB_VERBOSE.
cd "$(dirname "$0")/.." || exit 2
export BUILD=${BUILD:-build/default}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
npass=0 nfail=0 nskip=0 failed=""
for t in tests/integration/*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ $# -gt 0 ]; then
		match=0
		for p in "$@"; do case $name in *"$p"*) match=1 ;; esac; done
		[ $match = 1 ] || continue
	fi
	echo "== $name"
	t0=$(date +%s.%N)
	timeout -k 15 "$TEST_TIMEOUT" bash "$t" </dev/null 2>&1 | sed -u 's/^/   /'
	rc=${PIPESTATUS[0]}
	secs=$(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}')
	case $rc in
	0) npass=$((npass + 1)); echo "PASS $name (${secs}s)" ;;
	77) nskip=$((nskip + 1)); echo "SKIP $name (${secs}s)" ;;
	124|137) nfail=$((nfail + 1)); failed="$failed $name"
		echo "FAIL $name (timeout after ${TEST_TIMEOUT}s)" ;;
	*) nfail=$((nfail + 1)); failed="$failed $name"
		echo "FAIL $name (exit $rc, ${secs}s)" ;;
	esac
done
[ -n "$failed" ] && echo "failed:$failed"
echo "integration: $npass passed, $nfail failed, $nskip skipped"
[ $nfail -eq 0 ]
