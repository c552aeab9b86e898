#!/bin/bash
# 05-dropins: drop-in and adviser shortages end to end (contract section 2),
# through Kafka, the store, relancectl, /metrics and relanced's log:
#   - a missed drop-in is replaced by the next slot with room the same day,
#     not the next day;
#   - a student whose own window and the "*" window are both full counts a
#     shortage for each of them (relancectl status --json, /metrics);
#   - an adviser with no free check-in slot is said once per adviser and
#     hour, with a count of the repeats (log lines counted), not once per
#     student.
# relanced runs on a test clock: Monday 2026-12-07 08:00 (Paris), then
# Thursday 12-10 09:55 for the attendance.
. "$(dirname "$0")/../lib.sh"
lib_init dropins

EXAMS=avenirpro.exams ATT=avenirpro.attendance
NOW=$(TZ=Europe/Paris date -d '2026-12-07 08:00:00' +%s)
LATER=$(TZ=Europe/Paris date -d '2026-12-10 09:55:00' +%s)
OWN=0570999Z OTHER=0570888Y

start_kafka
# One check-in slot a week (Monday 09:00) for every adviser. Windows on
# Thursday 12-10: OWN's own and "*" hold 2 students each, OTHER's 100 per
# slot all morning.
write_conf "$T/relance.conf" "checkins.office_hours=mon 09:00-09:30" \
    "dropin.window=$OWN 2026-12-10..2026-12-10 09:00-09:40 slot=20m capacity=1" \
    "dropin.window+=* 2026-12-10..2026-12-10 09:00-09:40 slot=20m capacity=1" \
    "dropin.window+=$OTHER 2026-12-10..2026-12-10 09:00-12:00 slot=20m capacity=100"
RELANCED_ENV="RELANCE_TEST_CLOCK=$NOW" start_relanced "$T/relance.conf"

# ----------------------------------------------------------- shortage per window
# 5 students of OWN: 2 slots of its own, 2 of "*", the 5th has none.
ev_exam -n 5 -k 'W{i}' id=w-{i} student=W{i} given_name=Inès phone=+3361222000{i} \
    uai=$OWN adviser=adv-w{i} last_exam_on=2026-12-01 >"$T/w.tsv"
produce_keyed $EXAMS "$T/w.tsv"
wait_for "[ \$(sql \"select count(*) from events where id like 'w-%'\") = 5 ]" 20 || die "events not applied"
assert_eq "$(sql "select count(*) from appointments where kind = $KIND_DROPIN and student_id like 'W%'")" 4 \
    "4 drop-in places for 5 students of $OWN"
relancectl status --json >"$T/status.json"
"$PY" -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["dropin_shortages"], sort_keys=True))' \
    "$T/status.json" >"$T/shortages.json"
note "shortages: $(cat "$T/shortages.json")"
assert_eq "$("$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(sorted(k.split()[0] for k, v in d.items() if v == 1), sum(d.values()))' "$T/shortages.json")" \
    "['*', '$OWN'] 2" "status: the 5th student counted as a shortage of both windows that applied"
curl -s "$RELANCE_URL/metrics" >"$T/metrics.txt"
assert_eq "$(grep -c '^relance_dropin_shortage_total{window="\(\*\|'$OWN'\) ' "$T/metrics.txt")" 2 \
    "/metrics: a shortage counter for each window"
assert_eq "$(grep -c 'drop-in window .* is full' "$T/relanced.log")" 2 "each full window logged once"

# ----------------------------------------------------------- rate-limited warning
# 2 advisers with 40 students each: about 130 Mondays in reach, 160
# check-ins wanted: most find no slot. One line per adviser, not per student.
ev_exam -n 40 -k 'B{i}' id=b1-{i} student=B1x{i} given_name=Léa phone=+3361333{i}00 \
    uai=$OTHER adviser=busy1 last_exam_on=2026-12-01 >"$T/b.tsv"
ev_exam -n 40 -k 'C{i}' id=b2-{i} student=B2x{i} given_name=Léa phone=+3361444{i}00 \
    uai=$OTHER adviser=busy2 last_exam_on=2026-12-01 >>"$T/b.tsv"
produce_keyed $EXAMS "$T/b.tsv"
wait_for "[ \$(sql \"select count(*) from events where id like 'b%'\") = 80 ]" 30 || die "events not applied"
for a in busy1 busy2; do
	booked=$(sql "select count(*) from appointments where adviser_id = '$a' and kind = $KIND_CHECKIN")
	missing=$((160 - booked))
	note "$a: $booked check-ins booked, $missing without a slot"
	assert_ok "$a: students without a check-in slot" [ "$missing" -ge 2 ]
	assert_eq "$(grep -c "adviser $a has no free check-in slot" "$T/relanced.log")" 1 \
	    "$a: one warning line, not $missing"
	eval "MISSING_$a=$missing"
done

# ----------------------------------------------------------- same-day replacement
# OTHER's students all sit at 09:00 on Thursday (OTHER's window only has
# that day); absent, recorded at 09:55: the next slot with room that day
# (10:00, the first not started), not the next day (where there is none).
D=$(sql "select uid from appointments where student_id = 'B1x1' and kind = $KIND_DROPIN")
assert_eq "$(TZ=Europe/Paris date -d @"$(sql "select starts_at from appointments where uid = '$D'")" '+%F %R')" \
    "2026-12-10 09:00" "B1x1's drop-in: Thursday 09:00"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
# The repeats are said when relanced stops (or once the hour is over).
for a in busy1 busy2; do
	eval "missing=\$MISSING_$a"
	assert_eq "$(grep -c "adviser $a has no free check-in slot within two years \[$((missing - 1)) more like this" "$T/relanced.log")" 1 \
	    "$a: the count of the $((missing - 1)) repeats said in one line"
done
RELANCED_ENV="RELANCE_TEST_CLOCK=$LATER" start_relanced "$T/relance.conf"
printf '%s\t%s\n' B1x1 "$(ev_attendance id=att-b1 student=B1x1 uid="$D" status=absent)" >"$T/att.tsv"
produce_keyed $ATT "$T/att.tsv"
wait_for "[ \$(sql \"select count(*) from events where id = 'att-b1'\") = 1 ]" 20 || die "attendance not applied"
R=$(sql "select starts_at from appointments where student_id = 'B1x1' and kind = $KIND_DROPIN
	and status = $APPT_CONFIRMED and replaces = (select id from appointments where uid = '$D')")
assert_ne "$R" "" "absent: a replacement drop-in"
assert_eq "$(TZ=Europe/Paris date -d @"${R:-0}" '+%F %R')" "2026-12-10 10:00" \
    "absent: replaced by the next slot with room the same day"
assert_eq "$(sql "select status from appointments where uid = '$D'")" "$APPT_MISSED" "the missed one is missed"
stop_relanced
assert_eq $? 0 "relanced stops cleanly"
