/*
 * config_window.c — times and dates in relance.conf: durations and offsets,
 * HH:MM and time ranges, office hours ([checkins] office_hours), closed
 * days ([checkins] closed), quiet hours ([reminders] quiet_hours) and
 * drop-in windows ([dropin] window). The config_parse_* functions are also
 * used by the tests (config.h); the p_* key parsers by keys[] (config.c).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_priv.h"
#include "util.h"

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

/* s without blanks around its commas (so that blanks only separate fields:
 * "09:00-12:00, 14:00-17:00" is one field). Free it. */
static char *
window_fields(const char *s)
{
	char *copy = xstrdup(s), *p = copy;

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
	return copy;
}

/* "UAI" or "*" */
static int
window_uai(const char *tok, struct dropin_window *w, char *err, size_t errlen)
{
	if (tok == NULL) {
		snprintf(err, errlen, "empty window (expected \"UAI|* "
		    "FIRST..LAST HH:MM-HH:MM[,...] slot=DURATION capacity=N\")");
		return -1;
	}
	if (strcmp(tok, "*") != 0 && parse_uai(tok) == -1) {
		snprintf(err, errlen, "\"%s\" is not \"*\" or a UAI (7 digits "
		    "and a letter)", tok);
		return -1;
	}
	snprintf(w->uai, sizeof w->uai, "%s", tok);
	if (w->uai[0] != '*')
		w->uai[7] = (char)toupper((unsigned char)w->uai[7]);
	return 0;
}

/* "FIRST..LAST" (tok is modified) */
static int
window_dates(char *tok, struct dropin_window *w, char *err, size_t errlen)
{
	char *dots;

	if (tok == NULL || (dots = strstr(tok, "..")) == NULL) {
		snprintf(err, errlen, "missing dates FIRST..LAST "
		    "(e.g. 2026-07-02..2026-07-05)");
		return -1;
	}
	*dots = '\0';
	if (date_parse(tok, &w->first_day) == -1) {
		date_error(tok, err, errlen);
		return -1;
	}
	if (date_parse(dots + 2, &w->last_day) == -1) {
		date_error(dots + 2, err, errlen);
		return -1;
	}
	if (w->first_day > w->last_day) {
		snprintf(err, errlen, "%s..%s: the first day is after the last",
		    tok, dots + 2);
		return -1;
	}
	if (w->last_day - w->first_day > 366) {
		snprintf(err, errlen, "%s..%s: a window lasts at most 366 days",
		    tok, dots + 2);
		return -1;
	}
	return 0;
}

/* "HH:MM-HH:MM[,HH:MM-HH:MM...]" (tok is modified) */
static int
window_ranges(char *tok, struct dropin_window *w, char *err, size_t errlen)
{
	char *ranges[CONFIG_MAX_RANGES + 1];
	int n;

	if (tok == NULL || strchr(tok, '=') != NULL) {
		snprintf(err, errlen, "missing time ranges (HH:MM-HH:MM"
		    "[,HH:MM-HH:MM...])");
		return -1;
	}
	n = split_list(tok, ranges, (int)ARRAY_SIZE(ranges));
	if (n == -1 || n > CONFIG_MAX_RANGES) {
		snprintf(err, errlen, "too many time ranges (max %d)",
		    CONFIG_MAX_RANGES);
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (parse_range(ranges[i], &w->ranges[i], err, errlen) == -1)
			return -1;
	w->nranges = n;
	return ranges_check(w->ranges, n, "", err, errlen);
}

/* One "slot=DURATION" or "capacity=N", each at most once. */
static int
window_option(const char *tok, struct dropin_window *w, char *err,
    size_t errlen)
{
	int64_t secs;
	long long v;

	if (strncmp(tok, "slot=", 5) == 0 && w->slot_secs == 0) {
		if (config_parse_duration(tok + 5, &secs) == -1 ||
		    secs < 60 || secs % 60 != 0 || secs > 86400) {
			snprintf(err, errlen, "slot \"%s\" is not a "
			    "duration of whole minutes, at least 1m "
			    "(e.g. slot=20m)", tok + 5);
			return -1;
		}
		w->slot_secs = (int)secs;
	} else if (strncmp(tok, "capacity=", 9) == 0 && w->capacity == 0) {
		if (parse_int(tok + 9, 1, 10000, &v) == -1) {
			snprintf(err, errlen, "capacity \"%s\" is not a "
			    "number from 1 to 10000", tok + 9);
			return -1;
		}
		w->capacity = (int)v;
	} else {
		snprintf(err, errlen, "unexpected \"%s\" (expected "
		    "slot=DURATION capacity=N, once each)", tok);
		return -1;
	}
	return 0;
}

/* Both options given, and a slot fits in every range. */
static int
window_complete(const struct dropin_window *w, char *err, size_t errlen)
{
	char a[6], b[6];

	if (w->slot_secs == 0 || w->capacity == 0) {
		snprintf(err, errlen, "missing %s", w->slot_secs == 0 ?
		    "slot=DURATION" : "capacity=N");
		return -1;
	}
	for (int i = 0; i < w->nranges; i++) {
		if ((w->ranges[i].end - w->ranges[i].start) * 60 < w->slot_secs) {
			fmt_hhmm(w->ranges[i].start, a);
			fmt_hhmm(w->ranges[i].end, b);
			snprintf(err, errlen, "slot=%dm does not fit in %s-%s",
			    w->slot_secs / 60, a, b);
			return -1;
		}
	}
	return 0;
}

/* "UAI|* FIRST..LAST RANGES slot=DURATION capacity=N" */
int
config_parse_window(const char *s, struct dropin_window *w, char *err,
    size_t errlen)
{
	char *copy = window_fields(s), *tok, *save;
	int rc = -1;

	memset(w, 0, sizeof *w);
	if (window_uai(strtok_r(copy, " \t", &save), w, err, errlen) == -1 ||
	    window_dates(strtok_r(NULL, " \t", &save), w, err, errlen) == -1 ||
	    window_ranges(strtok_r(NULL, " \t", &save), w, err, errlen) == -1)
		goto out;
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL)
		if (window_option(tok, w, err, errlen) == -1)
			goto out;
	if (window_complete(w, err, errlen) == -1)
		goto out;
	window_key(w);
	rc = 0;
out:
	free(copy);
	return rc;
}


/* [checkins] or [reminders] offsets: a list, or "none". */
KEY_PARSER(p_offsets)
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
			if (cfg_duration_value(k, items[i], &secs, err, el) == -1)
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

KEY_PARSER(p_weekhours)
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
KEY_PARSER(p_closed)
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

KEY_PARSER(p_window)
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

KEY_PARSER(p_quiet)
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

