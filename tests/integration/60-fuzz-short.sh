#!/bin/bash
# 60-fuzz-short: each libFuzzer harness (tests/fuzz: event parser, config
# parser, HTTP request paths) for FUZZ_SECS (default 10) seconds on its
# seed corpus, under ASan+UBSan; skipped (77) without clang and libFuzzer.
# make fuzz runs the same for 60 s each.
. "$(dirname "$0")/../lib.sh"
lib_init fuzz-short

"$TOP/tests/fuzz/run.sh" "${FUZZ_SECS:-10}" >"$T/fuzz.out" 2>&1
rc=$?
[ $rc = 77 ] && skip "$(grep -m1 SKIP "$T/fuzz.out")"
grep -v '^PASS:\|^FAIL:' "$T/fuzz.out" | grep -v 'warning' | sed 's/^/  .. /' | head -20
for name in event config http; do
	assert_grep "^PASS: fuzz_$name: " "$T/fuzz.out" "fuzz_$name: no crash, no leak, no UB" ||
	    grep -A12 "^FAIL: fuzz_$name" "$T/fuzz.out" | sed 's/^/    /'
done
assert_eq "$rc" 0 "tests/fuzz/run.sh succeeded"
