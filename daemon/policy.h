/*
 * policy.h — the decisions of relance, as pure functions (contract
 * sections 1.1, 2 and 4): what to do with a reminder at send time, what an
 * attendance record does to its appointment, which reminders an
 * appointment gets, whether an appointment may be cancelled, whether a
 * last_exam_on is plausible, and how the plan of a new exam.completed
 * pairs with the old one (moves) and in which order they are written.
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
	int messages;               /* REM_ALERT_MESSAGES: students' messages not
				     * mailed yet to the adviser */
};

/* An acknowledgement of a reply (REM_ACK_*) later than this after the
 * reply is not sent: it would answer nothing the student remembers. */
#define POLICY_ACK_MAX_LATE (6 * 3600)

/*
 * The verdict on in->r at now. Student reminders: every rule of section 2
 * and 4. Acknowledgements of a reply (REM_ACK_*, SMS): the student just
 * wrote, so quiet hours, the daily cap, the appointment's state and a
 * stopped follow-up do not hold them; SMS consent (a STOP) and a phone
 * do, and one more than POLICY_ACK_MAX_LATE late is cancelled. Adviser
 * alerts: by email to an adviser with an address; a digest of students'
 * messages with none left to mail is cancelled.
 */
struct policy_verdict policy_send_verdict(const struct config *cfg,
					  const struct policy_send_input *in, int64_t now);
/* 1 for the kinds of acknowledgements of a reply (REM_ACK_*), else 0. */
int policy_is_ack(int kind);
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
/* Where to search a replacement of orig from. Check-ins: the day given to
 * agenda_find, the next working day, never the day just missed or excused
 * (an excuse may come in advance). Drop-ins: the after_day given to
 * dropins_find, so that the same day is included, and *not_before past the
 * slot just missed (contract section 2). *not_before is at least now. */
int32_t policy_replacement_from(const struct appt *orig, int64_t now, int64_t *not_before);

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
/* Is channel (CH_SMS, CH_EMAIL) on, i.e. has it a URL ([sms] url, [smtp]
 * url)? An unset URL turns it off: no reminder is planned or sent on it. */
int policy_channel_on(const struct config *cfg, int channel);
/* A channel paused because its server or gateway refused relance's
 * credentials (SEND_AUTH, contract section 4) is tried again, with one
 * reminder, after a pause: [retry] first for the first pause, then each
 * pause twice the previous one (prev), at most [retry] max; at least 1 s. */
int64_t policy_pause_delay(const struct config *cfg, int64_t prev);
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

/* ---- consent ------------------------------------------------------------------ */

/* A student's consent on one channel and the expression it comes from
 * (students.consent_*, consent_*_at, consent_*_by). */
struct policy_consent {
	int value;              /* 1 given, 0 withdrawn */
	int64_t at;             /* when it was expressed (0: never, a default) */
	int by;                 /* enum consent_by */
};

/*
 * The consent after an expression (value, by) made at `at`, given the
 * current one cur (contract 1.1, 2, 4): the most recent expression wins,
 * whoever made it; at equal times a withdrawal wins; a configured default
 * (CONSENT_DEFAULT) is no expression and gives way to any; a STOP reply
 * always applies (it is made now). An exam.completed, the school's
 * record, never gives back a consent the student withdrew (STOP reply or
 * student.updated), whatever its time: only a later student.updated does.
 */
struct policy_consent policy_consent(struct policy_consent cur, int value, int64_t at, int by);
/* s's consent on channel (CH_SMS, CH_EMAIL), read and written. */
struct policy_consent policy_consent_of(const struct student *s, int channel);
void policy_consent_set(struct student *s, int channel, struct policy_consent c);
/* Applies to s the consent an event of `by` expresses at `at` (sms, email:
 * 1 given, 0 withdrawn, -1 not said), each channel by policy_consent().
 * Returns the channels (bits 1 << CH_SMS, 1 << CH_EMAIL) whose expression
 * was older than s's choice and was not applied. */
int policy_express_consent(struct student *s, int sms, int email, int64_t at, int by);
/* When an event's expression was made: its CloudEvents time (has_time),
 * never later than when it was received; else when it was received. */
int64_t policy_expressed_at(int has_time, int64_t time, int64_t received);

/* ---- events of a student not known yet (contract 1.4, 1.5) ------------------- */

/* An attendance.recorded (kind EV_ATTENDANCE_RECORDED, names_uid: it names
 * its appointment by UID) or student.updated event whose student is not
 * known: NULL when it is held until the student's exam.completed, else the
 * reason to dead-letter it at once. */
const char *policy_unknown_student(int event_kind, int names_uid);

/* ---- a new exam.completed: moves (contract section 1.1) ----------------------- */

/* Is last_exam_on (a civil day) plausible at now: from [checkins]
 * last_exam_past before today to last_exam_future after it? */
int policy_exam_date_ok(const struct config *cfg, int32_t last_exam_on, int64_t now);

/* Is a part of the plan that a new exam.completed replaces: confirmed and
 * not started at now. */
int policy_replaceable(const struct appt *a, int64_t now);

/* Appointments of one plan: the check-ins and a drop-in. */
#define POLICY_MAX_PLAN (CONFIG_MAX_OFFSETS + 1)

enum policy_fate {
	POLICY_BOOK,    /* no counterpart in the old plan: booked (a new UID) */
	POLICY_KEEP,    /* its counterpart is at the same time: left alone */
	POLICY_MOVE,    /* its counterpart moves to its time: same UID, SEQUENCE + 1 */
};

/*
 * Pairs the appointments of a new plan, want[0..nw) (kind, plan_index,
 * adviser_id, window_key, starts_at, ends_at), with the replaceable ones of
 * the old plan, old[0..no): a check-in with the one of the same plan_index
 * and adviser, the drop-in with the one of the same window; the one at the
 * same start first, else the earliest. match[j]: the index into old of
 * want[j]'s counterpart, or -1; fate[j]: what is written for want[j].
 * cancel[i] (no entries): 1 for each replaceable old[i] no new one pairs
 * with (to be cancelled), else 0.
 */
void policy_pair_plan(const struct appt *old, size_t no, const struct appt *want, size_t nw,
		      int64_t now, int *match, enum policy_fate *fate, unsigned char *cancel);

/*
 * The order in which to write the moves (fate POLICY_MOVE) of a pairing so
 * that no check-in is moved onto the start another check-in of the same
 * adviser still holds (the store keeps one confirmed check-in per adviser
 * and start): want indexes into order[], their count returned (order has
 * room for nw; nw <= POLICY_MAX_PLAN). rebook[j] (nw entries) is set to 1 for a move that closes a
 * cycle (impossible when both plans are in time order): cancel
 * old[match[j]] at its turn and book want[j] anew once the others moved.
 */
size_t policy_move_order(const struct appt *old, const struct appt *want, const int *match,
			 const enum policy_fate *fate, size_t nw, size_t *order,
			 unsigned char *rebook);

#endif
