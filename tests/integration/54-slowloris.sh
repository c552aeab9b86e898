#!/bin/bash
# 54-slowloris: the HTTP server stays available to other clients when some
# are slow or hostile (contract section 6). 600 slow connections from
# 127.0.0.2 (tests/peers/slowloris.py: one header byte every 3 s, never the
# end of the headers) while /healthz, a feed and a delivery report from
# 127.0.0.1 each answer within 1 s throughout, past the idle timeout (10 s):
# one address holds at most 32 connections. An idle connection is closed
# after 10 s; headers over the memory bound are refused; a path with an
# encoded '/' or NUL, a raw NUL and an HTTP/1.1 request without Host get 400.
. "$(dirname "$0")/../lib.sh"
lib_init slowloris

start_kafka
write_conf "$T/relance.conf" reminders.horizon=400d
start_relanced "$T/relance.conf"
ev_exam student=S1 given_name=Axel last_exam_on="$(date -d '-1 days' +%F)" >"$T/exams.jsonl"
produce avenirpro.exams "$T/exams.jsonl"
wait_for 'sql "select count(*) from appointments" | grep -qvx 0' 20 || die "student not planned"
FEED=$RELANCE_URL/feeds/student/$(sql "select feed_token from students where id = 'S1'").ics
PORT=${RELANCE_URL##*:}
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
assert_eq "$(code "$FEED")" 200 "the feed answers"

# raw REQUEST: send it as is to relanced, print the status code of the answer
raw() {
	"$PY" - "$PORT" "$1" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
try:
    line = s.recv(4096).split(b"\r\n")[0].decode("latin-1")
    print(line.split(" ")[1] if line.startswith("HTTP/") else "closed")
except OSError:
    print("closed")
PYEOF
}
assert_eq "$(code --path-as-is "$RELANCE_URL/feeds/student/a%2Fb.ics")" 400 "encoded '/' in the path: 400"
assert_eq "$(code --path-as-is "$RELANCE_URL/feeds/student/a%2fb.ics")" 400 "encoded '/' (lower case): 400"
assert_eq "$(code --path-as-is "$RELANCE_URL/healthz%00")" 400 "encoded NUL in the path: 400"
assert_eq "$(raw 'GET /healthz\x00.ics HTTP/1.1\r\nHost: a\r\n\r\n')" 400 "raw NUL in the path: 400"
assert_eq "$(raw 'GET /healthz HTTP/1.1\r\n\r\n')" 400 "HTTP/1.1 without Host: 400"
assert_eq "$(raw 'GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n')" 200 "HTTP/1.1 with Host: 200"
assert_eq "$(raw 'GET /healthz HTTP/1.0\r\n\r\n')" 200 "HTTP/1.0 without Host: 200"
assert_eq "$(code -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)" "$RELANCE_URL/healthz")" 431 \
    "40 kB of headers: 431"
head -c 10000 /dev/zero | tr '\0' a >"$T/big"
assert_eq "$(code -X POST --data-binary "@$T/big" \
    "$RELANCE_URL/sms/kannel/dlr?id=1&status=1")" 413 "POST body over 8 kB: 413"

# An idle connection is closed after the connection timeout (10 s).
idle=$("$PY" - "$PORT" <<'PYEOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
t0 = time.monotonic()
try:
    s.recv(1)
except OSError:
    pass
print(int(time.monotonic() - t0))
PYEOF
)
assert_ok "an idle connection is closed after about 10 s (took ${idle}s)" eval "[ $idle -ge 8 ] && [ $idle -le 13 ]"

# 600 slow connections from 127.0.0.2
lib_spawn slowloris "$PY" "$LIB_TESTS/peers/slowloris.py" --port "$PORT" --src 127.0.0.2 \
    --conns 600 --interval 3 --status "$T/slowloris.status"
wait_for "grep -q 'rounds 2' '$T/slowloris.status'" 20 || die "slowloris did not start"
note "slowloris: $(cat "$T/slowloris.status")"
# (the fewest of 10 looks: connections in the accept queue count too)
held=100000
for _ in 1 2 3 4 5 6 7 8 9 10; do
	n=$(ss -Htn state established "( sport = :$PORT and dst 127.0.0.2 )" | wc -l)
	[ "$n" -lt "$held" ] && held=$n
	sleep 0.3
done
note "connections from 127.0.0.2 held by relanced: $held"
assert_ok "one address holds at most 32 connections ($held)" eval "[ $held -le 32 ]"
DLR="$RELANCE_URL/sms/kannel/dlr?id=999999&status=1"
slow=0 rounds=0
t_end=$(($(date +%s) + 25))
while [ "$(date +%s)" -lt $t_end ]; do
	for url in "$RELANCE_URL/healthz" "$FEED" "$DLR"; do
		r=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$url")
		case $r in
		000|5*) slow=$((slow + 1)); note "$(date +%T) $url: $r" ;;
		esac
	done
	rounds=$((rounds + 1))
	sleep 0.5
done
note "slowloris: $(cat "$T/slowloris.status")"
assert_ok "$rounds rounds of 3 requests over 25 s" eval "[ $rounds -ge 10 ]"
assert_eq "$slow" 0 "/healthz, the feed and a delivery report answered within 1 s throughout"
assert_grep 'open' "$T/slowloris.status" "slowloris still running"

stop_relanced
assert_eq $? 0 "relanced stops cleanly"
