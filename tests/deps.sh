#!/bin/sh
# Installs the Debian 12 packages relance needs to build, test and demo, only when one is missing.
set -e
PKGS="build-essential pkg-config librdkafka-dev libjansson-dev libical-dev libcurl4-openssl-dev
libsqlite3-dev libinih-dev libmicrohttpd-dev libsystemd-dev check kcat kannel kannel-extras postfix
python3-aiosmtpd python3-icalendar faketime sqlite3 curl openssl procps iproute2 util-linux
libclang-rt-14-dev clang groff-base man-db systemd wrk nettle-dev chromium chromium-driver python3-selenium"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "relance: installing missing packages:$missing"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
