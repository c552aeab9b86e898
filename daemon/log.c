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

#define LOG_LEVEL_ROW_(id, code, name) { id, name },
static const struct {
	enum log_level level;
	const char *name;
} log_levels[] = { LOG_LEVEL_LIST(LOG_LEVEL_ROW_) };
#undef LOG_LEVEL_ROW_

int
log_level_parse(const char *s)
{
	for (size_t i = 0; s != NULL && i < sizeof log_levels / sizeof log_levels[0]; i++)
		if (strcmp(s, log_levels[i].name) == 0)
			return (int)log_levels[i].level;
	return -1;
}

const char *
log_level_name(int level)
{
	for (size_t i = 0; i < sizeof log_levels / sizeof log_levels[0]; i++)
		if ((int)log_levels[i].level == level)
			return log_levels[i].name;
	return "unknown";
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

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	log_at(LOG_LVL_WARNING, "%s: %s", buf, strerror(saved));
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	log_at(LOG_LVL_ERR, "fatal: %s: %s", buf, strerror(saved));
	exit(3);
}

void
fatalx(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	log_at(LOG_LVL_ERR, "fatal: %s", buf);
	exit(3);
}
