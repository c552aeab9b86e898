/*
 * plan_reply.c — the planner's side of students' answers (contract section
 * 8, plan.h): the free slots an appointment could move to, and the changes
 * an answer makes (confirm, cancel, move), through the same books and
 * booking steps as every other change (plan_priv.h).
 *
 * Free slots follow section 2: a check-in goes to a slot of its adviser's
 * office hours (closures skipped, never two students at once) that is free
 * for as long as the appointment lasts; a drop-in to a slot with room of a
 * window of its establishment. Either from the day after today on, so a
 * student never moves to a slot the adviser has no time to prepare.
 *
 * A cancellation by the student cancels the appointment like relancectl
 * cancel (status, reminders, drop-in place, adviser agenda), with
 * changed_by "student" and answer ANSWER_CANCELLED: no replacement is
 * booked and no absence is counted (policy_consecutive_absences() counts
 * missed appointments only). A move reuses plan_exam.c's plan_move_write()
 * (same UID, SEQUENCE + 1, reminders re-timed).
 *
 * Also the UIDs of new appointments (plan_new_uid()); their link code
 * hashes are written when a link is given out (reply_code_issue()).
 *
 * Never commits: the caller (reply.c) owns the transaction, and calls
 * plan_reload() after a rollback as the consumer does.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "link.h"
#include "log.h"
#include "plan.h"
#include "plan_priv.h"
#include "policy.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

#define WHY_STUDENT "student"

void
plan_new_uid(struct planner *p, struct appt *a, int64_t now)
{
	store_appt_new_uid(p->st, p->cfg->calendar.domain, now, a->uid);
}

/* The next free check-in slot of a's adviser starting at or after
 * not_before, from day from: 0 with *start, -1 none within two years. A
 * slot is free when a's whole length fits in it unbooked. */
static int
next_checkin(struct planner *p, const struct appt *a, int32_t from, int64_t not_before,
	     int64_t *start)
{
	int64_t len = a->ends_at - a->starts_at, s, e;

	while (agenda_find(p->agenda, a->adviser_id, from, not_before, &s, &e) == 0) {
		if (s != a->starts_at && (e - s == len || agenda_is_free(p->agenda, a->adviser_id,
									 s, s + len))) {
			*start = s;
			return 0;
		}
		not_before = s + 1;
	}
	return -1;
}

/* The next drop-in slot with room for a's establishment, starting at or
 * after not_before, on a day after after_day: 0 with *start and *window, -1. */
static int
next_dropin(struct planner *p, const struct appt *a, int32_t after_day, int64_t not_before,
	    int64_t *start, int *window)
{
	int64_t s, e;

	while (dropins_find(p->dropins, a->uai, after_day, not_before, window, &s, &e, NULL,
			    NULL) == 0) {
		if (s != a->starts_at) {
			*start = s;
			return 0;
		}
		not_before = s + 1;
	}
	return -1;
}

int
plan_free_slots(struct planner *p, const struct appt *a, int64_t now, int64_t *starts, int max)
{
	int32_t tomorrow = plan_today(now) + 1;
	int64_t not_before = now, s;
	int n = 0, window;

	if (a->kind != KIND_CHECKIN && a->kind != KIND_DROPIN)
		return 0;
	if (a->kind == KIND_CHECKIN && a->adviser_id == NULL)
		return 0;
	while (n < max) {
		int rc = a->kind == KIND_CHECKIN ? next_checkin(p, a, tomorrow, not_before, &s) :
			 next_dropin(p, a, tomorrow - 1, not_before, &s, &window);
		if (rc != 0)
			break;
		starts[n++] = s;
		not_before = s + 1;
	}
	return n;
}

/* The slot a moves to at new_start, if it is one of the free slots
 * offered (the first PLAN_FREE_SLOTS: a time the page did not offer, even
 * a free one further on, is refused): 0 with m filled (times and drop-in
 * window), 1 not offered or not free (any more). */
static int
find_slot(struct planner *p, const struct appt *a, int64_t new_start, int64_t now, struct appt *m)
{
	int32_t tomorrow = plan_today(now) + 1;
	int64_t s, offered[PLAN_FREE_SLOTS];
	int window, n = plan_free_slots(p, a, now, offered, PLAN_FREE_SLOTS), i;

	for (i = 0; i < n && offered[i] != new_start; i++)
		;
	if (i == n)
		return 1;
	*m = *a;
	if (a->kind == KIND_CHECKIN) {
		if (next_checkin(p, a, tomorrow, new_start, &s) != 0 || s != new_start)
			return 1;
		m->ends_at = s + (a->ends_at - a->starts_at);
	} else if (a->kind == KIND_DROPIN) {
		if (next_dropin(p, a, tomorrow - 1, new_start, &s, &window) != 0 || s != new_start)
			return 1;
		m->window_key = p->cfg->dropin.windows[window].key;
		m->ends_at = s + p->cfg->dropin.windows[window].slot_secs;
	} else {
		return 1;
	}
	m->starts_at = s;
	return 0;
}

/* Why a (read now) cannot be answered, or NULL. */
static const char *
not_answerable(const struct appt *a, int64_t now)
{
	switch (policy_cancel_check(a, now)) {
	case POLICY_CANCEL_OK:
		return NULL;
	case POLICY_CANCEL_STARTED:
		return "the appointment has started";
	default:
		return a->answer == ANSWER_CANCELLED ? "the appointment was cancelled by the student" :
		       "the appointment is not confirmed any more";
	}
}

static enum plan_answer_result
answer_cancel(struct planner *p, const struct appt *a, int64_t now)
{
	if (plan_write_cancel(p, a, WHY_STUDENT, now) ||
	    store_appt_answer(p->st, a->id, ANSWER_CANCELLED, 0, now))
		return PLAN_ANSWER_ERROR;
	plan_books_add(p, a, -1);
	log_info("appointment %s cancelled by the student", a->uid);
	return PLAN_ANSWER_DONE;
}

static enum plan_answer_result
answer_move(struct planner *p, const struct appt *a, int64_t new_start, int64_t now, char *err,
	    size_t errlen)
{
	struct student s;
	struct appt m;
	int found;
	enum plan_answer_result rc = PLAN_ANSWER_ERROR;

	if (a->moves >= PLAN_MAX_MOVES) {
		snprintf(err, errlen, "the appointment was moved %d times already: contact the adviser",
			 a->moves);
		return PLAN_ANSWER_REFUSED;
	}
	if (find_slot(p, a, new_start, now, &m) != 0) {
		snprintf(err, errlen, "that slot is not one of the free slots offered");
		return PLAN_ANSWER_REFUSED;
	}
	found = store_student_get(p->st, a->student_id, &s);
	if (found <= 0) {
		if (found == 0)
			log_warnx("appointment %s: its student %s is not known", a->uid, a->student_id);
		return PLAN_ANSWER_ERROR;
	}
	/* The books first (the old slot free, the new one taken), then the
	 * store: a store error makes the caller roll back and reload them. */
	plan_books_add(p, a, -1);
	plan_books_add(p, &m, 1);
	if (plan_move_write(p, &s, a, &m, WHY_STUDENT, now) == 0 &&
	    store_appt_answer(p->st, a->id, -1, 1, now) == 0) {
		log_info("appointment %s moved by the student (move %d)", a->uid, a->moves + 1);
		rc = PLAN_ANSWER_DONE;
	}
	student_clear(&s);
	return rc;
}

enum plan_answer_result
plan_answer(struct planner *p, const struct appt *a, int answer, int64_t new_start, int64_t now,
	    char *err, size_t errlen)
{
	const char *why;

	if (answer == ANSWER_CANCELLED && a->status == APPT_CANCELLED &&
	    a->answer == ANSWER_CANCELLED)
		return PLAN_ANSWER_ALREADY;
	why = not_answerable(a, now);
	if (why != NULL) {
		snprintf(err, errlen, "%s", why);
		return PLAN_ANSWER_REFUSED;
	}
	switch (answer) {
	case ANSWER_CONFIRMED:
		if (a->answer == ANSWER_CONFIRMED)
			return PLAN_ANSWER_ALREADY;
		return store_appt_answer(p->st, a->id, ANSWER_CONFIRMED, 0, now) ? PLAN_ANSWER_ERROR :
										   PLAN_ANSWER_DONE;
	case ANSWER_CANCELLED:
		return answer_cancel(p, a, now);
	case ANSWER_MOVED:
		if (new_start == a->starts_at)
			return PLAN_ANSWER_ALREADY;
		return answer_move(p, a, new_start, now, err, errlen);
	default:
		snprintf(err, errlen, "not an answer to an appointment");
		return PLAN_ANSWER_REFUSED;
	}
}
