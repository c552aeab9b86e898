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
code_of() { "$PY" "$LIB_TESTS/helpers/linkcode.py" "$T/link.key" "$1"; }
req() {
	local src=$1 url=$2; shift 2
	curl -s --interface "$src" -o "$T/body.html" -D "$T/hdr.txt" -w '%{http_code}' "$@" "$url"
}
get() { req "${SRC:-127.0.0.1}" "$RELANCE_URL/r/$1" "${@:2}"; }
post() { req "${SRC:-127.0.0.1}" "$RELANCE_URL/r/$1" --data-raw "$2" "${@:3}"; }
header() { awk -v h="$1" -F': ' 'tolower($1) == tolower(h) {sub(/\r$/, "", $2); print $2}' "$T/hdr.txt"; }
token() { grep -o 'name="token" value="[^"]*"' "$T/body.html" | head -1 | sed 's/.*value="//; s/"$//'; }
slots() { grep -o 'name="slot" value="[0-9]*"' "$T/body.html" | sed 's/.*value="//; s/"$//'; }
CLOCK_OFF=$((NOW - $(date +%s)))
state() {
	wait_for '[ "$(sql "select count(*) from outbox")" = 0 ]' 10 >/dev/null 2>&1
	wait_for '[ "$(sql "select count(*) from reminders where status = $REM_SENDING or
	    (status = $REM_PENDING and next_at <= $(($(date +%s) + CLOCK_OFF + 2)))")" = 0 ]' 10 >/dev/null 2>&1
	sql "select * from appointments order by id; select * from reminders order by id;
	     select * from student_messages order by id; select * from dropin_fill order by 1, 2;
	     select count(*) from outbox"
}
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
