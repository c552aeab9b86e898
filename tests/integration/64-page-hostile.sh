#!/bin/bash
# 64-page-hostile: the students' page /r/CODE (contract section 8) attacked
# as a hostile student, a hostile web client and a careless admin would,
# through the real daemon on loopback (curl and Python sockets).
#   - HTML injection: the adviser's name and [checkins] location are
#     escaped; the student's given name never shows; an adviser's name
#     with a no-break space or a newline shows its first word only
#   - moves to times that are not one of the offered free slots: a free
#     slot past the six offered, not a slot boundary, a weekend, night,
#     the past, today, a closed day, another student's booked slot, a full
#     drop-in slot, absurd numbers (negative, huge, 2^31 days, overflow):
#     refused, nothing changed, the daemon still up
#   - form oddities: repeated, missing, oversized, %00, '+', invalid %,
#     huge bodies, chunked bodies, content types
#   - parallel POSTs with one token: one change, one event
#   - rate limit: an IPv6 /64 behind the trusted proxy counts as one
#     address; X-Forwarded-For lists and junk
#   - a drop-in with no other free slot: the page says so, no move form
. "$(dirname "$0")/../lib.sh"
lib_init pagehostile

PROXY=127.0.0.8
EVIL_PLACE='Salle "B" <script>alert(1)</script> & <img src=x onerror=alert(2)>'
EVIL_ADVISER='<b>Mallory</b>"onmouseover=alert(3) Méchant'
UAI=0570999Z
start_kafka
NOW=$(TZ=Europe/Paris date -d '2026-12-01 10:00:00' +%s)
write_conf "$T/relance.conf" checkins.location="$EVIL_PLACE" answers.proxies="$PROXY" \
    "checkins.closed=2026-12-03" \
    "dropin.window=$UAI 2026-12-10..2026-12-10 09:00-09:40 slot=20m capacity=1"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"
{
	ev_exam id=e1 student=S1 given_name=Givenuniq family_name=Famuniq email=s1@example.org \
	    phone=+33698765431 last_exam_on=2026-11-23
	ev_exam id=e2 student=S2 given_name=Bob family_name=Autre adviser=adv2 \
	    adviser_name="$EVIL_ADVISER" last_exam_on=2026-11-23
	ev_exam id=e3 student=S3 given_name=Chloe family_name=Trois adviser=adv3 \
	    adviser_name=$'Zoé\u00a0Nbspfamille' last_exam_on=2026-11-23
	ev_exam id=e5 student=S5 given_name=Eve family_name=Cinq last_exam_on=2026-11-23
	ev_exam id=e6 student=S6 given_name=Fay family_name=Six uai=$UAI last_exam_on=2026-11-23
	ev_exam id=e7 student=S7 given_name=Gus family_name=Sept uai=$UAI last_exam_on=2026-11-23
} >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
wait_for '[ "$(sql "select count(*) from appointments")" -ge 26 ]' 20 || die "appointments not planned"
sleep 1
wait_for 'test -s "$T/link.key"' 5 || die "no link key"
sql "select student_id, kind, starts_at, adviser_id from appointments order by student_id, starts_at" |
    sed 's/^/  .. /' | head -40

uid_of() { sql "select uid from appointments where student_id = '$1' and kind = ${3:-$KIND_CHECKIN} order by starts_at limit 1 offset $2"; }
. "$LIB_TESTS/helpers/page.sh"
alive() { kill -0 "$RELANCED_PID" 2>/dev/null && [ "$(curl -s -o /dev/null -w '%{http_code}' "$RELANCE_URL/healthz")" = 200 ]; }
at() { TZ=Europe/Paris date -d "$1" +%s; }

A_UID=$(uid_of S1 0) A=$(code_of "$(uid_of S1 0)")
E_UID=$(uid_of S5 0) E=$(code_of "$E_UID")
note "S1 first check-in $A_UID $A"

# ---- injection ---------------------------------------------------------------------------
assert_eq "$(get "$(code_of "$(uid_of S2 0)")")" 200 "the page of S2 (adviser with markup in the name)"
cp "$T/body.html" "$T/page-s2.html"
assert_no_grep '<script|<img|<b>|"onmouseover' "$T/page-s2.html" "no markup from the place or the adviser's name"
assert_grep 'Salle &quot;B&quot; &lt;script&gt;alert\(1\)&lt;/script&gt; &amp; &lt;img' "$T/page-s2.html" \
    "the place is escaped"
assert_grep '<dd>&lt;b&gt;Mallory&lt;/b&gt;&quot;onmouseover=alert\(3\)</dd>' "$T/page-s2.html" \
    "the adviser's first word is escaped"
assert_no_grep 'Méchant' "$T/page-s2.html" "and the adviser's family name is not shown"
get "$A" >/dev/null
assert_no_grep 'Givenuniq|Famuniq|s1@example|98765431' "$T/body.html" "the student's names and contacts are not on the page"
assert_eq "$(get "$(code_of "$(uid_of S3 0)")")" 200 "the page of S3 (adviser name with a no-break space)"
assert_no_grep 'Nbspfamille' "$T/body.html" "a no-break space ends the adviser's first name"
assert_grep '<dd>Zoé</dd>' "$T/body.html" "the first name alone"

# ---- moves to times that are not offered ---------------------------------------------------
assert_eq "$(get "$A")" 200 "the page of S1's first check-in"
TOK=$(token)
mapfile -t SLOTS < <(slots)
note "offered: ${SLOTS[*]}"
assert_eq "${#SLOTS[@]}" 6 "six free slots offered"
assert_eq "${SLOTS[0]}" "$(at '2026-12-02 09:00')" "the first one is tomorrow 9h00"
OTHER=$(sql "select starts_at from appointments where student_id = 'S5' and kind = $KIND_CHECKIN order by starts_at limit 1")
state >"$T/state0"
# name|slot value: each must be refused with nothing changed
while IFS='|' read -r what slot; do
	get "$A" >/dev/null
	code=$(post "$A" "token=$(token)&action=move&slot=$slot")
	case $code in 409|400) pass "move to $what ($slot): $code" ;;
	*) fail "move to $what ($slot): $code (Location: $(header Location))" ;; esac
	alive || die "relanced is gone after a move to $what"
done <<EOF2
epoch 1|1
a negative time|-$(at '2026-12-02 09:00')
zero|0
INT64_MAX|9223372036854775807
an overflowing number|99999999999999999999999
day 2^31 (86400 * 2^31)|185542587187200
day -2^31|-185542587187200
day 2^31 - 1|185542587100800
hexadecimal|0x6B49D200
a float|1.7966e9
leading space then a slot|+${SLOTS[0]}x
the slot with a NUL|${SLOTS[0]}%00
a slot and junk|${SLOTS[0]}abc
a free slot past the six offered (tomorrow 13h30)|$(at '2026-12-02 13:30')
a free slot three months on|$(at '2027-03-03 15:00')
a free slot a year on|$(at '2027-12-01 10:00')
a time between two slots|$((SLOTS[1] + 60))
one second after a slot|$((SLOTS[2] + 1))
Saturday|$(at '2026-12-05 10:00')
Sunday|$(at '2026-12-06 10:00')
night|$(at '2026-12-08 03:00')
lunch|$(at '2026-12-08 12:30')
the past|$(at '2026-11-30 10:00')
today, a free slot later on|$(at '2026-12-01 14:00')
a closed day ([checkins] closed)|$(at '2026-12-03 10:00')
another student's booked slot|$OTHER
a drop-in slot for a check-in|$(at '2026-12-10 09:20')
EOF2
state >"$T/state1"
assert_ok "refused moves changed nothing in the store" cmp -s "$T/state0" "$T/state1"

# ---- a drop-in with no other slot: the page says so; the full slot is refused ------------
F_UID=$(uid_of S6 0 "$KIND_DROPIN") F=$(code_of "$F_UID")
G_START=$(sql "select starts_at from appointments where student_id = 'S7' and kind = $KIND_DROPIN")
assert_eq "$(get "$F")" 200 "the page of S6's drop-in"
assert_grep "Il n'y a pas d'autre créneau libre pour le moment. Pour le changer, contactez Amélie" \
    "$T/body.html" "0 free slots: the page says there is none and to contact the adviser"
assert_no_grep 'name="slot"' "$T/body.html" "and offers no move form"
assert_grep '>Je ne peux pas venir</button>' "$T/body.html" "cancel is still offered"
state >"$T/state2"
assert_eq "$(post "$F" "token=$(token)&action=move&slot=$G_START")" 409 "move to S7's full drop-in slot: 409"
assert_grep "Ce créneau n'est plus libre" "$T/body.html" "the 409 says the slot is not free"
state >"$T/state3"
assert_ok "nothing changed" cmp -s "$T/state2" "$T/state3"

# ---- form oddities -----------------------------------------------------------------------
get "$E" >/dev/null
TOK_E=$(token)
mapfile -t SLOTS_E < <(slots)
state >"$T/state4"
while IFS='|' read -r want what body; do
	code=$(post "$E" "$body")
	assert_eq "$code" "$want" "$what"
done <<EOF2
403|token repeated, a wrong one first|token=AAAAAAAAAAAAAAAAAAAAAA&token=$TOK_E&action=confirm
403|the token with a NUL|token=$TOK_E%00&action=confirm
403|the token with a trailing '+' (a space)|token=$TOK_E+&action=confirm
403|the token percent-encoded in part and cut|token=${TOK_E:0:21}%&action=confirm
403|the token's name percent-encoded|%74oken=$TOK_E&action=confirm
403|the token in upper case|token=${TOK_E^^}&action=confirm
400|no action|token=$TOK_E
400|an empty action|token=$TOK_E&action=
400|the action with a NUL|token=$TOK_E&action=confirm%00
400|the action with a trailing space|token=$TOK_E&action=confirm+
400|an action too long|token=$TOK_E&action=$(printf 'c%.0s' $(seq 300))
400|invalid percent escapes|token=$TOK_E&action=%zz%4
400|a body of ampersands and equals|token=$TOK_E&&&==&=&action
400|move with an empty slot|token=$TOK_E&action=move&slot=
400|move with a slot too long|token=$TOK_E&action=move&slot=$(printf '1%.0s' $(seq 40))
EOF2
state >"$T/state5"
assert_ok "odd forms changed nothing" cmp -s "$T/state4" "$T/state5"
big=$("$PY" -c 'print("token=x&pad=" + "a" * 9000)')
assert_eq "$(post "$E" "$big")" 413 "a body over 8 KiB: 413"
assert_eq "$(req 127.0.0.1 "$RELANCE_URL/r/$E" -H 'Content-Length: 99999999999999999999' -X POST)" 413 \
    "a Content-Length too large for 64 bits: 413"
assert_eq "$(req 127.0.0.1 "$RELANCE_URL/r/$E" -H 'Content-Type: multipart/form-data; boundary=x' \
    --data-raw "token=$TOK_E&action=confirm")" 415 "multipart: 415"
assert_eq "$(req 127.0.0.1 "$RELANCE_URL/r/$E" -H 'Content-Type: text/plain' \
    --data-raw "token=$TOK_E&action=confirm")" 415 "text/plain (a cross-site form's other type): 415"
code=$(req 127.0.0.1 "$RELANCE_URL/r/$E" -H 'Transfer-Encoding: chunked' --data-raw "token=$TOK_E&action=confirm")
note "a chunked POST: $code"
alive || die "relanced is gone after a chunked POST"
state >"$T/state6"
if [ "$code" = 303 ]; then
	assert_eq "$(sql "select answer from appointments where uid = '$E_UID'")" "$ANSWER_CONFIRMED" "a chunked POST is read whole"
else
	assert_ok "a chunked POST that is not read changes nothing" cmp -s "$T/state5" "$T/state6"
fi

# ---- racing POSTs with one token ---------------------------------------------------------
replies() {
	consume_all avenirpro.relance.replies | cut -f2- |
	    "$PY" -c 'import json, sys
print(sum(1 for l in sys.stdin if l.strip() and json.loads(l)["type"] == sys.argv[1] and json.loads(l)["subject"] == sys.argv[2]))' \
	    "avenirpro.reply.$1" "$2"
}
# race CODE BODY...: each BODY POSTed at once on its own connection; prints the statuses, sorted
race() {
	"$PY" - "$RELANCE_HTTP_PORT" "$@" <<'PY'
import http.client, sys, threading
port, code, bodies = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in bodies]
for c in conns:
    c.connect()
go, out = threading.Barrier(len(bodies)), []
def one(c, b):
    go.wait()
    c.request("POST", "/r/" + code, b, {"Content-Type": "application/x-www-form-urlencoded"})
    out.append(c.getresponse().status)
ts = [threading.Thread(target=one, args=(c, b)) for c, b in zip(conns, bodies)]
for t in ts: t.start()
for t in ts: t.join()
print(" ".join(str(s) for s in sorted(out)))
PY
}
B2_UID=$(uid_of S5 1) B2=$(code_of "$B2_UID")
get "$B2" >/dev/null
T2=$(token)
bodies=()
for i in $(seq 12); do bodies+=("token=$T2&action=confirm"); done
r=$(race "$B2" "${bodies[@]}")
assert_eq "$r" "$(printf '303 %.0s' $(seq 12) | sed 's/ $//')" "12 confirms at once: all 303"
wait_for '[ "$(replies confirmed "$B2_UID")" -ge 1 ]' 15
sleep 1
assert_eq "$(replies confirmed "$B2_UID")" 1 "one avenirpro.reply.confirmed for 12 racing POSTs"
B3_UID=$(uid_of S5 2) B3=$(code_of "$B3_UID")
get "$B3" >/dev/null
T3=$(token)
mapfile -t S3 < <(slots)
bodies=()
for i in 0 1 2 3 4 5 0 1 2 3 4 5; do bodies+=("token=$T3&action=move&slot=${S3[$i]}"); done
r=$(race "$B3" "${bodies[@]}")
note "12 moves at once to 6 slots: $r"
assert_eq "$(sql "select moves from appointments where uid = '$B3_UID'")" 1 "12 racing moves: one move"
assert_eq "$(echo "$r" | tr ' ' '\n' | grep -c 303)" 2 "two 303 (the move, and its double tap)"
assert_eq "$(echo "$r" | tr ' ' '\n' | grep -c 409)" 10 "the others 409"
wait_for '[ "$(replies moved "$B3_UID")" -ge 1 ]' 15
sleep 1
assert_eq "$(replies moved "$B3_UID")" 1 "one avenirpro.reply.moved"
assert_eq "$(sql "select count(*) from appointments where adviser_id = 'acomelli' and status = $APPT_CONFIRMED
    group by starts_at having count(*) > 1")" "" "no slot of the adviser booked twice"
B4_UID=$(uid_of S5 3) B4=$(code_of "$B4_UID")
get "$B4" >/dev/null
T4=$(token)
mapfile -t S4 < <(slots)
r=$(race "$B4" "token=$T4&action=cancel" "token=$T4&action=move&slot=${S4[0]}" \
    "token=$T4&action=move&slot=${S4[1]}" "token=$T4&action=cancel" "token=$T4&action=move&slot=${S4[2]}")
note "cancels and moves at once: $r"
assert_eq "$(sql "select (status = $APPT_CANCELLED) + moves from appointments where uid = '$B4_UID'")" 1 \
    "cancels and moves at once: exactly one of them done"

# ---- rate limit: IPv6 /64, mapped addresses, behind the trusted proxy ----------------------
# fails N PREFIX: N failed lookups through the proxy, X-Forwarded-For PREFIX{i}; prints the statuses seen
fails() {
	"$PY" - "$RELANCE_HTTP_PORT" "$PROXY" "$@" <<'PY'
import http.client, socket, sys
port, proxy, n, fmt = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
seen = {}
c = None
for i in range(1, n + 1):
    if c is None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(proxy, 0))
    c.request("GET", "/r/unknown%014dA" % i, headers={"X-Forwarded-For": fmt.replace("{i}", "%x" % i)})
    r = c.getresponse()
    r.read()
    seen[r.status] = seen.get(r.status, 0) + 1
    if r.getheader("Connection", "").lower() == "close":
        c.close(); c = None
print(" ".join("%d:%d" % kv for kv in sorted(seen.items())))
PY
}
pget() { SRC=$PROXY get "$1" -H "X-Forwarded-For: $2"; }
assert_eq "$(fails 20 '2001:db8:a:b::{i}')" "404:20" "20 failed lookups from 20 addresses of one IPv6 /64"
assert_eq "$(pget "$E" 2001:db8:a:b:ffff:ffff:ffff:ffff)" 429 "then another address of that /64 gets 429"
assert_eq "$(pget "$E" 2001:db8:a:c::1)" 200 "the next /64 is served"
assert_eq "$(fails 20 '::ffff:198.51.100.10')" "404:20" "20 failed lookups from an IPv4-mapped IPv6 address"
assert_eq "$(pget "$E" 198.51.100.10)" 429 "count for the plain IPv4 address"
assert_eq "$(pget "$E" '198.51.100.10, 203.0.113.9')" 200 "only the last X-Forwarded-For hop is the client"
assert_eq "$(pget "$E" '203.0.113.9 , 198.51.100.10 ')" 429 "blanks around it ignored"
for junk in 'unknown' '999.1.1.1' '198.51.100.10 x' '198.51.100.10:443' '[2001:db8:a:b::1]' '' ','; do
	code=$(pget "$E" "$junk")
	assert_eq "$code" 200 "X-Forwarded-For '$junk' (not an address): the proxy's own address counts ($code)"
done
# a flood of new addresses cannot grow the table; note whether it flushes a blocked one
r=$(fails 6000 '2001:db8:{i}::1')
note "6000 failed lookups from 6000 /64s: $r"
alive || die "relanced is gone after 6000 addresses"
note "after the flood, the blocked /64 gets $(pget "$E" 2001:db8:a:b::77)"

# ---- the key file: a careless admin ----------------------------------------------------------
KEY=$T/link.key
K0=$(cat "$KEY")
assert_eq "$(stat -c %a "$KEY")" 600 "the key file is made 0600"
# rekey WHAT: reload relanced after the key file was made WHAT; the old key must stay in use
kept() {
	local what=$1 n
	n=$(wc -l <"$T/relanced.log")
	reload_relanced 10 || fail "reload with $what: no READY=1"
	assert_eq "$(get "$E")" 200 "reload with $what: the key in use is kept (links sent still open)"
	tail -n +"$((n + 1))" "$T/relanced.log" >"$T/reload.log"
}
printf 'abcd\n' >"$KEY"
kept "a key file too short"
assert_grep 'link.key: not a key \(64 hex digits\); keeping the key in use' "$T/reload.log" "the log says why"
assert_grep 'link key file refused, key in use kept, at' <(grep STATUS= "$T/notify.log" | tail -1) \
    "and STATUS= says so"
printf '%s\n%s\n' "$K0" "$K0" >"$KEY"
kept "two keys in the file"
assert_grep 'not a key' "$T/reload.log" "the log says why"
printf '%s' "${K0:0:63}g" >"$KEY"
kept "a key with a non-hex digit"
{ echo "$K0"; printf '\n%.0s' $(seq 100); echo "$K0" | rev; } >"$KEY"
kept "a key, 100 blank lines and another key"
assert_grep 'not a key' "$T/reload.log" "the log says why"
rm -f "$KEY"; mkdir "$KEY"
kept "a directory in its place"
assert_grep 'keeping the key in use' "$T/reload.log" "the log says why"
rmdir "$KEY"
"$PY" -c 'import os; print(os.urandom(32).hex())' >"$T/other.key"
ln -s "$T/other.key" "$KEY"
kept "a symbolic link to another key"
assert_grep 'link.key: a symbolic link \(not followed\); keeping the key in use' "$T/reload.log" \
    "the log says it is a symbolic link"
rm -f "$KEY"; mkfifo "$KEY"
kept "a FIFO in its place (must not hang)"
assert_grep 'not a regular file; keeping the key in use' "$T/reload.log" "the log says it is not a file"
rm -f "$KEY"
kept "the key file deleted"
assert_eq "$(cat "$KEY" 2>/dev/null)" "$K0" "the key in use is written back"
assert_eq "$(stat -c %a "$KEY" 2>/dev/null)" 600 "0600"
assert_grep 'link.key: missing: the key in use written back' "$T/reload.log" "the log says so"
assert_no_grep 'refused' <(grep STATUS= "$T/notify.log" | tail -1) "STATUS= no longer says refused"
chmod 644 "$KEY"
kept "a world-readable key file"
assert_grep 'readable by others than its owner' "$T/reload.log" "the log warns"
chmod 600 "$KEY"
# a deliberate new key: links sent before answer 404, the new ones open
get "$E" >/dev/null
OLD_TOK=$(token)
"$PY" -c 'import os; print(os.urandom(32).hex())' >"$KEY.new"
mv "$KEY.new" "$KEY"
reload_relanced 10 || fail "reload with a new key"
assert_eq "$(get "$E")" 404 "a new key: the code sent before answers 404"
E2=$(code_of "$E_UID")
assert_ne "$E2" "$E" "the code under the new key differs"
assert_eq "$(get "$E2")" 200 "the new code opens the page"
assert_eq "$(post "$E2" "token=$OLD_TOK&action=cancel")" 403 "a form of the old key: 403"
assert_eq "$(sql "select status from appointments where uid = '$E_UID'")" "$APPT_CONFIRMED" "nothing changed"
# a start with a broken key file: refused, saying why
stop_relanced
cp "$KEY" "$T/good.key"
printf 'not a key\n' >"$KEY"
timeout 20 env RELANCE_TEST_CLOCK=$NOW "$BUILD/relanced" -c "$T/relance.conf" >"$T/bad-start.log" 2>&1
rc=$?
assert_ne "$rc" 0 "relanced does not start with a broken key file (exit $rc)"
assert_grep 'link.key: not a key' "$T/bad-start.log" "and says why"
cp "$T/good.key" "$KEY"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"
assert_eq "$(get "$E2")" 200 "started again with the good key"

# ---- a proxy that adds its own X-Forwarded-For line (HAProxy's option forwardfor) ---------
# The client's own X-Forwarded-For line comes first, the proxy's last: the
# last line is the one the proxy wrote.
for i in $(seq 20); do
	c=$(printf 'twolines%014dA' "$i")
	[ "$(SRC=$PROXY get "$c" -H 'X-Forwarded-For: 198.51.100.200' -H 'X-Forwarded-For: 203.0.113.50')" = 404 ] ||
	    fail "failed lookup $i with two X-Forwarded-For lines was not a 404"
done
assert_eq "$(pget "$E2" 203.0.113.50)" 429 "two X-Forwarded-For lines: the last one (the proxy's) is the client"
assert_eq "$(pget "$E2" 198.51.100.200)" 200 "the client's own line blocks nobody"

# ---- methods, and an appointment cancelled by the adviser ------------------------------------
state >"$T/state7"
for m in PUT DELETE PATCH OPTIONS TRACE; do
	assert_eq "$(req 127.0.0.1 "$RELANCE_URL/r/$E2" -X "$m" --data-raw "token=x&action=cancel")" 405 "$m /r/CODE: 405"
done
assert_eq "$(req 127.0.0.1 "$RELANCE_URL/r/$E2?action=cancel&token=x" -X GET --data-raw "action=cancel")" 200 \
    "a GET with a body: the page, nothing done"
assert_eq "$(req 127.0.0.1 "$RELANCE_URL/r/$E2?done=cancel" -I)" 200 "HEAD ?done=cancel: 200"
assert_eq "$(req 127.0.0.1 "$RELANCE_URL/r/$E2/../$E2" --path-as-is)" 404 "dot segments: 404"
assert_eq "$(req 127.0.0.1 "$RELANCE_URL/r/$E2%2F")" 400 "an encoded slash: 400"
assert_eq "$(req 127.0.0.1 "$RELANCE_URL/r/$(printf 'A%.0s' $(seq 3000))")" 414 "a 3000-character code: 414"
state >"$T/state8"
assert_ok "none of it changed anything" cmp -s "$T/state7" "$T/state8"
C2_UID=$(uid_of S1 3)   # months away: relancectl runs on the real clock
C2=$(code_of "$C2_UID")
assert_eq "$(get "$C2")" 200 "the page of an appointment the adviser is about to cancel"
TC=$(token)
ANS=$(sql "select answer from appointments where uid = '$C2_UID'")
relancectl cancel "$C2_UID" >"$T/cancel.out" || fail "relancectl cancel: $(cat "$T/cancel.out") $(tail -2 "$T/relancectl.log")"
assert_eq "$(get "$C2")" 404 "cancelled by the adviser: its page is gone (404)"
assert_eq "$(post "$C2" "token=$TC&action=confirm")" 404 "and a form of it: 404"
assert_eq "$(sql "select status || ' ' || answer from appointments where uid = '$C2_UID'")" \
    "$APPT_CANCELLED $ANS" "nothing more changed"
