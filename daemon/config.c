/*
 * config.c — relance.conf: embedded defaults, INI parsing (inih) and
 * validation into one immutable struct config (contract section 7).
 *
 * Every key is described once in keys[] (section, name, parser, field,
 * bounds). Every error is reported as "FILE:LINE: [section] key: reason",
 * all of them, not just the first; config_load() returns NULL if there was
 * any. Nothing here changes process state (no tz_set(), no inih globals).
 *
 * Line numbers and inih. Debian's libinih is built without
 * INI_HANDLER_LINENO (the handler gets no line number; redefining the macro
 * on our side would only change the prototype we compile against, not the
 * call the library makes), and its inline-comment, multi-line and BOM
 * behaviour are build/runtime options we should not depend on. So we read
 * the file ourselves and feed inih through ini_parse_stream() with a reader
 * that hands it one *pre-processed* physical line at a time:
 *   - the reader counts lines, and inih calls the handler synchronously for
 *     the line the reader just returned, so ctx->lineno is the handler's line;
 *   - it drops comment lines, strips inline comments (";" preceded by a space
 *     or tab) and leading blanks (so inih never sees a continuation line);
 *   - it reports syntax errors itself (inih would only tell us the first one)
 *     and unknown or malformed section headers (inih does not call the handler
 *     for a section line), and gives inih an empty line instead;
 *   - a line that does not fit inih's line buffer is an error, not silently
 *     split in two.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>
#include <librdkafka/rdkafka.h>

#include "config.h"
#include "log.h"
#include "util.h"

#define ERRLEN 256
#define MAX_DURATION (3660LL * 86400) /* ten years and some */

struct ctx;
struct key;

typedef int (*key_parser)(struct ctx *, const struct key *, const char *,
    char *, size_t);

#define KEY_REPEAT 0x1	/* may be given several times */

struct key {
	const char *section, *name;
	key_parser parse;
	size_t off;		/* offsetof(struct config, field) */
	long long min, max;	/* bounds for numbers and durations */
	int flags;
};

struct ctx {
	struct config *c;
	const char *path;
	config_error_fn errfn;
	void *arg;
	int nerrors;

	FILE *f;
	char *raw;		/* getline buffer */
	size_t rawcap;
	int lineno;
	int skip;		/* inside an unknown or malformed section */

	int *seen;		/* line of each keys[] entry, 0 if unset */
	int *rdk_lines;		/* line of each cfg->kafka.rdkafka entry */
	int *window_lines;	/* line of each dropin window */
	rd_kafka_conf_t *rk;	/* validates rdkafka.* properties */
};

/* ------------------------------------------------------------------------ */
/* errors */

static void __attribute__((format(printf, 3, 4)))
cfg_error(struct ctx *x, int line, const char *fmt, ...)
{
	char reason[512], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(msg, sizeof msg, "%s:%d: %s", x->path, line, reason);
	else
		snprintf(msg, sizeof msg, "%s: %s", x->path, reason);
	x->nerrors++;
	if (x->errfn != NULL)
		x->errfn(msg, x->arg);
	else
		log_err("%s", msg);
}

/* ------------------------------------------------------------------------ */
/* small string helpers */

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static int
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int
parse_int(const char *s, long long min, long long max, long long *out)
{
	long long v = 0;

	if (!all_digits(s) || strlen(s) > 12)
		return -1;
	for (; *s; s++)
		v = v * 10 + (*s - '0');
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Splits a comma list in place: items trimmed, empty items kept (""). */
static int
split_list(char *s, char **items, int max)
{
	int n = 0;
	char *p = s, *comma;

	for (;;) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		if (n == max)
			return -1;
		items[n++] = trim(p);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return n;
}

/* m in 0..1440 */
static void
fmt_hhmm(int m, char out[6])
{
	unsigned u = (unsigned)m % 1441;

	out[0] = (char)('0' + u / 600);
	out[1] = (char)('0' + u / 60 % 10);
	out[2] = ':';
	out[3] = (char)('0' + u % 60 / 10);
	out[4] = (char)('0' + u % 10);
	out[5] = '\0';
}

/* The reason a date_parse() failed. */
static void
date_error(const char *s, char *err, size_t el)
{
	int shape = strlen(s) == 10 && s[4] == '-' && s[7] == '-';

	for (int i = 0; shape && i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			shape = 0;
	if (shape)
		snprintf(err, el, "\"%s\" is not a real date", s);
	else
		snprintf(err, el, "\"%s\" is not a date (YYYY-MM-DD)", s);
}

/* ------------------------------------------------------------------------ */
/* shared parsers */

int
config_parse_duration(const char *s, int64_t *secs)
{
	int64_t v = 0, mult;
	size_t i, len;

	if (s == NULL)
		return -1;
	len = strlen(s);
	if (len < 2 || len > 10)
		return -1;
	for (i = 0; i < len - 1; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	switch (s[len - 1]) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	default: return -1;
	}
	if (v > MAX_DURATION / mult)
		return -1;
	*secs = v * mult;
	return 0;
}

int
config_parse_offset(const char *s, struct offset *o)
{
	int64_t secs;

	if (config_parse_duration(s, &secs) == -1)
		return -1;
	if (s[strlen(s) - 1] == 'd') {
		o->days = (int)(secs / 86400);
		o->secs = 0;
	} else {
		o->days = 0;
		o->secs = secs;
	}
	return 0;
}

int
config_parse_hhmm(const char *s, int *minutes)
{
	int h, m;

	if (s == NULL || strlen(s) != 5 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

/* "HH:MM-HH:MM" with start < end; the end may be 24:00. */
static int
parse_range(const char *s, struct timerange *r, char *err, size_t errlen)
{
	char a[6], b[6];
	const char *dash = strchr(s, '-');

	if (dash == NULL || dash - s != 5 || strlen(dash + 1) != 5)
		goto bad;
	memcpy(a, s, 5);
	a[5] = '\0';
	memcpy(b, dash + 1, 6);
	if (config_parse_hhmm(a, &r->start) == -1)
		goto bad;
	if (strcmp(b, "24:00") == 0)
		r->end = 1440;
	else if (config_parse_hhmm(b, &r->end) == -1)
		goto bad;
	if (r->start >= r->end) {
		snprintf(err, errlen, "\"%s\": the start must be before the end",
		    s);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "\"%s\" is not a time range (HH:MM-HH:MM)", s);
	return -1;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct timerange *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* Sorts ranges and rejects overlaps; what names the set in the message. */
static int
ranges_check(struct timerange *r, int n, const char *what, char *err,
    size_t errlen)
{
	char a[6], b[6], c[6], d[6];

	qsort(r, (size_t)n, sizeof *r, range_cmp);
	for (int i = 1; i < n; i++) {
		if (r[i].start < r[i - 1].end) {
			fmt_hhmm(r[i - 1].start, a);
			fmt_hhmm(r[i - 1].end, b);
			fmt_hhmm(r[i].start, c);
			fmt_hhmm(r[i].end, d);
			snprintf(err, errlen, "%s-%s and %s-%s overlap%s%s", a,
			    b, c, d, *what ? " on " : "", what);
			return -1;
		}
	}
	return 0;
}

static const char *const daynames[7] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun"
};

static int
parse_day(const char *s, size_t len)
{
	for (int i = 0; i < 7; i++)
		if (len == 3 && strncasecmp(s, daynames[i], 3) == 0)
			return i;
	return -1;
}

int
config_parse_weekhours(const char *s, struct weekhours *w, char *err,
    size_t errlen)
{
	char *copy = xstrdup(s), *groups[16], *tok, *save, *dash;
	int ngroups, rc = -1, first, last, any = 0;
	struct timerange r;

	memset(w, 0, sizeof *w);
	ngroups = split_list(copy, groups, (int)ARRAY_SIZE(groups));
	if (ngroups == -1) {
		snprintf(err, errlen, "too many groups (max %zu)",
		    ARRAY_SIZE(groups));
		goto out;
	}
	for (int g = 0; g < ngroups; g++) {
		tok = strtok_r(groups[g], " \t", &save);
		if (tok == NULL) {
			snprintf(err, errlen, "empty group (expected e.g. "
			    "\"mon-fri 09:00-12:00 13:30-17:00\")");
			goto out;
		}
		dash = strchr(tok, '-');
		if (dash != NULL) {
			first = parse_day(tok, (size_t)(dash - tok));
			last = parse_day(dash + 1, strlen(dash + 1));
		} else
			first = last = parse_day(tok, strlen(tok));
		if (first == -1 || last == -1 || first > last) {
			snprintf(err, errlen, "\"%s\" is not a day or day range "
			    "(mon, tue, ..., sun or e.g. mon-fri)", tok);
			goto out;
		}
		int nr = 0;
		while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
			if (parse_range(tok, &r, err, errlen) == -1)
				goto out;
			for (int d = first; d <= last; d++) {
				if (w->n[d] == CONFIG_MAX_RANGES) {
					snprintf(err, errlen, "too many ranges "
					    "on %s (max %d)", daynames[d],
					    CONFIG_MAX_RANGES);
					goto out;
				}
				w->r[d][w->n[d]++] = r;
			}
			nr++;
		}
		if (nr == 0) {
			snprintf(err, errlen, "\"%s\" has no time range "
			    "(HH:MM-HH:MM)", groups[g]);
			goto out;
		}
		any = 1;
	}
	if (!any) {
		snprintf(err, errlen, "no office hours");
		goto out;
	}
	for (int d = 0; d < 7; d++)
		if (ranges_check(w->r[d], w->n[d], daynames[d], err, errlen))
			goto out;
	rc = 0;
out:
	free(copy);
	return rc;
}

static int
parse_uai(const char *s)
{
	if (strlen(s) != 8)
		return -1;
	for (int i = 0; i < 7; i++)
		if (!isdigit((unsigned char)s[i]))
			return -1;
	return isalpha((unsigned char)s[7]) ? 0 : -1;
}

/* FNV-1a, for window keys too long to be spelled out. */
static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void
window_key(struct dropin_window *w)
{
	char buf[512], a[6], b[6], d1[11], d2[11];
	size_t len;

	date_format(w->first_day, d1);
	date_format(w->last_day, d2);
	len = (size_t)snprintf(buf, sizeof buf, "%s %s..%s ", w->uai, d1, d2);
	for (int i = 0; i < w->nranges; i++) {
		fmt_hhmm(w->ranges[i].start, a);
		fmt_hhmm(w->ranges[i].end, b);
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s-%s",
		    i ? "," : "", a, b);
	}
	snprintf(buf + len, sizeof buf - len, " slot=%dm capacity=%d",
	    w->slot_secs / 60, w->capacity);
	if (strlen(buf) < sizeof w->key)
		snprintf(w->key, sizeof w->key, "%s", buf);
	else
		snprintf(w->key, sizeof w->key, "%s %s..%s #%016llx", w->uai,
		    d1, d2, (unsigned long long)fnv1a(buf));
}

int
config_parse_window(const char *s, struct dropin_window *w, char *err,
    size_t errlen)
{
	char *copy = xstrdup(s), *p, *tok, *save, *dots;
	char *ranges[CONFIG_MAX_RANGES + 1];
	int rc = -1, n, have_slot = 0, have_cap = 0;
	int64_t secs;
	long long v;

	memset(w, 0, sizeof *w);
	/* "UAI DATES RANGES k=v ..." where RANGES may have blanks around its
	 * commas: drop those first so that blanks only separate fields. */
	p = copy;
	for (const char *q = s; *q; q++) {
		if (*q == ',') {
			while (p > copy && (p[-1] == ' ' || p[-1] == '\t'))
				p--;
			*p++ = ',';
			while (q[1] == ' ' || q[1] == '\t')
				q++;
		} else
			*p++ = *q;
	}
	*p = '\0';

	tok = strtok_r(copy, " \t", &save);
	if (tok == NULL) {
		snprintf(err, errlen, "empty window (expected \"UAI|* "
		    "FIRST..LAST HH:MM-HH:MM[,...] slot=DURATION capacity=N\")");
		goto out;
	}
	if (strcmp(tok, "*") != 0 && parse_uai(tok) == -1) {
		snprintf(err, errlen, "\"%s\" is not \"*\" or a UAI (7 digits "
		    "and a letter)", tok);
		goto out;
	}
	snprintf(w->uai, sizeof w->uai, "%s", tok);
	if (w->uai[0] != '*')
		w->uai[7] = (char)toupper((unsigned char)w->uai[7]);

	tok = strtok_r(NULL, " \t", &save);
	if (tok == NULL || (dots = strstr(tok, "..")) == NULL) {
		snprintf(err, errlen, "missing dates FIRST..LAST "
		    "(e.g. 2026-07-02..2026-07-05)");
		goto out;
	}
	*dots = '\0';
	if (date_parse(tok, &w->first_day) == -1) {
		date_error(tok, err, errlen);
		goto out;
	}
	if (date_parse(dots + 2, &w->last_day) == -1) {
		date_error(dots + 2, err, errlen);
		goto out;
	}
	if (w->first_day > w->last_day) {
		snprintf(err, errlen, "%s..%s: the first day is after the last",
		    tok, dots + 2);
		goto out;
	}
	if (w->last_day - w->first_day > 366) {
		snprintf(err, errlen, "%s..%s: a window lasts at most 366 days",
		    tok, dots + 2);
		goto out;
	}

	tok = strtok_r(NULL, " \t", &save);
	if (tok == NULL || strchr(tok, '=') != NULL) {
		snprintf(err, errlen, "missing time ranges (HH:MM-HH:MM"
		    "[,HH:MM-HH:MM...])");
		goto out;
	}
	n = split_list(tok, ranges, (int)ARRAY_SIZE(ranges));
	if (n == -1 || n > CONFIG_MAX_RANGES) {
		snprintf(err, errlen, "too many time ranges (max %d)",
		    CONFIG_MAX_RANGES);
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (parse_range(ranges[i], &w->ranges[i], err, errlen) == -1)
			goto out;
	w->nranges = n;
	if (ranges_check(w->ranges, n, "", err, errlen) == -1)
		goto out;

	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		if (strncmp(tok, "slot=", 5) == 0 && !have_slot) {
			if (config_parse_duration(tok + 5, &secs) == -1 ||
			    secs < 60 || secs % 60 != 0 || secs > 86400) {
				snprintf(err, errlen, "slot \"%s\" is not a "
				    "duration of whole minutes, at least 1m "
				    "(e.g. slot=20m)", tok + 5);
				goto out;
			}
			w->slot_secs = (int)secs;
			have_slot = 1;
		} else if (strncmp(tok, "capacity=", 9) == 0 && !have_cap) {
			if (parse_int(tok + 9, 1, 10000, &v) == -1) {
				snprintf(err, errlen, "capacity \"%s\" is not a "
				    "number from 1 to 10000", tok + 9);
				goto out;
			}
			w->capacity = (int)v;
			have_cap = 1;
		} else {
			snprintf(err, errlen, "unexpected \"%s\" (expected "
			    "slot=DURATION capacity=N, once each)", tok);
			goto out;
		}
	}
	if (!have_slot || !have_cap) {
		snprintf(err, errlen, "missing %s", !have_slot ?
		    "slot=DURATION" : "capacity=N");
		goto out;
	}
	for (int i = 0; i < w->nranges; i++) {
		if ((w->ranges[i].end - w->ranges[i].start) * 60 < w->slot_secs) {
			char a[6], b[6];
			fmt_hhmm(w->ranges[i].start, a);
			fmt_hhmm(w->ranges[i].end, b);
			snprintf(err, errlen, "slot=%dm does not fit in %s-%s",
			    w->slot_secs / 60, a, b);
			goto out;
		}
	}
	window_key(w);
	rc = 0;
out:
	free(copy);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* secrets */

char *
config_secret_path(const char *name, const char *config_path)
{
	const char *creds, *slash;

	if (name == NULL || *name == '\0')
		return NULL;
	if (name[0] == '/')
		return xstrdup(name);
	creds = getenv("CREDENTIALS_DIRECTORY");
	if (creds != NULL && *creds != '\0')
		return xasprintf("%s/%s", creds, name);
	if (config_path == NULL || (slash = strrchr(config_path, '/')) == NULL)
		return xasprintf("./%s", name);
	if (slash == config_path)
		return xasprintf("/%s", name);
	return xasprintf("%.*s/%s", (int)(slash - config_path), config_path,
	    name);
}

char *
config_read_secret(const char *path)
{
	char *buf, *secret = NULL;
	size_t len = 0, n;

	if (path == NULL) {
		errno = EINVAL;
		return NULL;
	}
	buf = file_read(path, &len);
	if (buf == NULL)
		return NULL;
	n = strcspn(buf, "\r\n");
	if (n == 0)
		errno = ENODATA;
	else {
		secret = xmalloc(n + 1);
		memcpy(secret, buf, n);
		secret[n] = '\0';
	}
	explicit_bzero(buf, len);
	free(buf);
	return secret;
}

/* ------------------------------------------------------------------------ */
/* key parsers: 0, or -1 with err filled */

#define FIELD(c, k, type) ((type *)(void *)((char *)(c) + (k)->off))

static void
set_string(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int
p_str(struct ctx *x, const struct key *k, const char *v, char *err, size_t el)
{
	if (*v == '\0') {
		snprintf(err, el, "must not be empty");
		return -1;
	}
	set_string(FIELD(x->c, k, char *), v);
	return 0;
}

/* Empty means none (NULL). */
static int
p_str_opt(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	char **dst = FIELD(x->c, k, char *);

	free(*dst);
	*dst = *v ? xstrdup(v) : NULL;
	return 0;
}

/* May be empty (""). */
static int
p_text(struct ctx *x, const struct key *k, const char *v, char *err, size_t el)
{
	set_string(FIELD(x->c, k, char *), v);
	return 0;
}

static int
p_int(struct ctx *x, const struct key *k, const char *v, char *err, size_t el)
{
	long long n;

	if (parse_int(v, k->min, k->max, &n) == -1) {
		snprintf(err, el, "\"%s\" is not a number from %lld to %lld", v,
		    k->min, k->max);
		return -1;
	}
	*FIELD(x->c, k, int) = (int)n;
	return 0;
}

static int
duration_value(const struct key *k, const char *v, int64_t *secs, char *err,
    size_t el)
{
	if (all_digits(v)) {
		snprintf(err, el, "\"%s\" needs a unit (s, m, h, d)", v);
		return -1;
	}
	if (config_parse_duration(v, secs) == -1) {
		snprintf(err, el, "\"%s\" is not a duration (e.g. 30s, 15m, 2h, "
		    "3d)", v);
		return -1;
	}
	if (*secs < k->min || *secs > k->max) {
		char a[32], b[32];
		/* bounds are whole minutes/hours/days in keys[] */
		snprintf(a, sizeof a, "%llds", k->min);
		snprintf(b, sizeof b, "%lldd", k->max / 86400);
		if (k->min >= 60 && k->min % 60 == 0)
			snprintf(a, sizeof a, "%lldm", k->min / 60);
		snprintf(err, el, "\"%s\" is out of range (%s to %s)", v, a, b);
		return -1;
	}
	return 0;
}

static int
p_duration(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	int64_t secs;

	if (duration_value(k, v, &secs, err, el) == -1)
		return -1;
	*FIELD(x->c, k, int64_t) = secs;
	return 0;
}

/* An int field holding whole minutes as seconds (checkins duration). */
static int
p_duration_min(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	int64_t secs;

	if (duration_value(k, v, &secs, err, el) == -1)
		return -1;
	if (secs % 60 != 0) {
		snprintf(err, el, "\"%s\" is not a whole number of minutes", v);
		return -1;
	}
	*FIELD(x->c, k, int) = (int)secs;
	return 0;
}

static int
p_timezone(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	char path[512];
	struct stat st;

	/* The same test as tz_set(), without selecting the zone. */
	if (strcmp(v, "UTC") != 0 && (*v == '\0' || v[0] == '/' ||
	    strstr(v, "..") || strlen(v) >= 128 ||
	    (snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", v),
	    stat(path, &st) != 0) || !S_ISREG(st.st_mode))) {
		snprintf(err, el, "\"%s\" is not a time zone known to the "
		    "system (e.g. Europe/Paris)", v);
		return -1;
	}
	set_string(&x->c->calendar.timezone, v);
	return 0;
}

static int
p_listen(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	char host[64];
	const char *port, *end;
	unsigned char addr[16];
	long long n;
	int ok = 0;

	if (v[0] == '[') {
		end = strchr(v, ']');
		if (end != NULL && end[1] == ':' &&
		    (size_t)(end - v - 1) < sizeof host) {
			memcpy(host, v + 1, (size_t)(end - v - 1));
			host[end - v - 1] = '\0';
			port = end + 2;
			ok = inet_pton(AF_INET6, host, addr) == 1;
		}
	} else {
		end = strrchr(v, ':');
		if (end != NULL && (size_t)(end - v) < sizeof host) {
			memcpy(host, v, (size_t)(end - v));
			host[end - v] = '\0';
			port = end + 1;
			ok = inet_pton(AF_INET, host, addr) == 1;
		}
	}
	if (!ok || parse_int(port, 0, 65535, &n) == -1) {
		snprintf(err, el, "\"%s\" is not ADDRESS:PORT (e.g. "
		    "127.0.0.1:8470 or [::1]:8470; port 0 disables)", v);
		return -1;
	}
	set_string(&x->c->calendar.listen_host, host);
	x->c->calendar.listen_port = (int)n;
	return 0;
}

static int
check_url(const char *v, const char *const *schemes, char *err, size_t el)
{
	for (size_t i = 0; schemes[i] != NULL; i++) {
		size_t n = strlen(schemes[i]);
		if (strncmp(v, schemes[i], n) != 0)
			continue;
		if (strcmp(schemes[i], "file://") == 0) {
			if (v[n] != '/' || v[n + 1] == '\0')
				break;
		} else if (v[n] == '\0' || v[n] == '/')
			break;
		if (strpbrk(v, " \t") != NULL || has_ctl(v))
			break;
		return 0;
	}
	snprintf(err, el, "\"%s\" is not a URL starting with ", v);
	for (size_t i = 0; schemes[i] != NULL; i++) {
		size_t len = strlen(err);
		snprintf(err + len, el - len, "%s%s%s", i == 0 ? "" :
		    schemes[i + 1] == NULL ? " or " : ", ", schemes[i],
		    strcmp(schemes[i], "file://") == 0 ? "/" : "");
	}
	return -1;
}

static const char *const http_schemes[] = { "http://", "https://", NULL };

/* http(s) base URL, stored without trailing slash. */
static int
p_base_url(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	char **dst = FIELD(x->c, k, char *);
	size_t n;

	if (check_url(v, http_schemes, err, el) == -1)
		return -1;
	free(*dst);
	*dst = xstrdup(v);
	n = strlen(*dst);
	while (n > 0 && (*dst)[n - 1] == '/')
		(*dst)[--n] = '\0';
	return 0;
}

static int
p_domain(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	size_t n = strlen(v);

	if (n == 0 || n > 253 || v[0] == '.' || v[0] == '-' ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-") != n) {
		snprintf(err, el, "\"%s\" is not a domain name", v);
		return -1;
	}
	set_string(FIELD(x->c, k, char *), v);
	return 0;
}

/* [checkins] or [reminders] offsets: a list, or "none". */
static int
p_offsets(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	bool checkins = strcmp(k->section, "checkins") == 0;
	struct offset *o = checkins ? x->c->checkins.offsets :
	    x->c->reminders.offsets;
	int *count = checkins ? &x->c->checkins.noffsets :
	    &x->c->reminders.noffsets;
	struct offset tmp[CONFIG_MAX_OFFSETS];
	char *copy = xstrdup(v), *items[CONFIG_MAX_OFFSETS];
	int n = 0, rc = -1;

	if (strcmp(v, "none") != 0) {
		n = split_list(copy, items, CONFIG_MAX_OFFSETS);
		if (n == -1) {
			snprintf(err, el, "too many offsets (max %d)",
			    CONFIG_MAX_OFFSETS);
			goto out;
		}
		for (int i = 0; i < n; i++) {
			int64_t secs;
			if (*items[i] == '\0') {
				snprintf(err, el, "empty item in \"%s\"", v);
				goto out;
			}
			if (duration_value(k, items[i], &secs, err, el) == -1)
				goto out;
			config_parse_offset(items[i], &tmp[i]);
			for (int j = 0; j < i; j++) {
				if (tmp[j].days == tmp[i].days &&
				    tmp[j].secs == tmp[i].secs) {
					snprintf(err, el, "\"%s\" is given "
					    "twice", items[i]);
					goto out;
				}
			}
		}
	}
	memcpy(o, tmp, sizeof tmp[0] * (size_t)n);
	*count = n;
	rc = 0;
out:
	free(copy);
	return rc;
}

static int
p_weekhours(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	struct weekhours w;

	if (config_parse_weekhours(v, &w, err, el) == -1)
		return -1;
	x->c->checkins.hours = w;
	return 0;
}

static int
day_cmp(const void *a, const void *b)
{
	const int32_t *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* Repeatable: each line adds dates (long lists fit on several lines). */
static int
p_closed(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	char *copy = xstrdup(v), **items = NULL;
	/* Every comma adds an item: at most strlen(v) + 1 of them. */
	size_t old = x->c->checkins.nclosed, max = strlen(v) + 2, m = 0;
	int32_t *days = NULL;
	int n = 0, rc = -1;

	if (*v != '\0' && strcmp(v, "none") != 0) {
		items = xcalloc(max, sizeof *items);
		n = split_list(copy, items, (int)max);
		if (n == -1) {
			snprintf(err, el, "too many dates");
			goto out;
		}
	}
	days = xcalloc(old + (size_t)n + 1, sizeof *days);
	for (int i = 0; i < n; i++) {
		if (date_parse(items[i], &days[i]) == -1) {
			date_error(items[i], err, el);
			goto out;
		}
	}
	if (old > 0)
		memcpy(days + n, x->c->checkins.closed, old * sizeof *days);
	qsort(days, old + (size_t)n, sizeof *days, day_cmp);
	for (size_t i = 0; i < old + (size_t)n; i++)
		if (m == 0 || days[m - 1] != days[i])
			days[m++] = days[i];
	free(x->c->checkins.closed);
	x->c->checkins.closed = days;
	x->c->checkins.nclosed = m;
	days = NULL;
	rc = 0;
out:
	free(days);
	free(items);
	free(copy);
	return rc;
}

static int
p_window(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	struct dropin_window w;
	size_t n = x->c->dropin.nwindows;

	if (config_parse_window(v, &w, err, el) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(x->c->dropin.windows[i].key, w.key) == 0) {
			snprintf(err, el, "same window as on line %d",
			    x->window_lines[i]);
			return -1;
		}
	}
	x->c->dropin.windows = xrealloc(x->c->dropin.windows,
	    (n + 1) * sizeof w);
	x->window_lines = xrealloc(x->window_lines, (n + 1) * sizeof(int));
	x->c->dropin.windows[n] = w;
	x->window_lines[n] = x->lineno;
	x->c->dropin.nwindows = n + 1;
	return 0;
}

static int
p_quiet(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	char a[6], b[6];
	const char *dash = strchr(v, '-');
	struct timerange r;

	if (*v == '\0' || strcmp(v, "none") == 0) {
		x->c->reminders.quiet.start = x->c->reminders.quiet.end = 0;
		return 0;
	}
	if (dash == NULL || dash - v != 5 || strlen(dash + 1) != 5)
		goto bad;
	memcpy(a, v, 5);
	a[5] = '\0';
	memcpy(b, dash + 1, 6);
	if (config_parse_hhmm(a, &r.start) == -1 ||
	    config_parse_hhmm(b, &r.end) == -1)
		goto bad;
	if (r.start == r.end) {
		snprintf(err, el, "\"%s\" is empty (use \"none\" to disable "
		    "quiet hours)", v);
		return -1;
	}
	x->c->reminders.quiet = r;
	return 0;
bad:
	snprintf(err, el, "\"%s\" is not a time range (HH:MM-HH:MM, may span "
	    "midnight, or none)", v);
	return -1;
}

static int
p_consent(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	char *copy = xstrdup(v), *items[8];
	bool sms = false, email = false;
	int n, rc = -1;

	if (strcmp(v, "none") != 0) {
		n = split_list(copy, items, (int)ARRAY_SIZE(items));
		if (n == -1) {
			snprintf(err, el, "too many items in \"%s\"", v);
			goto out;
		}
		for (int i = 0; i < n; i++) {
			if (strcmp(items[i], "sms") == 0)
				sms = true;
			else if (strcmp(items[i], "email") == 0)
				email = true;
			else {
				snprintf(err, el, "\"%s\" is not sms or email "
				    "(or none alone)", items[i]);
				goto out;
			}
		}
	}
	x->c->reminders.consent_sms = sms;
	x->c->reminders.consent_email = email;
	rc = 0;
out:
	free(copy);
	return rc;
}

static int
p_smtp_url(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	static const char *const s[] = { "smtp://", "smtps://", "file://", NULL };

	if (check_url(v, s, err, el) == -1)
		return -1;
	set_string(&x->c->smtp.url, v);
	return 0;
}

static int
p_sms_url(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	static const char *const s[] = { "http://", "https://", "file://", NULL };

	if (check_url(v, s, err, el) == -1)
		return -1;
	set_string(&x->c->sms.url, v);
	return 0;
}

static int
valid_address(const char *v)
{
	const char *at = strchr(v, '@');

	return at != NULL && at != v && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL && strpbrk(v, " \t<>") == NULL &&
	    !has_ctl(v);
}

/* "Name <addr@host>" or "addr@host" */
static int
p_from(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	const char *lt = strrchr(v, '<');
	char addr[320];
	int ok;

	if (lt != NULL) {
		size_t n = strlen(lt + 1);
		ok = n > 1 && n < sizeof addr && lt[n] == '>';
		if (ok) {
			memcpy(addr, lt + 1, n - 1);
			addr[n - 1] = '\0';
			ok = valid_address(addr);
		}
	} else
		ok = valid_address(v);
	if (!ok || has_ctl(v)) {
		snprintf(err, el, "\"%s\" is not an address (e.g. "
		    "Avenir Pro <no-reply@example.org>)", v);
		return -1;
	}
	set_string(&x->c->smtp.from, v);
	return 0;
}

static int
p_email_opt(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	char **dst = FIELD(x->c, k, char *);

	if (*v != '\0' && !valid_address(v)) {
		snprintf(err, el, "\"%s\" is not an email address", v);
		return -1;
	}
	free(*dst);
	*dst = *v ? xstrdup(v) : NULL;
	return 0;
}

static int
p_tls(struct ctx *x, const struct key *k, const char *v, char *err, size_t el)
{
	if (strcmp(v, "required") == 0)
		x->c->smtp.tls = SMTP_TLS_REQUIRED;
	else if (strcmp(v, "none") == 0)
		x->c->smtp.tls = SMTP_TLS_NONE;
	else {
		snprintf(err, el, "\"%s\" is not required or none", v);
		return -1;
	}
	return 0;
}

static int
p_gateway(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	if (strcmp(v, "kannel") == 0)
		x->c->sms.gateway = SMS_GATEWAY_KANNEL;
	else if (strcmp(v, "webhook") == 0)
		x->c->sms.gateway = SMS_GATEWAY_WEBHOOK;
	else {
		snprintf(err, el, "\"%s\" is not kannel or webhook", v);
		return -1;
	}
	return 0;
}

static int
p_secret(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	char **dst = FIELD(x->c, k, char *);

	free(*dst);
	*dst = config_secret_path(v, x->path);
	return 0;
}

/* Alphanumeric sender (up to 11 characters) or a number (up to 15 digits,
 * optional leading +), as SMS networks accept. */
static int
p_sender(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	size_t n = strlen(v);
	const char *d = v[0] == '+' ? v + 1 : v;
	int ok;

	if (all_digits(d))
		ok = strlen(d) <= 15;
	else
		ok = n >= 1 && n <= 11 && strspn(v, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-_") == n;
	if (!ok) {
		snprintf(err, el, "\"%s\" is not an SMS sender (up to 11 letters "
		    "and digits, or a number)", v);
		return -1;
	}
	set_string(&x->c->sms.sender, v);
	return 0;
}

static int
p_header(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	const char *colon = strchr(v, ':');
	size_t nlen, n = x->c->sms.nheaders;
	char *name, *value;

	nlen = colon ? (size_t)(colon - v) : 0;
	if (colon == NULL || nlen == 0 || strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~") != nlen) {
		snprintf(err, el, "\"%s\" is not \"Name: value\"", v);
		return -1;
	}
	value = xstrdup(colon + 1);
	name = trim(value);
	if (*name == '\0') {
		snprintf(err, el, "\"%s\" has an empty value", v);
		free(value);
		return -1;
	}
	memmove(value, name, strlen(name) + 1);
	name = xmalloc(nlen + 1);
	memcpy(name, v, nlen);
	name[nlen] = '\0';
	x->c->sms.headers = xrealloc(x->c->sms.headers,
	    (n + 1) * sizeof *x->c->sms.headers);
	x->c->sms.headers[n].key = name;
	x->c->sms.headers[n].value = value;
	x->c->sms.nheaders = n + 1;
	return 0;
}

static int
p_allow_from(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	char *copy = xstrdup(v), *items[64], *out = NULL;
	unsigned char addr[16];
	int n = 0, rc = -1;
	size_t len = 0;

	if (*v != '\0' && strcmp(v, "none") != 0) {
		n = split_list(copy, items, (int)ARRAY_SIZE(items));
		if (n == -1) {
			snprintf(err, el, "too many addresses (max %zu)",
			    ARRAY_SIZE(items));
			goto out;
		}
	}
	out = xmalloc(strlen(v) + 1);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (inet_pton(AF_INET, items[i], addr) != 1 &&
		    inet_pton(AF_INET6, items[i], addr) != 1) {
			snprintf(err, el, "\"%s\" is not an IP address",
			    items[i]);
			goto out;
		}
		len += (size_t)sprintf(out + len, "%s%s", i ? "," : "",
		    items[i]);
	}
	free(x->c->sms.allow_from);
	x->c->sms.allow_from = out;
	out = NULL;
	rc = 0;
out:
	free(out);
	free(copy);
	return rc;
}

static int
p_log_level(struct ctx *x, const struct key *k, const char *v, char *err,
    size_t el)
{
	static const char *const levels[] = {
		"err", "warning", "notice", "info", "debug"
	};

	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		if (strcmp(v, levels[i]) == 0) {
			set_string(&x->c->daemon.log_level, v);
			return 0;
		}
	}
	snprintf(err, el, "\"%s\" is not err, warning, notice, info or debug", v);
	return -1;
}

/* ------------------------------------------------------------------------ */
/* the keys */

#define O(f) offsetof(struct config, f)
#define DAY 86400LL

static const struct key keys[] = {
	{ "kafka", "brokers", p_str, O(kafka.brokers), 0, 0, 0 },
	{ "kafka", "group", p_str, O(kafka.group), 0, 0, 0 },
	{ "kafka", "topic.exams", p_str, O(kafka.topic_exams), 0, 0, 0 },
	{ "kafka", "topic.attendance", p_str, O(kafka.topic_attendance), 0, 0, 0 },
	{ "kafka", "topic.students", p_str, O(kafka.topic_students), 0, 0, 0 },
	{ "kafka", "topic.dlq", p_str, O(kafka.topic_dlq), 0, 0, 0 },
	{ "kafka", "topic.outcomes", p_str, O(kafka.topic_outcomes), 0, 0, 0 },

	{ "store", "path", p_str, O(store.path), 0, 0, 0 },

	{ "calendar", "timezone", p_timezone, 0, 0, 0, 0 },
	{ "calendar", "feeds_dir", p_str, O(calendar.feeds_dir), 0, 0, 0 },
	{ "calendar", "listen", p_listen, 0, 0, 0, 0 },
	{ "calendar", "base_url", p_base_url, O(calendar.base_url), 0, 0, 0 },
	{ "calendar", "domain", p_domain, O(calendar.domain), 0, 0, 0 },
	{ "calendar", "refresh", p_duration, O(calendar.refresh), 1, DAY, 0 },

	{ "checkins", "offsets", p_offsets, 0, 1, 3650 * DAY, 0 },
	{ "checkins", "duration", p_duration_min, O(checkins.duration), 60, DAY, 0 },
	{ "checkins", "office_hours", p_weekhours, 0, 0, 0, 0 },
	{ "checkins", "closed", p_closed, 0, 0, 0, KEY_REPEAT },
	{ "checkins", "location", p_text, O(checkins.location), 0, 0, 0 },

	{ "dropin", "window", p_window, 0, 0, 0, KEY_REPEAT },
	{ "dropin", "location", p_text, O(dropin.location), 0, 0, 0 },

	{ "reminders", "offsets", p_offsets, 0, 1, 365 * DAY, 0 },
	{ "reminders", "quiet_hours", p_quiet, 0, 0, 0, 0 },
	{ "reminders", "max_per_day", p_int, O(reminders.max_per_day), 1, 1000, 0 },
	{ "reminders", "default_consent", p_consent, 0, 0, 0, 0 },
	{ "reminders", "lost_after", p_duration, O(reminders.lost_after), 60,
	  3650 * DAY, 0 },
	{ "reminders", "horizon", p_duration, O(reminders.horizon), 3600, 3650 * DAY, 0 },

	{ "smtp", "url", p_smtp_url, 0, 0, 0, 0 },
	{ "smtp", "from", p_from, 0, 0, 0, 0 },
	{ "smtp", "tls", p_tls, 0, 0, 0, 0 },
	{ "smtp", "user", p_str_opt, O(smtp.user), 0, 0, 0 },
	{ "smtp", "password_file", p_secret, O(smtp.password_file), 0, 0, 0 },
	{ "smtp", "ca_file", p_str_opt, O(smtp.ca_file), 0, 0, 0 },
	{ "smtp", "helo", p_domain, O(smtp.helo), 0, 0, 0 },
	{ "smtp", "alerts_to", p_email_opt, O(smtp.alerts_to), 0, 0, 0 },

	{ "sms", "gateway", p_gateway, 0, 0, 0, 0 },
	{ "sms", "url", p_sms_url, 0, 0, 0, 0 },
	{ "sms", "user", p_str_opt, O(sms.user), 0, 0, 0 },
	{ "sms", "password_file", p_secret, O(sms.password_file), 0, 0, 0 },
	{ "sms", "sender", p_sender, 0, 0, 0, 0 },
	{ "sms", "dlr_url", p_base_url, O(sms.dlr_url), 0, 0, 0 },
	{ "sms", "allow_from", p_allow_from, 0, 0, 0, 0 },
	{ "sms", "header", p_header, 0, 0, 0, KEY_REPEAT },
	{ "sms", "concurrency", p_int, O(sms.concurrency), 1, 1024, 0 },

	{ "retry", "attempts", p_int, O(retry.attempts), 1, 100, 0 },
	{ "retry", "first", p_duration, O(retry.first), 1, DAY, 0 },
	{ "retry", "max", p_duration, O(retry.max), 1, 7 * DAY, 0 },
	{ "retry", "concurrency", p_int, O(retry.concurrency), 1, 1024, 0 },

	{ "templates", "dir", p_str, O(templates.dir), 0, 0, 0 },

	{ "daemon", "batch", p_int, O(daemon.batch), 1, 100000, 0 },
	{ "daemon", "log_level", p_log_level, 0, 0, 0, 0 },
};

static const char *const sections[] = {
	"kafka", "store", "calendar", "checkins", "dropin", "reminders", "smtp",
	"sms", "retry", "templates", "daemon"
};

static int
key_index(const char *section, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
line_of(const struct ctx *x, const char *section, const char *name)
{
	return x->seen[key_index(section, name)];
}

/* ------------------------------------------------------------------------ */
/* defaults */

static void
default_offsets(struct offset *o, int *n, const char *list)
{
	char *copy = xstrdup(list), *items[CONFIG_MAX_OFFSETS];

	*n = split_list(copy, items, CONFIG_MAX_OFFSETS);
	for (int i = 0; i < *n; i++)
		config_parse_offset(items[i], &o[i]);
	free(copy);
}

struct config *
config_default(void)
{
	struct config *c = xcalloc(1, sizeof *c);

	c->kafka.brokers = xstrdup("127.0.0.1:9092");
	c->kafka.group = xstrdup("relance");
	c->kafka.topic_exams = xstrdup("avenirpro.exams");
	c->kafka.topic_attendance = xstrdup("avenirpro.attendance");
	c->kafka.topic_students = xstrdup("avenirpro.students");
	c->kafka.topic_dlq = xstrdup("avenirpro.relance.dlq");
	c->kafka.topic_outcomes = xstrdup("avenirpro.relance.outcomes");

	c->store.path = xstrdup("/var/lib/relance/relance.db");

	c->calendar.timezone = xstrdup("Europe/Paris");
	c->calendar.feeds_dir = xstrdup("/var/lib/relance/feeds");
	c->calendar.listen_host = xstrdup("127.0.0.1");
	c->calendar.listen_port = 8470;
	c->calendar.base_url = xstrdup("http://127.0.0.1:8470");
	c->calendar.domain = xstrdup("relance.example.org");
	c->calendar.refresh = 60;

	default_offsets(c->checkins.offsets, &c->checkins.noffsets,
	    "14d,45d,90d,180d");
	c->checkins.duration = 30 * 60;
	for (int d = 0; d < 5; d++) {
		c->checkins.hours.n[d] = 2;
		c->checkins.hours.r[d][0] = (struct timerange){ 9 * 60, 12 * 60 };
		c->checkins.hours.r[d][1] = (struct timerange){ 13 * 60 + 30, 17 * 60 };
	}
	c->checkins.location = xstrdup("");
	c->dropin.location = xstrdup("");

	default_offsets(c->reminders.offsets, &c->reminders.noffsets, "48h,2h");
	c->reminders.quiet = (struct timerange){ 20 * 60, 8 * 60 };
	c->reminders.max_per_day = 3;
	c->reminders.consent_sms = c->reminders.consent_email = true;
	c->reminders.lost_after = 30 * DAY;
	c->reminders.horizon = 7 * DAY;

	c->smtp.url = xstrdup("file:///var/lib/relance/outbox/email");
	c->smtp.from = xstrdup("Avenir Pro <no-reply@relance.example.org>");
	c->smtp.tls = SMTP_TLS_REQUIRED;
	c->smtp.helo = xstrdup("localhost");

	c->sms.gateway = SMS_GATEWAY_KANNEL;
	c->sms.url = xstrdup("file:///var/lib/relance/outbox/sms");
	c->sms.sender = xstrdup("AvenirPro");
	c->sms.dlr_url = xstrdup(c->calendar.base_url);
	c->sms.allow_from = xstrdup("127.0.0.1,::1");
	c->sms.concurrency = 256;

	c->retry.attempts = 8;
	c->retry.first = 30;
	c->retry.max = 3600;
	c->retry.concurrency = 16;

	c->templates.dir = xstrdup("/etc/relance/templates");

	c->daemon.batch = 5000;
	c->daemon.log_level = xstrdup("info");
	return c;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->kafka.brokers);
	free(c->kafka.group);
	free(c->kafka.topic_exams);
	free(c->kafka.topic_attendance);
	free(c->kafka.topic_students);
	free(c->kafka.topic_dlq);
	free(c->kafka.topic_outcomes);
	for (size_t i = 0; i < c->kafka.nrdkafka; i++) {
		free(c->kafka.rdkafka[i].key);
		free(c->kafka.rdkafka[i].value);
	}
	free(c->kafka.rdkafka);
	free(c->store.path);
	free(c->calendar.timezone);
	free(c->calendar.feeds_dir);
	free(c->calendar.listen_host);
	free(c->calendar.base_url);
	free(c->calendar.domain);
	free(c->checkins.closed);
	free(c->checkins.location);
	free(c->dropin.windows);
	free(c->dropin.location);
	free(c->smtp.url);
	free(c->smtp.from);
	free(c->smtp.user);
	free(c->smtp.password_file);
	free(c->smtp.ca_file);
	free(c->smtp.helo);
	free(c->smtp.alerts_to);
	free(c->sms.url);
	free(c->sms.user);
	free(c->sms.password_file);
	free(c->sms.sender);
	free(c->sms.dlr_url);
	for (size_t i = 0; i < c->sms.nheaders; i++) {
		free(c->sms.headers[i].key);
		free(c->sms.headers[i].value);
	}
	free(c->sms.headers);
	free(c->sms.allow_from);
	free(c->templates.dir);
	free(c->daemon.log_level);
	free(c);
}

/* ------------------------------------------------------------------------ */
/* parsing */

/* Properties relance sets itself, or that would break its durability. */
static const char *const rdkafka_reserved[] = {
	"bootstrap.servers", "metadata.broker.list", "group.id",
	"enable.auto.commit", "enable.auto.offset.store",
};

static void
rdkafka_key(struct ctx *x, const char *prop, const char *value)
{
	struct config *c = x->c;
	char err[ERRLEN];
	size_t n = c->kafka.nrdkafka;

	if (*prop == '\0') {
		cfg_error(x, x->lineno, "[kafka] rdkafka.: empty property name");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(c->kafka.rdkafka[i].key, prop) == 0) {
			cfg_error(x, x->lineno, "[kafka] rdkafka.%s: duplicate "
			    "key (already set on line %d)", prop,
			    x->rdk_lines[i]);
			return;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(rdkafka_reserved); i++) {
		if (strcmp(prop, rdkafka_reserved[i]) == 0) {
			cfg_error(x, x->lineno, "[kafka] rdkafka.%s: set by "
			    "relance (use brokers and group; offsets are "
			    "committed after the store)", prop);
			return;
		}
	}
	if (x->rk == NULL)
		x->rk = rd_kafka_conf_new();
	if (rd_kafka_conf_set(x->rk, prop, value, err, sizeof err) !=
	    RD_KAFKA_CONF_OK) {
		cfg_error(x, x->lineno, "[kafka] rdkafka.%s: %s", prop, err);
		return;
	}
	c->kafka.rdkafka = xrealloc(c->kafka.rdkafka,
	    (n + 1) * sizeof *c->kafka.rdkafka);
	x->rdk_lines = xrealloc(x->rdk_lines, (n + 1) * sizeof(int));
	c->kafka.rdkafka[n].key = xstrdup(prop);
	c->kafka.rdkafka[n].value = xstrdup(value);
	x->rdk_lines[n] = x->lineno;
	c->kafka.nrdkafka = n + 1;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct ctx *x = user;
	char err[ERRLEN];
	const struct key *k;
	int i;

	if (x->skip)
		return 1;
	if (*section == '\0') {
		cfg_error(x, x->lineno, "%s: key outside any [section]", name);
		return 1;
	}
	if (strcmp(section, "kafka") == 0 &&
	    strncmp(name, "rdkafka.", 8) == 0) {
		rdkafka_key(x, name + 8, value);
		return 1;
	}
	i = key_index(section, name);
	if (i == -1) {
		cfg_error(x, x->lineno, "[%s] %s: unknown key", section, name);
		return 1;
	}
	k = &keys[i];
	if (x->seen[i] && !(k->flags & KEY_REPEAT)) {
		cfg_error(x, x->lineno, "[%s] %s: duplicate key (already set "
		    "on line %d)", section, name, x->seen[i]);
		return 1;
	}
	x->seen[i] = x->lineno;
	err[0] = '\0';
	if (k->parse(x, k, value, err, sizeof err) == -1)
		cfg_error(x, x->lineno, "[%s] %s: %s", section, name, err);
	return 1;
}

/* Checks a "[name]" header (already trimmed); 0 if it is a known section. */
static int
section_line(struct ctx *x, const char *line)
{
	size_t n = strlen(line);
	char name[64];
	const char *s, *e;

	if (n < 2 || line[n - 1] != ']') {
		cfg_error(x, x->lineno, "syntax error: \"%s\" is not a section "
		    "header ([name])", line);
		return -1;
	}
	for (s = line + 1; *s == ' ' || *s == '\t'; s++)
		;
	for (e = line + n - 1; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	if ((size_t)(e - s) >= sizeof name) {
		cfg_error(x, x->lineno, "unknown section %s", line);
		return -1;
	}
	memcpy(name, s, (size_t)(e - s));
	name[e - s] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
		if (strcmp(name, sections[i]) == 0)
			return 0;
	cfg_error(x, x->lineno, "unknown section [%s]", name);
	return -1;
}

/* ini_reader: one pre-processed line per call (see the top of the file). */
static char *
reader(char *str, int num, void *stream)
{
	struct ctx *x = stream;
	ssize_t len;
	char *line, *p, *eq;

	len = getline(&x->raw, &x->rawcap, x->f);
	if (len == -1)
		return NULL;
	x->lineno++;
	line = x->raw;
	if (x->lineno == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
		line += 3;
	line = trim(line);
	str[0] = '\0';
	if (*line == '\0' || *line == ';' || *line == '#')
		return str;
	/* inline comment: ";" after a blank */
	for (p = line + 1; *p; p++) {
		if (*p == ';' && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			line = trim(line);
			break;
		}
	}
	if (*line == '[') {
		x->skip = section_line(x, line) == -1;
		if (x->skip)
			return str;
	} else {
		eq = strchr(line, '=');
		if (eq == NULL || eq == line ||
		    memchr(line, ':', (size_t)(eq - line)) != NULL) {
			cfg_error(x, x->lineno, "syntax error: expected "
			    "\"key = value\" or \"[section]\"");
			return str;
		}
	}
	if (strlen(line) + 2 >= (size_t)num) {
		cfg_error(x, x->lineno, "line too long (at most %d characters "
		    "without comments)", num - 3);
		return str;
	}
	memcpy(str, line, strlen(line) + 1);
	return str;
}

static void
cross_checks(struct ctx *x)
{
	struct config *c = x->c;
	int longest = 0, line;

	for (int d = 0; d < 7; d++)
		for (int i = 0; i < c->checkins.hours.n[d]; i++) {
			int len = c->checkins.hours.r[d][i].end -
			    c->checkins.hours.r[d][i].start;
			if (len > longest)
				longest = len;
		}
	if (c->checkins.noffsets > 0 && c->checkins.duration > longest * 60) {
		line = line_of(x, "checkins", "duration");
		if (line == 0)
			line = line_of(x, "checkins", "office_hours");
		cfg_error(x, line, "[checkins] duration: %dm does not fit in any "
		    "office_hours range (longest %dm)", c->checkins.duration / 60,
		    longest);
	}
	if (c->retry.max < c->retry.first) {
		line = line_of(x, "retry", "max");
		cfg_error(x, line ? line : line_of(x, "retry", "first"),
		    "[retry] max: %llds is shorter than first (%llds)",
		    (long long)c->retry.max, (long long)c->retry.first);
	}
	/* The delivery-report base follows base_url unless set. */
	if (line_of(x, "sms", "dlr_url") == 0) {
		free(c->sms.dlr_url);
		c->sms.dlr_url = xstrdup(c->calendar.base_url);
	}
}

struct config *
config_load(const char *path, config_error_fn errfn, void *arg)
{
	struct ctx x;
	struct config *c = NULL;
	int rc;

	memset(&x, 0, sizeof x);
	x.path = path;
	x.errfn = errfn;
	x.arg = arg;
	x.f = fopen(path, "r");
	if (x.f == NULL) {
		cfg_error(&x, 0, "cannot open: %s", strerror(errno));
		goto out;
	}
	x.c = config_default();
	x.c->path = xstrdup(path);
	x.seen = xcalloc(ARRAY_SIZE(keys), sizeof *x.seen);

	rc = ini_parse_stream(reader, &x, handler, &x);
	if (ferror(x.f))
		cfg_error(&x, 0, "read error: %s", strerror(errno));
	else if (rc == -2)
		cfg_error(&x, 0, "out of memory");
	/* rc > 0 is a syntax error inih saw; the reader reported it already
	 * (it only gives inih lines it accepts). */
	if (x.nerrors == 0)
		cross_checks(&x);
	if (x.nerrors == 0) {
		c = x.c;
		x.c = NULL;
	}
out:
	if (x.f != NULL)
		fclose(x.f);
	if (x.rk != NULL)
		rd_kafka_conf_destroy(x.rk);
	config_free(x.c);
	free(x.raw);
	free(x.seen);
	free(x.rdk_lines);
	free(x.window_lines);
	return c;
}
