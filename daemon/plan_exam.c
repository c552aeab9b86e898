/*
 * plan_exam.c — the appointments of an exam.completed (contract sections
 * 1.1 and 2): a check-in at each [checkins] offset after last_exam_on and
 * one drop-in slot; and, for a student planned before (a resit, or a school
 * system re-sending the event under a new id), the moves that turn the
 * future part of the old plan into the new one.
 *
 * A new plan is found first, then written:
 *   1. the old plan's replaceable appointments (confirmed, not started:
 *      policy_replaceable) give their slots back to the in-memory books,
 *      except those a same-date event keeps: with last_exam_on unchanged,
 *      each old appointment keeps its time and what already happened
 *      (attended, missed...) is not planned again, so a re-sent event
 *      changes nothing;
 *   2. the other appointments are found as for a new student (late targets
 *      collapse into one from today), a drop-in only if none was attended;
 *   3. policy_pair_plan() pairs new and old: same time, untouched; a new
 *      time, moved in place (same UID, SEQUENCE + 1, drop-in place and
 *      pending reminders follow); no counterpart, booked; old ones without
 *      a counterpart are cancelled;
 *   4. writes go cancellations first, then moves (policy_move_order), then
 *      bookings: the store's one confirmed check-in per adviser and start
 *      holds at every step.
 * A new student (the hot path) goes through steps 2 and 4 only: nothing is
 * read before its appointments are written.
 *
 * Calls: policy and schedule (rules), store, plan.c's booking steps
 * (plan_priv.h). Never commits.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "plan_priv.h"
#include "policy.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

#define WHY_REPLACED "replaced by a new exam.completed"

/* The new plan: the appointments wanted, with the old one each keeps. */
struct exam_plan {
	struct appt want[POLICY_MAX_PLAN];
	size_t n;
	const struct appt *old;     /* the student's appointments before, by start */
	size_t nold;
	int same;                   /* same last_exam_on, student not stopped */
};

static int
same_str(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Has old appointment a taken place, or is it taking place (not cancelled,
 * not replaceable)? One the student cancelled (contract section 8) counts
 * as done: a re-sent event does not book it again. */
static int
happened(const struct appt *a, int64_t now)
{
	return (a->status != APPT_CANCELLED || a->answer == ANSWER_CANCELLED) &&
	       !policy_replaceable(a, now);
}

/*
 * For a same-date plan: the old check-in of plan_index i (kind KIND_DROPIN:
 * the drop-in) that the new plan keeps, or NULL; *done tells whether one
 * already happened (then none is planned). A check-in is kept with the
 * same adviser, a drop-in in a window that still applies.
 */
static const struct appt *
same_date_old(struct planner *p, const struct exam_plan *w, const struct student *s, int kind,
	      int i, int64_t now, int *done)
{
	*done = 0;
	for (size_t k = 0; k < w->nold; k++) {
		const struct appt *a = &w->old[k];
		if (a->kind != (enum appt_kind)kind || (kind == KIND_CHECKIN && a->plan_index != i))
			continue;
		if (happened(a, now))
			*done = 1;
		if (!policy_replaceable(a, now))
			continue;
		if (kind == KIND_CHECKIN ? same_str(a->adviser_id, s->adviser_id) :
		    dropins_window_applies(p->dropins, dropins_window_index(p->dropins, a->window_key),
					   s->uai))
			return a;
	}
	return NULL;
}

/* Is old appointment a kept by the new plan (same date, see above)? */
static int
kept(struct planner *p, const struct exam_plan *w, const struct student *s, const struct appt *a,
     int64_t now)
{
	int done;
	return w->same && policy_replaceable(a, now) &&
	       same_date_old(p, w, s, a->kind, a->plan_index, now, &done) == a;
}

/* Adds kept appointment k to the plan (its slot stays taken). */
static void
want_kept(struct planner *p, struct exam_plan *w, const struct student *s, const struct appt *k,
	  int64_t now)
{
	struct appt *a = &w->want[w->n++];

	memset(a, 0, sizeof *a);
	plan_fill(p, s, a, k->kind, k->plan_index, k->starts_at, k->ends_at, k->window_key, now);
	a->changed_by = "exam.completed";
}

/* The check-ins of the new plan. */
static void
want_checkins(struct planner *p, struct exam_plan *w, const struct student *s, int64_t now)
{
	const struct config *cfg = p->cfg;
	int32_t today = plan_today(now);

	for (int i = 0; i < cfg->checkins.noffsets; i++) {
		int32_t day = schedule_checkin_day(&cfg->checkins.offsets[i], s->last_exam_on);
		const struct appt *k = NULL;
		struct appt *a = &w->want[w->n];
		int done = 0;

		if (w->same)
			k = same_date_old(p, w, s, KIND_CHECKIN, i, now, &done);
		if (k != NULL) {
			want_kept(p, w, s, k, now);
			continue;
		}
		/* Targets already past (a late event) collapse into one
		 * check-in from today: the last of them. */
		if (done || (day < today && i + 1 < cfg->checkins.noffsets &&
			     schedule_checkin_day(&cfg->checkins.offsets[i + 1], s->last_exam_on) <= today))
			continue;
		memset(a, 0, sizeof *a);
		if (plan_find_checkin(p, s, i, day, now, a) != 0)
			continue;
		a->changed_by = "exam.completed";
		plan_books_add(p, a, 1);
		w->n++;
	}
}

/* The drop-in of the new plan: none once one was attended. 0 or -1. */
static int
want_dropin(struct planner *p, struct exam_plan *w, const struct student *s, int64_t now)
{
	const struct appt *k = NULL;
	struct appt *a = &w->want[w->n];
	int done = 0, rc;

	for (size_t i = 0; i < w->nold; i++)
		if (w->old[i].kind == KIND_DROPIN && w->old[i].status == APPT_ATTENDED)
			return 0;
	if (w->same)
		k = same_date_old(p, w, s, KIND_DROPIN, -1, now, &done);
	if (k != NULL) {
		want_kept(p, w, s, k, now);
		return 0;
	}
	if (done)
		return 0;
	memset(a, 0, sizeof *a);
	rc = plan_find_dropin(p, s, s->last_exam_on, now, now, a);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	a->changed_by = "exam.completed";
	plan_books_add(p, a, 1);
	w->n++;
	return 0;
}

/* The pending reminders of moved appointment a (already at its new time),
 * re-timed: on each channel the new due times go to the pending rows in
 * order; rows left over are cancelled, times left over get new rows. */
static int
retime_reminders(struct planner *p, const struct student *s, const struct appt *a, int64_t now)
{
	struct policy_due due[POLICY_MAX_REMINDERS];
	unsigned char used[POLICY_MAX_REMINDERS] = { 0 };
	struct reminder *r;
	size_t nr;
	int n = policy_reminders(p->cfg, s, a, 0, now, due, POLICY_MAX_REMINDERS), rc = 0;

	if (store_reminders_pending_appt(p->st, a->id, &r, &nr))
		return -1;
	for (size_t i = 0; i < nr && rc == 0; i++) {
		int j = 0;
		while (j < n && (used[j] || due[j].channel != (int)r[i].channel))
			j++;
		if (j == n) {
			rc = store_reminder_set(p->st, r[i].id, REM_CANCELLED, r[i].attempts,
						r[i].next_at, now, "appointment moved");
			continue;
		}
		used[j] = 1;
		if (due[j].due_at != r[i].due_at)
			rc = store_reminder_retime(p->st, r[i].id, due[j].due_at);
	}
	for (int j = 0; j < n && rc == 0; j++) {
		if (used[j])
			continue;
		rc = store_reminder_insert(p->st, a->id, s->id, due[j].channel, REM_REMINDER,
					   due[j].due_at, now);
		p->stats.reminders++;
	}
	store_reminders_free(r, nr);
	return rc;
}

int
plan_move_write(struct planner *p, const struct student *s, const struct appt *o,
		const struct appt *w, const char *changed_by, int64_t now)
{
	struct appt m = *o;
	const char *wkey = w->window_key ? w->window_key : o->window_key;

	if (store_appt_update(p->st, o->id, APPT_CONFIRMED, w->starts_at, w->ends_at, changed_by,
			      now))
		return -1;
	if (o->kind == KIND_DROPIN && o->window_key &&
	    (store_dropin_add(p->st, o->window_key, o->starts_at, -1) ||
	     store_dropin_add(p->st, wkey, w->starts_at, 1)))
		return -1;
	if (o->kind == KIND_DROPIN && o->window_key && strcmp(wkey, o->window_key) != 0 &&
	    store_appt_set_window(p->st, o->id, wkey))
		return -1;
	log_debug("appointment %s moved (%s)", o->uid, changed_by);
	m.starts_at = w->starts_at;
	m.ends_at = w->ends_at;
	if (m.reminded)
		return retime_reminders(p, s, &m, now);
	/* Its rows were still to come: made now if it came within the horizon. */
	if (!plan_within_horizon(p, m.starts_at, now))
		return 0;
	m.reminded = 1;
	return store_appt_set_reminded(p->st, m.id) || plan_reminders(p, s, &m, 0, now) ? -1 : 0;
}

/* Writes the plan: cancellations, moves, bookings. 0 or -1. */
static int
write_plan(struct planner *p, struct exam_plan *w, const struct student *s, int64_t now)
{
	int match[POLICY_MAX_PLAN];
	enum policy_fate fate[POLICY_MAX_PLAN];
	unsigned char rebook[POLICY_MAX_PLAN], *cancel = xcalloc(w->nold + 1, 1);
	size_t order[POLICY_MAX_PLAN], nmoves;
	int rc = -1;

	policy_pair_plan(w->old, w->nold, w->want, w->n, now, match, fate, cancel);
	for (size_t i = 0; i < w->nold; i++)
		if (cancel[i] && plan_write_cancel(p, &w->old[i], WHY_REPLACED, now))
			goto out;
	nmoves = policy_move_order(w->old, w->want, match, fate, w->n, order, rebook);
	for (size_t k = 0; k < nmoves; k++) {
		size_t j = order[k];
		if (rebook[j]) {
			fate[j] = POLICY_BOOK;
			if (plan_write_cancel(p, &w->old[match[j]], WHY_REPLACED, now))
				goto out;
		} else if (plan_move_write(p, s, &w->old[match[j]], &w->want[j], "exam.completed",
					   now)) {
			goto out;
		}
	}
	for (size_t j = 0; j < w->n; j++)
		if (fate[j] == POLICY_BOOK && plan_write_new(p, s, &w->want[j], now))
			goto out;
	rc = 0;
out:
	free(cancel);
	return rc;
}

int
plan_exam_appointments(struct planner *p, const struct student *s, const struct student *old,
		       int64_t now)
{
	struct exam_plan w;
	struct appt *v = NULL;
	size_t nv = 0;
	int rc = -1;

	memset(&w, 0, sizeof w);
	if (old != NULL && store_appts_of_student(p->st, s->id, &v, &nv))
		return -1;
	w.old = v;
	w.nold = nv;
	w.same = old != NULL && !old->stopped && old->last_exam_on == s->last_exam_on;
	/* The slots of the old plan's future are free for the new one, but
	 * those a same-date plan keeps. */
	for (size_t i = 0; i < nv; i++)
		if (policy_replaceable(&v[i], now) && !kept(p, &w, s, &v[i], now))
			plan_books_add(p, &v[i], -1);
	want_checkins(p, &w, s, now);
	/* The reminders of what the plan kept follow the student's new
	 * contact data and consent: the caller's exam_contact_follow(). */
	if (want_dropin(p, &w, s, now) == 0 && write_plan(p, &w, s, now) == 0)
		rc = 0;
	store_appts_free(v, nv);
	return rc;
}
