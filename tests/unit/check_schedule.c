/*
 * check_schedule.c — unit tests of schedule.c (contract section 2):
 * check-in slots, drop-in capacity, reminder due times and quiet hours, all
 * in Europe/Paris with dates around the 2026 DST changes. Expected values
 * are derived by hand from the rules. Ends with a small benchmark (printed,
 * not asserted on time).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "schedule.h"
#include "util.h"

static int32_t closed_days[2];
static struct dropin_window windows[3];

static int64_t
T(const char *s)
{
	int64_t t;
	ck_assert_msg(rfc3339_parse(s, &t) == 0, "bad time %s", s);
	return t;
}

static int32_t
D(const char *s)
{
	int32_t d;
	ck_assert_msg(date_parse(s, &d) == 0, "bad date %s", s);
	return d;
}

static void
set_window(struct dropin_window *w, const char *uai, const char *first,
	   const char *last, int slot_secs, int capacity)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->uai, sizeof(w->uai), "%s", uai);
	w->first_day = D(first);
	w->last_day = D(last);
	w->slot_secs = slot_secs;
	w->capacity = capacity;
	snprintf(w->key, sizeof(w->key), "%s %s..%s", uai, first, last);
}

/* The defaults of the contract, built by hand. */
static void
make_cfg(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->checkins.duration = 1800;
	for (int wd = 0; wd < 5; wd++) {
		c->checkins.hours.n[wd] = 2;
		c->checkins.hours.r[wd][0] = (struct timerange){ 9 * 60, 12 * 60 };
		c->checkins.hours.r[wd][1] = (struct timerange){ 13 * 60 + 30, 17 * 60 };
	}
	closed_days[0] = D("2026-07-14");
	closed_days[1] = D("2026-08-15");
	c->checkins.closed = closed_days;
	c->checkins.nclosed = 2;
	c->checkins.noffsets = 4;
	c->checkins.offsets[0].days = 14;
	c->checkins.offsets[1].days = 45;
	c->checkins.offsets[2].days = 90;
	c->checkins.offsets[3].days = 180;

	c->reminders.noffsets = 2;
	c->reminders.offsets[0].secs = 48 * 3600;
	c->reminders.offsets[1].secs = 2 * 3600;
	c->reminders.quiet = (struct timerange){ 20 * 60, 8 * 60 };

	/* 0: own window, 2026-07-02..05, 09:00-12:00 and 14:00-17:00, 20 min x 3 */
	set_window(&windows[0], "0570123X", "2026-07-02", "2026-07-05", 1200, 3);
	windows[0].nranges = 2;
	windows[0].ranges[0] = (struct timerange){ 9 * 60, 12 * 60 };
	windows[0].ranges[1] = (struct timerange){ 14 * 60, 17 * 60 };
	/* 1: for everyone, 2026-07-06 only, 09:00-10:00, 20 min x 1 */
	set_window(&windows[1], "*", "2026-07-06", "2026-07-06", 1200, 1);
	windows[1].nranges = 1;
	windows[1].ranges[0] = (struct timerange){ 9 * 60, 10 * 60 };
	/* 2: another establishment, same slots as window 1 */
	set_window(&windows[2], "0999999Z", "2026-07-06", "2026-07-06", 1200, 2);
	windows[2].nranges = 1;
	windows[2].ranges[0] = (struct timerange){ 9 * 60, 10 * 60 };
	c->dropin.windows = windows;
	c->dropin.nwindows = 3;
}

static void
setup(void)
{
	ck_assert_int_eq(tz_set("Europe/Paris"), 0);
}

/* ---- check-ins ---------------------------------------------------------- */

START_TEST(test_weekend_skipped)
{
	struct config c;
	struct agenda *a;
	int64_t s, e;

	make_cfg(&c);
	a = agenda_new(&c);
	/* 2026-07-04 is a Saturday: Monday 2026-07-06 09:00. */
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-04"), 0, &s, &e), 0);
	ck_assert_int_eq(s, T("2026-07-06T09:00:00+02:00"));
	ck_assert_int_eq(e, T("2026-07-06T09:30:00+02:00"));
	/* Sunday too. */
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-05"), 0, &s, &e), 0);
	ck_assert_int_eq(s, T("2026-07-06T09:00:00+02:00"));
	agenda_free(a);
}
END_TEST

START_TEST(test_closed_day)
{
	struct config c;
	struct agenda *a;
	int64_t s, e;

	make_cfg(&c);
	a = agenda_new(&c);
	/* Tuesday 2026-07-14 is closed: Wednesday 09:00. */
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-14"), 0, &s, &e), 0);
	ck_assert_int_eq(s, T("2026-07-15T09:00:00+02:00"));
	/* Saturday 2026-08-15 is closed anyway; Friday 08-14 works. */
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-08-14"), 0, &s, &e), 0);
	ck_assert_int_eq(s, T("2026-08-14T09:00:00+02:00"));
	agenda_free(a);
}
END_TEST

START_TEST(test_office_hours_boundaries)
{
	static const char *want[] = {
		"09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
		"13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30",
	};
	struct config c;
	struct agenda *a;
	int64_t s, e;
	char buf[40];

	make_cfg(&c);
	a = agenda_new(&c);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"), 0, &s, &e), 0);
		snprintf(buf, sizeof buf, "2026-07-06T%s:00+02:00", want[i]);
		ck_assert_int_eq(s, T(buf));
		ck_assert_int_eq(e - s, 1800);
		agenda_mark(a, "adv", s, e);
	}
	ck_assert_int_eq(e, T("2026-07-06T17:00:00+02:00"));
	/* Lunch is never offered: the 14th goes to Tuesday 09:00. */
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"), 0, &s, &e), 0);
	ck_assert_int_eq(s, T("2026-07-07T09:00:00+02:00"));
	ck_assert(agenda_is_free(a, "adv", T("2026-07-06T12:00:00+02:00"),
				 T("2026-07-06T13:30:00+02:00")));
	ck_assert(!agenda_is_free(a, "adv", T("2026-07-06T11:45:00+02:00"),
				  T("2026-07-06T12:15:00+02:00")));
	agenda_free(a);
}
END_TEST

START_TEST(test_partial_piece_not_a_slot)
{
	struct config c;
	struct agenda *a;
	int64_t s, e;

	make_cfg(&c);
	/* Monday 09:00-10:45: 09:00, 09:30, 10:00 (10:30-11:00 does not fit). */
	c.checkins.hours.n[0] = 1;
	c.checkins.hours.r[0][0] = (struct timerange){ 9 * 60, 10 * 60 + 45 };
	a = agenda_new(&c);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"), 0, &s, &e), 0);
		ck_assert_int_eq(s, T("2026-07-06T09:00:00+02:00") + i * 1800);
		agenda_mark(a, "adv", s, e);
	}
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"), 0, &s, &e), 0);
	ck_assert_int_eq(s, T("2026-07-07T09:00:00+02:00"));
	agenda_free(a);
}
END_TEST

START_TEST(test_not_before)
{
	struct config c;
	struct agenda *a;
	int64_t s, e;

	make_cfg(&c);
	a = agenda_new(&c);
	/* Not before Monday 10:10: 10:30. */
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"),
				     T("2026-07-06T10:10:00+02:00"), &s, &e), 0);
	ck_assert_int_eq(s, T("2026-07-06T10:30:00+02:00"));
	/* Not before Monday 17:00: Tuesday 09:00. */
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"),
				     T("2026-07-06T17:00:00+02:00"), &s, &e), 0);
	ck_assert_int_eq(s, T("2026-07-07T09:00:00+02:00"));
	/* not_before far after from_day skips ahead. */
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"),
				     T("2026-09-01T16:31:00+02:00"), &s, &e), 0);
	ck_assert_int_eq(s, T("2026-09-02T09:00:00+02:00"));
	/* Absurd not_before (a hostile form's slot): nothing, and no day
	 * number wrapping round (86400 * 2^31 is day INT32_MIN in 32 bits). */
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"), INT64_MAX, &s, &e), -1);
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"), 86400LL << 31, &s, &e), -1);
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"), (86400LL << 31) + 86400LL * 20700,
				     &s, &e), -1);
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"), -(86400LL << 31), &s, &e), 0);
	ck_assert_int_eq(s, T("2026-07-06T09:00:00+02:00"));
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"), INT64_MIN, &s, &e), 0);
	ck_assert_int_eq(s, T("2026-07-06T09:00:00+02:00"));
	agenda_free(a);
}
END_TEST

START_TEST(test_busy_adviser)
{
	struct config c;
	struct agenda *a;
	int64_t st[200], en[200];
	int32_t target[200];
	int n = 0;
	int32_t last = D("2026-06-19");

	make_cfg(&c);
	a = agenda_new(&c);
	for (int k = 0; k < 50; k++) {
		for (int o = 0; o < c.checkins.noffsets; o++) {
			int32_t day = schedule_checkin_day(&c.checkins.offsets[o], last);
			ck_assert_int_eq(agenda_find(a, "busy", day, 0, &st[n], &en[n]), 0);
			agenda_mark(a, "busy", st[n], en[n]);
			target[n] = day;
			n++;
		}
	}
	for (int i = 0; i < n; i++) {
		int32_t d, d2;
		int m, m2, wd;

		epoch_to_wall(st[i], &d, &m);
		epoch_to_wall(en[i], &d2, &m2);
		ck_assert_int_ge(d, target[i]);
		ck_assert_int_eq(d, d2);
		wd = weekday_of_day(d);
		ck_assert_int_lt(wd, 5);
		ck_assert_int_ne(d, D("2026-07-14"));
		ck_assert_int_ne(d, D("2026-08-15"));
		ck_assert_int_eq(en[i] - st[i], 1800);
		ck_assert_msg((m >= 9 * 60 && m2 <= 12 * 60) ||
			      (m >= 13 * 60 + 30 && m2 <= 17 * 60),
			      "outside office hours: %d-%d", m, m2);
		for (int j = 0; j < i; j++)
			ck_assert_msg(en[j] <= st[i] || en[i] <= st[j],
				      "overlap %d/%d", i, j);
	}
	/* 50 targets on Friday 2026-07-03 (+14d): 13 that day, then the
	 * following working days, 14 July excluded. */
	ck_assert_int_eq(st[0], T("2026-07-03T09:00:00+02:00"));
	agenda_free(a);
}
END_TEST

START_TEST(test_advisers_independent)
{
	struct config c;
	struct agenda *a;
	int64_t s, e, s2, e2;

	make_cfg(&c);
	a = agenda_new(&c);
	ck_assert_int_eq(agenda_find(a, "A", D("2026-07-06"), 0, &s, &e), 0);
	agenda_mark(a, "A", s, e);
	ck_assert(!agenda_is_free(a, "A", s, e));
	ck_assert(agenda_is_free(a, "B", s, e));
	/* B's book is its own: B gets 09:00, A never gets 09:00 again. */
	ck_assert_int_eq(agenda_find(a, "B", D("2026-07-06"), 0, &s2, &e2), 0);
	ck_assert_int_eq(s2, s);
	agenda_mark(a, "B", s2, e2);
	ck_assert_int_eq(agenda_find(a, "A", D("2026-07-06"), 0, &s2, &e2), 0);
	ck_assert_int_eq(s2, s + 1800);
	ck_assert_int_eq(agenda_find(a, "B", D("2026-07-06"), 0, &s2, &e2), 0);
	ck_assert_int_eq(s2, s + 1800);
	agenda_free(a);
}
END_TEST

START_TEST(test_unmark_and_old_bookings)
{
	struct config c;
	struct agenda *a;
	int64_t s, e;

	make_cfg(&c);
	a = agenda_new(&c);
	/* A booking from an older config, 09:15-09:45: both 09:00 and 09:30. */
	agenda_mark(a, "adv", T("2026-07-06T09:15:00+02:00"), T("2026-07-06T09:45:00+02:00"));
	ck_assert(!agenda_is_free(a, "adv", T("2026-07-06T09:00:00+02:00"),
				  T("2026-07-06T09:30:00+02:00")));
	ck_assert(!agenda_is_free(a, "adv", T("2026-07-06T09:30:00+02:00"),
				  T("2026-07-06T10:00:00+02:00")));
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"), 0, &s, &e), 0);
	ck_assert_int_eq(s, T("2026-07-06T10:00:00+02:00"));

	/* Fill Monday, then free 14:00: found again (full-day hint reset). */
	for (int i = 0; i < 11; i++) {
		ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"), 0, &s, &e), 0);
		agenda_mark(a, "adv", s, e);
	}
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-04"), 0, &s, &e), 0);
	ck_assert_int_eq(s, T("2026-07-07T09:00:00+02:00"));
	agenda_unmark(a, "adv", T("2026-07-06T14:00:00+02:00"), T("2026-07-06T14:30:00+02:00"));
	ck_assert(agenda_is_free(a, "adv", T("2026-07-06T14:00:00+02:00"),
				 T("2026-07-06T14:30:00+02:00")));
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-04"), 0, &s, &e), 0);
	ck_assert_int_eq(s, T("2026-07-06T14:00:00+02:00"));
	/* Unknown adviser: nothing to free, no crash. */
	agenda_unmark(a, "nobody", s, e);
	agenda_free(a);
}
END_TEST

START_TEST(test_nothing_free)
{
	struct config c;
	struct agenda *a;
	int64_t s, e;

	make_cfg(&c);
	memset(&c.checkins.hours, 0, sizeof(c.checkins.hours));
	a = agenda_new(&c);
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-07-06"), 0, &s, &e), -1);
	agenda_free(a);
}
END_TEST

START_TEST(test_checkins_across_dst)
{
	struct config c;
	struct agenda *a;
	int64_t s, e;

	make_cfg(&c);
	a = agenda_new(&c);
	/* Friday 03-27 (CET) then Monday 03-30 (CEST): 09:00 local both. */
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-03-27"),
				     T("2026-03-27T16:31:00+01:00"), &s, &e), 0);
	ck_assert_int_eq(s, T("2026-03-30T07:00:00Z"));
	ck_assert_int_eq(agenda_find(a, "adv", D("2026-10-23"),
				     T("2026-10-23T16:31:00+02:00"), &s, &e), 0);
	ck_assert_int_eq(s, T("2026-10-26T08:00:00Z"));
	agenda_free(a);
}
END_TEST

START_TEST(test_checkin_day)
{
	struct offset o;

	memset(&o, 0, sizeof o);
	o.days = 14;
	ck_assert_int_eq(schedule_checkin_day(&o, D("2026-06-19")), D("2026-07-03"));
	o.days = 180;
	ck_assert_int_eq(schedule_checkin_day(&o, D("2026-06-19")), D("2026-12-16"));
	o.days = 0;
	o.secs = 36 * 3600;   /* midnight + 36 h = next day 12:00 */
	ck_assert_int_eq(schedule_checkin_day(&o, D("2026-06-19")), D("2026-06-20"));
	/* 2026-03-28 00:00 CET + 48 h = 2026-03-30 01:00 CEST. */
	o.secs = 48 * 3600;
	ck_assert_int_eq(schedule_checkin_day(&o, D("2026-03-28")), D("2026-03-30"));
	/* 2026-10-24 00:00 CEST + 48 h = 2026-10-25 23:00 CET: still the 25th. */
	ck_assert_int_eq(schedule_checkin_day(&o, D("2026-10-24")), D("2026-10-25"));
}
END_TEST

/* Reference: the first free slot by brute force over booked intervals. */
struct naive {
	int n;
	int64_t s[4000], e[4000];
};

static int
naive_find(const struct config *c, const struct naive *b, int32_t from,
	   int64_t not_before, int64_t *start)
{
	for (int32_t d = from; d < from + 800; d++) {
		int wd = weekday_of_day(d);
		if (d == closed_days[0] || d == closed_days[1])
			continue;
		for (int r = 0; r < c->checkins.hours.n[wd]; r++) {
			const struct timerange *tr = &c->checkins.hours.r[wd][r];
			for (int m = tr->start; m + 30 <= tr->end; m += 30) {
				int64_t s = wall_to_epoch(d, m), e = wall_to_epoch(d, m + 30);
				int busy = 0;
				if (s < not_before)
					continue;
				for (int i = 0; i < b->n && !busy; i++)
					busy = b->s[i] < e && b->e[i] > s;
				if (!busy) {
					*start = s;
					return 0;
				}
			}
		}
	}
	return -1;
}

START_TEST(test_random_against_naive)
{
	static struct naive book;
	struct config c;
	struct agenda *a;
	int32_t base = D("2026-06-29");
	unsigned seed = 12345;

	make_cfg(&c);
	a = agenda_new(&c);
	book.n = 0;
	for (int op = 0; op < 1500; op++) {
		int64_t s, e, ns;
		int32_t from;
		int64_t nb;

		seed = seed * 1103515245u + 12345u;
		from = base + (int32_t)(seed >> 16) % 40;
		nb = (seed >> 8) % 3 == 0 ? wall_to_epoch(from + (int32_t)(seed >> 20) % 5,
							  (int)(seed % 1440)) : 0;
		if ((seed >> 4) % 7 == 0 && book.n > 0) {
			/* Cancel a random booking. */
			int k = (int)((seed >> 12) % (unsigned)book.n);
			agenda_unmark(a, "x", book.s[k], book.e[k]);
			book.s[k] = book.s[book.n - 1];
			book.e[k] = book.e[book.n - 1];
			book.n--;
			continue;
		}
		ck_assert_int_eq(naive_find(&c, &book, from, nb, &ns), 0);
		ck_assert_int_eq(agenda_find(a, "x", from, nb, &s, &e), 0);
		ck_assert_msg(s == ns, "op %d: got %lld want %lld", op,
			      (long long)s, (long long)ns);
		ck_assert(agenda_is_free(a, "x", s, e));
		agenda_mark(a, "x", s, e);
		book.s[book.n] = s;
		book.e[book.n] = e;
		book.n++;
	}
	agenda_free(a);
}
END_TEST

/* ---- drop-ins ----------------------------------------------------------- */

START_TEST(test_dropin_capacity)
{
	struct config c;
	struct dropins *d;
	int w, full[4];
	size_t nfull;
	int64_t s, e;

	make_cfg(&c);
	d = dropins_new(&c);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(dropins_find(d, "0570123X", D("2026-07-01"), 0, &w, &s, &e, full, &nfull), 0);
		ck_assert_int_eq(w, 0);
		ck_assert_int_eq(s, T("2026-07-02T09:00:00+02:00"));
		ck_assert_int_eq(e, T("2026-07-02T09:20:00+02:00"));
		dropins_add(d, c.dropin.windows[w].key, s, 1);
	}
	ck_assert_int_eq(dropins_fill(d, 0, s), 3);
	/* The 4th student goes to 09:20. */
	ck_assert_int_eq(dropins_find(d, "0570123X", D("2026-07-01"), 0, &w, &s, &e, full, &nfull), 0);
	ck_assert_int_eq(s, T("2026-07-02T09:20:00+02:00"));
	/* A cancellation frees a place at 09:00. */
	dropins_add(d, c.dropin.windows[0].key, T("2026-07-02T09:00:00+02:00"), -1);
	ck_assert_int_eq(dropins_find(d, "0570123X", D("2026-07-01"), 0, &w, &s, &e, full, &nfull), 0);
	ck_assert_int_eq(s, T("2026-07-02T09:00:00+02:00"));
	/* Unknown window and unknown slot are ignored. */
	dropins_add(d, "no such window", s, 5);
	dropins_add(d, c.dropin.windows[0].key, T("2026-07-02T09:05:00+02:00"), 5);
	ck_assert_int_eq(dropins_fill(d, 0, T("2026-07-02T09:05:00+02:00")), 0);
	ck_assert_int_eq(dropins_fill(d, 0, s), 2);
	ck_assert_int_eq(dropins_fill(d, 7, s), 0);
	dropins_free(d);
}
END_TEST

START_TEST(test_dropin_one_day_after)
{
	struct config c;
	struct dropins *d;
	int w, full[4];
	size_t nfull;
	int64_t s, e;

	make_cfg(&c);
	d = dropins_new(&c);
	/* Last exam 07-02: not 07-02 but 07-03 09:00. */
	ck_assert_int_eq(dropins_find(d, "0570123X", D("2026-07-02"), 0, &w, &s, &e, full, &nfull), 0);
	ck_assert_int_eq(s, T("2026-07-03T09:00:00+02:00"));
	/* And not before not_before (07-03 11:50 -> 14:00). */
	ck_assert_int_eq(dropins_find(d, "0570123X", D("2026-07-02"),
				      T("2026-07-03T11:50:00+02:00"), &w, &s, &e, full, &nfull), 0);
	ck_assert_int_eq(s, T("2026-07-03T14:00:00+02:00"));
	/* Last exam 07-05: own window over, the "*" window (index 1) on 07-06. */
	ck_assert_int_eq(dropins_find(d, "0570123X", D("2026-07-05"), 0, &w, &s, &e, full, &nfull), 0);
	ck_assert_int_eq(w, 1);
	ck_assert_int_eq(s, T("2026-07-06T09:00:00+02:00"));
	/* Last exam 07-06: nothing left, and no window is "full". */
	ck_assert_int_eq(dropins_find(d, "0570123X", D("2026-07-06"), 0, &w, &s, &e, full, &nfull), -1);
	ck_assert_uint_eq(nfull, 0);
	dropins_free(d);
}
END_TEST

static void
count_slot(int64_t start, int64_t end, int booked, int capacity, void *arg)
{
	int *n = arg;
	ck_assert_int_eq(end - start, 1200);
	ck_assert_int_le(booked, capacity);
	n[0]++;
	n[1] += booked;
}

START_TEST(test_dropin_uai_and_full)
{
	struct config c;
	struct dropins *d;
	int w, full[4], n[2] = { 0, 0 };
	size_t nfull;
	int64_t s, e;

	make_cfg(&c);
	d = dropins_new(&c);
	/* 4 days x (9 + 9) slots of 20 min. */
	dropins_each_slot(d, 0, count_slot, n);
	ck_assert_int_eq(n[0], 72);
	/* 0999999Z: windows 1 ("*") and 2 (own), same starts: tie -> index 1. */
	ck_assert_int_eq(dropins_find(d, "0999999Z", D("2026-07-01"), 0, &w, &s, &e, full, &nfull), 0);
	ck_assert_int_eq(w, 1);
	ck_assert_int_eq(s, T("2026-07-06T09:00:00+02:00"));
	/* Another establishment sees only "*" (3 slots x 1): fill it. */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(dropins_find(d, "0111111A", D("2026-07-01"), 0, &w, &s, &e, full, &nfull), 0);
		ck_assert_int_eq(w, 1);
		ck_assert_int_eq(s, T("2026-07-06T09:00:00+02:00") + i * 1200);
		dropins_add(d, c.dropin.windows[1].key, s, 1);
	}
	ck_assert_int_eq(dropins_find(d, "0111111A", D("2026-07-01"), 0, &w, &s, &e, full, &nfull), -1);
	ck_assert_uint_eq(nfull, 1);
	ck_assert_int_eq(full[0], 1);
	/* 0999999Z still has its own window (index 2). */
	ck_assert_int_eq(dropins_find(d, "0999999Z", D("2026-07-01"), 0, &w, &s, &e, full, &nfull), 0);
	ck_assert_int_eq(w, 2);
	ck_assert_int_eq(s, T("2026-07-06T09:00:00+02:00"));
	n[0] = n[1] = 0;
	dropins_each_slot(d, 1, count_slot, n);
	ck_assert_int_eq(n[0], 3);
	ck_assert_int_eq(n[1], 3);
	/* Its own window full too (3 slots x 2): a shortage of both windows
	 * that applied, "*" and its own, not of "*" only. */
	for (int i = 0; i < 6; i++) {
		ck_assert_int_eq(dropins_find(d, "0999999Z", D("2026-07-01"), 0, &w, &s, &e, full,
					      &nfull), 0);
		ck_assert_int_eq(w, 2);
		dropins_add(d, c.dropin.windows[2].key, s, 1);
	}
	ck_assert_int_eq(dropins_find(d, "0999999Z", D("2026-07-01"), 0, &w, &s, &e, full, &nfull), -1);
	ck_assert_uint_eq(nfull, 2);
	ck_assert_int_eq(full[0], 1);
	ck_assert_int_eq(full[1], 2);
	ck_assert_int_eq(dropins_window_index(d, c.dropin.windows[2].key), 2);
	ck_assert_int_eq(dropins_window_index(d, "no such window"), -1);
	ck_assert(dropins_window_applies(d, 2, "0999999Z"));
	ck_assert(!dropins_window_applies(d, 2, "0111111A"));
	ck_assert(dropins_window_applies(d, 1, "0111111A"));
	dropins_free(d);

	/* Without a "*" window, an unknown establishment matches nothing. */
	c.dropin.nwindows = 1;
	d = dropins_new(&c);
	ck_assert_int_eq(dropins_find(d, "0111111A", D("2026-07-01"), 0, &w, &s, &e, full, &nfull), -1);
	ck_assert_uint_eq(nfull, 0);
	dropins_free(d);
}
END_TEST

/* ---- reminders ---------------------------------------------------------- */

START_TEST(test_quiet_hours)
{
	struct config c;

	make_cfg(&c);
	ck_assert(schedule_in_quiet(&c, T("2026-06-10T20:00:00+02:00")));
	ck_assert(schedule_in_quiet(&c, T("2026-06-10T23:59:00+02:00")));
	ck_assert(schedule_in_quiet(&c, T("2026-06-11T07:59:59+02:00")));
	ck_assert(!schedule_in_quiet(&c, T("2026-06-11T08:00:00+02:00")));
	ck_assert(!schedule_in_quiet(&c, T("2026-06-10T19:59:59+02:00")));
	/* Due 22:00 for a 09:00 appointment next day: 08:00. */
	ck_assert_int_eq(schedule_quiet_adjust(&c, T("2026-06-10T22:00:00+02:00"),
					       T("2026-06-11T09:00:00+02:00")),
			 T("2026-06-11T08:00:00+02:00"));
	/* Due 07:00 (2 h before 09:00): 08:00 is before 09:00. */
	ck_assert_int_eq(schedule_quiet_adjust(&c, T("2026-06-11T07:00:00+02:00"),
					       T("2026-06-11T09:00:00+02:00")),
			 T("2026-06-11T08:00:00+02:00"));
	/* Due 06:00 for 07:30: 08:00 is too late, 19:59 the day before. */
	ck_assert_int_eq(schedule_quiet_adjust(&c, T("2026-06-11T06:00:00+02:00"),
					       T("2026-06-11T07:30:00+02:00")),
			 T("2026-06-10T19:59:00+02:00"));
	/* Due 21:00 for 07:30 next day: same quiet period, 19:59 same day. */
	ck_assert_int_eq(schedule_quiet_adjust(&c, T("2026-06-10T21:00:00+02:00"),
					       T("2026-06-11T07:30:00+02:00")),
			 T("2026-06-10T19:59:00+02:00"));
	/* End exactly at the appointment is not "before" it. */
	ck_assert_int_eq(schedule_quiet_adjust(&c, T("2026-06-11T06:00:00+02:00"),
					       T("2026-06-11T08:00:00+02:00")),
			 T("2026-06-10T19:59:00+02:00"));
	/* Not quiet: unchanged. */
	ck_assert_int_eq(schedule_quiet_adjust(&c, T("2026-06-11T10:00:00+02:00"),
					       T("2026-06-11T12:00:00+02:00")),
			 T("2026-06-11T10:00:00+02:00"));
	/* Quiet period across the fall-back night: 2026-10-24 22:00 CEST ->
	 * 2026-10-25 08:00 CET. */
	ck_assert_int_eq(schedule_quiet_adjust(&c, T("2026-10-24T22:00:00+02:00"),
					       T("2026-10-26T09:00:00+01:00")),
			 T("2026-10-25T08:00:00+01:00"));

	/* Same-day quiet hours 12:00-14:00. */
	c.reminders.quiet = (struct timerange){ 12 * 60, 14 * 60 };
	ck_assert(schedule_in_quiet(&c, T("2026-06-11T13:00:00+02:00")));
	ck_assert(!schedule_in_quiet(&c, T("2026-06-11T14:00:00+02:00")));
	ck_assert(!schedule_in_quiet(&c, T("2026-06-11T23:00:00+02:00")));
	ck_assert_int_eq(schedule_quiet_adjust(&c, T("2026-06-11T13:00:00+02:00"),
					       T("2026-06-11T13:30:00+02:00")),
			 T("2026-06-11T11:59:00+02:00"));
	/* No quiet hours. */
	c.reminders.quiet = (struct timerange){ 0, 0 };
	ck_assert(!schedule_in_quiet(&c, T("2026-06-11T03:00:00+02:00")));
}
END_TEST

START_TEST(test_reminders_dst)
{
	struct config c;
	int64_t due[4];
	int which[4];

	make_cfg(&c);
	/* Monday 2026-03-30 09:00 CEST = 07:00Z. 48 h exact: 03-28 07:00Z =
	 * 08:00 CET (not quiet). 2 h: 07:00 CEST, quiet -> 08:00 CEST. */
	ck_assert_int_eq(schedule_reminders(&c, T("2026-03-30T09:00:00+02:00"),
					    T("2026-03-01T12:00:00+01:00"), due, which, 4), 2);
	ck_assert_int_eq(due[0], T("2026-03-28T08:00:00+01:00"));
	ck_assert_int_eq(due[0], T("2026-03-28T07:00:00Z"));
	ck_assert_int_eq(which[0], 0);
	ck_assert_int_eq(due[1], T("2026-03-30T08:00:00+02:00"));
	ck_assert_int_eq(which[1], 1);

	/* Monday 2026-10-26 09:00 CET = 08:00Z. 48 h: 10-24 08:00Z = 10:00
	 * CEST. 2 h: 07:00 CET quiet -> 08:00 CET. */
	ck_assert_int_eq(schedule_reminders(&c, T("2026-10-26T09:00:00+01:00"),
					    T("2026-10-01T12:00:00+02:00"), due, which, 4), 2);
	ck_assert_int_eq(due[0], T("2026-10-24T10:00:00+02:00"));
	ck_assert_int_eq(due[1], T("2026-10-26T08:00:00+01:00"));

	/* "14d" keeps the wall-clock time: 2026-04-06 09:00 CEST ->
	 * 2026-03-23 09:00 CET (08:00Z), not 07:00Z as 336 h would. */
	memset(c.reminders.offsets, 0, sizeof(c.reminders.offsets));
	c.reminders.offsets[0].days = 14;
	c.reminders.offsets[1].secs = 14 * 24 * 3600;
	ck_assert_int_eq(schedule_reminders(&c, T("2026-04-06T10:00:00+02:00"),
					    T("2026-03-01T12:00:00+01:00"), due, which, 4), 2);
	ck_assert_int_eq(due[0], T("2026-03-23T09:00:00+01:00"));
	ck_assert_int_eq(which[0], 1);
	ck_assert_int_eq(due[1], T("2026-03-23T10:00:00+01:00"));
	ck_assert_int_eq(which[1], 0);
	/* Fall back: 2026-11-02 09:00 CET - 14d = 2026-10-19 09:00 CEST. */
	ck_assert_int_eq(schedule_reminders(&c, T("2026-11-02T09:00:00+01:00"),
					    T("2026-10-01T12:00:00+02:00"), due, which, 4), 2);
	ck_assert_int_eq(due[0], T("2026-10-19T09:00:00+02:00"));
	ck_assert_int_eq(which[0], 0);
	ck_assert_int_eq(due[1], T("2026-10-19T10:00:00+02:00"));
	ck_assert_int_eq(which[1], 1);
}
END_TEST

START_TEST(test_reminders_late)
{
	struct config c;
	int64_t due[4], appt = T("2026-06-11T09:00:00+02:00");
	int which[4];

	make_cfg(&c);
	/* On time: 48 h (06-09 09:00) and 2 h (07:00 -> 08:00). */
	ck_assert_int_eq(schedule_reminders(&c, appt, T("2026-06-01T12:00:00+02:00"),
					    due, which, 4), 2);
	ck_assert_int_eq(due[0], T("2026-06-09T09:00:00+02:00"));
	ck_assert_int_eq(due[1], T("2026-06-11T08:00:00+02:00"));
	/* max limits the output. */
	ck_assert_int_eq(schedule_reminders(&c, appt, T("2026-06-01T12:00:00+02:00"),
					    due, which, 1), 1);
	ck_assert_int_eq(due[0], T("2026-06-09T09:00:00+02:00"));
	/* 48 h passed: one due now, then 08:00. */
	ck_assert_int_eq(schedule_reminders(&c, appt, T("2026-06-10T10:00:00+02:00"),
					    due, which, 4), 2);
	ck_assert_int_eq(due[0], T("2026-06-10T10:00:00+02:00"));
	ck_assert_int_eq(which[0], 0);
	ck_assert_int_eq(due[1], T("2026-06-11T08:00:00+02:00"));
	ck_assert_int_eq(which[1], 1);
	/* Both passed: one, due now, the 2 h one. */
	ck_assert_int_eq(schedule_reminders(&c, appt, T("2026-06-11T08:30:00+02:00"),
					    due, which, 4), 1);
	ck_assert_int_eq(due[0], T("2026-06-11T08:30:00+02:00"));
	ck_assert_int_eq(which[0], 1);
	/* 48 h passed, planned at 21:00 (quiet): moved to 08:00, merged with
	 * the 2 h one (also 08:00): a single reminder. */
	ck_assert_int_eq(schedule_reminders(&c, appt, T("2026-06-10T21:00:00+02:00"),
					    due, which, 4), 1);
	ck_assert_int_eq(due[0], T("2026-06-11T08:00:00+02:00"));
	ck_assert_int_eq(which[0], 1);
	/* Planned at 07:30 (quiet), appointment 07:45: 08:00 is too late and
	 * 19:59 the day before is past: none. */
	ck_assert_int_eq(schedule_reminders(&c, T("2026-06-11T07:45:00+02:00"),
					    T("2026-06-11T07:30:00+02:00"), due, which, 4), 0);
	/* The appointment started: none. */
	ck_assert_int_eq(schedule_reminders(&c, appt, appt, due, which, 4), 0);
	ck_assert_int_eq(schedule_reminders(&c, appt, appt + 60, due, which, 4), 0);
}
END_TEST

/* ---- benchmark ---------------------------------------------------------- */

START_TEST(test_bench)
{
	struct config c;
	struct agenda *a;
	struct timespec t0, t1;
	char adv[200][16];
	int32_t first = D("2026-06-15");
	int nstudents = 200000, failed = 0;
	double secs;

	make_cfg(&c);
	for (int i = 0; i < 200; i++)
		snprintf(adv[i], sizeof adv[i], "adv%03d", i);
	a = agenda_new(&c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int k = 0; k < nstudents; k++) {
		int32_t last = first + k % 14;
		const char *name = adv[(k / 7) % 200];
		for (int o = 0; o < c.checkins.noffsets; o++) {
			int64_t s, e;
			int32_t day = schedule_checkin_day(&c.checkins.offsets[o], last);
			if (agenda_find(a, name, day, 0, &s, &e) != 0) {
				failed++;
				continue;
			}
			agenda_mark(a, name, s, e);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("bench: %d students x %d check-ins over 200 advisers in %.3f s "
	       "(%.0f students/s)\n", nstudents, c.checkins.noffsets, secs,
	       nstudents / secs);
	ck_assert_int_eq(failed, 0);
	agenda_free(a);
}
END_TEST

static Suite *
schedule_suite(void)
{
	Suite *s = suite_create("schedule");
	TCase *tc = tcase_create("checkins");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_weekend_skipped);
	tcase_add_test(tc, test_closed_day);
	tcase_add_test(tc, test_office_hours_boundaries);
	tcase_add_test(tc, test_partial_piece_not_a_slot);
	tcase_add_test(tc, test_not_before);
	tcase_add_test(tc, test_busy_adviser);
	tcase_add_test(tc, test_advisers_independent);
	tcase_add_test(tc, test_unmark_and_old_bookings);
	tcase_add_test(tc, test_nothing_free);
	tcase_add_test(tc, test_checkins_across_dst);
	tcase_add_test(tc, test_checkin_day);
	tcase_add_test(tc, test_random_against_naive);
	suite_add_tcase(s, tc);

	tc = tcase_create("dropins");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_dropin_capacity);
	tcase_add_test(tc, test_dropin_one_day_after);
	tcase_add_test(tc, test_dropin_uai_and_full);
	suite_add_tcase(s, tc);

	tc = tcase_create("reminders");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_quiet_hours);
	tcase_add_test(tc, test_reminders_dst);
	tcase_add_test(tc, test_reminders_late);
	suite_add_tcase(s, tc);

	tc = tcase_create("bench");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_bench);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(schedule_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
