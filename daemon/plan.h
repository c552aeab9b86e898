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

#endif
