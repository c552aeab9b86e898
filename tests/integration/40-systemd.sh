#!/bin/bash
# 40-systemd: relanced under a real systemd (252) booted as PID 1 in fresh
# namespaces (tests/systemd/instance.sh), installed with `make install
# DESTDIR=...` and run by systemd/relanced.service, with the peers (Kafka
# mock, aiosmtpd with AUTH) running inside the instance's network
# namespace as transient units. Shows: start reaching active after READY;
# STATUS= counters in `systemctl status`; events flowing into the store
# under DynamicUser; the SMTP password read through LoadCredential; a
# reload with a changed template taking effect; a broken configuration
# failing `systemctl reload` (ExecReload= checks it first) while the
# service keeps running on the previous one (STATUS= names it); the watchdog
# restarting a hung (SIGSTOPped) daemon; `systemctl stop` exiting 0
# quickly with offsets committed; journald keeping priorities.
# Skipped (77) only where namespaces are unavailable.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/systemd/instance.sh"
lib_init systemd

UNIT=relanced.service
SMTP_PASS=s3cr3t-from-LoadCredential
# Monday 2026-12-07 10:00 Paris: the +14d check-in of an exam on 11-23 is
# today 10:30, its 48 h reminder is due at once.
NOW=$(TZ=Europe/Paris date -d '2026-12-07 10:00:00' +%s)

# ---- payload: make install, peers, credentials, test drop-in ------------
sd_relanced_setup "$T/sd"
assert_ok "make install: binaries, unit, configuration and templates staged" \
    test -x "$P/usr/local/sbin/relanced" -a -x "$P/usr/local/sbin/relancectl" \
    -a -f "$P/lib/systemd/system/$UNIT" -a -f "$P/etc/relance/relance.conf" \
    -a -f "$P/etc/relance/templates/fr/reminder.email" \
    -a -f "$P/etc/relance/templates/en/reminder.sms"
# Only the SMTP password: the missing sms-token must not prevent a start.
install -d -m 700 "$P/etc/relance/credentials"
printf '%s\n' "$SMTP_PASS" >"$P/etc/relance/credentials/smtp-password"
chmod 600 "$P/etc/relance/credentials/smtp-password"
mkdir -p "$P/etc/systemd/system/$UNIT.d"
cat >"$P/etc/systemd/system/$UNIT.d/test.conf" <<EOF
[Service]
WatchdogSec=3s
RestartSec=1s
LimitCORE=0
ExecStopPost=+/bin/sh -c 'echo "\$\$SERVICE_RESULT \$\$EXIT_CODE \$\$EXIT_STATUS" >>/run/relance-test/exit.log'
Environment=RELANCE_TEST_CLOCK=$NOW
# build/san: LeakSanitizer needs ptrace, which the sandbox forbids (leaks
# are checked by the other tests); other reports reach the journal, which
# becomes \$T/relanced.log, checked by lib.sh.
Environment=ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=66
Environment=UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
EOF

# ---- boot ------------------------------------------------------------------
t0=$(date +%s%N)
sd_boot 30 || die "systemd did not boot in the namespaces"
note "instance booted ($SD_STATE) in $((($(date +%s%N) - t0) / 1000000)) ms, PID 1 is host pid $SD_PID"

# Lint where everything is installed (man pages included).
sd systemd-analyze verify "$UNIT" >"$T/verify.out" 2>"$T/verify.err"
assert_eq "$(cat "$T/verify.err")" "" "systemd-analyze verify $UNIT inside the instance: empty stderr"
exposure=$(sd systemd-analyze security "$UNIT" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
note "exposure inside the instance: $exposure"
assert_ok "systemd-analyze security: exposure $exposure <= 1.5" \
    awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 <= 1.5) }'

# ---- peers inside the instance's network namespace --------------------------
sd_peers "relance:$SMTP_PASS"
note "peers inside: kafka $BROKERS, smtp 127.0.0.1:$SMTP_PORT"

sd_conf sms.url=file:///var/lib/relance/outbox/sms sms.password_file=sms-token \
    retry.first=1s retry.max=2s

ssh_sql() { sd sqlite3 -batch -noheader -cmd '.timeout 5000' /var/lib/private/relance/relance.db "$1"; }
prop() { sd systemctl show "$UNIT" -p "$1" --value; }
journal() { sd journalctl -u "$UNIT" --no-pager -o cat "$@"; }
smtp_n() { find "$SMTPD_DIR" -name '*.eml' 2>/dev/null | wc -l; }
# exam.completed (ev_exam): email consent only
EXAM=(time=2026-06-19T16:05:00+02:00 locale=fr -phone consent_sms=false last_exam_on=2026-11-23)
# produce_in FILE: the lines of FILE to avenirpro.exams, with kcat inside
produce_in() {
	cp "$1" "$SD_ROOT/run/relance-test/ev.jsonl"
	sd kcat -P -q -b "$BROKERS" -t avenirpro.exams -l /run/relance-test/ev.jsonl
}
# mail_of EMAIL: subject and plain body of the last message to EMAIL
mail_of() {
	"$PY" - "$SMTPD_DIR" "$1" <<'PYEOF'
import sys, os, glob, email, email.policy
d, rcpt = sys.argv[1], sys.argv[2]
for env in sorted(glob.glob(os.path.join(d, "*.env")), reverse=True):
    meta = open(env).read()
    if "rcpt-to: " + rcpt not in meta:
        continue
    m = email.message_from_binary_file(open(env[:-4] + ".eml", "rb"), policy=email.policy.default)
    print("subject:", m["subject"])
    print(m.get_body(preferencelist=("plain",)).get_content())
    for line in meta.splitlines():
        print("env:", line)
    break
PYEOF
}

# ---- start: active only after READY=1 ------------------------------------------
t0=$(date +%s%N)
sd systemctl start "$UNIT"
assert_eq "$?" 0 "systemctl start $UNIT succeeds (returns after READY=1)"
note "start took $((($(date +%s%N) - t0) / 1000000)) ms"
assert_eq "$(sd systemctl is-active "$UNIT")" active "the unit is active"
MAIN1=$(prop MainPID)
assert_ok "the notify main process is relanced" \
    grep -q 'relanced' "$SD_ROOT/proc/$MAIN1/cmdline"
assert_ne "$(sd ps -o user= -p "$MAIN1" | tr -d ' ')" root "relanced runs as a dynamic user, not root"
# journald reads the unit's stderr on its own: lines written just before
# READY=1 (or the exit) can reach the journal after systemctl returned.
wait_for 'journal | grep -q "relanced started"' 10
assert_grep 'relanced started' <(journal) "the start is logged"
journal -p warning >"$T/start-warnings.txt"
assert_no_grep 'smtp: cannot read password_file' "$T/start-warnings.txt" \
    "smtp-password read from \$CREDENTIALS_DIRECTORY without error"
# sms-token is configured but its file is missing: the unit starts anyway
# (SetCredential= fallback) and the daemon says what is missing.
assert_grep 'sms: cannot read password_file /run/credentials/relanced.service/sms-token' \
    "$T/start-warnings.txt" "a missing credential file: started anyway, with a warning naming it"
# Nothing else at warning or above on a normal start (the feed writer's
# setpriority, forbidden by SystemCallFilter=~@resources, is info).
assert_eq "$(grep -v 'sms: cannot read password_file' "$T/start-warnings.txt")" "" \
    "journalctl -p warning: no other line after a normal start"
assert_ok "the credential files are in the unit's credentials directory" \
    test -s "$SD_ROOT/run/credentials/$UNIT/smtp-password"

# ---- events flow, the reminder goes out with the LoadCredential password ----------
ev_exam "${EXAM[@]}" id=e1 student=STU1 email=eleve.un@example.org given_name=Élodie >"$T/ev1.jsonl"
produce_in "$T/ev1.jsonl"
wait_for '[ "$(ssh_sql "select count(*) from appointments")" -ge 1 ]' 20
assert_ne "$(ssh_sql "select count(*) from appointments where student_id = 'STU1'")" 0 \
    "the event reached the store in /var/lib/private/relance (StateDirectory, DynamicUser)"
wait_for '[ "$(smtp_n)" -ge 1 ]' 20
mail_of eleve.un@example.org >"$T/mail1.txt"
assert_grep '^env: auth: relance$' "$T/mail1.txt" \
    "the reminder was sent with SMTP AUTH (password from \$CREDENTIALS_DIRECTORY)"
assert_grep '^subject: Rappel : votre' "$T/mail1.txt" "French reminder with the installed template"
assert_ok "the state directory belongs to the dynamic user" \
    test "$(stat -c %U "$SD_ROOT/var/lib/private/relance")" != root

# STATUS= counters (sent every 5 s when they change).
wait_for 'sd systemctl status "$UNIT" --no-pager -n 0 | grep -q "Status: \"events 1 applied"' 12
sd systemctl status "$UNIT" --no-pager -n 0 >"$T/status.txt" 2>&1
sed -n 1,8p "$T/status.txt" | sed 's/^/  .. /'
assert_grep 'Status: "events 1 applied, 0 duplicate, 0 dead-lettered; [0-9]+ appointments, [0-9]+ reminders planned' \
    "$T/status.txt" "systemctl status shows the STATUS= counters"

# ---- reload with a changed template ----------------------------------------------
sed -i 's/^À bientôt,$/À bientôt (gabarit rechargé),/' "$SD_ROOT/etc/relance/templates/fr/reminder.email"
assert_grep 'gabarit rechargé' "$SD_ROOT/etc/relance/templates/fr/reminder.email" "template edited"
nrel=$(journal | grep -c 'configuration reloaded')
sd systemctl reload "$UNIT"
assert_eq "$?" 0 "systemctl reload succeeds"
wait_for '[ "$(journal | grep -c "configuration reloaded")" -gt '"$nrel"' ]' 10
assert_eq "$(journal | grep -c 'configuration reloaded')" "$((nrel + 1))" "the reload is logged"
wait_for '[ "$(prop SubState)" = running ]' 5
assert_eq "$(prop ActiveState)/$(prop SubState)" active/running "back to running after RELOADING=1 ... READY=1"
assert_eq "$(prop StatusText | cut -d';' -f1)" "events 1 applied, 0 duplicate, 0 dead-lettered" \
    "STATUS= keeps the counters after a reload"
ev_exam "${EXAM[@]}" id=e2 student=STU2 email=eleve.deux@example.org given_name=Hugo >"$T/ev2.jsonl"
produce_in "$T/ev2.jsonl"
wait_for 'mail_of eleve.deux@example.org | grep -q "^subject:"' 20
mail_of eleve.deux@example.org >"$T/mail2.txt"
assert_grep 'gabarit rechargé' "$T/mail2.txt" "the next reminder uses the reloaded template"
assert_no_grep 'gabarit rechargé' "$T/mail1.txt" "(the first one did not)"

# ---- reload with a broken configuration: refused, still running ------------------------
cp "$SD_ROOT/etc/relance/relance.conf" "$T/good.conf"
printf '\n[nonsense]\nkey = value\n' >>"$SD_ROOT/etc/relance/relance.conf"
STATUS_BEFORE=$(prop StatusText)
sd systemctl reload "$UNIT" 2>"$T/reload.err"
rc=$?
assert_ne "$rc" 0 "systemctl reload with a broken configuration fails (exit $rc)"
sed 's/^/  .. reload: /' "$T/reload.err"
wait_for 'journal -p err | grep -q "configuration refused"' 10
assert_grep 'relance.conf:[0-9]+: .*nonsense' <(journal -p err) \
    "the journal says what is wrong, with file and line, at priority err"
assert_grep 'configuration refused' <(journal -p err) "and that the configuration was refused"
wait_for '[ "$(prop SubState)" = running ]' 5
assert_eq "$(sd systemctl is-active "$UNIT")" active "the service keeps running"
assert_eq "$(prop MainPID)" "$MAIN1" "same process"
assert_grep '; configuration of [0-9-]+ [0-9:]+$' <(prop StatusText) "STATUS= names the configuration in force"
assert_eq "$(prop StatusText | sed 's/.*; configuration of/configuration of/')" \
    "$(echo "$STATUS_BEFORE" | sed 's/.*; configuration of/configuration of/')" \
    "still the configuration loaded before the broken file (not reloaded)"
# A SIGHUP that reaches the daemon anyway (kill -HUP): refused there too,
# the running configuration stays and STATUS= says the reload was refused.
nref=$(journal | grep -c 'reload refused')
sd systemctl kill -s HUP --kill-who=main "$UNIT"
wait_for '[ "$(journal | grep -c "reload refused")" -gt '"$nref"' ]' 10
assert_grep 'reload refused' <(journal) "a SIGHUP with the broken configuration is refused (logged)"
assert_grep 'nonsense' <(journal -p err) "the error names what is wrong"
wait_for 'prop StatusText | grep -q "reload refused at"' 10
assert_grep '; configuration of [0-9-]+ [0-9:]+; reload refused at [0-9:]+$' <(prop StatusText) \
    "STATUS= says the previous configuration is in force and a reload was refused"
wait_for '[ "$(prop SubState)" = running ]' 5
assert_eq "$(sd systemctl is-active "$UNIT")" active "the service keeps running"
assert_eq "$(prop MainPID)" "$MAIN1" "same process"
assert_eq "$(prop NRestarts)" 0 "no restart so far (the watchdog was fed all along)"
cp "$T/good.conf" "$SD_ROOT/etc/relance/relance.conf"

# ---- watchdog: a hung loop is killed and restarted -----------------------------------
t0=$(date +%s%N)
sd systemctl kill -s SIGSTOP --kill-who=main "$UNIT"
wait_for '[ "$(prop NRestarts)" -ge 1 ] && [ "$(sd systemctl is-active "$UNIT")" = active ]' 20
assert_eq "$(prop NRestarts)" 1 "the watchdog killed the stopped daemon and it was restarted (NRestarts)"
note "restart after SIGSTOP took $((($(date +%s%N) - t0) / 1000000)) ms"
MAIN2=$(prop MainPID)
assert_ne "$MAIN2" "$MAIN1" "a new main process"
assert_grep 'Watchdog timeout' <(sd journalctl --no-pager -o cat -u "$UNIT") "systemd logged the watchdog timeout"

# ---- stop: exit 0, quickly, offsets committed ---------------------------------------------
# An event applied just before the stop: only the final commit can save
# its offset (the periodic one has no time to run).
ev_exam "${EXAM[@]}" id=e3 student=STU3 email=eleve.trois@example.org given_name=Inès >"$T/ev3.jsonl"
produce_in "$T/ev3.jsonl"
wait_for '[ "$(ssh_sql "select count(*) from appointments where student_id = '"'STU3'"'")" -ge 1 ]' 25
assert_ne "$(ssh_sql "select count(*) from appointments where student_id = 'STU3'")" 0 \
    "the restarted daemon consumes again"
t0=$(date +%s%N)
sd systemctl stop "$UNIT"
assert_eq "$?" 0 "systemctl stop succeeds"
ms=$((($(date +%s%N) - t0) / 1000000))
note "stop took $ms ms"
assert_ok "stop within 10 s (took $ms ms)" test "$ms" -lt 10000
assert_eq "$(tail -n1 "$SD_ROOT/run/relance-test/exit.log")" "success exited 0" \
    "relanced exited with status 0, result success (ExecStopPost's \$SERVICE_RESULT \$EXIT_CODE \$EXIT_STATUS)"
assert_grep '^watchdog killed ABRT$' "$SD_ROOT/run/relance-test/exit.log" "(the hung one was killed by SIGABRT, result watchdog)"
wait_for 'journal | grep -q "relanced stopped"' 10
assert_grep 'relanced stopped' <(journal) "the stop is logged"
assert_no_grep 'final commit|not applied' <(journal -p warning) "final offset commit acknowledged"

# Offsets were committed: a new start consumes only a new event.
sd systemctl start "$UNIT"
assert_eq "$(sd systemctl is-active "$UNIT")" active "started again"
ev_exam "${EXAM[@]}" id=e4 student=STU4 email=eleve.quatre@example.org given_name=Nour >"$T/ev4.jsonl"
produce_in "$T/ev4.jsonl"
wait_for 'sd systemctl status "$UNIT" --no-pager -n 0 | grep -q "Status: \"events 1 applied"' 25
# The instance killed by the watchdog could not commit its last offsets: its
# partitions may only reach the restarted instance after its session expired,
# so that event can come once more here, recognised as a duplicate (nothing
# applied twice). The cleanly stopped instance's own event (STU3) must not.
ST=$(prop StatusText | cut -d';' -f1)
assert_ok "after the clean stop only the new event is applied (offsets were committed): $ST" \
    eval "[[ '$ST' =~ ^events\ 1\ applied,\ [01]\ duplicate,\ 0\ dead-lettered$ ]]"
assert_eq "$(ssh_sql "select count(*) from appointments where student_id = 'STU3' and status = $APPT_CONFIRMED")" \
    "$(ssh_sql "select count(*) from appointments where student_id = 'STU3'")" "STU3 planned once"

# ---- journald keeps priorities -----------------------------------------------------------
journal -p warning >"$T/warnings.txt"
assert_grep 'reload refused' "$T/warnings.txt" "journalctl -p warning shows the refused reload (err)"
assert_no_grep 'configuration reloaded|relanced started' "$T/warnings.txt" \
    "journalctl -p warning hides info lines"
sd journalctl -u "$UNIT" --no-pager -o json >"$T/journal.json"
assert_eq "$(jq -r 'select(.MESSAGE | tostring | test("configuration reloaded")) | .PRIORITY' "$T/journal.json" | sort -u)" \
    6 "-o json: info lines have PRIORITY=6"
assert_eq "$(jq -r 'select(.MESSAGE | tostring | test("reload refused")) | .PRIORITY' "$T/journal.json" | sort -u)" \
    3 "-o json: the refused reload has PRIORITY=3"
assert_no_grep '<[0-7]>' <(journal) "no raw <N> prefixes in the journal"
assert_no_grep 'eleve\.|Élodie|Hugo|Inès|Nour' <(journal) "no personal data in the journal at info level"

sd systemctl stop "$UNIT"
assert_eq "$(tail -n1 "$SD_ROOT/run/relance-test/exit.log")" "success exited 0" "final stop: exit status 0"
note "total $(elapsed) s"
