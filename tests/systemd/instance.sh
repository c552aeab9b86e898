# tests/systemd/instance.sh: boot a throw-away systemd (252) as PID 1 of
# fresh namespaces, for the systemd integration tests. Source it from bash
# (after tests/lib.sh), then:
#
#   sd_available || skip "..."         namespaces usable here?
#   sd_init DIR                        DIR/payload is copied over / at boot
#   ... fill $SD_PAYLOAD (units, binaries, /etc files) ...
#   sd_boot                            boots; exports SD_PID, SD_ROOT
#   sd systemctl start foo             any command inside the instance
#   sd_poweroff                        clean poweroff (SIGKILL after 10 s)
#
# For relanced (at the end): sd_relanced_setup (checks, trap, make install
# into the payload), sd_peers (Kafka mock and aiosmtpd inside), sd_conf.
#
# The root of the instance is an overlay of the host's / (read-only lower
# layer) with its upper layer on a tmpfs, so the host filesystem is never
# written; it has its own pid, mount, uts, ipc, cgroup and network
# namespaces (only lo, brought up by systemd). Files inside are reachable
# from the host as $SD_ROOT/PATH (/proc/PID/root). One cgroup directory of
# the host (SD_CG) holds the instance; it is removed at poweroff.
# Adapted from shared/recipes/systemd-in-namespace.sh.

SD_SYSTEMD=/lib/systemd/systemd
SD_TARGET=relance-test.target

# sd_available: unshare works and systemd is installed
sd_available() {
	[ -x "$SD_SYSTEMD" ] || { SD_WHY="$SD_SYSTEMD not installed"; return 1; }
	[ "$(id -u)" = 0 ] || { SD_WHY="not root"; return 1; }
	if ! unshare --pid --fork --mount --uts --ipc --net --cgroup \
	    --propagation private true 2>/dev/null; then
		SD_WHY="namespaces unavailable (unshare --pid --mount --net --cgroup failed)"
		return 1
	fi
	if ! unshare --mount --propagation private \
	    sh -c 'd=$(mktemp -d) && mount -t tmpfs sd-probe "$d" && umount "$d"; r=$?; rmdir "$d"; exit $r' 2>/dev/null; then
		SD_WHY="cannot mount in a new mount namespace"
		return 1
	fi
	return 0
}

# sd_init DIR: work directory of the instance; creates DIR/payload with the
# minimal boot target
sd_init() {
	SD_DIR=$1
	SD_PAYLOAD=$SD_DIR/payload
	mkdir -p "$SD_DIR/ovl" "$SD_PAYLOAD/etc/systemd/system"
	: >"$SD_DIR/console.log"
	# Merged /usr: /lib, /bin, ... are symlinks on the host; so are they in
	# the payload, or copying it over the root would fail.
	local d
	for d in bin sbin lib lib32 lib64 libx32; do
		[ -L "/$d" ] || continue
		ln -sfn "$(readlink "/$d")" "$SD_PAYLOAD/$d"
		mkdir -p "$SD_PAYLOAD/$(readlink "/$d")"
	done
	cat >"$SD_PAYLOAD/etc/systemd/system/$SD_TARGET" <<'EOF'
[Unit]
Description=relance test boot target (sysinit + basic: journald, tmpfiles)
Requires=basic.target
After=basic.target
AllowIsolate=yes
EOF
	# stage2 runs as PID 1 of the new pid namespace: builds the root and
	# execs systemd.
	cat >"$SD_DIR/stage2.sh" <<'EOS'
#!/bin/bash
set -eu
B=$1 TARGET=$2; R=$B/ovl/root
mount -t tmpfs -o mode=755 relance-sd-ovl $B/ovl
mkdir -p $B/ovl/upper $B/ovl/work $R
mount -t overlay overlay -o lowerdir=/,upperdir=$B/ovl/upper,workdir=$B/ovl/work $R
cp -a $B/payload/. $R/
mount -t proc proc $R/proc
mount --bind $R/proc/sys $R/proc/sys && mount -o remount,bind,ro $R/proc/sys
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs $R/sys
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 $R/sys/fs/cgroup
mount -t tmpfs -o mode=755,nosuid relance-sd-dev $R/dev
for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
	IFS=: read n ma mi <<<"$d"; mknod -m 666 $R/dev/$n c $ma $mi
done
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts $R/dev/pts
ln -s pts/ptmx $R/dev/ptmx
mount -t tmpfs -o mode=1777,nosuid,nodev shm $R/dev/shm
touch $R/dev/console && mount --bind $B/console.log $R/dev/console
mount -t tmpfs -o mode=1777,nosuid,nodev tmp $R/tmp
cd $R && mkdir -p .oldroot && pivot_root . .oldroot && cd / && umount -l /.oldroot && rmdir /.oldroot
# systemd skips this in containers; without it LoadCredential= yields an
# unreadable credentials directory.
mount --make-rshared /
exec env -i container=relance-test TERM=dumb /lib/systemd/systemd --unit=$TARGET --show-status=no
EOS
	chmod +x "$SD_DIR/stage2.sh"
}

# sd_boot [TIMEOUT]: boot the instance, wait until its manager answers and
# the boot target is reached. Exports SD_PID (systemd, PID 1 inside),
# SD_ROOT (/proc/SD_PID/root).
sd_boot() {
	local timeout=${1:-30} i cgroot
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		cgroot=/sys/fs/cgroup
	else
		cgroot=/sys/fs/cgroup/unified
	fi
	SD_CG=$cgroot/relance-sd-$$
	mkdir -p "$SD_CG" || return 1
	setsid bash -c "echo \$\$ > $SD_CG/cgroup.procs; exec unshare --pid --fork --mount --uts --ipc --net --cgroup --propagation private $SD_DIR/stage2.sh $SD_DIR $SD_TARGET" \
	    </dev/null >>"$SD_DIR/console.log" 2>&1 &
	SD_UPID=$!
	SD_PID=
	for ((i = 0; i < 200; i++)); do
		SD_PID=$(awk '{print $1}' "/proc/$SD_UPID/task/$SD_UPID/children" 2>/dev/null)
		[ -n "$SD_PID" ] && break
		kill -0 "$SD_UPID" 2>/dev/null || break
		sleep 0.05
	done
	[ -n "$SD_PID" ] || { tail -20 "$SD_DIR/console.log" >&2; return 1; }
	SD_ROOT=/proc/$SD_PID/root
	export SD_PID SD_ROOT
	wait_for "test -S $SD_ROOT/run/systemd/private || ! kill -0 $SD_UPID" "$timeout" &&
	    [ -S "$SD_ROOT/run/systemd/private" ] || { tail -20 "$SD_DIR/console.log" >&2; return 1; }
	SD_STATE=$(timeout "$timeout" nsenter -t "$SD_PID" -a systemctl is-system-running --wait 2>&1)
	case $SD_STATE in
	running|degraded) return 0 ;;
	*) tail -20 "$SD_DIR/console.log" >&2; return 1 ;;
	esac
}

# sd CMD...: run CMD inside the instance (every namespace of its PID 1)
sd() { nsenter -t "$SD_PID" -a "$@"; }

# sd_poweroff: clean poweroff of the instance, SIGKILL to its PID 1 after
# 10 s; removes the host cgroup directory. Safe to call twice.
sd_poweroff() {
	local i
	[ -n "${SD_UPID:-}" ] || return 0
	if kill -0 "$SD_UPID" 2>/dev/null; then
		nsenter -t "$SD_PID" -a systemctl poweroff >/dev/null 2>&1
		for ((i = 0; i < 200; i++)); do
			kill -0 "$SD_UPID" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$SD_UPID" 2>/dev/null; then
			echo "  .. instance: clean poweroff timed out, SIGKILL" >&2
			# PID 1 of the pid namespace: everything inside dies with it.
			kill -KILL "$SD_PID" 2>/dev/null
		fi
		wait "$SD_UPID" 2>/dev/null
	fi
	SD_UPID=
	[ -n "${SD_CG:-}" ] && find "$SD_CG" -depth -type d -exec rmdir {} \; 2>/dev/null
	return 0
}

# ---- relanced in the instance (40-systemd, 58-auth-pause) -------------------

# sd_relanced_setup DIR: checks namespaces and binaries (skips or dies),
# powers the instance off at exit (relanced's journal becomes
# $T/relanced.log, shown when the test fails), sd_init DIR, then `make
# install DESTDIR=...` into the payload (exported as P) and the test peers
# copied to /usr/local/libexec/relance-test.
sd_relanced_setup() {
	local b
	sd_available || skip "$SD_WHY"
	for b in relanced relancectl kafka_mock; do
		[ -x "$BUILD/$b" ] || die "$BUILD/$b not built"
	done
	trap 'rc=$?; [ -n "${SD_PID:-}" ] && sd journalctl -u relanced --no-pager -o short-monotonic >"$T/relanced.log" 2>&1
	      sd_poweroff; (exit $rc); lib_cleanup' EXIT
	sd_init "$1"
	P=$SD_PAYLOAD
	make -s -C "$TOP" install DESTDIR="$P" BUILD="$BUILD" -o all >"$T/install.log" 2>&1 ||
	    { cat "$T/install.log"; die "make install DESTDIR=... failed"; }
	mkdir -p "$P/usr/local/libexec/relance-test"
	cp "$BUILD/kafka_mock" "$TOP/tests/peers/smtpd.py" "$P/usr/local/libexec/relance-test/"
}

# sd_peers USER:PASSWORD: the Kafka mock (4 partitions) and aiosmtpd
# requiring AUTH with USER:PASSWORD, inside the booted instance's network
# namespace as transient units. Sets BROKERS, SMTP_PORT, SMTPD_DIR (the
# messages aiosmtpd stored, seen from the host).
sd_peers() {
	sd mkdir -p /run/relance-test/smtpd
	sd systemd-run --quiet --unit=test-kafka \
	    /usr/local/libexec/relance-test/kafka_mock -p 4 -f /run/relance-test/kafka.ready ||
	    die "cannot start the kafka mock in the instance"
	sd systemd-run --quiet --unit=test-smtpd /usr/bin/python3 \
	    /usr/local/libexec/relance-test/smtpd.py --dir /run/relance-test/smtpd \
	    --ready /run/relance-test/smtpd.ready --auth "$1" ||
	    die "cannot start smtpd in the instance"
	wait_file "$SD_ROOT/run/relance-test/kafka.ready" 15 || die "kafka mock not ready"
	wait_file "$SD_ROOT/run/relance-test/smtpd.ready" 15 || die "smtpd not ready"
	BROKERS=$(head -n1 "$SD_ROOT/run/relance-test/kafka.ready")
	SMTP_PORT=$(cat "$SD_ROOT/run/relance-test/smtpd.ready")
	SMTPD_DIR=$SD_ROOT/run/relance-test/smtpd
}

# sd_conf KEY=VALUE...: relanced's configuration for the instance (the
# store and feeds under /var/lib/relance, HTTP on 127.0.0.1:8470, email
# through sd_peers' aiosmtpd as user relance with the password from the
# credential smtp-password, the installed templates), with the test's
# keys added or replaced, written to $T/relance.conf and
# /etc/relance/relance.conf inside.
sd_conf() {
	write_conf "$T/relance.conf" store.path=/var/lib/relance/relance.db \
	    calendar.feeds_dir=/var/lib/relance/feeds calendar.listen=127.0.0.1:8470 \
	    calendar.base_url=http://127.0.0.1:8470 \
	    smtp.url="smtp://127.0.0.1:$SMTP_PORT" smtp.tls=none smtp.user=relance \
	    smtp.password_file=smtp-password smtp.helo=relance.test \
	    templates.dir=/etc/relance/templates reminders.default_consent=email "$@"
	cp "$T/relance.conf" "$SD_ROOT/etc/relance/relance.conf"
}
