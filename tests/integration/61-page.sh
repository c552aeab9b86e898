#!/bin/bash
# 61-page: the students' page /r/CODE (contract section 8) with curl and
# Python. The code of an appointment is computed from relanced's key file
# by tests/helpers/linkcode.py (written from the specification).
#   - the page: 200, French, the slot (day, time), place, adviser's first
#     name, never the student's family name, phone or email; security
#     headers; no script
#   - GET of every URL (the page, ?done=..., odd query strings, HEAD,
#     unknown and malformed codes) changes nothing in the store
#   - POST without token, with a wrong token, with the token of another
#     appointment's page: 403 and nothing changes
#   - double POST confirm: one change, one avenirpro.reply.confirmed event
#   - moves: 303 then the page says so; a form shown before the move: 303
#     when already so, else 409; a third move refused (409) and the page
#     says to contact the adviser; a double cancel is one cancellation
#   - unknown code, and expired code (the test clock past the start): 404
#   - rate limit: 20 failed lookups from one address, then 429 with
#     Retry-After (even for a good code); another address still served;
#     X-Forwarded-For ignored from a peer that is not in [answers] proxies,
#     believed from one that is
#   - /metrics: the page's counters, accepted by promcheck.py
. "$(dirname "$0")/../lib.sh"
lib_init page

FAMILY="Zébulonesque-Quintavalle"
EMAIL="zeb.quintavalle.unique@example.org"
PHONE_INTL="+33698765432"
PLACE="Mission locale du Nord Mosellan, 3 rue des Écoles"
PROXY=127.0.0.8

start_kafka
NOW=$(TZ=Europe/Paris date -d '2026-12-01 10:00:00' +%s)
write_conf "$T/relance.conf" checkins.location="$PLACE" answers.proxies="$PROXY"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"
{
	ev_exam id=e1 student=S1 given_name=Axelle family_name="$FAMILY" email="$EMAIL" \
	    phone="$PHONE_INTL" last_exam_on=2026-11-23
	ev_exam id=e2 student=S2 given_name=Bruno family_name=Autre email=bruno@example.org \
	    phone=+33611223344 adviser=adv2 adviser_name="Céline Durand" last_exam_on=2026-11-23
} >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
wait_for 'sql "select count(*) from appointments" | grep -qx 8' 20 || die "appointments not planned"
wait_for 'test -s "$T/link.key"' 5 || die "no link key"

uid_of() { sql "select uid from appointments where student_id = '$1' order by starts_at limit 1 offset $2"; }
. "$LIB_TESTS/helpers/page.sh"
A_UID=$(uid_of S1 0) B_UID=$(uid_of S1 1) C_UID=$(uid_of S1 2) O_UID=$(uid_of S2 0)
A=$(code_of "$A_UID") B=$(code_of "$B_UID") C=$(code_of "$C_UID") O=$(code_of "$O_UID")
note "appointment A $A_UID code $A"
# relancectl link: the link of the key, stored once; all or nothing
L=$(relancectl link "$A_UID")
assert_eq "${L##*/r/}" "$A" "relancectl link prints the link whose code linkcode.py computes"
assert_eq "$(sql "select count(*) from appointments where code_hash is not null")" 4 \
    "the four links given out have a code hash, the other appointments none"
relancectl link "$B_UID" nosuch@relance.example.org >/dev/null
assert_eq $? 1 "relancectl link with an unknown UID: exit 1"
assert_eq "$(relancectl --json link "$A_UID" "$B_UID" | "$PY" -c 'import json, sys
print(",".join(l["url"].rsplit("/", 1)[1] for l in json.load(sys.stdin)["links"]))')" "$A,$B" \
    "relancectl link --json: one link per UID"

# replies TYPE UID: avenirpro.reply.TYPE events about UID on the replies topic
replies() {
	consume_all avenirpro.relance.replies | cut -f2- |
	    "$PY" -c 'import json, sys
print(sum(1 for l in sys.stdin if l.strip() and json.loads(l)["type"] == sys.argv[1] and json.loads(l)["subject"] == sys.argv[2]))' \
	    "avenirpro.reply.$1" "$2"
}

# ---- the page --------------------------------------------------------------------------
assert_eq "$(get "$A")" 200 "GET /r/CODE: 200"
cp "$T/body.html" "$T/page-a.html"
assert_grep '^<html lang="fr">' "$T/body.html" "the page is in the student's language (lang=fr)"
assert_grep 'name="viewport" content="width=device-width,initial-scale=1"' "$T/body.html" "viewport meta"
assert_grep 'lundi 7 décembre 2026' "$T/body.html" "the page names the day"
assert_grep '<dd>9h00 \(30 min\)</dd>' "$T/body.html" "the page names the time"
assert_grep "Mission locale du Nord Mosellan, 3 rue des Écoles" "$T/body.html" "the page names the place"
assert_grep '<dd>Amélie</dd>' "$T/body.html" "the adviser's first name"
for s in "$FAMILY" Zébulonesque Quintavalle "$EMAIL" zeb.quintavalle "$PHONE_INTL" 0698765432 98765432 \
    "98 76 54 32" Comelli S1 "$A_UID" Bruno; do
	assert_no_grep "$s" "$T/body.html" "the page does not show '$s'"
done
assert_no_grep '<script' "$T/body.html" "no script"
assert_eq "$(header Content-Type)" "text/html; charset=utf-8" "Content-Type"
assert_eq "$(header Cache-Control)" "no-store" "Cache-Control: no-store"
assert_eq "$(header Referrer-Policy)" "no-referrer" "Referrer-Policy: no-referrer"
assert_eq "$(header X-Content-Type-Options)" "nosniff" "X-Content-Type-Options: nosniff"
assert_eq "$(header Content-Security-Policy)" \
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'" \
    "Content-Security-Policy"
TOK_A=$(token)
assert_eq "$TOK_A" "$("$PY" "$LIB_TESTS/helpers/linkcode.py" "$T/link.key" "$A_UID" 0)" \
    "the forms' token is link_token(key, code, sequence)"
assert_eq "$(grep -c "name=\"token\" value=\"$TOK_A\"" "$T/body.html")" 3 "three forms carry the token"
mapfile -t SLOTS < <(slots)
assert_ok "at least 5 free slots offered (${#SLOTS[@]})" [ "${#SLOTS[@]}" -ge 5 ]
assert_eq "$(get "$O")" 200 "another student's page"
TOK_O=$(token)
assert_grep '<dd>Céline</dd>' "$T/body.html" "that page names its own adviser"
assert_no_grep 'Axelle|Amélie' "$T/body.html" "and nothing of the first student"

# ---- GET never changes anything -------------------------------------------------------
state >"$T/state0"
n=0
for u in "$A" "$A?done=confirm" "$A?done=cancel" "$A?done=move" "$A?done=%00" "$A?action=confirm&token=$TOK_A" \
    "$A?a=b&a=c&=&&x" "$A?slot=${SLOTS[0]}&action=move&token=$TOK_A" "$A#frag" "$B" "$C" "$O" \
    "AAAAAAAAAAAAAAAAAAAAAA" "short" "$A/" "$A/x" "" "$A%20" "../healthz"; do
	code=$(get "$u")
	n=$((n + 1))
	case $code in 200|404|400) ;; *) fail "GET /r/$u: $code" ;; esac
done
code=$(req 127.0.0.1 "$RELANCE_URL/r/$A" -I)
assert_eq "$code" 200 "HEAD /r/CODE: 200"
state >"$T/state1"
assert_ok "$n GETs and a HEAD changed nothing in the store" cmp -s "$T/state0" "$T/state1"
assert_eq "$(get AAAAAAAAAAAAAAAAAAAAAA)" 404 "unknown code (right shape): 404"
assert_grep 'Lien inconnu ou expiré' "$T/body.html" "the 404 is a plain page"
assert_eq "$(header Content-Type)" "text/html; charset=utf-8" "the 404 is HTML"
assert_eq "$(get 'not-a-code')" 404 "malformed code: 404"

# ---- forbidden POSTs --------------------------------------------------------------------
assert_eq "$(post "$A" 'action=confirm')" 403 "POST without token: 403"
assert_grep 'Rien n.a été changé' "$T/body.html" "the 403 page says nothing changed"
assert_eq "$(post "$A" 'action=confirm&token=')" 403 "POST with an empty token: 403"
assert_eq "$(post "$A" 'action=confirm&token=AAAAAAAAAAAAAAAAAAAAAA')" 403 "POST with a wrong token: 403"
assert_eq "$(post "$A" "action=cancel&token=${TOK_A}x")" 403 "POST with a token too long: 403"
assert_eq "$(post "$A" "action=cancel&token=$TOK_O")" 403 "the token of another appointment's page: 403"
assert_eq "$(post "$O" "action=cancel&token=$TOK_A")" 403 "and the other way round: 403"
assert_eq "$(req 127.0.0.1 "$RELANCE_URL/r/$A" -X POST)" 403 "POST without a body: 403"
assert_eq "$(req 127.0.0.1 "$RELANCE_URL/r/$A" -H 'Content-Type: application/json' \
    --data-raw "{\"action\":\"confirm\",\"token\":\"$TOK_A\"}")" 415 "a JSON body: 415"
state >"$T/state2"
assert_ok "refused POSTs changed nothing in the store" cmp -s "$T/state0" "$T/state2"

# ---- confirm, twice ---------------------------------------------------------------------
assert_eq "$(post "$A" "token=$TOK_A&action=confirm")" 303 "POST confirm: 303"
assert_eq "$(header Location)" "$A?done=confirm" "See Other to the page with done=confirm"
assert_eq "$(post "$A" "token=$TOK_A&action=confirm")" 303 "the same POST again (double tap): 303"
assert_eq "$(sql "select answer from appointments where uid = '$A_UID'")" "$ANSWER_CONFIRMED" "A confirmed"
assert_eq "$(get "$A?done=confirm")" 200 "the page after the redirect"
assert_grep "C'est noté : vous avez confirmé votre venue" "$T/body.html" "it says what was done"
assert_no_grep '>Je confirme</button>' "$T/body.html" "no confirm button any more"
wait_for '[ "$(replies confirmed "$A_UID")" -ge 1 ]' 15
sleep 1
assert_eq "$(replies confirmed "$A_UID")" 1 "one avenirpro.reply.confirmed event for two POSTs"

# ---- moves ------------------------------------------------------------------------------
get "$A" >/dev/null
TOK1=$(token)
mapfile -t SLOTS < <(slots)
SEQ0=$(sql "select sequence from appointments where uid = '$A_UID'")
assert_eq "$(post "$A" "token=$TOK1&action=move&slot=${SLOTS[1]}")" 303 "move to the second slot: 303"
assert_eq "$(header Location)" "$A?done=move" "See Other with done=move"
assert_eq "$(sql "select starts_at || ' ' || moves from appointments where uid = '$A_UID'")" "${SLOTS[1]} 1" \
    "A starts at the chosen slot, one move"
SEQ1=$(sql "select sequence from appointments where uid = '$A_UID'")
assert_ok "the sequence went up ($SEQ0 -> $SEQ1)" [ "$SEQ1" -gt "$SEQ0" ]
assert_eq "$(get "$A?done=move")" 200 "the page after the move"
assert_grep "votre rendez-vous est déplacé au" "$T/body.html" "it says the appointment moved"
assert_grep "Vous avez déplacé ce rendez-vous \(1 fois sur 2\)" "$T/body.html" "and how many moves are made"
TOK2=$(token)
assert_ne "$TOK2" "$TOK1" "a new token after the change"
# the form shown before the move, posted again (double tap): already so
assert_eq "$(post "$A" "token=$TOK1&action=move&slot=${SLOTS[1]}")" 303 "the old form, same slot: 303"
# the old form asking something else: 409, nothing done
state >"$T/state3"
assert_eq "$(post "$A" "token=$TOK1&action=move&slot=${SLOTS[2]}")" 409 "the old form, another slot: 409"
assert_grep "Ce rendez-vous a changé depuis que la page a été affichée" "$T/body.html" "409 says it changed"
assert_eq "$(post "$A" "token=$TOK1&action=cancel")" 409 "the old form, cancel: 409"
state >"$T/state4"
assert_ok "stale forms changed nothing" cmp -s "$T/state3" "$T/state4"
get "$A" >/dev/null
mapfile -t SLOTS2 < <(slots)
assert_eq "$(post "$A" "token=$TOK2&action=move&slot=${SLOTS2[0]}")" 303 "second move: 303"
get "$A" >/dev/null
TOK3=$(token)
assert_grep "Vous avez déjà déplacé ce rendez-vous 2 fois" "$T/body.html" "after 2 moves the page says so"
assert_grep "contactez Amélie, votre conseiller ou conseillère" "$T/body.html" "and to contact the adviser"
assert_no_grep 'name="slot"' "$T/body.html" "no move form any more"
assert_eq "$(post "$A" "token=$TOK3&action=move&slot=${SLOTS2[3]}")" 409 "a third move: 409"
assert_grep "Ce changement n.est plus possible ici" "$T/body.html" "refused in the student's words"
assert_eq "$(sql "select moves || ' ' || starts_at from appointments where uid = '$A_UID'")" "2 ${SLOTS2[0]}" \
    "two moves, at the second chosen slot"
wait_for '[ "$(replies moved "$A_UID")" -ge 2 ]' 15
sleep 1
assert_eq "$(replies moved "$A_UID")" 2 "two avenirpro.reply.moved events"
assert_eq "$(post "$A" "token=$TOK3&action=move")" 400 "move without a slot: 400"
assert_eq "$(post "$A" "token=$TOK3&action=dance")" 400 "an unknown action: 400"

# ---- cancel, twice ----------------------------------------------------------------------
get "$B" >/dev/null
TOKB=$(token)
assert_eq "$(post "$B" "token=$TOKB&action=cancel")" 303 "cancel: 303"
assert_eq "$(post "$B" "token=$TOKB&action=cancel")" 303 "cancel again (double tap): 303"
assert_eq "$(sql "select status || ' ' || answer from appointments where uid = '$B_UID'")" \
    "$APPT_CANCELLED $ANSWER_CANCELLED" "B cancelled by the student"
assert_eq "$(get "$B?done=cancel")" 200 "the page of a cancelled appointment is still there"
assert_grep "le rendez-vous est annulé" "$T/body.html" "it says the appointment is cancelled"
assert_grep "Vous avez annulé ce rendez-vous" "$T/body.html" "by the student"
assert_no_grep '<form' "$T/body.html" "with no form"
wait_for '[ "$(replies cancelled "$B_UID")" -ge 1 ]' 15
sleep 1
assert_eq "$(replies cancelled "$B_UID")" 1 "one avenirpro.reply.cancelled event for two POSTs"

# ---- expired ---------------------------------------------------------------------------
stop_relanced
LATER=$(TZ=Europe/Paris date -d '2026-12-20 10:00:00' +%s)
RELANCED_ENV="RELANCE_TEST_CLOCK=$LATER" start_relanced "$T/relance.conf"
assert_eq "$(get "$A")" 404 "expired code (the appointment started): 404"
assert_grep 'Lien inconnu ou expiré' "$T/body.html" "a plain page"
assert_eq "$(post "$A" "token=$TOK3&action=confirm")" 404 "and a POST to it: 404"
assert_eq "$(get "$C")" 200 "a later appointment's page is still served"

# ---- rate limit -------------------------------------------------------------------------
# 20 failed lookups from 127.0.0.5: the 21st request is refused
for i in $(seq 20); do
	c=$(printf 'unknown%014dA' "$i")
	[ "$(SRC=127.0.0.5 get "$c")" = 404 ] || fail "failed lookup $i from 127.0.0.5 was not a 404"
done
assert_eq "$(SRC=127.0.0.5 get "$C")" 429 "after 20 failed lookups: 429, even for a good code"
RA=$(header Retry-After)
assert_ok "Retry-After in seconds ($RA)" [ "${RA:-0}" -gt 0 ] && [ "${RA:-0}" -le 600 ]
assert_grep 'Trop d.essais' "$T/body.html" "the 429 page"
assert_eq "$(SRC=127.0.0.5 post "$C" "token=x&action=confirm")" 429 "a POST too"
assert_eq "$(SRC=127.0.0.6 get "$C")" 200 "another address is still served"
assert_eq "$(SRC=127.0.0.5 get "$C" -H 'X-Forwarded-For: 198.51.100.1' -H 'X-Real-IP: 198.51.100.1')" 429 \
    "X-Forwarded-For from a peer that is not a proxy is ignored"
assert_eq "$(SRC=127.0.0.7 get "$C" -H 'X-Forwarded-For: 127.0.0.5')" 200 \
    "nor can it put the block on someone else"
# through the trusted proxy: the address it passes on counts
assert_eq "$(SRC=$PROXY get "$C" -H 'X-Forwarded-For: 127.0.0.5')" 429 \
    "from [answers] proxies, the last X-Forwarded-For hop is the client"
for i in $(seq 20); do
	c=$(printf 'proxied%014dA' "$i")
	[ "$(SRC=$PROXY get "$c" -H 'X-Forwarded-For: 203.0.113.66, 198.51.100.30')" = 404 ] ||
	    fail "failed lookup $i through the proxy was not a 404"
done
assert_eq "$(SRC=$PROXY get "$C" -H 'X-Forwarded-For: 198.51.100.30')" 429 "a client behind the proxy is limited"
assert_eq "$(SRC=$PROXY get "$C" -H 'X-Forwarded-For: 198.51.100.31')" 200 "its neighbour is not"
assert_eq "$(SRC=$PROXY get "$C")" 200 "nor the proxy itself"

# ---- metrics ----------------------------------------------------------------------------
curl -s "$RELANCE_URL/metrics" >"$T/metrics.txt"
if "$PY" "$LIB_TESTS/peers/promcheck.py" <"$T/metrics.txt" >"$T/metrics.parsed" 2>"$T/promcheck.err"; then
	pass "/metrics is valid exposition format"
else
	fail "/metrics: $(head -3 "$T/promcheck.err")"
fi
m() { awk -v k="$1" '$1 == k {print $2}' "$T/metrics.parsed"; }
assert_ok "page views counted ($(m relance_page_views_total))" [ "$(m relance_page_views_total)" -ge 2 ]
assert_eq "$(m relance_link_lookups_failed_total)" 42 "failed lookups counted (since the restart)"
assert_eq "$(m relance_page_rate_limited_total)" 5 "rate-limited requests counted"
assert_eq "$(m 'relance_page_answers_total{answer="confirmed"}')" 0 "answers counted since start"
