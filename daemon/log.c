/*
 * log.c — stderr logging with sd-daemon priority prefixes (see log.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static enum log_level log_level = LOG_LVL_INFO;
static int log_prefix = 1;

const char *
log_level_name(int level)
{
	static const char *const names[] = { "err", "warning", "notice", "info", "debug" };

	if (level < LOG_LVL_ERR || level > LOG_LVL_DEBUG)
		return "unknown";
	return names[level - LOG_LVL_ERR];
}

void log_set_level(enum log_level level) { log_level = level; }
enum log_level log_get_level(void) { return log_level; }
void log_set_prefix(int on) { log_prefix = on; }

void
log_vat(int level, const char *fmt, va_list ap)
{
	int saved = errno;
	char buf[2048];

	if (level > (int)log_level)
		return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	/* One write per line so concurrent writers do not interleave. */
	if (log_prefix)
		fprintf(stderr, "<%d>%s\n", level, buf);
	else
		fprintf(stderr, "relance: %s\n", buf);
	errno = saved;
}

void
log_at(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vat(level, fmt, ap);
	va_end(ap);
}

#define LOG_FN(name, level)                                                    \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vat(level, fmt, ap);                                       \
		va_end(ap);                                                    \
	}
LOG_FN(log_warnx, LOG_LVL_WARNING)
LOG_FN(log_err, LOG_LVL_ERR)
LOG_FN(log_notice, LOG_LVL_NOTICE)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

/* Formats fmt, then logs "<prefix><text>" and, when err >= 0, ": <strerror(err)>". */
static void
log_vsuffix(int level, const char *prefix, int err, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof buf, fmt, ap);
	if (err >= 0)
		log_at(level, "%s%s: %s", prefix, buf, strerror(err));
	else
		log_at(level, "%s%s", prefix, buf);
}

/* name(fmt, ...): log_vsuffix() with errno saved first (err) or not (-1). */
#define LOG_ERRNO_FN(name, level, prefix, err, after)                          \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		int saved = errno;                                             \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vsuffix(level, prefix, err, fmt, ap);                      \
		va_end(ap);                                                    \
		errno = saved;                                                 \
		after;                                                         \
	}
LOG_ERRNO_FN(log_warn, LOG_LVL_WARNING, "", saved, (void)0)
LOG_ERRNO_FN(fatal, LOG_LVL_ERR, "fatal: ", saved, exit(3))
LOG_ERRNO_FN(fatalx, LOG_LVL_ERR, "fatal: ", -1, exit(3))
