#!/bin/bash
# tests/fuzz/run.sh [SECONDS] [HARNESS...]: builds the libFuzzer harnesses
# (clang -fsanitize=fuzzer,address,undefined; the daemon sources compiled
# here with clang, not the gcc objects of build/) and runs each for SECONDS
# (default 60) on a copy of its seed corpus (tests/fuzz/corpus/NAME: the
# seeds are never modified; new inputs go to build/fuzz/corpus/NAME).
# A crash leaves build/fuzz/crash-* and fails; turn it into a regression
# test by adding the input to tests/fuzz/corpus/NAME (every seed is run at
# each start) and a Check test of the module.
#
# Harnesses: event (event_parse), config (config_load), http (route table,
# feed paths, /healthz, /metrics, If-None-Match).
# Exits 77 when clang or libFuzzer is missing.
set -u
cd "$(dirname "$0")/../.." || exit 2
SECS=${1:-60}
[ $# -gt 0 ] && shift
NAMES=${*:-event config http}
CC=${FUZZ_CC:-clang}
OUT=build/fuzz
PKGS="$(sed -n "s/^PKGS = //p" Makefile)"   # the libraries the daemon links, as the Makefile says

command -v "$CC" >/dev/null 2>&1 || { echo "SKIP: $CC not installed"; exit 77; }
echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' >"/tmp/relance-fuzzprobe.$$.c"
if ! "$CC" -fsanitize=fuzzer -o "/tmp/relance-fuzzprobe.$$" "/tmp/relance-fuzzprobe.$$.c" 2>/dev/null; then
	rm -f "/tmp/relance-fuzzprobe.$$"*
	echo "SKIP: libFuzzer missing (libclang-rt-14-dev)"
	exit 77
fi
rm -f "/tmp/relance-fuzzprobe.$$"*

mkdir -p "$OUT/obj"
CFLAGS="-std=gnu11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer -Wall -Wno-unused-parameter -Idaemon $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lm"
# Daemon modules, compiled once with clang (only when changed).
objs=()
for src in daemon/*.c; do
	case $src in daemon/main.c|daemon/ctl_main.c) continue ;; esac
	o=$OUT/obj/$(basename "$src" .c).o
	if [ ! -e "$o" ] || [ "$src" -nt "$o" ] || [ -n "$(find daemon -name '*.h' -newer "$o" | head -1)" ]; then
		# shellcheck disable=SC2086
		$CC $CFLAGS -c -o "$o" "$src" || { echo "FAIL: $src does not build with clang"; exit 1; }
	fi
	objs+=("$o")
done

rc=0
for name in $NAMES; do
	h=tests/fuzz/fuzz_$name.c
	[ -e "$h" ] || { echo "FAIL: no harness $h"; rc=1; continue; }
	link=()
	for o in "${objs[@]}"; do
		# fuzz_http includes httpd.c for its static functions.
		case $name:$(basename "$o") in http:httpd.o) continue ;; esac
		link+=("$o")
	done
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS -fsanitize=fuzzer -o "$OUT/fuzz_$name" "$h" "${link[@]}" $LIBS; then
		echo "FAIL: fuzz_$name does not build"
		rc=1
		continue
	fi
	mkdir -p "$OUT/corpus/$name"
	dict=()
	[ -e "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	echo "== fuzz_$name for ${SECS}s"
	# -timeout: one input taking over 10 s is a hang; -rss_limit_mb: leaks.
	if ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    "$OUT/fuzz_$name" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=8192 -print_final_stats=1 -artifact_prefix="$OUT/crash-$name-" "${dict[@]}" \
	    "$OUT/corpus/$name" "tests/fuzz/corpus/$name" >"$OUT/fuzz_$name.log" 2>&1; then
		echo "PASS: fuzz_$name: $(grep -E '^stat::number_of_executed_units' "$OUT/fuzz_$name.log" |
		    awk '{print $2}') inputs in ${SECS}s, no crash, no leak"
	else
		echo "FAIL: fuzz_$name found a problem (log: $OUT/fuzz_$name.log):"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$OUT/fuzz_$name.log" | head -10 | sed 's/^/    /'
		rc=1
	fi
done
exit $rc
