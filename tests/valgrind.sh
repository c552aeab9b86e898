#!/bin/bash
# tests/valgrind.sh [CHECK_BINARY...]: runs the unit test programs
# (build/default/check_*, built with gcc, no sanitizer) under valgrind
# memcheck with CK_FORK=no, so that every test runs in the one process
# valgrind watches. Any invalid access, use of uninitialised memory or
# definite/possible leak fails (--error-exitcode=1). Prints PASS/FAIL per
# program and a summary; exits 77 when valgrind is missing.
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build/default}
command -v valgrind >/dev/null 2>&1 || { echo "SKIP: valgrind not installed"; exit 77; }
case $BUILD in *san*) echo "SKIP: valgrind and ASan do not mix (BUILD=$BUILD)"; exit 77 ;; esac
if [ $# -gt 0 ]; then bins=("$@"); else bins=("$BUILD"/check_*); fi
bins=($(printf '%s\n' "${bins[@]}" | grep -v '\.d$'))
[ -x "${bins[0]:-}" ] || { echo "FAIL: no unit test binaries in $BUILD (make unit)"; exit 1; }
mkdir -p "$BUILD/valgrind"
nfail=0
for b in "${bins[@]}"; do
	name=$(basename "$b")
	log=$BUILD/valgrind/$name.log
	t0=$(date +%s)
	if CK_FORK=no CK_DEFAULT_TIMEOUT=600 valgrind -q --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=definite,possible --show-leak-kinds=definite,possible \
	    --track-origins=yes --log-file="$log" "$b" >"$log.out" 2>&1; then
		echo "PASS: $name under valgrind ($(($(date +%s) - t0))s)"
	else
		nfail=$((nfail + 1))
		echo "FAIL: $name under valgrind (log: $log)"
		grep -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|.*definitely|.*possibly|   at|   by)' \
		    "$log" | head -20 | sed 's/^/    /'
		tail -5 "$log.out" | sed 's/^/    /'
	fi
done
echo "valgrind: $((${#bins[@]} - nfail)) passed, $nfail failed"
[ $nfail -eq 0 ]
