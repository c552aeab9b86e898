# tests/lib.sh: shell harness for relance's integration tests, demo and
# benchmarks. Source it from bash, then call lib_init NAME first:
#
#   . "$(dirname "$0")/../lib.sh"
#   lib_init my-test
#   start_kafka
#   write_conf "$T/relance.conf" reminders.max_per_day=2
#   start_relanced "$T/relance.conf"
#   ev_exam id=e1 student=S1 given_name=Axel last_exam_on=2026-06-19 >"$T/events.jsonl"
#   produce avenirpro.exams "$T/events.jsonl"
#   wait_for 'sql "select count(*) from reminders where status = $REM_PENDING" | grep -qx 8' 20
#   assert_eq "$(sql "select status from appointments where id = 1")" "$APPT_CONFIRMED" "booked"
#
# Model codes: every code of daemon/model.h is a shell variable named like
# its C enum ($REM_SENT, $APPT_CANCELLED, $KIND_DROPIN, $CH_SMS, $ATT_ABSENT,
# $SIT_NONE, $EV_EXAM_COMPLETED ...), read from the X(...) lists of
# model.h. SQL in tests names codes this way, never by number
# ("status IN ($REM_PENDING, $REM_SENDING)"); inside a single-quoted
# wait_for string the names are expanded when wait_for evals it.
#
# Events: ev_exam, ev_attendance and ev_update (section "events" below) are
# the one builder of test events (tests/helpers/events.py, which the Python
# generators import too): defaults plus FIELD=VALUE, FIELD:=JSON and -FIELD
# overrides, one compact CloudEvent JSON line each, "KEY<TAB>JSON" with -k.
#
# Real peers on 127.0.0.1 only: librdkafka's mock cluster (kafka_mock),
# aiosmtpd (peers/smtpd.py), postfix's smtp-sink, Kannel with fakesmsc.
# Everything started here is recorded by PID and stopped on exit, even on
# failure. Logs of every process go to $T/NAME.log.
#
# Results: each assertion prints "PASS: msg" or "FAIL: msg". A test exits
# 0 when it passed, 77 when skipped (skip MSG), anything else when it failed;
# a failed assertion does not stop the test but makes it exit 1, and a test
# that made no assertion at all fails too.
#
# Environment: BUILD (default build/default; build/san for sanitizers),
# KEEP_TMP=1 keeps $T after the test, LIB_VERBOSE=1 prints the tail of
# every log when a test fails (default: relanced's log only).

LIB_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$LIB_TESTS/.." && pwd)
BUILD=${BUILD:-build/default}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
export BUILD TOP
PY=/usr/bin/python3

LIB_PIDS=()		# "pid:name", in start order
LIB_PORTS=" "		# ports handed out by free_port in this test
LIB_NPASS=0
LIB_NFAIL=0
LIB_NAME=
T=

# The codes of the domain model (daemon/model.h), as shell variables named
# like the C enums: "status = $REM_SENT", "kind = $KIND_DROPIN". Tests use
# these names, never the numbers.
eval "$(awk '/^[[:space:]]*X\([A-Z_]+, -?[0-9]+, "/ {
	sub(/^[[:space:]]*X\(/, ""); split($0, f, ", "); printf "%s=%d\n", f[1], f[2] }' \
	"$TOP/daemon/model.h")"

# Sanitizer settings for our own binaries under build/san.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=66}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# ---------------------------------------------------------------- results

pass() { LIB_NPASS=$((LIB_NPASS + 1)); echo "PASS: $*"; }
fail() { LIB_NFAIL=$((LIB_NFAIL + 1)); echo "FAIL: $*"; }
# die MSG: a failure that makes going on pointless
die() { fail "$*"; exit 1; }
# skip MSG: the whole test is skipped (exit 77)
skip() { echo "SKIP: $*"; LIB_SKIPPED=1; exit 77; }
note() { echo "  .. $*"; }

# assert_eq ACTUAL EXPECTED MSG
assert_eq() {
	if [ "$1" = "$2" ]; then pass "$3"
	else fail "$3 (expected '$2', got '$1')"; return 1; fi
}

# assert_ne ACTUAL UNEXPECTED MSG
assert_ne() {
	if [ "$1" != "$2" ]; then pass "$3"
	else fail "$3 (got '$1')"; return 1; fi
}

# assert_grep PATTERN FILE MSG: FILE has a line matching the ERE PATTERN
assert_grep() {
	if grep -Eq -- "$1" "$2" 2>/dev/null; then pass "$3"
	else fail "$3 (no /$1/ in $2)"; return 1; fi
}

# assert_no_grep PATTERN FILE MSG
assert_no_grep() {
	if ! grep -Eq -- "$1" "$2" 2>/dev/null; then pass "$3"
	else fail "$3 (found /$1/ in $2: $(grep -Em1 -- "$1" "$2"))"; return 1; fi
}

# assert_line LINE FILE MSG: FILE has exactly LINE as one of its lines
assert_line() {
	if grep -Fxq -- "$1" "$2" 2>/dev/null; then pass "$3"
	else fail "$3 (no line '$1' in $2)"; return 1; fi
}

# assert_ok MSG CMD...: CMD succeeds
assert_ok() {
	local msg=$1; shift
	if "$@"; then pass "$msg"
	else fail "$msg (command failed: $*)"; return 1; fi
}

# ----------------------------------------------------------- life cycle

# lib_init NAME: temp dir $T, cleanup trap. Must be called first.
lib_init() {
	LIB_NAME=${1:-test}
	T=$(mktemp -d "${TMPDIR:-/tmp}/relance-$LIB_NAME.XXXXXX") || exit 1
	# Kannel runs as its own user and must reach its directory.
	chmod 711 "$T"
	export T
	mkdir -p "$T/feeds" "$T/outbox/email" "$T/outbox/sms" "$T/creds"
	trap lib_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	LIB_T0=$(date +%s.%N)
}

# lib_spawn NAME CMD...: run CMD in the background, output to $T/NAME.log
# (appended), record its PID in LIB_PID.
lib_spawn() {
	local name=$1; shift
	"$@" >>"$T/$name.log" 2>&1 </dev/null &
	LIB_PID=$!
	LIB_PIDS+=("$LIB_PID:$name")
}

# lib_wait_ready NAME FILE WHAT: wait (10 s) until the process just spawned
# as NAME ($LIB_PID) has written FILE; else print its log and die "WHAT did
# not start"
lib_wait_ready() {
	if ! wait_for "test -s '$2' || ! kill -0 $LIB_PID" 10 || ! [ -s "$2" ]; then
		cat "$T/$1.log" >&2
		die "$3 did not start"
	fi
}

# lib_forget PID: no longer stop it at exit (it was stopped already)
lib_forget() {
	local i
	for i in "${!LIB_PIDS[@]}"; do
		[ "${LIB_PIDS[$i]%%:*}" = "$1" ] && unset 'LIB_PIDS[i]'
	done
	LIB_PIDS=("${LIB_PIDS[@]}")
	return 0
}

# lib_stop PID [TIMEOUT]: SIGTERM, wait up to TIMEOUT s (default 5), then
# SIGKILL. Prints nothing; returns the process's exit status.
lib_stop() {
	local pid=$1 timeout=${2:-5} n=0 rc
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		while kill -0 "$pid" 2>/dev/null && ! lib_reaped "$pid"; do
			if [ $n -ge $((timeout * 20)) ]; then
				echo "  .. pid $pid did not stop in ${timeout}s: SIGKILL" >&2
				kill -KILL "$pid" 2>/dev/null
				break
			fi
			sleep 0.05
			n=$((n + 1))
		done
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	lib_forget "$pid"
	return $rc
}

# lib_reaped PID: true when PID is a zombie (exited, not yet waited for)
lib_reaped() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ "$st" = Z ]
}

lib_cleanup() {
	local rc=$? i p name
	trap - EXIT INT TERM
	# Kannel in its own order; then the rest, newest first.
	[ -n "${KANNEL_SMSBOX_PID:-}" ] && stop_kannel
	for ((i = ${#LIB_PIDS[@]} - 1; i >= 0; i--)); do
		p=${LIB_PIDS[$i]%%:*}
		name=${LIB_PIDS[$i]#*:}
		lib_stop "$p" 5 || true
		: "$name"
	done
	# Sanitizer reports in the logs of our own programs fail the test.
	if [ -n "$T" ] && grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$T"/relanced*.log "$T"/relancectl*.log "$T"/kafka*.log >/dev/null 2>&1; then
		for p in $(grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
		    "$T"/relanced*.log "$T"/relancectl*.log "$T"/kafka*.log 2>/dev/null); do
			fail "sanitizer report in $(basename "$p")"
			grep -EA12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$p" | head -40 | sed 's/^/    /'
		done
	fi
	if [ $rc -eq 0 ] && [ $LIB_NFAIL -eq 0 ] && [ $LIB_NPASS -eq 0 ]; then
		fail "$LIB_NAME made no assertion"
	fi
	if [ $rc -ne 77 ] && [ $LIB_NFAIL -gt 0 ] && [ $rc -eq 0 ]; then
		rc=1
	fi
	if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ -n "$T" ]; then
		lib_show_logs
	fi
	[ -n "${LIB_EXTRA_DIRS:-}" ] && rm -rf $LIB_EXTRA_DIRS
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ "${KEEP_TMP:-0}" = 1 ]; then
			echo "  .. kept $T"
		else
			rm -rf "$T"
		fi
	fi
	exit $rc
}

lib_show_logs() {
	local f
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		case $f in
		*/relanced.log) ;;
		*) [ "${LIB_VERBOSE:-0}" = 1 ] || continue ;;
		esac
		echo "  -- last lines of $(basename "$f"):"
		tail -n 30 "$f" | sed 's/^/    /'
	done
}

# elapsed: seconds since lib_init, for timing notes
elapsed() { echo "$(date +%s.%N) $LIB_T0" | awk '{printf "%.2f", $1 - $2}'; }

# --------------------------------------------------------------- helpers

# wait_for CMD [TIMEOUT]: poll (every 50 ms) until the shell command string
# CMD succeeds; TIMEOUT in seconds (default 10). Returns 1 on timeout.
wait_for() {
	local cmd=$1 timeout=${2:-10} deadline
	deadline=$(($(date +%s%N) + ${timeout%.*} * 1000000000))
	while ! eval "$cmd" >/dev/null 2>&1; do
		if [ "$(date +%s%N)" -ge $deadline ]; then
			echo "  .. timeout (${timeout}s) waiting for: $cmd" >&2
			return 1
		fi
		sleep 0.05
	done
	return 0
}

# port_open PORT: something listens on 127.0.0.1:PORT
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port: print a TCP port of 127.0.0.1 that nothing uses. Ports come
# from below the kernel's ephemeral range, so outgoing connections cannot
# take them, and are never handed out twice in one test. Call it as
# PORT=$(free_port): the hand-out list then lives in a subshell, so it is
# also kept in a file.
free_port() {
	local lo hi p i used
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
	[ "$lo" -gt 20000 ] || lo=32768
	used=$(cat "$T/.ports" 2>/dev/null)
	for ((i = 0; i < 200; i++)); do
		p=$((10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000)))
		case " $used $LIB_PORTS " in *" $p "*) continue ;; esac
		if [ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ] && ! port_open "$p"; then
			LIB_PORTS="$LIB_PORTS$p "
			[ -n "$T" ] && echo "$p" >>"$T/.ports"
			echo "$p"
			return 0
		fi
	done
	echo "free_port: no free port found" >&2
	return 1
}

# wait_file FILE [TIMEOUT]: until FILE exists and is not empty
wait_file() { wait_for "test -s '$1'" "${2:-10}"; }

# ----------------------------------------------------------------- Kafka

# start_kafka [PARTITIONS] [TOPIC[:PARTITIONS]...]: librdkafka mock cluster
# with the relance topics (or the ones given); exports BROKERS, KAFKA_PID.
# The mock cluster also auto-creates unknown topics (4 partitions) when a
# producer asks for their metadata.
start_kafka() {
	local parts=${1:-4}
	[ $# -gt 0 ] && shift
	[ -x "$BUILD/kafka_mock" ] || die "$BUILD/kafka_mock not built (make $BUILD/kafka_mock)"
	rm -f "$T/kafka.ready"
	lib_spawn kafka "$BUILD/kafka_mock" -p "$parts" -f "$T/kafka.ready" "$@"
	KAFKA_PID=$LIB_PID
	lib_wait_ready kafka "$T/kafka.ready" "kafka mock"
	BROKERS=$(head -n1 "$T/kafka.ready")
	export BROKERS KAFKA_PID
}

# kafka_down / kafka_up: every broker refuses connections / accepts again
kafka_down() { kill -USR1 "$KAFKA_PID"; wait_for "grep -c 'brokers down' '$T/kafka.log' | grep -qx $((${LIB_KDOWN:-0} + 1))" 5; LIB_KDOWN=$((${LIB_KDOWN:-0} + 1)); }
kafka_up() { kill -USR2 "$KAFKA_PID"; wait_for "grep -c 'brokers up' '$T/kafka.log' | grep -qx $((${LIB_KUP:-0} + 1))" 5; LIB_KUP=$((${LIB_KUP:-0} + 1)); }

# topics_down / topics_up: the topics given to start_kafka with -x TOPIC
# lose their partition leaders / get them back (the rest keeps working)
topics_down() { kill -HUP "$KAFKA_PID"; wait_for "grep -c 'topics down' '$T/kafka.log' | grep -qx $((${LIB_TDOWN:-0} + 1))" 5; LIB_TDOWN=$((${LIB_TDOWN:-0} + 1)); }
topics_up() { kill -HUP "$KAFKA_PID"; wait_for "grep -c 'topics up' '$T/kafka.log' | grep -qx $((${LIB_TUP:-0} + 1))" 5; LIB_TUP=$((${LIB_TUP:-0} + 1)); }

stop_kafka() { [ -n "${KAFKA_PID:-}" ] && lib_stop "$KAFKA_PID"; KAFKA_PID=; }

# produce TOPIC FILE [KCAT_ARGS...]: one message per line of FILE
# (e.g. -H ce_id=1 adds a header to every message)
produce() {
	local topic=$1 file=$2; shift 2
	kcat -P -q -b "$BROKERS" -t "$topic" -l "$@" "$file"
}

# produce_keyed TOPIC FILE: lines "key<TAB>value"
produce_keyed() {
	local topic=$1 file=$2; shift 2
	kcat -P -q -b "$BROKERS" -t "$topic" -K $'\t' -l "$@" "$file"
}

# ---------------------------------------------------------------- events

# The one event builder (tests/helpers/events.py, also imported by the
# Python generators): each prints one CloudEvent as one compact JSON line.
#   ev_exam       [-k KEY] [-n N] [FIELD=VALUE | FIELD:=JSON | -FIELD]...
#   ev_attendance [-k KEY] [-n N] [...]      (same arguments)
#   ev_update     [-k KEY] [-n N] [...]
# FIELD=VALUE sets a string (any bytes: quotes and spaces are safe), or
# true/false for consent_sms/consent_email; FIELD:=JSON any JSON value
# (last_exam_on:=20260619, consent:='{}'); -FIELD leaves the field out.
# -k KEY prints "KEY<TAB>JSON" (for produce_keyed); -n N prints N events,
# with {i} in KEY and in every argument replaced by 1..N. FIELD is a short
# name or a dotted path (data.student.id, data.exam; added if missing):
#   all three    id source type time subject student
#   ev_exam      given_name family_name email phone locale consent
#                consent_sms consent_email uai school (the establishment's
#                name) programme_code programme_label session last_exam_on
#                adviser adviser_name adviser_email
#   ev_attendance  uid (data.appointment_uid) kind starts_at status situation
#   ev_update    email phone locale consent consent_sms consent_email follow_up
# Defaults: ev_exam: student 070123456AB, id exam-STUDENT, Axel Belvalette,
# email STUDENT@example.org, phone +33612345678, locale fr, consent to SMS
# and email, UAI 0570123X (source /sis/UAI) "Lycée La Briquerie", programme
# BP-RC, session 2026, last exam 2026-06-19, adviser acomelli (Amélie
# Comelli); no time, no subject. ev_attendance: id att-STUDENT, source
# /ml/nord-mosellan, status present, nothing else. ev_update: id
# upd-STUDENT, source /ml/nord-mosellan, data.student_id only.
#   ev_exam id=e1 student=S1 given_name=Axel last_exam_on=2026-06-19 consent_sms=false -phone
#   ev_attendance -k S1 id=a1 student=S1 uid="$UID" status=absent situation=seeking
#   ev_update id=u1 student=S1 follow_up=stop
ev_exam() { "$PY" "$LIB_TESTS/helpers/events.py" exam "$@"; }
ev_attendance() { "$PY" "$LIB_TESTS/helpers/events.py" attendance "$@"; }
ev_update() { "$PY" "$LIB_TESTS/helpers/events.py" update "$@"; }

# exams_both_channels N [FIELD=VALUE...]: N exam.completed events (ev_exam,
# extra arguments override): students STU1AB..STU<N>AB (French) with an
# email address, a phone and consent to both channels, one adviser each
# (adv1...), last exam on 2026-11-23, so every +14d check-in is Monday
# 2026-12-07 10:30.
exams_both_channels() {
	local n=$1; shift
	ev_exam -n "$n" id=both-{i} time=2026-06-19T16:05:00+02:00 student=STU{i}AB \
	    email=eleve{i}@example.org phone=+3361111111{i} adviser=adv{i} \
	    last_exam_on=2026-11-23 "$@"
}

# consume_all TOPIC [KCAT_ARGS...]: print every message from the beginning
# as "HEADERS<TAB>VALUE" (headers as n=v,n=v; empty when none), then exit.
consume_all() {
	local topic=$1; shift
	kcat -C -q -e -b "$BROKERS" -t "$topic" -o beginning \
	    -X fetch.wait.max.ms=10 -f '%h\t%s\n' "$@" 2>>"$T/kcat.log"
}

# consume_count TOPIC: number of messages in TOPIC
consume_count() {
	local topic=$1
	kcat -C -q -e -b "$BROKERS" -t "$topic" -o beginning \
	    -X fetch.wait.max.ms=10 -f 'x\n' \
	    2>>"$T/kcat.log" | wc -l
}

# ------------------------------------------------------- relanced config

# write_conf FILE [OVERRIDE...]: write a relanced configuration for this
# test. OVERRIDE is one of
#   section.key=value    set (or add) a key; value may be empty
#   section.key+=value   add one more line of a repeatable key
#   -section.key         remove a key from the base
# Sections that the base lacks are added at the end in order. Also exports
# RELANCE_CONF, RELANCE_HTTP_PORT and RELANCE_URL (from calendar.listen).
write_conf() {
	local file=$1 port arg sec key val i found
	shift
	port=$(free_port) || die "no free port"
	local -a K V
	# session.timeout.ms: the mock cluster makes a restarted member wait
	# that long (default 45 s) after the previous one left.
	K=(kafka.brokers kafka.group kafka.rdkafka.session.timeout.ms
	    store.path
	    calendar.timezone calendar.feeds_dir calendar.listen calendar.base_url calendar.domain
	    smtp.url smtp.from
	    sms.gateway sms.url sms.sender
	    templates.dir)
	V=("${BROKERS:-127.0.0.1:9}" "relance-$LIB_NAME" 6000
	    "$T/relance.db"
	    Europe/Paris "$T/feeds" "127.0.0.1:$port" "http://127.0.0.1:$port" relance.test
	    "file://$T/outbox/email" "Avenir Pro <no-reply@relance.test>"
	    kannel "file://$T/outbox/sms" AvenirPro
	    "$TOP/conf/templates")
	for arg in "$@"; do
		case $arg in
		-*.*)
			key=${arg#-}
			for i in "${!K[@]}"; do
				[ "${K[$i]}" = "$key" ] && unset 'K[i]' 'V[i]'
			done
			;;
		*.*+=*)
			K+=("${arg%%+=*}"); V+=("${arg#*+=}")
			;;
		*.*=*)
			key=${arg%%=*} val=${arg#*=} found=0
			for i in "${!K[@]}"; do
				if [ "${K[$i]}" = "$key" ]; then
					V[i]=$val found=1
				fi
			done
			[ $found = 1 ] || { K+=("$key"); V+=("$val"); }
			;;
		*) die "write_conf: bad override '$arg'" ;;
		esac
	done
	K=("${K[@]}") V=("${V[@]}")
	local secs=" " out=""
	for i in "${!K[@]}"; do
		sec=${K[$i]%%.*}
		case $secs in *" $sec "*) continue ;; esac
		secs="$secs$sec "
		out+="[$sec]"$'\n'
		local j
		for j in "${!K[@]}"; do
			[ "${K[$j]%%.*}" = "$sec" ] || continue
			out+="${K[$j]#*.} = ${V[$j]}"$'\n'
			[ "${K[$j]}" = calendar.listen ] && port=${V[$j]##*:}
		done
		out+=$'\n'
	done
	printf '%s' "$out" >"$file"
	RELANCE_CONF=$file
	RELANCE_HTTP_PORT=$port
	RELANCE_URL=http://127.0.0.1:$port
	export RELANCE_CONF RELANCE_HTTP_PORT RELANCE_URL
}

# -------------------------------------------------------------- relanced

# The notify listener: an AF_UNIX datagram socket at $T/notify.sock, each
# datagram appended to $T/notify.log as one line (newlines inside a
# datagram become " | ").
lib_start_notify() {
	[ -n "${LIB_NOTIFY_PID:-}" ] && return 0
	rm -f "$T/notify.sock"
	: >"$T/notify.log"
	lib_spawn notify-listener "$PY" -c '
import os, signal, socket, sys
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
out = open(sys.argv[2], "a")
print("listening", flush=True)
while True:
    d = s.recv(65536).decode("utf-8", "replace").strip("\n")
    out.write(d.replace("\n", " | ") + "\n")
    out.flush()
' "$T/notify.sock" "$T/notify.log"
	LIB_NOTIFY_PID=$LIB_PID
	wait_for "test -S '$T/notify.sock'" 5 || die "notify listener did not start"
}

# notify_count PATTERN: notify datagrams so far matching the ERE PATTERN
notify_count() { grep -Ec -- "$1" "$T/notify.log" 2>/dev/null; true; }

# start_relanced CONF [ARGS...]: run $BUILD/relanced -c CONF in the
# background with NOTIFY_SOCKET, wait (30 s) until it sends READY=1.
# Exports RELANCED_PID. Output goes to $T/relanced.log (appended).
# Environment for relanced may be given as RELANCED_ENV="A=1 B=2".
start_relanced() {
	local conf=$1 nready; shift
	[ -x "$BUILD/relanced" ] || die "$BUILD/relanced not built"
	lib_start_notify
	nready=$(notify_count '(^|\| )READY=1')
	echo "=== start $(date +%T.%N) relanced -c $conf $*" >>"$T/relanced.log"
	# shellcheck disable=SC2086
	lib_spawn relanced env NOTIFY_SOCKET="$T/notify.sock" ${RELANCED_ENV:-} \
	    "$BUILD/relanced" -c "$conf" "$@"
	RELANCED_PID=$LIB_PID
	export RELANCED_PID
	LIB_CLOCK_SPEC=$(sed -n 's/.*RELANCE_TEST_CLOCK=\([0-9][0-9x.]*\).*/\1/p' <<<"${RELANCED_ENV:-}")
	LIB_CLOCK_ENV=${RELANCED_ENV:-}
	LIB_CLOCK_T0=$(date +%s.%N)
	if ! wait_for "[ \$(notify_count '(^|\\| )READY=1') -gt $nready ] || ! kill -0 $RELANCED_PID" 30 ||
	    [ "$(notify_count '(^|\| )READY=1')" -le "$nready" ]; then
		if ! kill -0 "$RELANCED_PID" 2>/dev/null; then
			wait "$RELANCED_PID"
			fail "relanced exited with status $? before READY=1"
		else
			fail "relanced sent no READY=1 within 30s"
		fi
		lib_forget "$RELANCED_PID"
		RELANCED_PID=
		exit 1
	fi
}

# stop_relanced [TIMEOUT]: SIGTERM, wait (default 20 s, then SIGKILL);
# returns relanced's exit status.
stop_relanced() {
	local rc
	[ -n "${RELANCED_PID:-}" ] || return 0
	lib_stop "$RELANCED_PID" "${1:-20}"
	rc=$?
	RELANCED_PID=
	return $rc
}

# kill9_relanced: SIGKILL, no chance to clean up
kill9_relanced() {
	[ -n "${RELANCED_PID:-}" ] || return 0
	kill -KILL "$RELANCED_PID" 2>/dev/null
	wait "$RELANCED_PID" 2>/dev/null
	lib_forget "$RELANCED_PID"
	RELANCED_PID=
	return 0
}

# restart_later CONF SECONDS: relanced stopped and started again with its
# test clock (RELANCE_TEST_CLOCK=EPOCHxSPEED given at its last start)
# SECONDS past where it had come: an hour of a x60 clock in a few seconds
# instead of a minute. The store keeps everything across the restart.
restart_later() {
	local conf=$1 ahead=$2 spec=$LIB_CLOCK_SPEC env=$LIB_CLOCK_ENV epoch speed=1 now
	[ -n "$spec" ] || die "restart_later: relanced was started without RELANCE_TEST_CLOCK"
	epoch=${spec%%x*}
	[[ $spec == *x* ]] && speed=${spec#*x}
	stop_relanced || fail "relanced stops cleanly (before the clock moves on)"
	now=$(awk -v e="$epoch" -v s="$speed" -v t0="$LIB_CLOCK_T0" -v t1="$(date +%s.%N)" \
	    'BEGIN { printf "%d", e + (t1 - t0) * s }')
	RELANCED_ENV=${env/RELANCE_TEST_CLOCK=$spec/RELANCE_TEST_CLOCK=$((now + ahead))x$speed} \
	    start_relanced "$conf"
}

# reload_relanced [TIMEOUT]: SIGHUP, then wait for a new READY=1 (the
# systemd reload protocol: RELOADING=1 ... READY=1).
reload_relanced() {
	local n
	n=$(notify_count '(^|\| )READY=1')
	kill -HUP "$RELANCED_PID" || return 1
	wait_for "[ \$(notify_count '(^|\\| )READY=1') -gt $n ]" "${1:-10}"
}

# relancectl ARGS...: $BUILD/relancectl -c $RELANCE_CONF ARGS
relancectl() { "$BUILD/relancectl" -c "$RELANCE_CONF" "$@" 2>>"$T/relancectl.log"; }

# sql QUERY: run QUERY on the store ($T/relance.db), one row per line,
# columns separated by |
sql() { sqlite3 -batch -noheader -cmd '.timeout 5000' "${RELANCE_DB:-$T/relance.db}" "$1"; }

# ------------------------------------------------------------------ SMTP

# start_smtpd [--tls] [--auth USER:PASS] [smtpd.py options...]: the aiosmtpd
# test server. --tls generates a self-signed certificate for 127.0.0.1 and
# requires STARTTLS. Exports SMTP_PORT, SMTP_DIR (messages: NNNNNN.eml with
# NNNNNN.env), SMTP_CA (the certificate, when --tls), SMTP_URL,
# SMTP_PASSWORD_FILE (with --auth: $T/creds/smtp-password, the password
# alone) and SMTPD_PID.
start_smtpd() {
	local -a args=()
	SMTP_CA=
	SMTP_PASSWORD_FILE=
	while [ $# -gt 0 ]; do
		case $1 in
		--tls)
			if [ ! -s "$T/smtpd-cert.pem" ]; then
				openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
				    -subj /CN=127.0.0.1 \
				    -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
				    -keyout "$T/smtpd-key.pem" -out "$T/smtpd-cert.pem" \
				    >>"$T/openssl.log" 2>&1 || die "openssl req failed"
			fi
			args+=(--tls "$T/smtpd-cert.pem" "$T/smtpd-key.pem")
			SMTP_CA=$T/smtpd-cert.pem
			;;
		--auth)
			args+=(--auth "$2")
			SMTP_USER=${2%%:*}
			SMTP_PASSWORD_FILE=$T/creds/smtp-password
			printf '%s\n' "${2#*:}" >"$SMTP_PASSWORD_FILE"
			shift
			;;
		*) args+=("$1") ;;
		esac
		shift
	done
	SMTP_DIR=$T/smtpd
	mkdir -p "$SMTP_DIR"
	rm -f "$T/smtpd.ready"
	lib_spawn smtpd "$PY" "$LIB_TESTS/peers/smtpd.py" --dir "$SMTP_DIR" \
	    --ready "$T/smtpd.ready" "${args[@]}"
	SMTPD_PID=$LIB_PID
	lib_wait_ready smtpd "$T/smtpd.ready" smtpd
	SMTP_PORT=$(cat "$T/smtpd.ready")
	SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
	export SMTP_PORT SMTP_DIR SMTP_CA SMTP_URL SMTP_PASSWORD_FILE SMTPD_PID
}

stop_smtpd() { [ -n "${SMTPD_PID:-}" ] && lib_stop "$SMTPD_PID"; SMTPD_PID=; }

# smtp_count: messages stored by smtpd so far
smtp_count() { find "$SMTP_DIR" -name '*.eml' 2>/dev/null | wc -l; }

# start_smtp_sink [SMTP_SINK_OPTIONS...]: postfix's smtp-sink (fast, no TLS,
# no AUTH) storing one file per message in $SMTP_SINK_DIR (tmpfs when
# /dev/shm is there). Options as in smtp-sink(1), e.g. -r RCPT (450 to it).
# Exports SMTP_SINK_PORT, SMTP_SINK_DIR, SMTP_SINK_PID.
start_smtp_sink() {
	local port
	port=$(free_port) || die "no free port"
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		SMTP_SINK_DIR=$(mktemp -d /dev/shm/relance-sink.XXXXXX) || die "mktemp"
		LIB_EXTRA_DIRS="${LIB_EXTRA_DIRS:-} $SMTP_SINK_DIR"
	else
		SMTP_SINK_DIR=$T/sink
		mkdir -p "$SMTP_SINK_DIR"
	fi
	local user=()
	if [ "$(id -u)" = 0 ]; then
		chown nobody "$SMTP_SINK_DIR"
		user=(-u nobody)
	fi
	lib_spawn smtp-sink /usr/sbin/smtp-sink "${user[@]}" \
	    -d "$SMTP_SINK_DIR/%Y%m%d%H%M%S." "$@" "127.0.0.1:$port" 100
	SMTP_SINK_PID=$LIB_PID
	wait_for "port_open $port || ! kill -0 $SMTP_SINK_PID" 10 && port_open "$port" ||
	    { cat "$T/smtp-sink.log" >&2; die "smtp-sink did not start"; }
	SMTP_SINK_PORT=$port
	export SMTP_SINK_PORT SMTP_SINK_DIR SMTP_SINK_PID
}

# ---------------------------------------------------------------- Kannel

KANNEL_FAKESMSC=/usr/lib/kannel/test/fakesmsc

# lib_as_kannel: the command prefix that drops root for Kannel
lib_as_kannel() {
	if [ "$(id -u)" = 0 ] && id kannel >/dev/null 2>&1; then
		echo "setpriv --reuid=kannel --regid=nogroup --clear-groups"
	fi
}

# start_kannel: bearerbox + fakesmsc + smsbox on free ports. Incoming SMS
# go to http://127.0.0.1:$RELANCE_HTTP_PORT/sms/kannel/incoming when
# RELANCE_HTTP_PORT is set (write_conf sets it: call it first).
# Exports KANNEL_SENDSMS_URL, KANNEL_USER, KANNEL_PASSWORD,
# KANNEL_PASSWORD_FILE ($T/creds/kannel-password), KANNEL_LOG (fakesmsc's
# output: "Got message N: <from to text ...>" per SMS sent), KANNEL_DIR.
# KANNEL_CORE_EXTRA: extra lines for the core group (e.g. a queue limit).
start_kannel() {
	local admin box smsc sendsms as service
	[ -x /usr/sbin/bearerbox ] && [ -x "$KANNEL_FAKESMSC" ] ||
	    skip "Kannel not installed (kannel, kannel-extras)"
	admin=$(free_port) && box=$(free_port) && smsc=$(free_port) &&
	    sendsms=$(free_port) || die "no free port"
	KANNEL_DIR=$T/kannel
	mkdir -p "$KANNEL_DIR"
	if [ -n "${RELANCE_HTTP_PORT:-}" ]; then
		service="get-url = \"http://127.0.0.1:$RELANCE_HTTP_PORT/sms/kannel/incoming?from=%p&to=%P&text=%a\"
max-messages = 0"
	else
		service='text = "ok"
max-messages = 0'
	fi
	cat >"$KANNEL_DIR/kannel.conf" <<EOF
group = core
admin-port = $admin
admin-interface = 127.0.0.1
admin-password = adminpw
admin-allow-ip = "127.0.0.1"
smsbox-port = $box
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
log-file = "$KANNEL_DIR/bearerbox.log"
log-level = 1
${KANNEL_CORE_EXTRA:-}

group = smsc
smsc = fake
smsc-id = FAKE
port = $smsc
our-host = 127.0.0.1
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $box
sendsms-port = $sendsms
sendsms-interface = 127.0.0.1
log-file = "$KANNEL_DIR/smsbox.log"
log-level = 1

group = sendsms-user
username = tester
password = secret

group = sms-service
keyword = default
catch-all = true
$service
EOF
	[ "$(id -u)" = 0 ] && id kannel >/dev/null 2>&1 &&
	    chown -R kannel:nogroup "$KANNEL_DIR"
	as=$(lib_as_kannel)
	KANNEL_ADMIN_PORT=$admin KANNEL_BOX_PORT=$box KANNEL_SMSC_PORT=$smsc
	KANNEL_LOG=$T/fakesmsc.log
	: >"$KANNEL_LOG"
	# shellcheck disable=SC2086
	lib_spawn bearerbox $as /usr/sbin/bearerbox -v 1 "$KANNEL_DIR/kannel.conf"
	KANNEL_BEARERBOX_PID=$LIB_PID
	wait_for "(port_open $box && port_open $smsc) || ! kill -0 $KANNEL_BEARERBOX_PID" 10 &&
	    port_open "$box" || { tail -20 "$T/bearerbox.log" >&2; die "bearerbox did not start"; }
	kannel_start_fakesmsc -m 0 "100 200 text x"
	# shellcheck disable=SC2086
	lib_spawn smsbox $as /usr/sbin/smsbox -v 1 "$KANNEL_DIR/kannel.conf"
	KANNEL_SMSBOX_PID=$LIB_PID
	KANNEL_SENDSMS_URL=http://127.0.0.1:$sendsms/cgi-bin/sendsms
	KANNEL_USER=tester KANNEL_PASSWORD=secret
	KANNEL_PASSWORD_FILE=$T/creds/kannel-password
	printf '%s\n' "$KANNEL_PASSWORD" >"$KANNEL_PASSWORD_FILE"
	export KANNEL_SENDSMS_URL KANNEL_USER KANNEL_PASSWORD KANNEL_PASSWORD_FILE \
	    KANNEL_LOG KANNEL_DIR KANNEL_ADMIN_PORT
	if ! wait_for "kannel_ready || ! kill -0 $KANNEL_SMSBOX_PID" 15 || ! kannel_ready; then
		tail -20 "$T/smsbox.log" "$KANNEL_DIR/smsbox.log" >&2
		die "kannel did not become ready"
	fi
}

# kannel_ready: the fake SMSC is online and sendsms answers
# conf_kannel FILE [EXTRA_SMS_LINE]: the [sms] section of a write_conf file
# sends through the Kannel of start_kannel (its sendsms URL and password
# file) instead of the file:// outbox; EXTRA_SMS_LINE (e.g. "dlr_url = ...")
# is added after the URL.
conf_kannel() {
	local extra=${2:+\\n$2}
	sed -i "s|^url = file://$T/outbox/sms|url = $KANNEL_SENDSMS_URL$extra|" "$1"
	awk -v pf="$KANNEL_PASSWORD_FILE" '{print} /^\[sms\]/{print "password_file = " pf}' \
	    "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

kannel_ready() {
	curl -sf "http://127.0.0.1:$KANNEL_ADMIN_PORT/status.txt?password=adminpw" 2>/dev/null |
	    grep -q '(online' &&
	    [ "$(curl -s -o /dev/null -w '%{http_code}' "$KANNEL_SENDSMS_URL" 2>/dev/null)" = 403 ]
}

# kannel_start_fakesmsc FAKESMSC_ARGS...: (re)start the fake SMSC client;
# its output is appended to $KANNEL_LOG
kannel_start_fakesmsc() {
	[ -n "${KANNEL_FAKESMSC_PID:-}" ] && lib_stop "$KANNEL_FAKESMSC_PID"
	lib_spawn fakesmsc stdbuf -oL "$KANNEL_FAKESMSC" -H 127.0.0.1 \
	    -r "$KANNEL_SMSC_PORT" -i 0.1 "$@"
	KANNEL_FAKESMSC_PID=$LIB_PID
}

# kannel_send_mo FROM TO TEXT: the phone FROM sends TEXT to TO (an incoming
# SMS, delivered by smsbox to the sms-service). Restarts fakesmsc with -m 1;
# SMS sent to the fake SMSC meanwhile are queued by bearerbox.
kannel_send_mo() {
	kannel_start_fakesmsc -m 1 "$1 $2 text $3"
}

# kannel_mt_count: SMS delivered to the fake SMSC so far
kannel_mt_count() { grep -c 'Got message' "$KANNEL_LOG" 2>/dev/null; true; }

# stop_kannel: smsbox, then bearerbox, then fakesmsc
stop_kannel() {
	[ -n "${KANNEL_SMSBOX_PID:-}" ] && lib_stop "$KANNEL_SMSBOX_PID"
	[ -n "${KANNEL_BEARERBOX_PID:-}" ] && lib_stop "$KANNEL_BEARERBOX_PID" 10
	[ -n "${KANNEL_FAKESMSC_PID:-}" ] && lib_stop "$KANNEL_FAKESMSC_PID"
	KANNEL_SMSBOX_PID= KANNEL_BEARERBOX_PID= KANNEL_FAKESMSC_PID=
	return 0
}

# kannel_messages: every SMS the fake SMSC got, decoded, one per line as
# FROM<TAB>TO<TAB>TEXT (UCS-2 messages, coding=2, are decoded to UTF-8; the
# default GSM 03.38 coding turns what it lacks, e.g. ê â ô û, into '?' and
# ç into Ç). With -t, each line starts with the type fakesmsc names and a
# TAB: text (GSM 03.38, coding 0), ucs-2 (coding 2), udh (a part of a
# concatenated message).
kannel_messages() {
	grep -a 'Got message [0-9]*: <' "$KANNEL_LOG" 2>/dev/null | "$PY" -c '
import re, sys, urllib.parse
typed = sys.argv[1:] == ["-t"]
for line in sys.stdin.buffer:
    m = re.search(rb"Got message \d+: <(\S+) (\S+) (\S+) (.*)>\s*$", line)
    if not m:
        continue
    frm, to, typ, rest = m.groups()
    if typ == b"ucs-2":
        text = urllib.parse.unquote_to_bytes(rest.replace(b"+", b" ")).decode("utf-16-be", "replace")
    else:
        text = rest.decode("utf-8", "replace")
    print("%s%s\t%s\t%s" % (typ.decode() + "\t" if typed else "", frm.decode(), to.decode(),
                            text.replace("\n", "\\n")))
' "$@"
}

# ------------------------------------------------------- HTTP recorder

# start_httprec [httprec.py options...]: an HTTP server recording every
# request as a JSON line in $HTTPREC_LOG (for webhook gateways, or as a
# stand-in for relance's HTTP server). Exports HTTPREC_PORT, HTTPREC_URL,
# HTTPREC_LOG, HTTPREC_PID.
start_httprec() {
	HTTPREC_LOG=$T/httprec.jsonl
	: >"$HTTPREC_LOG"
	rm -f "$T/httprec.ready"
	lib_spawn httprec "$PY" "$LIB_TESTS/peers/httprec.py" --log "$HTTPREC_LOG" \
	    --ready "$T/httprec.ready" "$@"
	HTTPREC_PID=$LIB_PID
	lib_wait_ready httprec "$T/httprec.ready" httprec
	HTTPREC_PORT=$(cat "$T/httprec.ready")
	HTTPREC_URL=http://127.0.0.1:$HTTPREC_PORT
	export HTTPREC_PORT HTTPREC_URL HTTPREC_LOG HTTPREC_PID
}
