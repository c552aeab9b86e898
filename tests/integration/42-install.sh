#!/bin/bash
# 42-install: `make install` installs what `make` built and nothing else
# (contract section 6): it never runs the package step (tests/deps.sh,
# which would apt-get install Kannel, postfix, clang... on a production
# host). dpkg-query, apt-get and sudo are shadowed on PATH by stubs that
# record any call; the DESTDIR install must leave no record, and the
# binaries, man pages, unit, configuration and templates land.
. "$(dirname "$0")/../lib.sh"
lib_init install

for b in relanced relancectl; do
	[ -x "$BUILD/$b" ] || die "$BUILD/$b not built"
done
mkdir -p "$T/bin"
for c in dpkg-query apt-get apt sudo debconf-set-selections; do
	printf '#!/bin/sh\necho "%s $*" >>"%s"\necho "ok installed"\n' "$c" "$T/pkg-calls" >"$T/bin/$c"
	chmod +x "$T/bin/$c"
done

# Dry run: no deps step among the commands make would run.
PATH=$T/bin:$PATH make -n -C "$TOP" install DESTDIR="$T/dry" BUILD="$BUILD" >"$T/dry.txt" 2>&1
assert_eq "$?" 0 "make -n install exits 0"
assert_no_grep 'deps\.sh|apt-get' "$T/dry.txt" "make -n install lists no package step"
assert_grep 'install -m 755 .*relanced' "$T/dry.txt" "make -n install installs the binaries"

# Real DESTDIR install.
D=$T/destdir
PATH=$T/bin:$PATH make -s -C "$TOP" install DESTDIR="$D" BUILD="$BUILD" >"$T/install.log" 2>&1
rc=$?
sed 's/^/  .. install: /' "$T/install.log" | tail -n 5
assert_eq "$rc" 0 "make install DESTDIR=... exits 0"
assert_ok "no package tool was called (dpkg-query, apt-get, sudo)" test ! -e "$T/pkg-calls"
[ -e "$T/pkg-calls" ] && sed 's/^/  .. called: /' "$T/pkg-calls"
for f in usr/local/sbin/relanced usr/local/sbin/relancectl; do
	assert_ok "$f installed and executable" test -x "$D/$f"
done
assert_ok "the installed relanced is the one built" cmp -s "$BUILD/relanced" "$D/usr/local/sbin/relanced"
for f in usr/local/share/man/man8/relanced.8 usr/local/share/man/man8/relancectl.8 \
    usr/local/share/man/man5/relance.conf.5 lib/systemd/system/relanced.service \
    etc/relance/relance.conf etc/relance/templates/fr/reminder.email; do
	assert_ok "$f installed" test -s "$D/$f"
done

# Nothing built: install refuses, and still calls no package tool.
mkdir -p "$T/empty-build"
PATH=$T/bin:$PATH make -s -C "$TOP" install DESTDIR="$T/d2" BUILD="$T/empty-build" >"$T/nobuild.log" 2>&1
assert_ne "$?" 0 "make install with nothing built fails"
assert_grep 'run make first' "$T/nobuild.log" "and says to build first"
assert_ok "(no package tool called then either)" test ! -e "$T/pkg-calls"
assert_ok "(and nothing installed)" test ! -e "$T/d2/usr/local/sbin/relanced"
