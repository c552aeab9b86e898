/*
 * plan.h — applies validated events to the store: the follow-up rules of
 * contract section 2 (plans, resits and re-sends as moves of section 1.1
 * in plan_exam.c, attendance and replacements, updates, withdrawal) and the
 * lost-student check of section 4.
 *
 * The planner keeps the in-memory books (adviser agendas, drop-in fill) that
 * mirror the store; it must be the only writer of bookings. It calls store
 * and schedule; it never commits: the caller owns the transaction.
 */
#ifndef RELANCE_PLAN_H
#define RELANCE_PLAN_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct store;
struct event;

struct planner;

struct plan_stats {
	uint64_t planned_students, appointments, reminders, replacements;
	uint64_t dropin_shortages, duplicates, alerts;
};

/* Loads the books from the store. NULL on a store error. The planner keeps
 * pointers to cfg and st: both must outlive it (see plan_reconfigure). */
struct planner *plan_new(const struct config *cfg, struct store *st);
void plan_free(struct planner *p);
/* A new configuration: the books are rebuilt from the store. 0 or -1. */
int plan_reconfigure(struct planner *p, const struct config *cfg);
/* After a rolled-back transaction the books may be ahead of the store:
 * rebuild them. 0 or -1. */
int plan_reload(struct planner *p);

enum plan_result {
	PLAN_APPLIED = 0,
	PLAN_DUPLICATE = 1,   /* (source, id) seen before: nothing changed */
	PLAN_REJECTED = 2,    /* business rule: goes to the dead letters, reason in err */
	PLAN_HELD = 3,        /* its student is not known yet: the consumer holds it
			       * until the student's exam.completed (hold.h) */
	PLAN_STORE_ERROR = -1,
};

/* Applies ev (already validated) at time now, inside the caller's
 * transaction. topic/partition/offset name its origin. PLAN_REJECTED,
 * PLAN_HELD and PLAN_DUPLICATE leave the store untouched (no savepoint is
 * needed). */
enum plan_result plan_apply(struct planner *p, const struct event *ev, const char *topic,
			    int partition, int64_t offset, int64_t now, char *err, size_t errlen);

/* The id of the student ev is about. */
const char *plan_student_of(const struct event *ev);

/* Queues lost-student alerts (section 4), inside the caller's transaction.
 * Returns the number queued or -1. */
int plan_lost_students(struct planner *p, int64_t now);

struct student;

/* The channels (CH_SMS, CH_EMAIL) on which student s can get reminders, or
 * only only_channel when it is not 0: written to out, count returned. */
int plan_channels(const struct student *s, int only_channel, int out[2]);

/* Makes the reminder rows of confirmed appointments that came within the
 * reminder horizon (schedule_reminder_horizon), at most limit appointments,
 * inside the caller's transaction. Returns how many appointments were
 * handled (limit: call again) or -1. */
int plan_make_reminders(struct planner *p, int64_t now, int limit);

/* Cancels one appointment (relancectl cancel), inside the caller's
 * transaction: 1 done, 0 no such (or not confirmed), -1 error. */
int plan_cancel(struct planner *p, const char *uid, const char *why, int64_t now);

const struct plan_stats *plan_stats(const struct planner *p);


/* ---- students' answers (plan_reply.c, contract section 8) ---- */
struct appt;

/* The free slots appointment a could move to under section 2's rules, from
 * the day after now's on: a check-in, the slots of its adviser's office
 * hours (closures skipped, no double booking), as long as it lasts now; a
 * drop-in, the slots with room of the windows of its establishment.
 * Earliest first, a's own slot never: count written to starts (at most
 * max). */
int plan_free_slots(struct planner *p, const struct appt *a, int64_t now, int64_t *starts,
		    int max);
/* The free slots a student is offered, and may move to: the first
 * PLAN_FREE_SLOTS of plan_free_slots() (reply.h's REPLY_SLOTS). */
#define PLAN_FREE_SLOTS 6

enum plan_answer_result {
	PLAN_ANSWER_DONE = 0,
	PLAN_ANSWER_ALREADY = 1,    /* nothing to change (same answer, same slot) */
	PLAN_ANSWER_REFUSED = 2,    /* not allowed now: why in err */
	PLAN_ANSWER_ERROR = -1,     /* store error */
};
#define PLAN_MAX_MOVES 2        /* moves a student may make (section 8) */

/* Applies the student's answer to appointment a (as read in this
 * transaction), inside the caller's transaction: ANSWER_CONFIRMED records
 * it; ANSWER_CANCELLED cancels the appointment (changed_by "student", its
 * reminders cancelled, its slot freed, no replacement, not an absence);
 * ANSWER_MOVED moves it to new_start, one of the first PLAN_FREE_SLOTS of
 * plan_free_slots() as they are now, else refused (same UID,
 * SEQUENCE + 1, the old slot freed, the reminders re-timed, moves + 1).
 * The answer is recorded on the appointment (answer, moves, answered_at). */
enum plan_answer_result plan_answer(struct planner *p, const struct appt *a, int answer,
				    int64_t new_start, int64_t now, char *err, size_t errlen);

#endif
