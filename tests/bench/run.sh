#!/bin/bash
# tests/bench/run.sh: `make bench`. Every benchmark of issues 2, 3, 5 and 7
# in one run, each next to a baseline or limit measured in the same run, and
# one table at the end (also saved to build/bench-results.txt).
#
#   1. ingest events/s: raw `kcat -G` consuming N exam.completed from 64
#      partitions; relanced store-only; relanced with full planning
#   2. latency from event produced to event committed (p50/p99)
#   3. calendar feed: first render over HTTP, req/s on the cached feed
#   4. reminders/s: email to postfix smtp-sink, SMS to Kannel (+ fakesmsc),
#      next to curl sending the same number in one invocation (curl's SMS
#      have no dlr-mask: Kannel's ~40 ms per request with delivery reports
#      does not apply to them, see README); each channel at its own limit,
#      [retry] concurrency emails and [sms] concurrency SMS in flight
#   5. peak RSS with 1,000,000 pending reminders, store bytes per student
#   6. the students' page (issue 14): GET /r/CODE of a cached appointment
#      by wrk next to /healthz in the same run (>= 2,000 req/s), and
#      answers applied end to end, POST to committed (>= 500/s)
#
# Environment: BENCH_EVENTS (default 200000), BENCH_RSS_STUDENTS (50000),
# BENCH_REMINDERS (students whose 10 email + 10 SMS reminders are made due,
# default 1000), BENCH_LAT_RATE / BENCH_LAT_SECS (2000/s for 10 s),
# BENCH_DIR (where stores live; default a directory under $TMPDIR or /tmp,
# which must be a real disk for the durability numbers to mean anything),
# BENCH_REM_EXTRA (extra write_conf overrides for the reminders step, e.g.
# "sms.concurrency=64 retry.concurrency=1"), BENCH_PAGE_STUDENTS (students
# planned for the page step, default 2000: each confirms one appointment,
# a quarter of them also move one), BENCH_STEPS (comma-separated subset of
# ingest,latency,reminders,rss,page; all by default), KEEP_TMP=1 keeps it.
. "$(dirname "$0")/../lib.sh"
BENCH=$LIB_TESTS/bench
[ -n "${BENCH_DIR:-}" ] && export TMPDIR=$BENCH_DIR
lib_init bench

N=${BENCH_EVENTS:-200000}
N_RSS=${BENCH_RSS_STUDENTS:-50000}
N_REM=${BENCH_REMINDERS:-1000}
LAT_RATE=${BENCH_LAT_RATE:-2000}
LAT_SECS=${BENCH_LAT_SECS:-10}
ADVISERS=200
FIRST_DAY=$(date -d tomorrow +%F)
# Drop-in window large enough for everyone: from 16 days after the first
# exam day (exams end over 14 days) for 120 days, 18 slots a day.
DROPIN="* $(date -d "$FIRST_DAY +16 days" +%F)..$(date -d "$FIRST_DAY +136 days" +%F) 09:00-12:00,14:00-17:00 slot=20m capacity=200"
RESULTS=$TOP/build/bench-results.txt

for c in kcat sqlite3 curl wrk /usr/sbin/smtp-sink; do
	command -v "$c" >/dev/null || die "$c missing (make deps)"
done
for b in relanced relancectl kafka_mock plan_bench; do
	[ -x "$BUILD/$b" ] || die "$BUILD/$b not built (make all)"
done

ROWS=()
# row METRIC MEASURED BASELINE RATIO_OR_TARGET VERDICT
row() { ROWS+=("$1|$2|$3|$4|$5"); }
fdiv() { awk -v a="$1" -v b="$2" -v f="${3:-%.0f}" 'BEGIN { if (b > 0) printf f, a / b; else print "n/a" }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
verdict() { if ge "$1" "$2"; then echo ok; else echo MISSED; fi; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
now_s() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
section() { echo; echo "== $* ($(elapsed) s)"; }
want() { case ",${BENCH_STEPS:-ingest,latency,reminders,rss,page}," in *",$1,"*) return 0 ;; esac; return 1; }

# ------------------------------------------------------------- machine

DISK_SRC=$(findmnt -n -o SOURCE --target "$T" | head -1)
DISK_FS=$(findmnt -n -o FSTYPE --target "$T" | head -1)
DISK_DEV=$(basename "$(readlink -f "$DISK_SRC" 2>/dev/null || echo "$DISK_SRC")")
ROTA=$(cat "/sys/block/${DISK_DEV%%[0-9]*}/queue/rotational" 2>/dev/null || echo "?")
MACHINE="machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'),"
MACHINE="$MACHINE $(awk '/MemTotal/ {printf "%.1f GB RAM", $2 / 1048576}' /proc/meminfo), kernel $(uname -r)"
STOREDISK="stores in $T: $DISK_SRC ($DISK_FS, rotational=$ROTA)"
echo "$MACHINE"
echo "$STOREDISK"
echo "$(date -u +%FT%TZ), relance $(git -C "$TOP" describe --always --dirty 2>/dev/null)"
case $DISK_FS in tmpfs|ramfs) note "WARNING: the stores are on $DISK_FS, not a real disk: set BENCH_DIR" ;; esac

# fsync/s of the stores' disk: the limit of any durable commit
FSYNC_RATE=$("$PY" -c '
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)
n = 0; t0 = time.time()
while time.time() - t0 < 2:
    os.pwrite(fd, b"x" * 4096, (n % 256) * 4096); os.fdatasync(fd); n += 1
print("%.0f" % (n / (time.time() - t0)))
os.unlink(sys.argv[1])
' "$T/fsync.test")
echo "fsync: $FSYNC_RATE 4 KB write + fdatasync per second on the stores' disk"
row "disk: 4 KB write + fdatasync (/s)" "$FSYNC_RATE" "-" "limit of any durable commit" "-"

# --------------------------------------------------------------- ingest

start_kafka 64 avenirpro.exams:64 avenirpro.attendance avenirpro.students \
    avenirpro.relance.dlq avenirpro.relance.outcomes bench.lat-full:64 bench.lat-full-fw10:64 bench.lat-store-only-fw10:64 bench.empty:4
if want ingest; then
section "ingest: $N exam.completed events into 64 partitions"
"$PY" "$BENCH/gen_events.py" "$N" "$ADVISERS" "$FIRST_DAY" >"$T/events.tsv"
t0=$(now_s)
produce_keyed avenirpro.exams "$T/events.tsv" || die "kcat -P failed"
t1=$(now_s)
note "produced in $(fdiv "$(sub "$t1" "$t0")" 1 %.1f) s"

# (a) kcat -G printing every payload (as relanced reads each one): time
# from the first message to the N-th, counted in 1 MB reads; also the wall
# time of the whole command, group join included
k_start=$(now_s)
out=$(timeout 180 kcat -G bench-kcat -b "$BROKERS" -q -e -X auto.offset.reset=earliest \
    -f '%s\n' avenirpro.exams 2>>"$T/kcat.log" | "$PY" -c '
import os, sys, time
n = int(sys.argv[1]); c = 0; t0 = 0.0
while c < n:
    b = os.read(0, 1 << 20)
    if not b:
        break
    if not t0:
        t0 = time.time()
    c += b.count(b"\n")
print("%.3f %.3f %d" % (t0, time.time(), c))
' "$N")
k_end=$(now_s)
read -r k_t0 k_t1 k_n <<<"$out"
KCAT_WALL=$(fdiv "$k_n" "$(sub "$k_end" "$k_start")")
assert_eq "$k_n" "$N" "kcat -G consumed every event"
KCAT_RATE=$(fdiv "$k_n" "$(sub "$k_t1" "$k_t0")")
note "kcat -G: $KCAT_RATE events/s first to last, $KCAT_WALL events/s wall clock with the group join"

# ingest_run NAME CONF: start relanced, time the events table from its first
# row to N rows, check the offsets are committed; sets RATE, HWM
ingest_run() {
	local name=$1 conf=$2 out t_first t_done v_first v n_left t_start
	t_start=$(now_s)
	start_relanced "$conf"
	# count(*) of the events table every 100 ms (a read transaction of
	# ~10 ms at 200,000 rows, on the second core)
	out=$("$PY" "$BENCH/poll.py" "$T/$name.db" "select count(*) from events" "$N" 300 100)
	read -r t_first t_done v_first v <<<"$out"
	HWM=$(hwm "$RELANCED_PID")
	assert_eq "$v" "$N" "$name: every event stored"
	RATE=$(fdiv "$((N - v_first))" "$(sub "$t_done" "$t_first")")
	# like kcat's wall-clock figure: from the start, group join included
	WALL=$(fdiv "$N" "$(sub "$t_done" "$t_start")")
	note "$name: $RATE events/s ($v_first at the first commit, $(sub "$t_done" "$t_first") s), $WALL events/s from the start, peak RSS $(mb "$HWM")"
	t0=$(now_s)
	stop_relanced 300
	assert_eq "$?" 0 "$name: relanced stopped cleanly"
	STOP_S=$(sub "$(now_s)" "$t0")
	note "$name: relanced stopped in $STOP_S s"
	t0=$(now_s)
	# Committed offsets: the same group consumes nothing more.
	n_left=$(timeout 60 kcat -G "bench-$name" -b "$BROKERS" -q -e -X auto.offset.reset=earliest \
	    -f 'x\n' avenirpro.exams 2>>"$T/kcat.log" | wc -l)
	assert_eq "$n_left" 0 "$name: Kafka offsets committed (the group has nothing left to read)"
	OFFSETS_OK=$([ "$n_left" = 0 ] && echo "committed" || echo "$n_left uncommitted")
	note "$name: offsets checked in $(sub "$(now_s)" "$t0") s"
}

# (b) store-only: students and events rows, no plan
write_conf "$T/store-only.conf" kafka.group=bench-store-only store.path="$T/store-only.db" \
    calendar.feeds_dir="$T/feeds-store-only" checkins.offsets=none reminders.offsets=none
mkdir -p "$T/feeds-store-only"
section "ingest: relanced store-only"
ingest_run store-only "$T/store-only.conf"
STORE_RATE=$RATE STORE_WALL=$WALL STORE_HWM=$HWM STORE_OFF=$OFFSETS_OK STORE_STOP=$STOP_S
assert_eq "$(sqlite3 "$T/store-only.db" 'select count(*) from students')" "$N" \
    "store-only: every student stored"

# (c) full planning: 4 check-ins, 1 drop-in, reminders 48h + 2h by SMS and
# email, 200 advisers
write_conf "$T/full.conf" kafka.group=bench-full store.path="$T/full.db" \
    calendar.feeds_dir="$T/feeds-full" "dropin.window=$DROPIN"
mkdir -p "$T/feeds-full"
section "ingest: relanced full planning"
ingest_run full "$T/full.conf"
FULL_RATE=$RATE FULL_HWM=$HWM FULL_OFF=$OFFSETS_OK FULL_STOP=$STOP_S
FULL_APPTS=$(sqlite3 "$T/full.db" 'select count(*) from appointments')
FULL_REMS=$(sqlite3 "$T/full.db" 'select count(*) from reminders')
FULL_SHORT=$(sqlite3 "$T/full.db" "select coalesce(sum(value), 0) from counters where name like '%short%'")
assert_eq "$FULL_APPTS" "$((N * 5))" "full: 5 appointments per student (4 check-ins + 1 drop-in)"
note "full: $FULL_APPTS appointments, $FULL_REMS reminders, drop-in shortage $FULL_SHORT"
FULL_BYTES=$(($(stat -c %s "$T/full.db") + $(stat -c %s "$T/full.db-wal" 2>/dev/null || echo 0)))
FULL_AWAIT=$(sqlite3 "$T/full.db" "select count(*) from appointments where reminded = 0 and status = $APPT_CONFIRMED")
note "full: $FULL_AWAIT appointments beyond the 7-day horizon (their reminder rows are made later)"

# The deferred work: relanced on the same store with a horizon of ten years
# makes every reminder row at once, in the job's batches (2,000 appointments
# per transaction, the loop running in between)
write_conf "$T/full-rows.conf" kafka.group=bench-full store.path="$T/full.db" \
    calendar.feeds_dir="$T/feeds-full" "dropin.window=$DROPIN" reminders.horizon=3650d
section "ingest: the horizon job makes the reminder rows of the full store"
start_relanced "$T/full-rows.conf"
out=$("$PY" "$BENCH/poll.py" "$T/full.db" "select coalesce(max(id), 0) from reminders" \
    "$((FULL_AWAIT * 4))" 600 200)
read -r t_first t_done v_first v <<<"$out"
stop_relanced 60
JOB_ROWS=$(sqlite3 "$T/full.db" 'select count(*) from reminders')
assert_eq "$JOB_ROWS" "$((FULL_AWAIT * 4))" "horizon job: 4 reminder rows per appointment (48h, 2h; SMS, email)"
JOB_RATE=$(fdiv "$((JOB_ROWS - v_first))" "$(sub "$t_done" "$t_first")")
note "horizon job: $JOB_ROWS rows in $(sub "$t_done" "$t_first") s: $JOB_RATE rows/s"

# (d) the same with every reminder row written in the ingest transaction
# (horizon of ten years), as before schema 3
write_conf "$T/eager.conf" kafka.group=bench-eager store.path="$T/eager.db" \
    calendar.feeds_dir="$T/feeds-eager" "dropin.window=$DROPIN" reminders.horizon=3650d
mkdir -p "$T/feeds-eager"
section "ingest: relanced full planning, reminder rows at once"
ingest_run eager "$T/eager.conf"
EAGER_RATE=$RATE EAGER_HWM=$HWM
EAGER_REMS=$(sqlite3 "$T/eager.db" 'select count(*) from reminders')
note "eager: $EAGER_REMS reminder rows"
rm -f "$T/eager.db" "$T/eager.db-wal"

row "ingest kcat -G raw, first to last (events/s)" "$KCAT_RATE" "-" "limit of the machine" "-"
row "ingest kcat -G raw, wall incl. group join (events/s)" "$KCAT_WALL" "-" "for comparison only" "-"
row "ingest relanced store-only (events/s)" "$STORE_RATE" "kcat $KCAT_RATE" \
    "$(fdiv "$STORE_RATE" "$KCAT_RATE" %.2f)x first to last (>= 30000)" "$(verdict "$STORE_RATE" 30000)"
row "ingest relanced store-only, wall incl. group join" "$STORE_WALL" "kcat $KCAT_WALL" \
    "$(fdiv "$STORE_WALL" "$KCAT_WALL" %.2f)x kcat's wall rate (>= 0.4x)" \
    "$(ge "$(fdiv "$STORE_WALL" "$KCAT_WALL" %.3f)" 0.4 && echo ok || echo MISSED)"
row "ingest relanced full planning (events/s)" "$FULL_RATE" "kcat $KCAT_RATE" \
    "$(fdiv "$FULL_RATE" "$KCAT_RATE" %.2f)x (>= 10000)" "$(verdict "$FULL_RATE" 10000)"
row "  full planning, reminder rows at once (events/s)" "$EAGER_RATE" "kcat $KCAT_RATE" \
    "horizon 3650d, $EAGER_REMS rows, RSS $(mb "$EAGER_HWM")" "-"
row "  horizon job, reminder rows made later (rows/s)" "$JOB_RATE" "-" \
    "$JOB_ROWS rows for $FULL_AWAIT appointments" "-"
row "  offsets committed after ingest" "$STORE_OFF / $FULL_OFF" "-" "store-only / full" \
    "$([ "$STORE_OFF/$FULL_OFF" = committed/committed ] && echo ok || echo MISSED)"
row "  SIGTERM to exit after ingest (s)" "$STORE_STOP / $FULL_STOP" "-" "store-only / full" "-"
row "  peak RSS during ingest" "$(mb "$STORE_HWM") / $(mb "$FULL_HWM")" "-" "store-only / full" "-"
row "  store per student after full ingest" "$(fdiv "$FULL_BYTES" "$N") B" "-" \
    "$(fdiv "$FULL_BYTES" 1048576 %.0f) MB / $N students" "-"

fi

# -------------------------------------------------------------- latency

# latency_run NAME [OVERRIDES...]: a fresh store, one warm-up event, then
# latency.py; adds a row
latency_run() {
	local name=$1 out p50 p99 pmax lseen lsent
	shift
	section "latency ($name): $LAT_RATE events/s for $LAT_SECS s, produced to committed"
	write_conf "$T/lat-$name.conf" kafka.group="bench-lat-$name" kafka.topic.exams="bench.lat-$name" \
	    store.path="$T/lat-$name.db" calendar.feeds_dir="$T/feeds-lat-$name" "$@"
	mkdir -p "$T/feeds-lat-$name"
	start_relanced "$T/lat-$name.conf"
	# Warm up: wait until the consumer has joined the group (it reads
	# the topic from the beginning: earlier runs' events come first).
	"$PY" "$BENCH/gen_events.py" 1 1 "$FIRST_DAY" 1 "$RANDOM" | sed "s/\"bench-0\"/\"warm-$name\"/" >"$T/warm.tsv"
	produce_keyed "bench.lat-$name" "$T/warm.tsv"
	wait_for '[ "$(sqlite3 "$T/lat-'"$name"'.db" "select count(*) from events where id = '"'warm-$name'"'" 2>/dev/null)" -ge 1 ]' 60 ||
	    die "latency: relanced did not consume the warm-up event"
	out=$("$PY" "$BENCH/latency.py" "$T/lat-$name.db" "$BROKERS" "bench.lat-$name" "$LAT_RATE" "$LAT_SECS" 2)
	read -r p50 p99 pmax lseen lsent <<<"$out"
	assert_eq "$lseen" "$lsent" "latency ($name): every event seen in the store"
	note "latency ($name): p50 $p50 ms, p99 $p99 ms, max $pmax ms over $lseen events"
	stop_relanced 30
	row "latency produced -> committed, $name (ms)" "p50 $p50, p99 $p99" "-" "$LAT_RATE ev/s; max $pmax ms" "-"
}
if want latency; then
	# relanced's defaults, then with fetch.wait.max.ms = 10 (librdkafka's
	# default is 500: the mock broker holds each fetch that long)
	latency_run full "dropin.window=$DROPIN"
	latency_run full-fw10 "dropin.window=$DROPIN" kafka.rdkafka.fetch.wait.max.ms=10
	latency_run store-only-fw10 checkins.offsets=none reminders.offsets=none \
	    kafka.rdkafka.fetch.wait.max.ms=10
fi

# ----------------------------------------------------- feeds, reminders

if want reminders; then

section "reminders: $N_REM students planned (plan_bench), $((N_REM * 10)) emails + $((N_REM * 10)) SMS"
start_smtp_sink
start_kannel
# horizon 3650d: plan_bench makes every reminder row at once (with the
# default 7d, the rows of later appointments would not exist yet)
write_conf "$T/rem.conf" kafka.group=bench-rem kafka.topic.exams=bench.empty \
    store.path="$T/rem.db" calendar.feeds_dir="$T/feeds-rem" "dropin.window=$DROPIN" \
    reminders.quiet_hours=none reminders.max_per_day=1000 reminders.horizon=3650d \
    smtp.url="smtp://127.0.0.1:$SMTP_SINK_PORT" smtp.tls=none \
    sms.url="$KANNEL_SENDSMS_URL" sms.user=tester sms.password_file="$KANNEL_PASSWORD_FILE" ${BENCH_REM_EXTRA:-}
mkdir -p "$T/feeds-rem"
# 5 advisers: 200 students and 1,000 appointments each
"$PY" "$BENCH/gen_events.py" "$N_REM" 5 "$FIRST_DAY" >"$T/rem.tsv"
"$BUILD/plan_bench" "$T/rem.conf" "$T/rem.tsv" >"$T/plan_bench-rem.log" 2>&1 ||
    die "plan_bench failed: $(tail -3 "$T/plan_bench-rem.log")"
REM_EMAILS=$(sqlite3 "$T/rem.db" "select count(*) from reminders where channel = $CH_EMAIL and status = $REM_PENDING")
REM_SMS=$(sqlite3 "$T/rem.db" "select count(*) from reminders where channel = $CH_SMS and status = $REM_PENDING")
note "planned: $REM_EMAILS email and $REM_SMS SMS reminders"

# Feed: first render over HTTP, then the cached one
start_relanced "$T/rem.conf"
FEED_URL=$(relancectl feed adviser adv0000)
[ -n "$FEED_URL" ] || die "no feed URL for adv0000"
ft=$(curl -s -o "$T/feed.ics" -D "$T/feed.hdr" -w '%{time_total} %{http_code}' "$FEED_URL")
read -r ftime fcode <<<"$ft"
assert_eq "$fcode" 200 "feed: 200"
FEED_EVENTS=$(grep -c '^BEGIN:VEVENT' "$T/feed.ics")
FEED_MS=$(fdiv "$ftime" 0.001 %.1f)
ft2=$(curl -s -o /dev/null -w '%{time_total}' "$FEED_URL")
FEED2_MS=$(fdiv "$ft2" 0.001 %.1f)
ETAG=$(awk -F': ' 'tolower($1) == "etag" {print $2}' "$T/feed.hdr" | tr -d '\r')
note "feed: $FEED_EVENTS VEVENTs, $(stat -c %s "$T/feed.ics") bytes, first GET $FEED_MS ms, second $FEED2_MS ms, ETag $ETAG"
wrk -t2 -c16 -d5s --latency "$FEED_URL" >"$T/wrk-200.txt" 2>&1
WRK200=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$T/wrk-200.txt")
WRK200_P99=$(awk '$1 == "99%" {print $2}' "$T/wrk-200.txt")
WRK304=
if [ -n "$ETAG" ]; then
	wrk -t2 -c16 -d5s --latency -H "If-None-Match: $ETAG" "$FEED_URL" >"$T/wrk-304.txt" 2>&1
	WRK304=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$T/wrk-304.txt")
fi
wrk -t2 -c16 -d5s "$RELANCE_URL/healthz" >"$T/wrk-healthz.txt" 2>&1
WRKHZ=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$T/wrk-healthz.txt")
assert_ne "${WRK200:-}" "" "feed: wrk measured req/s"
note "wrk: feed $WRK200 req/s (p99 $WRK200_P99), 304 ${WRK304:-n/a} req/s, /healthz $WRKHZ req/s"
stop_relanced 30
row "feed first render over HTTP (ms)" "$FEED_MS" "second GET $FEED2_MS ms" "$FEED_EVENTS VEVENTs, $(($(stat -c %s "$T/feed.ics") / 1024)) KB" "-"
row "feed cached, HTTP 200 (req/s)" "$WRK200" "/healthz $WRKHZ req/s" "wrk -t2 -c16, p99 $WRK200_P99" "-"
[ -n "$WRK304" ] && row "feed cached, If-None-Match 304 (req/s)" "$WRK304" "/healthz $WRKHZ req/s" "wrk -t2 -c16" "-"

# Baselines: curl, one invocation, one connection reused
section "reminders: curl baselines"
N_BASE=5000
{
	printf 'From: Avenir Pro <no-reply@relance.test>\r\nTo: s@example.org\r\n'
	printf 'Subject: =?UTF-8?Q?Rappel_=3A_votre_entretien?=\r\nMIME-Version: 1.0\r\n'
	printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
	for i in $(seq 40); do printf 'Bonjour, ceci est un rappel de votre entretien de suivi.\r\n'; done
} >"$T/msg.eml"
for i in $(seq "$N_BASE"); do
	printf 'url = "smtp://127.0.0.1:%s"\nmail-from = "no-reply@relance.test"\nmail-rcpt = "s%d@example.org"\nupload-file = "%s"\nnext\n' \
	    "$SMTP_SINK_PORT" "$i" "$T/msg.eml"
done >"$T/curl-smtp.cfg"
t0=$(now_s)
curl -s -K "$T/curl-smtp.cfg" >"$T/curl-smtp.out" 2>&1
t1=$(now_s)
CURL_SMTP=$(fdiv "$N_BASE" "$(sub "$t1" "$t0")")
note "curl smtp: $N_BASE mails in $(sub "$t1" "$t0") s: $CURL_SMTP/s"
for i in $(seq "$N_BASE"); do
	printf 'url = "%s?username=tester&password=secret&from=AvenirPro&to=%%2B336%08d&charset=UTF-8&coding=0&text=Bonjour+L%%C3%%A9a%%2C+rappel+%%3A+entretien+de+suivi+le+lundi+07%%2F12%%2F2026+%%C3%%A0+10h30.+Avenir+Pro"\noutput = /dev/null\n' \
	    "$KANNEL_SENDSMS_URL" "$i"
done >"$T/curl-sms.cfg"
mt0=$(kannel_mt_count)
t0=$(now_s)
curl -s -w '%{http_code}\n' -K "$T/curl-sms.cfg" >"$T/curl-sms.out" 2>&1
t1=$(now_s)
CURL_SMS=$(fdiv "$N_BASE" "$(sub "$t1" "$t0")")
assert_eq "$(grep -c '^202$' "$T/curl-sms.out")" "$N_BASE" "curl sendsms: every SMS accepted (202)"
note "curl sendsms: $N_BASE SMS in $(sub "$t1" "$t0") s: $CURL_SMS/s"
wait_for "[ \$(kannel_mt_count) -ge $((mt0 + N_BASE)) ]" 120 || note "fakesmsc got only $(($(kannel_mt_count) - mt0)) of $N_BASE"

# remind_run CHANNEL NAME (CHANNEL: $CH_EMAIL or $CH_SMS): make every pending reminder of CHANNEL due now,
# start relanced, time status REM_SENT from the first to the last; sets RATE
remind_run() {
	local ch=$1 name=$2 n out t_first t_done v_first v
	sqlite3 "$T/rem.db" "update reminders set next_at = strftime('%s', 'now') - 1 where channel = $ch and status = $REM_PENDING"
	n=$(sqlite3 "$T/rem.db" "select count(*) from reminders where channel = $ch and status = $REM_PENDING")
	start_relanced "$T/rem.conf"
	out=$("$PY" "$BENCH/poll.py" "$T/rem.db" "select count(*) from reminders where channel = $ch and status = $REM_SENT" \
	    "$n" 300 100)
	read -r t_first t_done v_first v <<<"$out"
	assert_eq "$v" "$n" "$name: every due reminder sent"
	RATE=$(fdiv "$((n - v_first))" "$(sub "$t_done" "$t_first")")
	note "$name: $n in $(sub "$t_done" "$t_first") s: $RATE/s (failed: $(sqlite3 "$T/rem.db" "select count(*) from reminders where channel = $ch and status = $REM_FAILED"))"
	stop_relanced 30
}
section "reminders: relanced email to smtp-sink"
sink0=$(find "$SMTP_SINK_DIR" -type f | wc -l)
remind_run $CH_EMAIL email
EMAIL_RATE=$RATE
sink1=$(find "$SMTP_SINK_DIR" -type f | wc -l)
assert_eq "$((sink1 - sink0))" "$REM_EMAILS" "smtp-sink stored one file per email reminder"
section "reminders: relanced SMS to Kannel"
mt0=$(kannel_mt_count)
remind_run $CH_SMS sms
SMS_RATE=$RATE
wait_for "[ \$(kannel_mt_count) -ge $((mt0 + REM_SMS)) ]" 120 ||
    note "fakesmsc got only $(($(kannel_mt_count) - mt0)) of $REM_SMS"
assert_eq "$(($(kannel_mt_count) - mt0))" "$REM_SMS" "fakesmsc got every SMS reminder"
# In flight during each run: the key of rem.conf, else relanced's default
conf_int() { awk -v s="[$1]" -v k="$2" -v d="$3" '/^\[/ { in_s = $1 == s }
	in_s && $1 == k { v = $3 } END { print v != "" ? v : d }' "$T/rem.conf"; }
row "email reminders to smtp-sink (/s)" "$EMAIL_RATE" "curl $CURL_SMTP/s" \
    "$(fdiv "$EMAIL_RATE" "$CURL_SMTP" %.2f)x curl (>= 1000/s), $(conf_int retry concurrency 16) in flight" \
    "$(verdict "$EMAIL_RATE" 1000)"
row "SMS reminders to Kannel (/s)" "$SMS_RATE" "curl $CURL_SMS/s" \
    "$(fdiv "$SMS_RATE" "$CURL_SMS" %.2f)x curl (>= 1500/s), $(conf_int sms concurrency 256) in flight" \
    "$(verdict "$SMS_RATE" 1500)"
stop_kannel
fi

# ------------------------------------------------------- RSS and size

if want rss; then

section "memory: $N_RSS students, $((N_RSS * 20)) pending reminders"
# horizon 3650d: every reminder row made at once (pending in the store)
write_conf "$T/rss.conf" kafka.group=bench-rss kafka.topic.exams=bench.empty \
    store.path="$T/rss.db" calendar.feeds_dir="$T/feeds-rss" "dropin.window=$DROPIN" \
    reminders.horizon=3650d
mkdir -p "$T/feeds-rss"
"$PY" "$BENCH/gen_events.py" "$N_RSS" "$ADVISERS" "$FIRST_DAY" 14 7 >"$T/rss.tsv"
"$BUILD/plan_bench" "$T/rss.conf" "$T/rss.tsv" >"$T/plan_bench-rss.log" 2>&1 ||
    die "plan_bench failed: $(tail -3 "$T/plan_bench-rss.log")"
PB_RATE=$(awk '/events\/s/ {print $(NF-1)}' "$T/plan_bench-rss.log")
PENDING=$(sqlite3 "$T/rss.db" "select count(*) from reminders where status = $REM_PENDING")
note "plan_bench: $(tail -1 "$T/plan_bench-rss.log"); $PENDING pending reminders"
start_relanced "$T/rss.conf"
# Let the first feed pass run (every student's and adviser's feed file),
# then read the high-water mark; a status query and a feed fetch too.
relancectl status >/dev/null
curl -s -o /dev/null "$(relancectl feed adviser adv0000)"
# every student's and adviser's feed file, or 3 s without a new one
prev=-1 same=0
for i in $(seq 120); do
	nf=$(find "$T/feeds-rss" -name '*.ics' | wc -l)
	[ "$nf" -ge $((N_RSS + ADVISERS)) ] && break
	if [ "$nf" = "$prev" ]; then same=$((same + 1)); else same=0; fi
	[ $same -ge 3 ] && break
	prev=$nf
	sleep 1
done
RSS_HWM=$(hwm "$RELANCED_PID")
RSS_BYTES=$(($(stat -c %s "$T/rss.db") + $(stat -c %s "$T/rss.db-wal" 2>/dev/null || echo 0)))
note "relanced: VmHWM $(mb "$RSS_HWM") with $PENDING pending reminders, $nf feed files written"
stop_relanced 30
assert_ne "$RSS_HWM" "" "VmHWM read"
row "peak RSS, $PENDING pending reminders" "$(mb "$RSS_HWM")" "-" "< 100 MB" \
    "$(awk -v k="$RSS_HWM" 'BEGIN { print (k < 102400) ? "ok" : "MISSED" }')"
row "store per student (db + wal)" "$(fdiv "$RSS_BYTES" "$N_RSS") B" "-" \
    "$(fdiv "$RSS_BYTES" 1048576 %.0f) MB / $N_RSS students, 20 reminders each" "-"
row "planning without Kafka, plan_bench (events/s)" "$PB_RATE" "-" "store write path alone, rows at once" "-"
fi

# ------------------------------------------------------ the students' page

if want page; then

N_PAGE=${BENCH_PAGE_STUDENTS:-2000}
section "page: $N_PAGE students planned (plan_bench), GET /r/CODE and answers"
write_conf "$T/page.conf" kafka.group=bench-page kafka.topic.exams=bench.empty \
    store.path="$T/page.db" calendar.feeds_dir="$T/feeds-page" "dropin.window=$DROPIN" \
    checkins.location="Mission locale du Nord Mosellan"
mkdir -p "$T/feeds-page"
"$PY" "$BENCH/gen_events.py" "$N_PAGE" 5 "$FIRST_DAY" >"$T/page.tsv"
"$BUILD/plan_bench" "$T/page.conf" "$T/page.tsv" >"$T/plan_bench-page.log" 2>&1 ||
    die "plan_bench failed: $(tail -3 "$T/plan_bench-page.log")"
start_relanced "$T/page.conf"
# relanced makes the key at its first start; the links of the appointments
# the step answers are given out (relancectl link stores their code hashes,
# as the dispatcher does before a reminder)
wait_for 'test -s "$T/link.key"' 20 || die "page: no link key"
sqlite3 "$T/page.db" "select uid from appointments where status = $APPT_CONFIRMED
    and starts_at > strftime('%s', 'now') + 86400" >"$T/page-uids.txt"
xargs "$BUILD/relancectl" -c "$T/page.conf" link <"$T/page-uids.txt" >/dev/null ||
    die "page: relancectl link failed"
P_UID=$(sqlite3 "$T/page.db" "select uid from appointments where status = $APPT_CONFIRMED and starts_at > strftime('%s', 'now') + 86400 order by id limit 1")
P_URL=$RELANCE_URL/r/$("$PY" "$LIB_TESTS/helpers/linkcode.py" "$T/link.key" "$P_UID")
assert_eq "$(curl -s -o "$T/page.html" -w '%{http_code}' "$P_URL")" 200 "page: GET /r/CODE 200"
P_BYTES=$(stat -c %s "$T/page.html")
wrk -t2 -c16 -d10s --latency "$P_URL" >"$T/wrk-page.txt" 2>&1
wrk -t2 -c16 -d10s --latency "$RELANCE_URL/healthz" >"$T/wrk-page-healthz.txt" 2>&1
WRKP=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$T/wrk-page.txt")
WRKP_P99=$(awk '$1 == "99%" {print $2}' "$T/wrk-page.txt")
WRKP_HZ=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$T/wrk-page-healthz.txt")
assert_ne "${WRKP:-}" "" "page: wrk measured req/s"
assert_no_grep 'Non-2xx' "$T/wrk-page.txt" "page: every answer of the wrk run was a 200"
note "wrk: page $WRKP req/s (p99 $WRKP_P99, $P_BYTES bytes), /healthz $WRKP_HZ req/s"
# answers: every student confirms one appointment, a quarter move another
out=$("$PY" "$BENCH/answers.py" "$RELANCE_URL" "$T/link.key" "$T/page.db" "$N_PAGE" \
    "$((N_PAGE / 4))" 8 2>"$T/answers.log")
read -r A_CONF A_CONF_OK A_MOVE A_MOVE_OK A_MOVE_409 <<<"$out"
sed 's/^/  .. /' "$T/answers.log"
assert_eq "$A_CONF_OK" "$N_PAGE" "page: every confirmation applied (303)"
assert_eq "$(sqlite3 "$T/page.db" "select count(*) from appointments where answer = $ANSWER_CONFIRMED")" \
    "$N_PAGE" "page: every confirmation committed"
note "answers: $A_CONF confirmations/s; moves (GET + POST) $A_MOVE/s, $A_MOVE_OK moved, $A_MOVE_409 refused (slot taken meanwhile)"
stop_relanced 30
row "page GET /r/CODE, cached (req/s)" "$WRKP" "/healthz $WRKP_HZ req/s" \
    "$(fdiv "$WRKP" "$WRKP_HZ" %.2f)x /healthz (>= 2000), p99 $WRKP_P99" "$(verdict "$WRKP" 2000)"
row "answers from the page, POST to committed (/s)" "$A_CONF" "-" \
    "confirm, 8 clients, $N_PAGE answers (>= 500/s)" "$(verdict "$A_CONF" 500)"
row "  moves from the page, GET + POST (/s)" "$A_MOVE" "-" \
    "$A_MOVE_OK moved, $A_MOVE_409 slot taken meanwhile" "-"
fi

# ---------------------------------------------------------------- table

section "done"
{
	echo "relance benchmarks ($(date -u +%F), make bench, total $(elapsed) s)"
	echo "$MACHINE"
	echo "$STOREDISK"
	echo
	printf '%s\n' "metric|measured|baseline (same run)|ratio / target|verdict" "${ROWS[@]}" |
	    awk -F'|' '
	{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NR }
	END {
		for (r = 1; r <= n; r++) {
			line = ""
			for (i = 1; i <= 5; i++)
				line = line sprintf("%-" w[i] "s", c[r, i]) (i < 5 ? "  " : "")
			print line
			if (r == 1) {
				line = ""
				for (i = 1; i <= 5; i++) { s = sprintf("%" w[i] "s", ""); gsub(/ /, "-", s); line = line s (i < 5 ? "  " : "") }
				print line
			}
		}
	}'
} >"$T/table.txt"
mkdir -p "$(dirname "$RESULTS")"
cp "$T/table.txt" "$RESULTS"
echo
cat "$T/table.txt"
echo
echo "saved to ${RESULTS#"$TOP"/}"
