/*
 * policy.c — the decisions of relance as pure functions (policy.h): the
 * send-time verdict on a reminder (consent, stopped student, appointment
 * cancelled or started, quiet hours, daily cap, superseded reminders,
 * alerts that cannot go), the attendance transitions (new status,
 * replacement, absences alert), the reminders an appointment gets and the
 * cancel rule. Contract sections 2 and 4.
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

	if (s == NULL)
		return verdict(POLICY_CANCEL, 0, "unknown student");
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
policy_replacement_from(const struct appt *orig, int64_t now)
{
	int32_t from, missed_day;

	epoch_to_wall(now, &from, NULL);
	epoch_to_wall(orig->starts_at, &missed_day, NULL);
	if (missed_day > from)
		from = missed_day;
	return orig->kind == KIND_DROPIN ? from : from + 1;
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
policy_reminders(const struct config *cfg, const struct student *s, const struct appt *a,
		 int only_channel, int64_t now, struct policy_due *out, int max)
{
	int64_t due[CONFIG_MAX_OFFSETS], at[CONFIG_MAX_OFFSETS];
	int which[CONFIG_MAX_OFFSETS], channels[2], nch, n, k = 0;

	if (a->status != APPT_CONFIRMED)
		return 0;
	nch = policy_channels(s, only_channel, channels);
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
