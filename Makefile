# relance — build, test, demo and benchmark.
#   make            build relanced and relancectl (installs missing packages first)
#   make check      build and run every test (SANITIZE=1: under ASan+UBSan)
#   make demo       run the main job end to end against a local Kafka
#   make bench      benchmarks, printed as one table
#   make install    PREFIX=/usr/local DESTDIR=  (installs what `make` built; never
#                   installs packages: build first, as yourself, with `make`)
#   make deps       install the Debian packages to build, test and demo

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
PKG_CONFIG ?= pkg-config
CC         ?= gcc

PKGS = rdkafka jansson sqlite3 libical libcurl libsystemd inih libmicrohttpd nettle

STD   = -std=gnu11
WARN  = -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
        -Wcast-qual -Wsign-compare -Wno-unused-parameter
OPT  ?= -O2
DEBUG = -g
ifeq ($(SANITIZE),1)
SAN   = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
BUILD = build/san
else
SAN   =
BUILD = build/default
endif

FINAL_CFLAGS  = $(STD) $(WARN) $(OPT) $(DEBUG) $(SAN) $(CFLAGS) -MMD -MP -Idaemon \
                $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
FINAL_LDFLAGS = $(SAN) $(LDFLAGS)
LIBS          = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm

# Every daemon/*.c is a module linked into both programs, except the mains.
MAINS   = daemon/main.c daemon/ctl_main.c
MODSRC  = $(filter-out $(MAINS),$(wildcard daemon/*.c))
MODOBJ  = $(MODSRC:daemon/%.c=$(BUILD)/%.o)
CHECKSRC = $(wildcard tests/unit/check_*.c)
CHECKBIN = $(CHECKSRC:tests/unit/%.c=$(BUILD)/%)
HELPERSRC = $(wildcard tests/helpers/*.c)
HELPERBIN = $(HELPERSRC:tests/helpers/%.c=$(BUILD)/%)

.PHONY: all deps check unit integration demo bench install clean fuzz soak valgrind

all: deps $(BUILD)/relanced $(BUILD)/relancectl $(HELPERBIN)

deps:
	@tests/deps.sh

# Objects wait for deps (order only): under make -j the compiler flags come
# from pkg-config, which must see the packages installed first.
$(BUILD)/%.o: daemon/%.c | deps
	@mkdir -p $(BUILD)
	$(CC) $(FINAL_CFLAGS) -c -o $@ $<

$(BUILD)/librelance.a: $(MODOBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/relanced: $(BUILD)/main.o $(BUILD)/librelance.a
	$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/relancectl: $(BUILD)/ctl_main.o $(BUILD)/librelance.a
	$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/check_%: tests/unit/check_%.c $(BUILD)/librelance.a
	$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $< $(BUILD)/librelance.a \
		$(LIBS) $(shell $(PKG_CONFIG) --libs check)

$(BUILD)/%: tests/helpers/%.c $(BUILD)/librelance.a
	@mkdir -p $(BUILD)
	$(CC) $(FINAL_CFLAGS) $(FINAL_LDFLAGS) -o $@ $< $(BUILD)/librelance.a $(LIBS)

unit: all $(CHECKBIN)
	@set -e; for t in $(CHECKBIN); do echo "== $$t"; CK_FORK=yes $$t; done

integration: all
	@BUILD=$(BUILD) tests/run-integration.sh

# Unit tests under valgrind (skipped, not failed, under SANITIZE=1).
valgrind: all $(CHECKBIN)
	@BUILD=$(BUILD) tests/valgrind.sh || [ $$? = 77 ]

check: unit integration valgrind

# libFuzzer harnesses (tests/fuzz), FUZZ_SECS (default 60) s each.
fuzz:
	@tests/fuzz/run.sh $(or $(FUZZ_SECS),60)

# Long crash test: 300,000 events, 30 kills, a random seed (printed).
soak: all
	@RELANCE_SEED=$${RELANCE_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')} \
	    CRASH_EVENTS=$${CRASH_EVENTS:-300000} CRASH_KILLS=$${CRASH_KILLS:-30} \
	    TEST_TIMEOUT=$${TEST_TIMEOUT:-7200} BUILD=$(BUILD) tests/run-integration.sh 50-crash

demo: all
	@BUILD=$(BUILD) tests/demo.sh

bench: all
	@BUILD=$(BUILD) tests/bench/run.sh

# Only what was built, and never a package: no prerequisite that could run
# tests/deps.sh (apt-get) on a production host.
install:
	@test -x $(BUILD)/relanced -a -x $(BUILD)/relancectl || \
		{ echo "make install: $(BUILD)/relanced not built: run make first" >&2; exit 1; }
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSCONFDIR)/relance/templates $(DESTDIR)$(UNITDIR)
	install -m 755 $(BUILD)/relanced $(BUILD)/relancectl $(DESTDIR)$(SBINDIR)/
	install -m 644 daemon/*.5 $(DESTDIR)$(MANDIR)/man5/ 2>/dev/null || true
	install -m 644 daemon/*.8 $(DESTDIR)$(MANDIR)/man8/ 2>/dev/null || true
	install -m 644 systemd/*.service $(DESTDIR)$(UNITDIR)/ 2>/dev/null || true
	test -e $(DESTDIR)$(SYSCONFDIR)/relance/relance.conf || \
		install -m 644 conf/relance.conf $(DESTDIR)$(SYSCONFDIR)/relance/relance.conf
	for f in $$(cd conf/templates && find . -type f); do t=$(DESTDIR)$(SYSCONFDIR)/relance/templates/$${f#./}; \
		test -e $$t || install -D -m 644 conf/templates/$$f $$t; done

clean:
	rm -rf build

-include $(wildcard $(BUILD)/*.d)
