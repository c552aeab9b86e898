# tests/helpers/page.sh: the students' page as the page tests (61-page,
# 64-page-hostile) reach it, sourced after lib.sh once NOW (the test
# clock's start) is set.
# code_of UID: the link is given out (relancectl link stores its code hash,
# as the dispatcher does before a reminder), and its code computed from the
# key by linkcode.py, independently of relanced
code_of() {
	relancectl link "$1" >/dev/null || echo "relancectl link $1 failed" >&2
	"$PY" "$LIB_TESTS/helpers/linkcode.py" "$T/link.key" "$1"
}
# req SRC URL [CURL_ARGS...]: HTTP status; body in $T/body.html, headers in $T/hdr.txt
req() {
	local src=$1 url=$2; shift 2
	curl -s --interface "$src" -o "$T/body.html" -D "$T/hdr.txt" -w '%{http_code}' "$@" "$url"
}
get() { req "${SRC:-127.0.0.1}" "$RELANCE_URL/r/$1" "${@:2}"; }
# post CODE DATA [CURL_ARGS...]: POST DATA (urlencoded) to /r/CODE
post() { req "${SRC:-127.0.0.1}" "$RELANCE_URL/r/$1" --data-raw "$2" "${@:3}"; }
header() { awk -v h="$1" -F': ' 'tolower($1) == tolower(h) {sub(/\r$/, "", $2); print $2}' "$T/hdr.txt"; }
token() { grep -o 'name="token" value="[^"]*"' "$T/body.html" | head -1 | sed 's/.*value="//; s/"$//'; }
slots() { grep -o 'name="slot" value="[0-9]*"' "$T/body.html" | sed 's/.*value="//; s/"$//'; }
# state: what the store holds that an answer could change (the publish
# queue is drained first: the producer empties it in the background)
CLOCK_OFF=$((NOW - $(date +%s)))
state() {
	wait_for '[ "$(sql "select count(*) from outbox")" = 0 ]' 10 >/dev/null 2>&1
	wait_for '[ "$(sql "select count(*) from reminders where status = $REM_SENDING or
	    (status = $REM_PENDING and next_at <= $(($(date +%s) + CLOCK_OFF + 2)))")" = 0 ]' 10 >/dev/null 2>&1
	sql "select * from appointments order by id; select * from reminders order by id;
	     select * from student_messages order by id; select * from dropin_fill order by 1, 2;
	     select count(*) from outbox"
}
