/*
 * policy.h — the decisions of relance, as pure functions (contract
 * sections 2 and 4): what to do with a reminder at send time, what an
 * attendance record does to its appointment, which reminders an
 * appointment gets, and whether an appointment may be cancelled.
 *
 * Owns the rules only: the callers (dispatch.c, plan.c, ctl.c) read the
 * state from the store, ask here, and write the answer. No store, no I/O,
 * no clock: "now" is a parameter. The records of store.h (struct student,
 * struct appt, struct reminder) are used as plain data.
 */
#ifndef RELANCE_POLICY_H
#define RELANCE_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "model.h"

struct config;
struct student;
struct appt;
struct reminder;

#define POLICY_MAX_REPLACEMENTS 2   /* replacements booked per original appointment */
#define POLICY_ABSENCES_ALERT 2     /* consecutive absences that raise the adviser alert */

/* ---- the send-time verdict ------------------------------------------------ */

enum policy_action {
	POLICY_SEND,    /* build and send it now */
	POLICY_DEFER,   /* stays pending, next_at = at */
	POLICY_CANCEL,  /* cancelled for good, for reason */
	POLICY_SKIP,    /* superseded by a later reminder of the same appointment and
			 * channel overdue at the same time: recorded as skipped, for reason */
	POLICY_FAIL,    /* failed for good (an alert that cannot go), for reason */
};

struct policy_verdict {
	enum policy_action action;
	int64_t at;             /* POLICY_DEFER: the new next_at; else 0 */
	const char *reason;     /* static text; NULL for POLICY_SEND */
};

/* What the dispatcher read for one due reminder. */
struct policy_send_input {
	const struct reminder *r;
	const struct student *s;    /* NULL: no such student */
	const struct appt *a;       /* NULL: none or no such appointment */
	int sent_today;             /* student reminders sent (or being sent) today */
	int adviser_email;          /* alerts: the adviser has an email address */
	int superseded;             /* a later reminder of the same appointment and
				     * channel is due too (after an outage, or several
				     * moved to the end of the same quiet hours): only
				     * the latest goes (contract section 2) */
};

/* The verdict on in->r at now. */
struct policy_verdict policy_send_verdict(const struct config *cfg,
					  const struct policy_send_input *in, int64_t now);
/* The local day of now as [*from, *to), for the daily cap's count. */
void policy_today(int64_t now, int64_t *from, int64_t *to);
const char *policy_action_name(enum policy_action a);

/* ---- attendance ------------------------------------------------------------- */

/* What the planner read for one attendance record. */
struct policy_att_input {
	const struct appt *a;             /* NULL: no such appointment */
	const char *student_id;           /* the event's student */
	enum attendance_status status;
	int student_stopped;
	int absences;                     /* consecutive absences ending with a, counting
					   * this record (policy_consecutive_absences) */
	int alert_exists;                 /* the student has an absences alert already */
};

struct policy_att_outcome {
	const char *reject;         /* non-NULL: the event is refused (dead letter) */
	enum appt_status status;    /* the appointment's new status */
	int update;                 /* write status (changed_by) */
	const char *changed_by;
	int correction;             /* a correction of an earlier record: nothing else */
	int cancel_reminders;       /* cancel its pending reminders */
	int free_slot;              /* recorded before it started: the adviser slot is free */
	int replace;                /* book a replacement (changed_by replace_why) */
	const char *replace_why;
	const char *no_replace;     /* why no replacement (when one could be expected), or NULL */
	int alert;                  /* queue the adviser's absences alert */
};

struct policy_att_outcome policy_attendance(const struct policy_att_input *in, int64_t now);
/* Consecutive absences of appointments v[0..n) (by start time) ending with
 * the one of id last_id, read as having status last_status; excused ones
 * neither count nor break the run. */
int policy_consecutive_absences(const struct appt *v, size_t n, int64_t last_id,
				enum appt_status last_status);
/* The day to search a replacement of orig from: from the next working day
 * (check-ins: the day given to agenda_find; drop-ins: the after_day given
 * to dropins_find), and never the slot just missed or excused (an excuse
 * may come in advance). */
int32_t policy_replacement_from(const struct appt *orig, int64_t now);

/* ---- reminders of an appointment and cancellation ---------------------------- */

struct policy_due {
	int channel;
	int64_t due_at;
	int64_t offset_at;  /* when the offset it stands for fell due: due_at, or
			     * earlier for the one that collapses the offsets already
			     * passed when it was planned (schedule_reminders()) */
};

/* The channels on which s can get reminders (only_channel 0: all): count. */
int policy_channels(const struct student *s, int only_channel, int out[2]);
/* The reminders appointment a gets, planned at now, on the channels of s:
 * at most max in out, count returned. Confirmed appointments only. */
int policy_reminders(const struct config *cfg, const struct student *s, const struct appt *a,
		     int only_channel, int64_t now, struct policy_due *out, int max);
#define POLICY_MAX_REMINDERS (2 * CONFIG_MAX_OFFSETS)

enum policy_cancel {
	POLICY_CANCEL_OK,
	POLICY_CANCEL_NOT_CONFIRMED,
	POLICY_CANCEL_STARTED,
};
/* May appointment a be cancelled (relancectl cancel) at now? */
enum policy_cancel policy_cancel_check(const struct appt *a, int64_t now);

#endif
