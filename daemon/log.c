/*
 * log.c — stderr logging with sd-daemon priority prefixes, and repeated
 * warnings rate-limited per key (see log.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

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

int
log_stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;

	return v != NULL && sscanf(v, "%llu:%llu", &dev, &ino) == 2 &&
	       fstat(STDERR_FILENO, &sb) == 0 && (unsigned long long)sb.st_dev == dev &&
	       (unsigned long long)sb.st_ino == ino;
}

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

/* ---- repeated warnings, rate-limited --------------------------------------------- */

struct log_limit_key {
	int64_t since;          /* when its last line was logged */
	uint64_t repeats;       /* counted since */
	int level;
	char text[256];         /* the last message, for the count line */
};

struct log_limit {
	struct hmap *keys;
	int64_t period;
};

struct log_limit *
log_limit_new(int64_t period)
{
	struct log_limit *l = xcalloc(1, sizeof *l);
	l->keys = hmap_new();
	l->period = period > 0 ? period : 1;
	return l;
}

/* The count line of k at now: the last message and how many were not said. */
static void
limit_tell(struct log_limit_key *k, int64_t now)
{
	log_at(k->level, "%s [%llu more like this in the last %llds]", k->text,
	       (unsigned long long)k->repeats, (long long)(now - k->since));
	k->repeats = 0;
	k->since = now;
}

struct limit_flush {
	int64_t now;
	int all;
	const struct log_limit *l;
};

static void
limit_flush_one(const char *key, void *value, void *arg)
{
	struct log_limit_key *k = value;
	const struct limit_flush *f = arg;

	if (k->repeats > 0 && (f->all || f->now - k->since >= f->l->period))
		limit_tell(k, f->now);
}

void
log_limit_flush(struct log_limit *l, int64_t now)
{
	struct limit_flush f = { now, 0, l };
	hmap_each(l->keys, limit_flush_one, &f);
}

void
log_limit_free(struct log_limit *l)
{
	struct limit_flush f = { 0, 1, l };

	if (l == NULL)
		return;
	f.now = clock_now();
	hmap_each(l->keys, limit_flush_one, &f);
	hmap_free(l->keys, free);
	free(l);
}

int
log_limited(struct log_limit *l, const char *key, int64_t now, int level, const char *fmt, ...)
{
	struct log_limit_key *k = hmap_get(l->keys, key);
	va_list ap;

	if (level > (int)log_level)
		return 0;
	if (k == NULL) {
		k = xcalloc(1, sizeof *k);
		k->since = now - l->period;
		hmap_put(l->keys, key, k);
	}
	va_start(ap, fmt);
	vsnprintf(k->text, sizeof k->text, fmt, ap);
	va_end(ap);
	k->level = level;
	if (now - k->since < l->period) {
		k->repeats++;
		return 0;
	}
	if (k->repeats > 0) {
		limit_tell(k, now);
		return 1;
	}
	log_at(level, "%s (repeats are counted, said once every %llds)", k->text,
	       (long long)l->period);
	k->since = now;
	return 1;
}
