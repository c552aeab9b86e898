#!/bin/bash
# 12-pure: the policy modules link no I/O library. The undefined symbols
# (nm -u) of $BUILD/schedule.o, event.o, ical.o, model.o, gsm7.o, phone.o, link.o,
# ratelimit.o, web_reply_page.o (the students' page HTML),
# and policy.o once daemon/policy.c exists, name nothing of SQLite (sqlite3_), libcurl
# (curl_), librdkafka (rd_kafka_) or libmicrohttpd (MHD_). jansson (event.o)
# libical (ical.o) and nettle (link.o) are allowed: they parse, they do no I/O. A module
# whose source exists but whose object is missing fails (run make first).
. "$(dirname "$0")/../lib.sh"
lib_init pure

FORBIDDEN='^(sqlite3_|curl_|rd_kafka_|MHD_)'
command -v nm >/dev/null || skip "nm not installed (binutils)"

# forbidden OBJECT: the forbidden undefined symbols of OBJECT, one a line
forbidden() { nm -u "$1" | awk '{print $NF}' | grep -E "$FORBIDDEN"; }

# The check itself finds what it looks for: store.o does use SQLite.
if [ -f "$BUILD/store.o" ]; then
	assert_ne "$(forbidden "$BUILD/store.o" | head -1)" "" "the check sees sqlite3_ symbols in store.o"
fi

for m in schedule event ical model gsm7 phone policy link ratelimit web_reply_page; do
	if [ $m = policy ] && [ ! -f "$TOP/daemon/$m.c" ]; then
		note "daemon/$m.c does not exist (yet): nothing to check"
		continue
	fi
	o=$BUILD/$m.o
	if [ ! -f "$o" ]; then
		fail "$m.o: $o missing (daemon/$m.c: $([ -f "$TOP/daemon/$m.c" ] && echo exists || echo missing); make)"
		continue
	fi
	bad=$(forbidden "$o" | sort -u | tr '\n' ' ')
	assert_eq "${bad% }" "" "$m.o links no I/O library (sqlite3_, curl_, rd_kafka_, MHD_)"
done
