#!/bin/bash
# 57-names: hostile text in names (contract section 1.5 and 6). Events whose
# names hold a Unicode format character (U+202E right-to-left override,
# U+2066 isolate, a BOM, a zero-width space) or a C1 control, or whose email
# is not a WHATWG valid e-mail address, are dead-lettered with the reason;
# a good event behind them is applied. relancectl escapes C0, C1 and bidi
# controls in what it prints: the dead letters' payloads and reasons
# (--payload, text and JSON), a stored name and a last error.
. "$(dirname "$0")/../lib.sh"
lib_init names

start_kafka
write_conf "$T/relance.conf" reminders.horizon=400d
start_relanced "$T/relance.conf"
RELANCE_CONF=$T/relance.conf
export RELANCE_CONF
LAST=$(date -d '-1 days' +%F)
{
	ev_exam student=B1 given_name=$'Ax\xe2\x80\xaeel' last_exam_on="$LAST"
	ev_exam student=B2 family_name=$'Mar\xe2\x81\xa6tin' last_exam_on="$LAST"
	ev_exam student=B3 given_name=$'\xef\xbb\xbfLéa' last_exam_on="$LAST"
	ev_exam student=B4 given_name=$'Zo\xe2\x80\x8bé' last_exam_on="$LAST"
	ev_exam student=B5 given_name=$'No\xc2\x85é' last_exam_on="$LAST"
	ev_exam student=B6 email='zoé@exemple.fr' last_exam_on="$LAST"
	ev_exam student=B7 email='a@-b.org' last_exam_on="$LAST"
	ev_exam student=G1 given_name=Éloïse email='.o.k@ex-ample.fr' last_exam_on="$LAST"
} >"$T/ev.jsonl"
produce avenirpro.exams "$T/ev.jsonl"
wait_for '[ "$(sql "select count(*) from students where id = '"'G1'"'")" = 1 ]' 20
assert_eq "$(sql "select count(*) from students where id = 'G1'")" 1 "the good event behind them is applied"
wait_for '[ "$(sql "select count(*) from dead_letters")" = 7 ]' 10
assert_eq "$(sql "select count(*) from dead_letters")" 7 "7 events dead-lettered"
assert_eq "$(sql "select count(*) from students where id like 'B%'")" 0 "no student stored from them"
for f in given_name family_name; do
	assert_ne "$(sql "select count(*) from dead_letters where reason like '%$f: format character%'")" 0 \
	    "reason: $f: format character"
done
assert_eq "$(sql "select count(*) from dead_letters where reason like '%format character%'")" 4 "4 format characters"
assert_eq "$(sql "select count(*) from dead_letters where reason like '%control character%'")" 1 "1 C1 control"
assert_eq "$(sql "select count(*) from dead_letters where reason like '%email: invalid%'")" 2 "2 invalid emails"

# relancectl escapes what it prints
RAW=$'\xe2\x80\xae|\xe2\x81\xa6|\xef\xbb\xbf|\xe2\x80\x8b|\xc2\x85|\xe2\x81\xa7|\xc2\x9b'
relancectl dead-letters --payload >"$T/dead.txt"
relancectl dead-letters --payload --json >"$T/dead.json"
sql "update students set given_name = 'Él' || char(0x202e) || 'oïse' where id = 'G1'"
sql "update reminders set status = $REM_FAILED, last_error = 'no' || char(0x2067) || 'pe' || char(0x9b) || '31m' where id = (select min(id) from reminders where student_id = 'G1')"
relancectl plan G1 >"$T/plan.txt"
relancectl reminders --failed >"$T/failed.txt"
for f in dead.txt dead.json plan.txt failed.txt; do
	assert_no_grep "$RAW" "$T/$f" "$f: no raw bidi, format or C1 character"
done
assert_grep 'Ax\\u202eel' "$T/dead.txt" "dead-letters --payload: U+202E escaped"
assert_grep 'No\\u0085' "$T/dead.txt" "dead-letters --payload: C1 escaped"
assert_ok "dead-letters --json still JSON" "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/dead.json"
assert_eq "$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum("\u202e" in x["payload"] for x in d["dead_letters"]))' "$T/dead.json")" \
    1 "... and its payloads read back whole"
assert_grep 'Él\\u202eoïse' "$T/plan.txt" "plan: a stored name escaped, accents intact"
assert_grep 'no\\u2067pe\\u009b31m' "$T/failed.txt" "reminders --failed: a last error escaped"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
