#!/bin/bash
# 11-manpages: relanced(8), relancectl(8) and relance.conf(5) render with
# groff -wall and man -l without a warning, and every key of the key table
# in daemon/config.c is documented in relance.conf(5), in its section.
. "$(dirname "$0")/../lib.sh"
lib_init manpages

cd "$TOP" || die "no $TOP"
command -v groff >/dev/null || skip "groff not installed"
PAGES="daemon/relanced.8 daemon/relancectl.8 daemon/relance.conf.5"
for p in $PAGES; do
	[ -s "$p" ] || { fail "$p missing"; continue; }
	groff -wall -man -Tutf8 "$p" >"$T/out.txt" 2>"$T/groff.err"
	assert_eq "$(cat "$T/groff.err")" "" "groff -wall: no warning for $p"
	assert_ok "$p renders to text" test -s "$T/out.txt"
	if command -v man >/dev/null; then
		MANWIDTH=80 man -l "$p" >"$T/man.txt" 2>"$T/man.err"
		assert_eq "$(grep -v '^$' "$T/man.err")" "" "man -l: no warning for $p"
		assert_grep '^NAME' "$T/man.txt" "man -l $p has a NAME section"
	fi
done

# The key table: { "section", "name", ... } lines between "keys[] = {" and "};"
sed -n '/^static const struct key keys\[\] = {/,/^};/p' daemon/config.c |
    sed -n 's/^[[:space:]]*{ *"\([a-z]*\)", *"\([a-z_.]*\)".*/\1 \2/p' >"$T/keys"
n=$(wc -l <"$T/keys")
[ "$n" -ge 40 ] || fail "only $n keys found in daemon/config.c's key table"
# Documented keys: ".B name" right after ".TP" under '.SS "[section]"'
awk '
	/^\.SS/ { sec = $0; gsub(/.*\[|\].*/, "", sec); next }
	/^\.TP/ { tp = 1; next }
	tp && /^\.BI? / { k = $2; gsub(/"/, "", k); print sec, k }
	{ tp = 0 }
' daemon/relance.conf.5 | sort -u >"$T/documented"
missing=$(sort -u "$T/keys" | comm -23 - "$T/documented" | tr '\n' ',' )
assert_eq "$missing" "" "every one of the $n config keys is documented in relance.conf(5)"
extra=$(sort -u "$T/keys" | comm -13 - "$T/documented" | grep -v '^kafka rdkafka\.$' | tr '\n' ',')
assert_eq "$extra" "" "relance.conf(5) documents no key that does not exist"
# Each documented key states its default and an example.
awk '
	/^\.SS/ { insec = 1 }
	/^\.SH/ { insec = 0 }
	insec && /^\.TP/ { if (key != "" && !(d && e)) print key; key = ""; d = e = 0; tp = 1; next }
	tp { key = $2; tp = 0 }
	/Default/ { d = 1 }
	/Example/ { e = 1 }
	END { if (key != "" && !(d && e)) print key }
' daemon/relance.conf.5 >"$T/nodefault"
assert_eq "$(tr '\n' ' ' <"$T/nodefault")" "" "every key has a default and an example"
# The commands of relancectl(8) are those of the usage text.
for c in status plan feed reminders dead-letters indicators replies retry cancel link; do
	assert_grep "^\.(B|BI|BR) \"?${c//-/\\\\-}" daemon/relancectl.8 "relancectl(8) documents $c"
done
