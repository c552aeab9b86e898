/*
 * sdnotify.c — thin wrapper over libsystemd's sd_notify (sdnotify.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "sdnotify.h"

static int warned;

static void
notify(const char *msg)
{
	int r = sd_notify(0, msg);
	if (r < 0 && !warned) {
		warned = 1;
		log_warnx("sd_notify failed: %d", r);
	}
}

void
sdnotify_ready(const char *status)
{
	char buf[512];
	snprintf(buf, sizeof buf, "READY=1\nSTATUS=%s", status ? status : "running");
	notify(buf);
}

void
sdnotify_status(const char *fmt, ...)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "STATUS=");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
	va_end(ap);
	notify(buf);
}

void sdnotify_reloading(void) { notify("RELOADING=1"); }
void sdnotify_stopping(void) { notify("STOPPING=1\nSTATUS=stopping"); }
void sdnotify_watchdog(void) { notify("WATCHDOG=1"); }

int64_t
sdnotify_watchdog_ms(void)
{
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return (int64_t)(usec / 1000);
}
