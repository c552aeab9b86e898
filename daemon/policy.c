/*
 * policy.c — the decisions of relance as pure functions (policy.h): the
 * send-time verdict on a reminder (consent, stopped student, appointment
 * cancelled or started, quiet hours, daily cap, superseded reminders,
 * alerts that cannot go, acknowledgements of replies), the attendance transitions (new status,
 * replacement, absences alert), the reminders an appointment gets, the
 * cancel rule, which expression of consent wins, the plausible
 * last_exam_on, and the moves of a new exam.completed (pairing, write
 * order). Contract sections 1.1, 2 and 4.
 *
 * Owns: the rules. Does not own: reading or writing the store, sending,
 * logging (the callers do). Calls only schedule.c (pure) and util.c's
 * wall-clock maths.
 */
#include <string.h>

#include "config.h"
#include "policy.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

/* ---- the send-time verdict ------------------------------------------------ */

static struct policy_verdict
verdict(enum policy_action action, int64_t at, const char *reason)
{
	struct policy_verdict v = { action, at, reason };
	return v;
}

const char *
policy_action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_SEND:
		return "send";
	case POLICY_DEFER:
		return "defer";
	case POLICY_CANCEL:
		return "cancel";
	case POLICY_SKIP:
		return "skip";
	case POLICY_FAIL:
		return "fail";
	}
	return "unknown";
}

void
policy_today(int64_t now, int64_t *from, int64_t *to)
{
	int32_t day;
	epoch_to_wall(now, &day, NULL);
	*from = wall_to_epoch(day, 0);
	*to = wall_to_epoch(day + 1, 0);
}

/* Adviser alerts go by email, to an adviser who has an address. */
static struct policy_verdict
alert_verdict(const struct policy_send_input *in)
{
	if (in->r->channel != CH_EMAIL)
		return verdict(POLICY_FAIL, 0, "alerts go by email");
	if (!in->adviser_email)
		return verdict(POLICY_FAIL, 0, "adviser has no email address");
	return verdict(POLICY_SEND, 0, NULL);
}

int
policy_is_ack(int kind)
{
	return kind == REM_ACK_CONFIRMED || kind == REM_ACK_CANCELLED || kind == REM_ACK_MESSAGE;
}

/* The acknowledgement of a student's reply: by SMS, with consent, now. */
static struct policy_verdict
ack_verdict(const struct policy_send_input *in, int64_t now)
{
	if (in->r->channel != CH_SMS)
		return verdict(POLICY_FAIL, 0, "acknowledgements go by SMS");
	if (in->s->phone == NULL || !in->s->consent_sms)
		return verdict(POLICY_CANCEL, 0, "no SMS consent or phone");
	if (now - in->r->due_at > POLICY_ACK_MAX_LATE)
		return verdict(POLICY_CANCEL, 0, "acknowledgement too late");
	return verdict(POLICY_SEND, 0, NULL);
}

/* Quiet hours: to their end when that is still before the appointment. */
static struct policy_verdict
quiet_verdict(const struct config *cfg, int64_t starts_at, int64_t now)
{
	int64_t t = schedule_quiet_adjust(cfg, now, starts_at);
	if (t > now && t < starts_at && !schedule_in_quiet(cfg, t))
		return verdict(POLICY_DEFER, t, "quiet hours");
	return verdict(POLICY_CANCEL, 0, "quiet hours until the appointment");
}

/* Daily cap reached: to the end of the quiet hours of the next day when
 * that is still before the appointment. */
static struct policy_verdict
cap_verdict(const struct config *cfg, int64_t starts_at, int64_t now)
{
	int64_t today, tomorrow, t;
	policy_today(now, &today, &tomorrow);
	t = schedule_quiet_adjust(cfg, tomorrow, starts_at);
	if (t >= tomorrow && t < starts_at)
		return verdict(POLICY_DEFER, t, "daily cap reached");
	return verdict(POLICY_CANCEL, 0, "daily cap reached");
}

struct policy_verdict
policy_send_verdict(const struct config *cfg, const struct policy_send_input *in, int64_t now)
{
	const struct reminder *r = in->r;
	const struct student *s = in->s;
	const struct appt *a = in->a;

	if (!policy_channel_on(cfg, r->channel))
		return verdict(POLICY_CANCEL, 0, r->channel == CH_SMS ? "channel off: no [sms] url"
								     : "channel off: no [smtp] url");
	if (s == NULL)
		return verdict(POLICY_CANCEL, 0, "unknown student");
	if (policy_is_ack(r->kind))
		return ack_verdict(in, now);
	if (r->kind == REM_ALERT_MESSAGES && in->messages <= 0)
		return verdict(POLICY_CANCEL, 0, "no student message left to mail");
	if (r->kind != REM_REMINDER)
		return alert_verdict(in);
	if (a == NULL || a->status != APPT_CONFIRMED)
		return verdict(POLICY_CANCEL, 0, "appointment no longer confirmed");
	if (a->starts_at <= now)
		return verdict(POLICY_CANCEL, 0, "appointment started");
	if (s->stopped)
		return verdict(POLICY_CANCEL, 0, "follow-up stopped");
	if (r->channel == CH_SMS && (s->phone == NULL || !s->consent_sms))
		return verdict(POLICY_CANCEL, 0, "no SMS consent or phone");
	if (r->channel == CH_EMAIL && (s->email == NULL || !s->consent_email))
		return verdict(POLICY_CANCEL, 0, "no email consent or address");
	if (in->superseded)
		return verdict(POLICY_SKIP, 0, "skipped: a later reminder is due too");
	if (schedule_in_quiet(cfg, now))
		return quiet_verdict(cfg, a->starts_at, now);
	if (cfg->reminders.max_per_day > 0 && in->sent_today >= cfg->reminders.max_per_day)
		return cap_verdict(cfg, a->starts_at, now);
	return verdict(POLICY_SEND, 0, NULL);
}

/* ---- attendance ------------------------------------------------------------- */

int
policy_consecutive_absences(const struct appt *v, size_t n, int64_t last_id,
			    enum appt_status last_status)
{
	int run = 0;

	for (size_t i = 0; i < n; i++) {
		enum appt_status st = v[i].id == last_id ? last_status : v[i].status;
		if (st == APPT_MISSED)
			run++;
		else if (st == APPT_ATTENDED)
			run = 0;
		if (v[i].id == last_id)
			break;
	}
	return run;
}

int32_t
policy_replacement_from(const struct appt *orig, int64_t now, int64_t *not_before)
{
	int32_t from, missed_day;

	epoch_to_wall(now, &from, NULL);
	epoch_to_wall(orig->starts_at, &missed_day, NULL);
	if (missed_day > from)
		from = missed_day;
	*not_before = now;
	if (orig->kind != KIND_DROPIN)
		return from + 1;
	/* A drop-in: the next slot with room after the one missed, the same
	 * day included (dropins_find() takes the day before). */
	if (orig->ends_at > now)
		*not_before = orig->ends_at;
	return from - 1;
}

static enum appt_status
att_status(enum attendance_status s)
{
	return s == ATT_PRESENT ? APPT_ATTENDED : s == ATT_ABSENT ? APPT_MISSED : APPT_EXCUSED;
}

struct policy_att_outcome
policy_attendance(const struct policy_att_input *in, int64_t now)
{
	struct policy_att_outcome o;
	const struct appt *a = in->a;

	memset(&o, 0, sizeof o);
	if (a == NULL || a->student_id == NULL || in->student_id == NULL ||
	    strcmp(a->student_id, in->student_id) != 0) {
		o.reject = "unknown appointment";
		return o;
	}
	if (a->status == APPT_CANCELLED) {
		o.reject = "appointment cancelled";
		return o;
	}
	o.status = att_status(in->status);
	if (a->status != APPT_CONFIRMED) {
		/* A correction of an earlier record: the status follows, no
		 * second replacement is booked. */
		o.correction = 1;
		o.update = a->status != o.status;
		o.changed_by = "attendance:correction";
		return o;
	}
	o.update = 1;
	o.cancel_reminders = 1;
	o.changed_by = o.status == APPT_ATTENDED ? "attendance:present" :
		       o.status == APPT_MISSED ? "attendance:absent" : "attendance:excused";
	/* Recorded before it happened (e.g. excused in advance). */
	o.free_slot = a->kind == KIND_CHECKIN && a->adviser_id && a->starts_at > now;
	if (o.status == APPT_ATTENDED)
		return o;
	if (a->replacements >= POLICY_MAX_REPLACEMENTS)
		o.no_replace = "replacements exhausted";
	else if (!in->student_stopped)
		o.replace = 1;
	o.replace_why = o.status == APPT_MISSED ? "replacement:absent" : "replacement:excused";
	o.alert = o.status == APPT_MISSED && in->absences >= POLICY_ABSENCES_ALERT &&
		  !in->alert_exists;
	return o;
}

/* ---- reminders of an appointment and cancellation ---------------------------- */

int
policy_channels(const struct student *s, int only_channel, int out[2])
{
	int n = 0;
	if (s->phone && s->consent_sms && (!only_channel || only_channel == CH_SMS))
		out[n++] = CH_SMS;
	if (s->email && s->consent_email && (!only_channel || only_channel == CH_EMAIL))
		out[n++] = CH_EMAIL;
	return n;
}

int
policy_channel_on(const struct config *cfg, int channel)
{
	return (channel == CH_SMS ? cfg->sms.url : cfg->smtp.url) != NULL;
}

int64_t
policy_pause_delay(const struct config *cfg, int64_t prev)
{
	int64_t d = prev <= 0 ? cfg->retry.first : prev * 2;
	if (d > cfg->retry.max)
		d = cfg->retry.max;
	return d < 1 ? 1 : d;
}

int
policy_reminders(const struct config *cfg, const struct student *s, const struct appt *a,
		 int only_channel, int64_t now, struct policy_due *out, int max)
{
	int64_t due[CONFIG_MAX_OFFSETS], at[CONFIG_MAX_OFFSETS];
	int which[CONFIG_MAX_OFFSETS], channels[2], nch, n, k = 0;

	if (a->status != APPT_CONFIRMED)
		return 0;
	nch = policy_channels(s, only_channel, channels);
	/* A channel without a URL is off: nothing planned on it. */
	for (int c = 0; c < nch; c++)
		if (!policy_channel_on(cfg, channels[c])) {
			channels[c--] = channels[--nch];
		}
	if (nch == 0)
		return 0;
	n = schedule_reminders(cfg, a->starts_at, now, due, which, CONFIG_MAX_OFFSETS);
	for (int i = 0; i < n; i++) {
		/* Only the one collapsing the passed offsets (due now, or at the
		 * end of the quiet hours under way) stands for an earlier time. */
		at[i] = due[i];
		if (due[i] <= now + 86400) {
			int64_t t = schedule_offset_due(cfg, a->starts_at, which[i]);
			if (t < due[i])
				at[i] = t;
		}
	}
	for (int c = 0; c < nch; c++)
		for (int i = 0; i < n && k < max; i++) {
			out[k].channel = channels[c];
			out[k].due_at = due[i];
			out[k].offset_at = at[i];
			k++;
		}
	return k;
}

enum policy_cancel
policy_cancel_check(const struct appt *a, int64_t now)
{
	if (a->status != APPT_CONFIRMED)
		return POLICY_CANCEL_NOT_CONFIRMED;
	if (a->starts_at <= now)
		return POLICY_CANCEL_STARTED;
	return POLICY_CANCEL_OK;
}

/* ---- consent ------------------------------------------------------------------ */

struct policy_consent
policy_consent(struct policy_consent cur, int value, int64_t at, int by)
{
	struct policy_consent next = { value ? 1 : 0, at, by };

	/* The school's record never lifts the student's own withdrawal, however
	 * it is dated: only the student (student.updated) gives consent back. */
	if (by == CONSENT_EXAM && next.value && !cur.value &&
	    (cur.by == CONSENT_UPDATE || cur.by == CONSENT_STOP))
		return cur;
	if (by == CONSENT_STOP || cur.by == CONSENT_DEFAULT || at > cur.at ||
	    (at == cur.at && !next.value && cur.value))
		return next;
	return cur;
}

struct policy_consent
policy_consent_of(const struct student *s, int channel)
{
	struct policy_consent sms = { s->consent_sms, s->consent_sms_at, s->consent_sms_by },
			      email = { s->consent_email, s->consent_email_at, s->consent_email_by };
	return channel == CH_SMS ? sms : email;
}

void
policy_consent_set(struct student *s, int channel, struct policy_consent c)
{
	int *value = channel == CH_SMS ? &s->consent_sms : &s->consent_email;
	int64_t *at = channel == CH_SMS ? &s->consent_sms_at : &s->consent_email_at;
	int *by = channel == CH_SMS ? &s->consent_sms_by : &s->consent_email_by;

	*value = c.value;
	*at = c.at;
	*by = c.by;
}

/* s's consent on channel after expression `expressed` (-1: none): 1 when
 * an expression was not applied, else 0. */
static int
express(struct student *s, int channel, int expressed, int64_t at, int by)
{
	struct policy_consent c;

	if (expressed < 0)
		return 0;
	c = policy_consent(policy_consent_of(s, channel), expressed, at, by);
	policy_consent_set(s, channel, c);
	return c.at != at || c.by != by;
}

int
policy_express_consent(struct student *s, int sms, int email, int64_t at, int by)
{
	return (express(s, CH_SMS, sms, at, by) ? 1 << CH_SMS : 0) |
	       (express(s, CH_EMAIL, email, at, by) ? 1 << CH_EMAIL : 0);
}

int64_t
policy_expressed_at(int has_time, int64_t time, int64_t received)
{
	return has_time && time < received ? time : received;
}

/* ---- events of a student not known yet -------------------------------------- */

const char *
policy_unknown_student(int event_kind, int names_uid)
{
	/* UIDs are made by relance when it books: a UID it does not know
	 * names no appointment, and never will, whenever the student comes
	 * (contract 1.5: dead-lettered at once). An appointment named by kind
	 * and start, a workshop or an update may be about the plan the
	 * student's exam.completed is about to make: held. */
	if (event_kind == EV_ATTENDANCE_RECORDED && names_uid)
		return "unknown appointment";
	if (event_kind == EV_ATTENDANCE_RECORDED || event_kind == EV_STUDENT_UPDATED)
		return NULL;
	return "unknown student";
}

/* ---- a new exam.completed: moves -------------------------------------------------- */

/* The day sp before (dir -1) or after (dir 1) day: the same date N years
 * on (29 February to 28 February), or whole days. */
static int32_t
span_from(int32_t day, const struct span *sp, int dir)
{
	int y, m, d;

	if (sp->years == 0)
		return day + dir * (int32_t)(sp->secs / 86400);
	civil_from_days(day, &y, &m, &d);
	y += dir * sp->years;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		d = 28;
	return days_from_civil(y, m, d);
}

int
policy_exam_date_ok(const struct config *cfg, int32_t last_exam_on, int64_t now)
{
	int32_t today;

	epoch_to_wall(now, &today, NULL);
	return last_exam_on >= span_from(today, &cfg->checkins.last_exam_past, -1) &&
	       last_exam_on <= span_from(today, &cfg->checkins.last_exam_future, 1);
}

int
policy_replaceable(const struct appt *a, int64_t now)
{
	return a->status == APPT_CONFIRMED && a->starts_at > now;
}

static int
same_str(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* May old counterpart o pair with wanted w? */
static int
counterparts(const struct appt *o, const struct appt *w)
{
	if (o->kind != w->kind)
		return 0;
	if (w->kind == KIND_CHECKIN)
		return o->plan_index == w->plan_index && same_str(o->adviser_id, w->adviser_id);
	return same_str(o->window_key, w->window_key);
}

void
policy_pair_plan(const struct appt *old, size_t no, const struct appt *want, size_t nw,
		 int64_t now, int *match, enum policy_fate *fate, unsigned char *cancel)
{
	for (size_t i = 0; i < no; i++)
		cancel[i] = policy_replaceable(&old[i], now) != 0;
	for (size_t j = 0; j < nw; j++) {
		int best = -1;

		for (size_t i = 0; i < no; i++) {
			if (!cancel[i] || !counterparts(&old[i], &want[j]))
				continue;
			if (old[i].starts_at == want[j].starts_at) {
				best = (int)i;
				break;
			}
			if (best < 0 || old[i].starts_at < old[best].starts_at)
				best = (int)i;
		}
		match[j] = best;
		if (best < 0) {
			fate[j] = POLICY_BOOK;
			continue;
		}
		cancel[best] = 0;
		fate[j] = old[best].starts_at == want[j].starts_at &&
			  old[best].ends_at == want[j].ends_at ? POLICY_KEEP : POLICY_MOVE;
	}
}

/* Is move j's target the start old[match[k]] still holds? */
static int
blocks(const struct appt *old, const struct appt *want, const int *match, size_t k, size_t j)
{
	const struct appt *o = &old[match[k]];
	return want[j].kind == KIND_CHECKIN && o->kind == KIND_CHECKIN &&
	       o->starts_at == want[j].starts_at && same_str(o->adviser_id, want[j].adviser_id);
}

size_t
policy_move_order(const struct appt *old, const struct appt *want, const int *match,
		  const enum policy_fate *fate, size_t nw, size_t *order, unsigned char *rebook)
{
	size_t n = 0, left = 0;
	unsigned char done[POLICY_MAX_PLAN];

	if (nw > POLICY_MAX_PLAN)
		nw = POLICY_MAX_PLAN;
	for (size_t j = 0; j < nw; j++) {
		rebook[j] = 0;
		done[j] = fate[j] != POLICY_MOVE;
		left += !done[j];
	}
	while (left > 0) {
		size_t progress = 0;

		for (size_t j = 0; j < nw; j++) {
			int blocked = 0;
			for (size_t k = 0; k < nw && !done[j] && !blocked; k++)
				blocked = k != j && !done[k] && blocks(old, want, match, k, j);
			if (done[j] || blocked)
				continue;
			done[j] = 1;
			order[n++] = j;
			progress++;
		}
		left -= progress;
		for (size_t j = 0; progress == 0 && j < nw; j++) {
			/* A cycle: the first of it is cancelled and booked anew. */
			if (!done[j]) {
				done[j] = rebook[j] = 1;
				order[n++] = j;
				left--;
				progress = 1;
			}
		}
	}
	return n;
}
