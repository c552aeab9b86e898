/*
 * plan_priv.h — what the planner's files share, and nothing outside them
 * includes: struct planner and the booking steps of plan.c that
 * plan_exam.c (the plan of an exam.completed, and its moves) uses too.
 *
 * A booking has three steps, so that a new plan can be computed before
 * anything is written: find a slot (fills a struct appt, books nothing),
 * take it in the in-memory books, write it to the store. A store error
 * leaves the books ahead of the store: the consumer then rolls back and
 * calls plan_reload().
 */
#ifndef RELANCE_PLAN_PRIV_H
#define RELANCE_PLAN_PRIV_H

#include <stdint.h>

#include "plan.h"
#include "store.h"

struct config;
struct agenda;
struct dropins;
struct hmap;
struct log_limit;

struct planner {
	const struct config *cfg;
	struct store *st;
	struct agenda *agenda;
	struct dropins *dropins;
	struct hmap *advisers;      /* id -> "name\037email" last written */
	struct hmap *establishments;/* uai -> name last written */
	unsigned char *shortage_logged; /* per window */
	int *full_windows;          /* scratch for dropins_find(), one per window */
	struct log_limit *warnings; /* repeated warnings, once per key and hour */
	const char *origin_topic;   /* of the event being applied */
	int origin_partition;
	int64_t origin_offset;
	struct plan_stats stats;
};

/* Today's civil day at now. */
int32_t plan_today(int64_t now);
/* Would an appointment starting at start, booked at now, get its reminder
 * rows at once (within [reminders] horizon)? */
int plan_within_horizon(const struct planner *p, int64_t start, int64_t now);
/* Plans the reminders of appointment a (if a->reminded) on every channel s
 * can receive (only_channel 0) or on one. 0 or -1. */
int plan_reminders(struct planner *p, const struct student *s, const struct appt *a,
		   int only_channel, int64_t now);

/* Fills a as a confirmed appointment of s (student, adviser, UAI, kind,
 * plan_index, times, the drop-in window of that key, reminded). */
void plan_fill(struct planner *p, const struct student *s, struct appt *a, int kind,
	       int plan_index, int64_t start, int64_t end, const char *window_key, int64_t now);
/* A check-in slot of s's adviser from from_day into a (times, student,
 * adviser, kind, plan_index, status, reminded): 0 found, 1 none free (the
 * warning is said once per adviser and hour). Books nothing. */
int plan_find_checkin(struct planner *p, const struct student *s, int plan_index,
		      int32_t from_day, int64_t now, struct appt *a);
/* A drop-in slot with room on a day after after_day, starting at or after
 * not_before, into a: 0 found, 1 none (a shortage counted for every window
 * that applied), -1 store error. Books nothing. */
int plan_find_dropin(struct planner *p, const struct student *s, int32_t after_day,
		     int64_t not_before, int64_t now, struct appt *a);
/* Takes (n = 1) or gives back (n = -1) a's slot in the in-memory books. */
void plan_books_add(struct planner *p, const struct appt *a, int n);
/* plan_reply.c: a new UID for a, and the hash of its personal link code
 * (a->code_hash, written with the row) when the planner has the key. */
void plan_new_uid(struct planner *p, struct appt *a, int64_t now);
/* Writes a found appointment with its drop-in place and its reminders
 * (a->id and a->uid set). 0 or -1. */
int plan_write_new(struct planner *p, const struct student *s, struct appt *a, int64_t now);
/* Writes the cancellation of confirmed appointment a: status, reminders,
 * drop-in place (the in-memory books are the caller's). 0 or -1. */
int plan_write_cancel(struct planner *p, const struct appt *a, const char *why, int64_t now);
/* Plans reminders on channel for the future confirmed appointments of s
 * that have none on it yet (a new phone, consent given back). 0 or -1. */
int plan_add_channel_reminders(struct planner *p, const struct student *s, int channel,
			       int64_t now);

/* plan_exam.c: moves confirmed appointment o to the times of w (and to
 * w->window_key when set, a drop-in): same UID, SEQUENCE + 1, changed_by;
 * its drop-in place and its pending reminders follow (re-timed, or made
 * when it came within the horizon). The in-memory books are the caller's.
 * 0 or -1. */
int plan_move_write(struct planner *p, const struct student *s, const struct appt *o,
		    const struct appt *w, const char *changed_by, int64_t now);
/* plan_exam.c: the appointments of an exam.completed for s (already
 * stored); old: the student as known before (NULL for a new one), whose
 * plan is then replaced by moves (contract section 1.1). 0 or -1. */
int plan_exam_appointments(struct planner *p, const struct student *s,
			   const struct student *old, int64_t now);

#endif
