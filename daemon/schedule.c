/*
 * schedule.c — the scheduling rules of contract section 2 as pure logic:
 * check-in slots in the advisers' office hours (struct agenda), summer
 * drop-in slots with capacity (struct dropins) and reminder due times with
 * quiet hours. No SQL, no I/O, no clock: "now" is always a parameter.
 *
 * Check-ins. The office hours are global, so the slots of a weekday are
 * computed once (slot i = i-th slot of the day in time order, at most 64)
 * and the epochs of each civil day's slots are cached once for every
 * adviser (mktime is slow). Each adviser keeps, per civil day, a 64-bit
 * bitmap of booked slots plus a "skip" count (the next k days are known to
 * be full: union-find style, path-compressed), so that finding the first
 * free slot does not walk through full days one slot at a time.
 *
 * Drop-ins. Each window's slots are enumerated once, sorted by start, with
 * a booked count per slot and the index of the first slot that may have
 * room.
 *
 * Everything uses the process time zone (util.h tz_set()).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "schedule.h"

#define MAX_SLOTS 64            /* slots per day (one uint64_t bitmap) */
#define FIND_HORIZON (2 * 366)  /* agenda_find gives up after two years */

/* ---- growable arrays indexed by civil day ------------------------------- */

/* Elements of elsz bytes for days [base, base + n), zero-filled. */
struct dayvec {
	int32_t base;
	size_t n;
	size_t elsz;
	unsigned char *v;
};

static void *
dayvec_at(const struct dayvec *dv, int32_t day)
{
	if (dv->n == 0 || day < dv->base || (int64_t)day - dv->base >= (int64_t)dv->n)
		return NULL;
	return dv->v + (size_t)(day - dv->base) * dv->elsz;
}

/* Grows dv to hold day; returns the element. */
static void *
dayvec_get(struct dayvec *dv, int32_t day)
{
	void *p = dayvec_at(dv, day);
	int32_t nbase;
	size_t nn;

	if (p != NULL)
		return p;
	if (dv->n == 0) {
		dv->base = day - 16;
		dv->n = 128;
		dv->v = xcalloc(dv->n, dv->elsz);
	} else if (day < dv->base) {
		size_t add = (size_t)(dv->base - day) + 64;
		if (add < dv->n)
			add = dv->n;
		nbase = dv->base - (int32_t)add;
		nn = dv->n + add;
		dv->v = xrealloc(dv->v, nn * dv->elsz);
		memmove(dv->v + add * dv->elsz, dv->v, dv->n * dv->elsz);
		memset(dv->v, 0, add * dv->elsz);
		dv->base = nbase;
		dv->n = nn;
	} else {
		size_t need = (size_t)(day - dv->base) + 1;
		nn = dv->n * 2;
		if (nn < need + 64)
			nn = need + 64;
		dv->v = xrealloc(dv->v, nn * dv->elsz);
		memset(dv->v + dv->n * dv->elsz, 0, (nn - dv->n) * dv->elsz);
		dv->n = nn;
	}
	return dayvec_at(dv, day);
}

/* ---- check-ins ---------------------------------------------------------- */

/* A slot of a weekday, seconds since local midnight. */
struct wslot {
	int start, end;
};

/* Cached epochs of one civil day's slots. */
struct daycache {
	int computed;
	int nslots;
	uint64_t valid;          /* slots that exist (not closed, not in a DST gap) */
	int64_t *start, *end;    /* nslots each (one allocation) */
};

struct adviser {
	struct dayvec booked;    /* uint64_t per day */
	struct dayvec skip;      /* int32_t per day: days [d, d+skip) are full */
};

struct agenda {
	const struct config *cfg;
	int nslots[7];
	struct wslot slots[7][MAX_SLOTS];
	struct dayvec *days;     /* struct daycache per day (a cache: mutable
				  * even through a const agenda) */
	struct hmap *advisers;   /* name -> struct adviser */
};

static int
cmp_wslot(const void *a, const void *b)
{
	const struct wslot *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->end > y->end) - (x->end < y->end);
}

static int
cmp_int32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

static int
is_closed(const struct config *cfg, int32_t day)
{
	if (cfg->checkins.nclosed == 0 || cfg->checkins.closed == NULL)
		return 0;
	return bsearch(&day, cfg->checkins.closed, cfg->checkins.nclosed,
		       sizeof(int32_t), cmp_int32) != NULL;
}

static int64_t
wall_epoch(int32_t day, int minute)
{
	return wall_to_epoch(day + minute / 1440, minute % 1440);
}

/* The slots of day, computed on first use. */
static const struct daycache *
day_slots(const struct agenda *a, int32_t day)
{
	struct daycache *dc = dayvec_get(a->days, day);
	int wd, n;

	if (dc->computed)
		return dc;
	dc->computed = 1;
	wd = weekday_of_day(day);
	n = a->nslots[wd];
	if (n == 0 || is_closed(a->cfg, day))
		return dc;
	dc->nslots = n;
	dc->start = xmalloc(2 * (size_t)n * sizeof(int64_t));
	dc->end = dc->start + n;
	for (int i = 0; i < n; i++) {
		int s = a->slots[wd][i].start, e = a->slots[wd][i].end;
		dc->start[i] = wall_epoch(day, s / 60) + s % 60;
		dc->end[i] = wall_epoch(day, e / 60) + e % 60;
		if (dc->end[i] > dc->start[i])
			dc->valid |= (uint64_t)1 << i;
	}
	return dc;
}

struct agenda *
agenda_new(const struct config *cfg)
{
	struct agenda *a = xcalloc(1, sizeof(*a));
	int dur = cfg->checkins.duration;

	a->cfg = cfg;
	a->days = xcalloc(1, sizeof(*a->days));
	a->days->elsz = sizeof(struct daycache);
	a->advisers = hmap_new();
	for (int wd = 0; wd < 7; wd++) {
		int n = 0, capped = 0;
		for (int r = 0; r < cfg->checkins.hours.n[wd]; r++) {
			const struct timerange *tr = &cfg->checkins.hours.r[wd][r];
			if (dur <= 0)
				break;
			for (int64_t s = (int64_t)tr->start * 60;
			     s + dur <= (int64_t)tr->end * 60; s += dur) {
				if (n == MAX_SLOTS) {
					capped = 1;
					break;
				}
				a->slots[wd][n].start = (int)s;
				a->slots[wd][n].end = (int)(s + dur);
				n++;
			}
		}
		if (capped)
			log_warnx("check-in hours of weekday %d give more than %d "
				  "slots; only the first %d are used", wd + 1,
				  MAX_SLOTS, MAX_SLOTS);
		qsort(a->slots[wd], (size_t)n, sizeof(struct wslot), cmp_wslot);
		a->nslots[wd] = n;
	}
	return a;
}

static void
adviser_free(void *p)
{
	struct adviser *adv = p;
	free(adv->booked.v);
	free(adv->skip.v);
	free(adv);
}

void
agenda_free(struct agenda *a)
{
	struct daycache *dc;

	if (a == NULL)
		return;
	hmap_free(a->advisers, adviser_free);
	for (size_t i = 0; i < a->days->n; i++) {
		dc = (struct daycache *)(void *)(a->days->v + i * a->days->elsz);
		free(dc->start);
	}
	free(a->days->v);
	free(a->days);
	free(a);
}

static struct adviser *
adviser_get(struct agenda *a, const char *name)
{
	struct adviser *adv = hmap_get(a->advisers, name);
	if (adv == NULL) {
		adv = xcalloc(1, sizeof(*adv));
		adv->booked.elsz = sizeof(uint64_t);
		adv->skip.elsz = sizeof(int32_t);
		hmap_put(a->advisers, name, adv);
	}
	return adv;
}

/* Floor division of an epoch into UTC days. */
static int32_t
utc_day(int64_t t)
{
	int64_t d = t / 86400;
	if (t % 86400 < 0)
		d--;
	return (int32_t)d;
}

/* Bitmap of the slots of day overlapping [start, end). */
static uint64_t
overlap_mask(const struct daycache *dc, int64_t start, int64_t end)
{
	uint64_t m = 0;
	for (int i = 0; i < dc->nslots; i++)
		if ((dc->valid >> i & 1) && dc->start[i] < end && dc->end[i] > start)
			m |= (uint64_t)1 << i;
	return m;
}

/*
 * Calls back for every civil day that may hold a slot overlapping
 * [start, end): the local day is within one day of the UTC day, so no
 * localtime() is needed. An empty interval overlaps nothing.
 */
#define FOR_EACH_DAY(d, start, end) \
	for (int32_t d = utc_day(start) - 1; (end) > (start) && d <= utc_day((end) - 1) + 1; d++)

void
agenda_mark(struct agenda *a, const char *adviser, int64_t start, int64_t end)
{
	struct adviser *adv = adviser_get(a, adviser);

	FOR_EACH_DAY(d, start, end) {
		uint64_t m = overlap_mask(day_slots(a, d), start, end);
		if (m != 0)
			*(uint64_t *)dayvec_get(&adv->booked, d) |= m;
	}
}

void
agenda_unmark(struct agenda *a, const char *adviser, int64_t start, int64_t end)
{
	struct adviser *adv = hmap_get(a->advisers, adviser);
	uint64_t *b;
	int freed = 0;

	if (adv == NULL)
		return;
	FOR_EACH_DAY(d, start, end) {
		uint64_t m = overlap_mask(day_slots(a, d), start, end);
		b = dayvec_at(&adv->booked, d);
		if (b != NULL && (*b & m) != 0) {
			*b &= ~m;
			freed = 1;
		}
	}
	/* A day became free again: forget every "full" run (cheap, rare). */
	if (freed && adv->skip.n > 0)
		memset(adv->skip.v, 0, adv->skip.n * adv->skip.elsz);
}

int
agenda_is_free(const struct agenda *a, const char *adviser, int64_t start, int64_t end)
{
	const struct adviser *adv = hmap_get(a->advisers, adviser);
	const uint64_t *b;

	if (adv == NULL)
		return 1;
	FOR_EACH_DAY(d, start, end) {
		b = dayvec_at(&adv->booked, d);
		if (b != NULL && (*b & overlap_mask(day_slots(a, d), start, end)) != 0)
			return 0;
	}
	return 1;
}

/* First day >= day not known to be full, compressing the path. */
static int32_t
skip_full(struct adviser *adv, int32_t day)
{
	int32_t d = day, *s;

	while ((s = dayvec_at(&adv->skip, d)) != NULL && *s > 0)
		d += *s;
	while (day < d && (s = dayvec_at(&adv->skip, day)) != NULL && *s > 0) {
		int32_t next = day + *s;
		*s = d - day;
		day = next;
	}
	return d;
}

int
agenda_find(const struct agenda *a, const char *adviser, int32_t from_day,
	    int64_t not_before, int64_t *start, int64_t *end)
{
	struct adviser *adv = hmap_get(a->advisers, adviser);
	int32_t d = from_day, limit = from_day + FIND_HORIZON;
	int64_t nb_day;
	const struct daycache *dc;
	const uint64_t *b;
	int32_t *s;
	uint64_t avail;

	/* Days wholly before not_before cannot hold an answer (in 64 bits: a
	 * not_before ages away must not wrap round to a day in range). */
	nb_day = not_before / 86400 - (not_before % 86400 < 0) - 1;
	if (nb_day >= limit)
		return -1;
	if (nb_day > d)
		d = (int32_t)nb_day;
	while (d < limit) {
		if (adv != NULL)
			d = skip_full(adv, d);
		if (d >= limit)
			break;
		dc = day_slots(a, d);
		b = adv != NULL ? dayvec_at(&adv->booked, d) : NULL;
		avail = dc->valid & ~(b != NULL ? *b : 0);
		if (avail == 0) {
			/* Remember full days inside the adviser's range. */
			if (adv != NULL && (s = dayvec_at(&adv->skip, d)) != NULL)
				*s = 1;
			else if (adv != NULL && b != NULL)
				*(int32_t *)dayvec_get(&adv->skip, d) = 1;
			d++;
			continue;
		}
		while (avail != 0) {
			int i = __builtin_ctzll(avail);
			if (dc->start[i] >= not_before) {
				*start = dc->start[i];
				*end = dc->end[i];
				return 0;
			}
			avail &= avail - 1;
		}
		d++;
	}
	return -1;
}

int32_t
schedule_checkin_day(const struct offset *o, int32_t last_exam_on)
{
	int32_t day;

	if (o->days != 0 || o->secs == 0)
		return last_exam_on + o->days;
	epoch_to_wall(wall_to_epoch(last_exam_on, 0) + o->secs, &day, NULL);
	return day;
}

/* ---- drop-ins ----------------------------------------------------------- */

struct dwin {
	size_t nslots;
	int64_t *start;          /* sorted */
	int32_t *day;            /* civil day of each slot */
	int *booked;
	size_t first_open;       /* every slot before it is full */
};

struct dropins {
	const struct config *cfg;
	struct dwin *w;          /* one per cfg->dropin.windows */
	struct hmap *bykey;      /* key -> index + 1 */
};

static int
cmp_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

struct dropins *
dropins_new(const struct config *cfg)
{
	struct dropins *d = xcalloc(1, sizeof(*d));
	size_t nw = cfg->dropin.nwindows;

	d->cfg = cfg;
	d->w = xcalloc(nw ? nw : 1, sizeof(struct dwin));
	d->bykey = hmap_new();
	for (size_t i = 0; i < nw; i++) {
		const struct dropin_window *cw = &cfg->dropin.windows[i];
		struct dwin *w = &d->w[i];
		size_t cap = 0;

		if (hmap_get(d->bykey, cw->key) == NULL)
			hmap_put(d->bykey, cw->key, (void *)(uintptr_t)(i + 1));
		if (cw->slot_secs <= 0)
			continue;
		for (int32_t day = cw->first_day; day <= cw->last_day; day++) {
			for (int r = 0; r < cw->nranges; r++) {
				int64_t rs = wall_epoch(day, cw->ranges[r].start);
				int64_t re = wall_epoch(day, cw->ranges[r].end);
				for (int64_t t = rs; t + cw->slot_secs <= re; t += cw->slot_secs) {
					if (w->nslots == cap) {
						cap = cap ? cap * 2 : 64;
						w->start = xrealloc(w->start, cap * sizeof(int64_t));
					}
					w->start[w->nslots++] = t;
				}
			}
		}
		if (w->nslots == 0)
			continue;
		qsort(w->start, w->nslots, sizeof(int64_t), cmp_int64);
		w->day = xmalloc(w->nslots * sizeof(int32_t));
		w->booked = xcalloc(w->nslots, sizeof(int));
		for (size_t k = 0; k < w->nslots; k++)
			epoch_to_wall(w->start[k], &w->day[k], NULL);
	}
	return d;
}

void
dropins_free(struct dropins *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->cfg->dropin.nwindows; i++) {
		free(d->w[i].start);
		free(d->w[i].day);
		free(d->w[i].booked);
	}
	free(d->w);
	hmap_free(d->bykey, NULL);
	free(d);
}

/* Index of the first slot of w starting at or after t. */
static size_t
slot_lower_bound(const struct dwin *w, int64_t t)
{
	size_t lo = 0, hi = w->nslots;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->start[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Slot index of start in window, or -1. */
static long
slot_index(const struct dropins *d, int window, int64_t start)
{
	const struct dwin *w;
	size_t k;

	if (window < 0 || (size_t)window >= d->cfg->dropin.nwindows)
		return -1;
	w = &d->w[window];
	k = slot_lower_bound(w, start);
	if (k >= w->nslots || w->start[k] != start)
		return -1;
	return (long)k;
}

void
dropins_add(struct dropins *d, const char *window_key, int64_t start, int n)
{
	uintptr_t v = (uintptr_t)hmap_get(d->bykey, window_key);
	int window = (int)v - 1;
	int cap;
	struct dwin *w;
	long k;

	if (v == 0)
		return;
	k = slot_index(d, window, start);
	if (k < 0)
		return;
	w = &d->w[window];
	cap = d->cfg->dropin.windows[window].capacity;
	w->booked[k] += n;
	if (w->booked[k] < 0)
		w->booked[k] = 0;
	if (w->booked[k] < cap && (size_t)k < w->first_open)
		w->first_open = (size_t)k;
	while (w->first_open < w->nslots && w->booked[w->first_open] >= cap)
		w->first_open++;
}

static int
window_matches(const struct dropin_window *cw, const char *uai)
{
	return strcmp(cw->uai, "*") == 0 || (uai != NULL && strcmp(cw->uai, uai) == 0);
}

/*
 * A matching window "had slots" when it has at least one slot the student
 * could take (day and not_before permitting): those windows are the ones
 * whose shortage is counted, each of them. Windows already over for this
 * student don't count.
 */
int
dropins_find(const struct dropins *d, const char *uai, int32_t after_day,
	     int64_t not_before, int *window, int64_t *start, int64_t *end,
	     int *full, size_t *nfull)
{
	int best = -1;
	int64_t best_start = 0;
	size_t nf = 0;

	for (size_t i = 0; i < d->cfg->dropin.nwindows; i++) {
		const struct dropin_window *cw = &d->cfg->dropin.windows[i];
		const struct dwin *w = &d->w[i];
		size_t k;

		if (!window_matches(cw, uai) || w->nslots == 0)
			continue;
		k = slot_lower_bound(w, not_before);
		while (k < w->nslots && w->day[k] <= after_day)
			k++;
		if (k >= w->nslots)
			continue;       /* nothing left for this student */
		if (full != NULL)
			full[nf] = (int)i;
		nf++;
		if (k < w->first_open)
			k = w->first_open;
		for (; k < w->nslots; k++) {
			if (w->day[k] <= after_day || w->start[k] < not_before)
				continue;
			if (w->booked[k] < cw->capacity)
				break;
		}
		if (k < w->nslots && (best < 0 || w->start[k] < best_start)) {
			best = (int)i;
			best_start = w->start[k];
		}
	}
	if (nfull != NULL)
		*nfull = best < 0 ? nf : 0;
	if (best < 0)
		return -1;
	*window = best;
	*start = best_start;
	*end = best_start + d->cfg->dropin.windows[best].slot_secs;
	return 0;
}

/* Does window i apply to a student of uai? */
int
dropins_window_applies(const struct dropins *d, int window, const char *uai)
{
	if (window < 0 || (size_t)window >= d->cfg->dropin.nwindows)
		return 0;
	return window_matches(&d->cfg->dropin.windows[window], uai);
}

/* Index of the window of that key, or -1. */
int
dropins_window_index(const struct dropins *d, const char *window_key)
{
	uintptr_t v = window_key != NULL ? (uintptr_t)hmap_get(d->bykey, window_key) : 0;
	return (int)v - 1;
}

int
dropins_fill(const struct dropins *d, int window, int64_t start)
{
	long k = slot_index(d, window, start);
	return k < 0 ? 0 : d->w[window].booked[k];
}

void
dropins_each_slot(const struct dropins *d, int window,
		  void (*fn)(int64_t start, int64_t end, int booked, int capacity, void *arg),
		  void *arg)
{
	const struct dropin_window *cw;
	const struct dwin *w;

	if (window < 0 || (size_t)window >= d->cfg->dropin.nwindows)
		return;
	cw = &d->cfg->dropin.windows[window];
	w = &d->w[window];
	for (size_t k = 0; k < w->nslots; k++)
		fn(w->start[k], w->start[k] + cw->slot_secs, w->booked[k], cw->capacity, arg);
}

/* ---- reminders ---------------------------------------------------------- */

int
schedule_in_quiet(const struct config *cfg, int64_t t)
{
	int qs = cfg->reminders.quiet.start, qe = cfg->reminders.quiet.end;
	int m;

	if (qs == qe)
		return 0;
	epoch_to_wall(t, NULL, &m);
	if (qs < qe)
		return m >= qs && m < qe;
	return m >= qs || m < qe;
}

/* The quiet period [*ps, *pe) holding t (t must be quiet). */
static void
quiet_period(const struct config *cfg, int64_t t, int64_t *ps, int64_t *pe)
{
	int qs = cfg->reminders.quiet.start, qe = cfg->reminders.quiet.end;
	int32_t day;
	int m;

	epoch_to_wall(t, &day, &m);
	if (qs < qe) {
		*ps = wall_epoch(day, qs);
		*pe = wall_epoch(day, qe);
	} else if (m >= qs) {
		*ps = wall_epoch(day, qs);
		*pe = wall_epoch(day + 1, qe);
	} else {
		*ps = wall_epoch(day - 1, qs);
		*pe = wall_epoch(day, qe);
	}
}

int64_t
schedule_quiet_adjust(const struct config *cfg, int64_t due, int64_t appt_start)
{
	int64_t ps, pe;

	if (!schedule_in_quiet(cfg, due))
		return due;
	quiet_period(cfg, due, &ps, &pe);
	if (pe < appt_start)
		return pe;
	return ps - 60;
}

/* Raw due time of offset o before t. */
static int64_t
offset_before(const struct offset *o, int64_t t)
{
	int32_t day;
	int minute;
	int64_t sec;

	if (o->days == 0)
		return t - o->secs;
	epoch_to_wall(t, &day, &minute);
	sec = t - wall_to_epoch(day, minute);
	if (sec < 0 || sec >= 60)
		sec = 0;
	return wall_to_epoch(day - o->days, minute) + sec;
}

struct rem {
	int64_t due, raw;
	int which;
};

static int
cmp_rem(const void *a, const void *b)
{
	const struct rem *x = a, *y = b;
	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	/* Same due time: the one closest to the appointment first. */
	if (x->raw != y->raw)
		return x->raw > y->raw ? -1 : 1;
	return x->which - y->which;
}

int
schedule_reminders(const struct config *cfg, int64_t appt_start, int64_t now,
		   int64_t *due, int *which, int max)
{
	struct rem r[CONFIG_MAX_OFFSETS + 1];
	struct rem late = { 0, 0, -1 };
	int n = 0, out = 0, keep;

	if (appt_start <= now)
		return 0;
	for (int i = 0; i < cfg->reminders.noffsets && i < CONFIG_MAX_OFFSETS; i++) {
		int64_t raw = offset_before(&cfg->reminders.offsets[i], appt_start);
		int64_t adj = schedule_quiet_adjust(cfg, raw, appt_start);

		if (adj >= appt_start)
			continue;
		if (adj <= now) {
			/* Passed: keep only the one closest to the appointment. */
			if (late.which < 0 || raw > late.raw) {
				late.raw = raw;
				late.which = i;
			}
			continue;
		}
		r[n].due = adj;
		r[n].raw = raw;
		r[n].which = i;
		n++;
	}
	if (late.which >= 0) {
		late.due = now;
		keep = 1;
		if (schedule_in_quiet(cfg, now)) {
			int64_t ps, pe;
			quiet_period(cfg, now, &ps, &pe);
			late.due = pe;
			keep = pe < appt_start;
		}
		if (keep)
			r[n++] = late;
	}
	qsort(r, (size_t)n, sizeof(r[0]), cmp_rem);
	for (int i = 0; i < n && out < max; i++) {
		if (out > 0 && due[out - 1] == r[i].due)
			continue;
		due[out] = r[i].due;
		if (which != NULL)
			which[out] = r[i].which;
		out++;
	}
	return out;
}

int64_t
schedule_offset_due(const struct config *cfg, int64_t appt_start, int which)
{
	return schedule_quiet_adjust(cfg, offset_before(&cfg->reminders.offsets[which], appt_start),
				     appt_start);
}

int64_t
schedule_reminder_horizon(const struct config *cfg)
{
	int64_t h = cfg->reminders.horizon, max = 0;

	for (int i = 0; i < cfg->reminders.noffsets && i < CONFIG_MAX_OFFSETS; i++) {
		const struct offset *o = &cfg->reminders.offsets[i];
		int64_t len = (int64_t)o->days * 86400 + o->secs;
		if (len > max)
			max = len;
	}
	if (h < max + 2 * 86400)
		h = max + 2 * 86400;
	return h;
}
