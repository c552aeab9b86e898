#!/bin/bash
# 41-unit-lint: systemd/relanced.service passes `systemd-analyze verify`
# with an empty stderr (verify exits 0 even on unknown keys) and
# `systemd-analyze security --offline=true` reports an exposure of at most
# 1.5 with network access allowed. Needs no running systemd.
#
# verify checks that ExecStart's binary and the Documentation= man pages
# exist: the unit is checked as `make install DESTDIR=...` stages it, with
# ExecStart pointed at the staged binary and MANPATH at the staged pages.
. "$(dirname "$0")/../lib.sh"
lib_init unit-lint

command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
UNIT=$TOP/systemd/relanced.service
[ -f "$UNIT" ] || die "$UNIT missing"

D=$T/destdir
make -s -C "$TOP" install DESTDIR="$D" BUILD="$BUILD" -o all >"$T/install.log" 2>&1 ||
    { cat "$T/install.log"; die "make install DESTDIR=... failed"; }
STAGED=$(find "$D" -name relanced.service -path '*/systemd/system/*' | head -n1)
assert_ne "$STAGED" "" "make install stages the unit"
SBIN=$(sed -n 's/^SBINDIR *?= *//p' "$TOP/Makefile" | sed 's/\$(PREFIX)/\/usr\/local/')
EXEC=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$STAGED")
assert_eq "$EXEC" "$SBIN/relanced" "ExecStart runs the installed binary ($SBIN/relanced)"
assert_ok "the staged binary exists" test -x "$D$EXEC"

mkdir -p "$T/units"
sed "s|^\(Exec[A-Za-z]*=\)$EXEC |\1$D$EXEC |" "$STAGED" >"$T/units/relanced.service"
MANPATH=$D/usr/local/share/man systemd-analyze verify "$T/units/relanced.service" \
    >"$T/verify.out" 2>"$T/verify.err"
rc=$?
sed 's/^/  .. verify: /' "$T/verify.err"
assert_eq "$rc" 0 "systemd-analyze verify exits 0"
assert_eq "$(cat "$T/verify.err")" "" "systemd-analyze verify: empty stderr"

systemd-analyze security --offline=true "$UNIT" >"$T/security.out" 2>"$T/security.err"
exposure=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$T/security.out")
note "exposure: $exposure"
assert_ne "$exposure" "" "systemd-analyze security --offline=true reports an exposure"
assert_ok "exposure $exposure <= 1.5" awk -v e="$exposure" 'BEGIN { exit !(e != "" && e + 0 <= 1.5) }'
assert_eq "$(cat "$T/security.err")" "" "systemd-analyze security: empty stderr"
# Network access stays allowed (the daemon talks to Kafka, SMTP, gateways).
assert_grep '^RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6$' "$UNIT" "AF_INET/AF_INET6 allowed"

# The settings the contract and issue 6 name.
# A reload checks the configuration first (a broken one fails the reload).
EXECRELOAD=$(sed -n 's/^ExecReload=//p' "$UNIT" | tr '\n' '|')
assert_eq "$EXECRELOAD" "$SBIN/relanced -c /etc/relance/relance.conf --check-config|/bin/kill -HUP \$MAINPID|" \
    "ExecReload= runs relanced --check-config, then SIGHUP"
for kv in Type=notify NotifyAccess=main 'ExecReload=/bin/kill -HUP $MAINPID' Restart=on-failure \
    DynamicUser=yes StateDirectory=relance ConfigurationDirectory=relance ProtectSystem=strict \
    'LoadCredential=smtp-password:/etc/relance/credentials/smtp-password' \
    'LoadCredential=sms-token:/etc/relance/credentials/sms-token'; do
	assert_line "$kv" "$UNIT" "unit has $kv"
done
assert_grep '^WatchdogSec=[0-9]+s?$' "$UNIT" "unit has WatchdogSec="
