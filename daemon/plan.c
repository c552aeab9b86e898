/*
 * plan.c — the follow-up rules (contract section 2, lost students of
 * section 4): turns validated events into appointments and reminders in the
 * store, keeping the in-memory books of schedule.c in step with it.
 *
 * Calls: schedule (pure rules), store (persistence). Never commits; the
 * consumer owns transactions. Log lines carry ids and counts, never names,
 * emails or phone numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event.h"
#include "log.h"
#include "plan.h"
#include "plan_priv.h"
#include "policy.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

static int remember(struct planner *p, const struct event *ev, int64_t now);

static void
on_booking(const char *adviser, int64_t start, int64_t end, void *arg)
{
	struct planner *p = arg;
	agenda_mark(p->agenda, adviser, start, end);
}

static void
on_dropin(const char *key, int64_t start, int booked, void *arg)
{
	struct planner *p = arg;
	dropins_add(p->dropins, key, start, booked);
}

static int
plan_load(struct planner *p)
{
	agenda_free(p->agenda);
	dropins_free(p->dropins);
	free(p->shortage_logged);
	free(p->full_windows);
	p->agenda = agenda_new(p->cfg);
	p->dropins = dropins_new(p->cfg);
	p->shortage_logged = xcalloc(p->cfg->dropin.nwindows + 1, 1);
	p->full_windows = xcalloc(p->cfg->dropin.nwindows + 1, sizeof *p->full_windows);
	/* Bookings that already ended cannot collide with new ones. */
	if (store_each_booking(p->st, clock_now() - 86400, on_booking, p) ||
	    store_each_dropin_fill(p->st, on_dropin, p))
		return -1;
	return 0;
}

struct planner *
plan_new(const struct config *cfg, struct store *st)
{
	struct planner *p = xcalloc(1, sizeof *p);
	p->cfg = cfg;
	p->st = st;
	p->advisers = hmap_new();
	p->establishments = hmap_new();
	p->warnings = log_limit_new(3600);
	if (plan_load(p)) {
		plan_free(p);
		return NULL;
	}
	return p;
}

void
plan_free(struct planner *p)
{
	if (p == NULL)
		return;
	agenda_free(p->agenda);
	dropins_free(p->dropins);
	hmap_free(p->advisers, free);
	hmap_free(p->establishments, free);
	free(p->shortage_logged);
	free(p->full_windows);
	log_limit_free(p->warnings);
	free(p);
}

int
plan_reconfigure(struct planner *p, const struct config *cfg)
{
	p->cfg = cfg;
	return plan_load(p);
}

int
plan_reload(struct planner *p)
{
	hmap_free(p->advisers, free);
	hmap_free(p->establishments, free);
	p->advisers = hmap_new();
	p->establishments = hmap_new();
	return plan_load(p);
}

const struct plan_stats *plan_stats(const struct planner *p) { return &p->stats; }


/* ---- helpers ------------------------------------------------------------------- */

int32_t
plan_today(int64_t now)
{
	int32_t day;
	epoch_to_wall(now, &day, NULL);
	return day;
}

int
plan_channels(const struct student *s, int only_channel, int out[2])
{
	return policy_channels(s, only_channel, out);
}

/* An appointment starting at start, booked at now, gets its reminder rows
 * at once (else plan_make_reminders() makes them later). */
int
plan_within_horizon(const struct planner *p, int64_t start, int64_t now)
{
	return start <= now + schedule_reminder_horizon(p->cfg);
}

/* Plans the reminders of one appointment on every channel the student can
 * receive (only_channel 0), or on a channel that just became possible:
 * then a reminder already delivered on the other channel is not repeated
 * (contract section 2). */
int
plan_reminders(struct planner *p, const struct student *s, const struct appt *a, int only_channel,
	       int64_t now)
{
	struct policy_due due[POLICY_MAX_REMINDERS];
	int n;

	/* Beyond the horizon: made later by plan_make_reminders(). */
	if (!a->reminded)
		return 0;
	n = policy_reminders(p->cfg, s, a, only_channel, now, due, POLICY_MAX_REMINDERS);
	for (int i = 0; i < n; i++) {
		/* Only the reminder standing for offsets already passed can have
		 * been delivered on the other channel. */
		if (only_channel && due[i].offset_at < due[i].due_at) {
			int sent = store_reminder_delivered(p->st, a->id, due[i].channel,
							    due[i].offset_at);
			if (sent < 0)
				return -1;
			if (sent) {
				log_info("appointment %s: reminder already delivered on the other "
					 "channel, not repeated by %s", a->uid,
					 channel_name(due[i].channel));
				continue;
			}
		}
		if (store_reminder_insert(p->st, a->id, s->id, due[i].channel, REM_REMINDER,
					  due[i].due_at, now))
			return -1;
		p->stats.reminders++;
	}
	return 0;
}

void
plan_fill(struct planner *p, const struct student *s, struct appt *a, int kind, int plan_index,
	  int64_t start, int64_t end, const char *window_key, int64_t now)
{
	int window = kind == KIND_DROPIN ? dropins_window_index(p->dropins, window_key) : -1;

	a->student_id = s->id;
	a->adviser_id = s->adviser_id;
	memcpy(a->uai, s->uai, sizeof a->uai);
	a->kind = kind;
	a->plan_index = plan_index;
	a->starts_at = start;
	a->ends_at = end;
	a->status = APPT_CONFIRMED;
	a->window_key = window >= 0 ? p->cfg->dropin.windows[window].key : NULL;
	a->reminded = plan_within_horizon(p, start, now);
}

int
plan_find_checkin(struct planner *p, const struct student *s, int plan_index, int32_t from_day,
		  int64_t now, struct appt *a)
{
	int64_t start, end;

	if (agenda_find(p->agenda, s->adviser_id, from_day, now, &start, &end) != 0) {
		log_limited(p->warnings, s->adviser_id, now, LOG_LVL_WARNING,
			    "adviser %s has no free check-in slot within two years", s->adviser_id);
		return 1;
	}
	plan_fill(p, s, a, KIND_CHECKIN, plan_index, start, end, NULL, now);
	return 0;
}

/* Counts a shortage of one window: 0 or -1. */
static int
count_shortage(struct planner *p, int window)
{
	const struct dropin_window *w = &p->cfg->dropin.windows[window];
	char name[160];

	snprintf(name, sizeof name, "dropin_shortage:%s", w->key);
	if (store_counter_add(p->st, name, 1))
		return -1;
	if (!p->shortage_logged[window]) {
		p->shortage_logged[window] = 1;
		log_warnx("drop-in window \"%s\" is full: students without a slot are counted "
			  "(relancectl status)", w->key);
	}
	return 0;
}

int
plan_find_dropin(struct planner *p, const struct student *s, int32_t after_day, int64_t not_before,
		 int64_t now, struct appt *a)
{
	int window;
	size_t nfull;
	int64_t start, end;

	if (dropins_find(p->dropins, s->uai, after_day, not_before, &window, &start, &end,
			 p->full_windows, &nfull) != 0) {
		/* A student without a slot, counted for each window that applied. */
		if (nfull > 0)
			p->stats.dropin_shortages++;
		for (size_t i = 0; i < nfull; i++)
			if (count_shortage(p, p->full_windows[i]))
				return -1;
		return 1;
	}
	plan_fill(p, s, a, KIND_DROPIN, -1, start, end, p->cfg->dropin.windows[window].key, now);
	return 0;
}

void
plan_books_add(struct planner *p, const struct appt *a, int n)
{
	if (a->kind == KIND_CHECKIN && a->adviser_id) {
		if (n > 0)
			agenda_mark(p->agenda, a->adviser_id, a->starts_at, a->ends_at);
		else
			agenda_unmark(p->agenda, a->adviser_id, a->starts_at, a->ends_at);
	}
	if (a->kind == KIND_DROPIN && a->window_key)
		dropins_add(p->dropins, a->window_key, a->starts_at, n);
}

int
plan_write_new(struct planner *p, const struct student *s, struct appt *a, int64_t now)
{
	plan_new_uid(p, a, now);
	if (store_appt_insert(p->st, a, p->cfg->calendar.domain, now) ||
	    (a->kind == KIND_DROPIN && a->window_key &&
	     store_dropin_add(p->st, a->window_key, a->starts_at, 1)))
		return -1;
	p->stats.appointments++;
	return plan_reminders(p, s, a, 0, now);
}

int
plan_write_cancel(struct planner *p, const struct appt *a, const char *why, int64_t now)
{
	if (store_appt_update(p->st, a->id, APPT_CANCELLED, 0, 0, why, now) ||
	    store_reminders_cancel_appt(p->st, a->id, 0, why, now))
		return -1;
	if (a->kind == KIND_DROPIN && a->window_key &&
	    store_dropin_add(p->st, a->window_key, a->starts_at, -1))
		return -1;
	return 0;
}

/* Cancels one confirmed appointment: status, reminders, books. */
static int
cancel_appt(struct planner *p, const struct appt *a, const char *why, int64_t now)
{
	if (plan_write_cancel(p, a, why, now))
		return -1;
	plan_books_add(p, a, -1);
	return 0;
}

/* Cancels every confirmed appointment of a student that has not started. */
static int
cancel_future(struct planner *p, const char *student_id, const char *why, int64_t now)
{
	struct appt *v;
	size_t n;
	int rc = 0;

	if (store_appts_of_student(p->st, student_id, &v, &n))
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (v[i].status == APPT_CONFIRMED && v[i].starts_at > now)
			rc = cancel_appt(p, &v[i], why, now);
	store_appts_free(v, n);
	return rc;
}

static int
upsert_adviser(struct planner *p, const struct ev_exam *e)
{
	char *val = xasprintf("%s\037%s", e->adviser_name ? e->adviser_name : "",
			      e->adviser_email ? e->adviser_email : "");
	const char *old = hmap_get(p->advisers, e->adviser_id);
	if (old && strcmp(old, val) == 0) {
		free(val);
		return 0;
	}
	if (store_adviser_upsert(p->st, e->adviser_id, e->adviser_name, e->adviser_email)) {
		free(val);
		return -1;
	}
	free(hmap_put(p->advisers, e->adviser_id, val));
	return 0;
}

static int
upsert_establishment(struct planner *p, const struct ev_exam *e)
{
	char *val = xstrdup(e->establishment_name ? e->establishment_name : "");
	const char *old = hmap_get(p->establishments, e->uai);
	if (old && strcmp(old, val) == 0) {
		free(val);
		return 0;
	}
	if (store_establishment_upsert(p->st, e->uai, e->establishment_name)) {
		free(val);
		return -1;
	}
	free(hmap_put(p->establishments, e->uai, val));
	return 0;
}

/* ---- consent and contact data ----------------------------------------------------- */

/* Logs the channels (kept: bits 1 << CH_SMS, 1 << CH_EMAIL) on which the
 * consent an event of type what expressed was older than s's choice. */
static void
log_kept_consent(const struct student *s, int kept, const char *what)
{
	if (kept & (1 << CH_SMS))
		log_info("student %s: SMS consent of %s older than the %s recorded, or not"
			 " the student's: ignored", s->id, what, consent_by_name(s->consent_sms_by));
	if (kept & (1 << CH_EMAIL))
		log_info("student %s: email consent of %s older than the %s recorded, or not"
			 " the student's: ignored",
			 s->id, what, consent_by_name(s->consent_email_by));
}

/* The consent of s, the student of exam.completed ev: what old (NULL: a
 * new student) had, or the configured default, then the school's record
 * the event carries unless a more recent choice was recorded. */
static void
exam_consent(const struct planner *p, const struct event *ev, const struct student *old,
	     struct student *s, int64_t now)
{
	struct policy_consent sms = { p->cfg->reminders.consent_sms, 0, CONSENT_DEFAULT },
			      email = { p->cfg->reminders.consent_email, 0, CONSENT_DEFAULT };

	policy_consent_set(s, CH_SMS, old ? policy_consent_of(old, CH_SMS) : sms);
	policy_consent_set(s, CH_EMAIL, old ? policy_consent_of(old, CH_EMAIL) : email);
	log_kept_consent(s, policy_express_consent(s, ev->u.exam.consent_sms,
						   ev->u.exam.consent_email,
						   policy_expressed_at(ev->has_time, ev->time, now),
						   CONSENT_EXAM), "exam.completed");
}

/* The pending reminders of s follow a change of its contact data or
 * consent: a channel no longer possible loses its pending reminders, a
 * channel that just became possible (or a new number or address) gets
 * reminders for the future appointments that have none on it. could_*:
 * the channel was possible before. 0 or -1. */
static int
contact_follow(struct planner *p, const struct student *s, int could_sms, int could_email,
	       int phone_changed, int email_changed, int64_t now)
{
	int can_sms = s->phone && s->consent_sms, can_email = s->email && s->consent_email;

	if (could_sms && !can_sms &&
	    store_reminders_cancel_student(p->st, s->id, CH_SMS, "SMS consent withdrawn", now))
		return -1;
	if (could_email && !can_email &&
	    store_reminders_cancel_student(p->st, s->id, CH_EMAIL, "email consent withdrawn", now))
		return -1;
	/* Pending reminders pick the new number or address at send time;
	 * a channel that just became possible gets reminders of its own. */
	if (can_sms && (!could_sms || phone_changed) && plan_add_channel_reminders(p, s, CH_SMS, now))
		return -1;
	if (can_email && (!could_email || email_changed) &&
	    plan_add_channel_reminders(p, s, CH_EMAIL, now))
		return -1;
	return 0;
}

static int str_changed(const char *a, const char *b);

/* After a resit or re-sent exam.completed of student old, now s: the
 * reminders of the appointments the plan kept follow s's contact data. */
static int
exam_contact_follow(struct planner *p, const struct student *old, const struct student *s,
		    int64_t now)
{
	return contact_follow(p, s, old->phone && old->consent_sms, old->email && old->consent_email,
			      str_changed(old->phone, s->phone), str_changed(old->email, s->email),
			      now);
}

/* ---- exam.completed ----------------------------------------------------------------- */

static enum plan_result
apply_exam(struct planner *p, const struct event *ev, int64_t now)
{
	const struct ev_exam *e = &ev->u.exam;
	struct student old, s;
	int found, rc;
	enum plan_result result = PLAN_STORE_ERROR;

	memset(&s, 0, sizeof s);
	rc = remember(p, ev, now);
	if (rc <= 0)
		return rc < 0 ? PLAN_STORE_ERROR : PLAN_DUPLICATE;
	found = store_student_get(p->st, e->student_id, &old);
	if (found < 0)
		return PLAN_STORE_ERROR;
	if (upsert_adviser(p, e) || upsert_establishment(p, e))
		goto out;

	/* The student, as the event says; consent as the most recent
	 * expression says (exam_consent()). */
	s.id = e->student_id;
	s.given_name = e->given_name;
	s.family_name = e->family_name;
	s.email = e->email;
	s.phone = e->phone;
	memcpy(s.locale, e->locale, sizeof s.locale);
	exam_consent(p, ev, found ? &old : NULL, &s, now);
	memcpy(s.uai, e->uai, sizeof s.uai);
	s.programme_code = e->programme_code;
	s.programme_label = e->programme_label;
	s.session = e->session;
	s.last_exam_on = e->last_exam_on;
	s.adviser_id = e->adviser_id;
	s.stopped = 0;
	s.feed_token = found ? old.feed_token : NULL;
	s.last_contact_at = found && old.last_contact_at ? old.last_contact_at : now;
	s.lost_alerted_at = found ? old.lost_alerted_at : 0;
	if (store_student_put(p->st, &s, now))
		goto out;

	/* A resit replaces the part of the plan that has not happened yet. */
	if (plan_exam_appointments(p, &s, found ? &old : NULL, now))
		goto out;
	/* Reminders of what the plan kept follow the new contact data. */
	if (found && exam_contact_follow(p, &old, &s, now))
		goto out;
	p->stats.planned_students++;
	result = PLAN_APPLIED;
out:
	if (found > 0)
		student_clear(&old);
	return result;
}

/* ---- attendance ---------------------------------------------------------------------- */

/* The student of an attendance or update event ev: PLAN_APPLIED when found
 * (s filled), PLAN_HELD when not known yet (contract 1.4), PLAN_REJECTED
 * (reason in err) or PLAN_STORE_ERROR. */
static enum plan_result
known_student(struct planner *p, const struct event *ev, struct student *s, char *err,
	      size_t errlen)
{
	int found = store_student_get(p->st, plan_student_of(ev), s);
	const char *reject;

	if (found < 0)
		return PLAN_STORE_ERROR;
	if (found > 0)
		return PLAN_APPLIED;
	reject = policy_unknown_student(ev->kind, ev->kind == EV_ATTENDANCE_RECORDED &&
						      ev->u.att.appointment_uid != NULL);
	if (reject == NULL)
		return PLAN_HELD;
	snprintf(err, errlen, "%s", reject);
	return PLAN_REJECTED;
}

static int
book_replacement(struct planner *p, const struct student *s, const struct appt *orig,
		 const char *why, int64_t now)
{
	struct appt a;
	char changed_by[32];
	int64_t not_before;
	int32_t from = policy_replacement_from(orig, now, &not_before);
	int rc;

	memset(&a, 0, sizeof a);
	snprintf(changed_by, sizeof changed_by, "%s", why);
	if (orig->kind == KIND_DROPIN)
		rc = plan_find_dropin(p, s, from, not_before, now, &a);
	else
		rc = plan_find_checkin(p, s, orig->plan_index, from, now, &a);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		log_info("appointment %s: no free slot for a replacement", orig->uid);
		return 0;
	}
	a.replaces = orig->id;
	a.replacements = orig->replacements + 1;
	a.changed_by = changed_by;
	plan_books_add(p, &a, 1);
	p->stats.replacements++;
	return plan_write_new(p, s, &a, now);
}

/* Workshops at school are recorded for the indicators only. */
static enum plan_result
apply_workshop(struct planner *p, const struct event *ev, const struct student *s, int64_t now)
{
	const struct ev_attendance *e = &ev->u.att;

	if (remember(p, ev, now) < 0 ||
	    store_attendance_record(p->st, s->id, 0, KIND_WORKSHOP, e->starts_at, e->status,
				    e->situation, ev->source, ev->id, now) ||
	    store_student_touch_contact(p->st, s->id, now))
		return PLAN_STORE_ERROR;
	return PLAN_APPLIED;
}

/* The appointment an attendance record names: 1 found, 0 not, -1 error. */
static int
attended_appt(struct planner *p, const struct ev_attendance *e, struct appt *a)
{
	if (e->appointment_uid)
		return store_appt_by_uid(p->st, e->appointment_uid, a);
	return store_appt_by_start(p->st, e->student_id, e->kind, e->starts_at, a);
}

/* What the rule needs to know of an absence at a confirmed appointment a:
 * the run of absences it ends and whether the alert was raised. 0 or -1. */
static int
absence_facts(struct planner *p, const struct student *s, const struct appt *a,
	      struct policy_att_input *in)
{
	struct appt *v;
	size_t n;
	int exists;

	if (in->status != ATT_ABSENT || a->status != APPT_CONFIRMED)
		return 0;
	if (store_appts_of_student(p->st, s->id, &v, &n))
		return -1;
	in->absences = policy_consecutive_absences(v, n, a->id, APPT_MISSED);
	store_appts_free(v, n);
	exists = store_alert_exists(p->st, s->id, REM_ALERT_ABSENCES);
	if (exists < 0)
		return -1;
	in->alert_exists = exists;
	return 0;
}

/* Writes the outcome o of an attendance record at appointment a. 0 or -1. */
static int
write_attendance(struct planner *p, const struct student *s, struct appt *a,
		 const struct policy_att_outcome *o, int absences, int64_t now)
{
	if (o->update && store_appt_update(p->st, a->id, o->status, 0, 0, o->changed_by, now))
		return -1;
	if (o->cancel_reminders && store_reminders_cancel_appt(p->st, a->id, 0, o->changed_by, now))
		return -1;
	if (o->free_slot)
		agenda_unmark(p->agenda, a->adviser_id, a->starts_at, a->ends_at);
	if (o->no_replace)
		log_info("appointment %s: no replacement (already %d)", a->uid, a->replacements);
	a->status = o->status;
	if (o->replace && book_replacement(p, s, a, o->replace_why, now))
		return -1;
	if (o->alert) {
		if (store_reminder_insert(p->st, a->id, s->id, CH_EMAIL, REM_ALERT_ABSENCES, now, now))
			return -1;
		p->stats.alerts++;
		log_info("student %s: %d consecutive absences, adviser alert queued", s->id, absences);
	}
	return 0;
}

/* Reads the state, asks policy_attendance(), writes the answer. */
static enum plan_result
apply_attendance(struct planner *p, const struct event *ev, int64_t now, char *err, size_t errlen)
{
	const struct ev_attendance *e = &ev->u.att;
	struct policy_att_input in = { .student_id = e->student_id, .status = e->status };
	struct policy_att_outcome o;
	struct student s;
	struct appt a;
	int found;
	enum plan_result result;

	memset(&a, 0, sizeof a);
	result = known_student(p, ev, &s, err, errlen);
	if (result != PLAN_APPLIED)
		return result;
	if (e->appointment_uid == NULL && e->kind == KIND_WORKSHOP) {
		result = apply_workshop(p, ev, &s, now);
		goto out;
	}
	result = PLAN_STORE_ERROR;
	found = attended_appt(p, e, &a);
	if (found < 0)
		goto out;
	in.a = found ? &a : NULL;
	in.student_stopped = s.stopped;
	if (found && absence_facts(p, &s, &a, &in))
		goto out;
	o = policy_attendance(&in, now);
	if (o.reject) {
		snprintf(err, errlen, "%s", o.reject);
		result = PLAN_REJECTED;
		goto out;
	}
	if (remember(p, ev, now) < 0 ||
	    store_attendance_record(p->st, s.id, a.id, a.kind, a.starts_at, e->status, e->situation,
				    ev->source, ev->id, now) ||
	    store_student_touch_contact(p->st, s.id, now))
		goto out;
	if (e->situation != SIT_NONE && store_appt_set_situation(p->st, a.id, e->situation))
		goto out;
	if (write_attendance(p, &s, &a, &o, in.absences, now) == 0)
		result = PLAN_APPLIED;
out:
	appt_clear(&a);
	student_clear(&s);
	return result;
}

/* ---- student.updated ---------------------------------------------------------------------- */

/* Plans reminders on channel for future confirmed appointments that have
 * none on it yet (new phone, consent given back). */
int
plan_add_channel_reminders(struct planner *p, const struct student *s, int channel, int64_t now)
{
	struct appt *v;
	size_t n;
	int rc = 0;

	if (store_appts_of_student(p->st, s->id, &v, &n))
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		/* Beyond the horizon, the rows are made later with every channel. */
		if (v[i].status != APPT_CONFIRMED || v[i].starts_at <= now || !v[i].reminded)
			continue;
		int have = store_reminders_count_appt(p->st, v[i].id, channel);
		if (have < 0)
			rc = -1;
		else if (have == 0)
			rc = plan_reminders(p, s, &v[i], channel, now);
	}
	store_appts_free(v, n);
	return rc;
}

static int
str_changed(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static enum plan_result
apply_update(struct planner *p, const struct event *ev, int64_t now, char *err, size_t errlen)
{
	const struct ev_update *e = &ev->u.upd;
	struct student s;
	int could_sms, could_email;
	int phone_changed = 0, email_changed = 0;
	enum plan_result result = known_student(p, ev, &s, err, errlen);

	if (result != PLAN_APPLIED)
		return result;
	result = PLAN_STORE_ERROR;
	if (remember(p, ev, now) < 0)
		goto out;
	could_sms = s.phone && s.consent_sms;
	could_email = s.email && s.consent_email;
	if (e->phone && str_changed(e->phone, s.phone)) {
		free(s.phone);
		s.phone = xstrdup(e->phone);
		phone_changed = 1;
	}
	if (e->email && str_changed(e->email, s.email)) {
		free(s.email);
		s.email = xstrdup(e->email);
		email_changed = 1;
	}
	if (e->locale[0])
		memcpy(s.locale, e->locale, sizeof s.locale);
	log_kept_consent(&s, policy_express_consent(&s, e->consent_sms, e->consent_email,
						    policy_expressed_at(ev->has_time, ev->time, now),
						    CONSENT_UPDATE), "student.updated");
	if (e->stop)
		s.stopped = 1;
	if (store_student_put(p->st, &s, now))
		goto out;
	if (e->stop) {
		if (cancel_future(p, s.id, "follow-up stopped", now) ||
		    store_reminders_cancel_student(p->st, s.id, 0, "follow-up stopped", now))
			goto out;
		log_info("student %s left the programme: future appointments cancelled", s.id);
		result = PLAN_APPLIED;
		goto out;
	}
	if (s.stopped) {
		result = PLAN_APPLIED;
		goto out;
	}
	if (contact_follow(p, &s, could_sms, could_email, phone_changed, email_changed, now))
		goto out;
	result = PLAN_APPLIED;
out:
	student_clear(&s);
	return result;
}

/* ---- entry points ---------------------------------------------------------------------- */

const char *
plan_student_of(const struct event *ev)
{
	switch (ev->kind) {
	case EV_EXAM_COMPLETED:
		return ev->u.exam.student_id;
	case EV_ATTENDANCE_RECORDED:
		return ev->u.att.student_id;
	case EV_STUDENT_UPDATED:
		return ev->u.upd.student_id;
	}
	return NULL;
}

/* Remembers (source, id) of ev: 1 new, 0 seen before, -1 error. */
static int
remember(struct planner *p, const struct event *ev, int64_t now)
{
	int fresh = store_event_remember(p->st, ev->source, ev->id, ev->type, plan_student_of(ev),
					 p->origin_topic, p->origin_partition, p->origin_offset, now);
	if (fresh == 0)
		p->stats.duplicates++;
	return fresh;
}

/* An exam.completed whose last_exam_on is out of the plausible range
 * (contract section 1.1): refused, unless it was applied before (a
 * redelivery after today moved on). */
static enum plan_result
exam_out_of_range(struct planner *p, const struct event *ev, char *err, size_t errlen)
{
	int seen = store_event_seen(p->st, ev->source, ev->id);

	if (seen < 0)
		return PLAN_STORE_ERROR;
	if (seen) {
		p->stats.duplicates++;
		return PLAN_DUPLICATE;
	}
	snprintf(err, errlen, "data.exam.last_exam_on: out of range");
	return PLAN_REJECTED;
}

enum plan_result
plan_apply(struct planner *p, const struct event *ev, const char *topic, int partition,
	   int64_t offset, int64_t now, char *err, size_t errlen)
{
	int seen;

	p->origin_topic = topic;
	p->origin_partition = partition;
	p->origin_offset = offset;
	/* A rejection must leave the store untouched (the consumer has no
	 * savepoint per event): every check comes before the first write, and
	 * (source, id) is only remembered once the event is accepted. */
	if (ev->kind != EV_EXAM_COMPLETED) {
		seen = store_event_seen(p->st, ev->source, ev->id);
		if (seen < 0)
			return PLAN_STORE_ERROR;
		if (seen) {
			p->stats.duplicates++;
			return PLAN_DUPLICATE;
		}
	}
	switch (ev->kind) {
	case EV_EXAM_COMPLETED:
		if (!policy_exam_date_ok(p->cfg, ev->u.exam.last_exam_on, now))
			return exam_out_of_range(p, ev, err, errlen);
		return apply_exam(p, ev, now);
	case EV_ATTENDANCE_RECORDED:
		return apply_attendance(p, ev, now, err, errlen);
	case EV_STUDENT_UPDATED:
		return apply_update(p, ev, now, err, errlen);
	}
	snprintf(err, errlen, "unknown type");
	return PLAN_REJECTED;
}

struct lost_ctx {
	struct planner *p;
	int64_t now;
	int queued, failed;
};

static void
on_lost(const char *student_id, void *arg)
{
	struct lost_ctx *c = arg;
	if (c->failed)
		return;
	if (store_reminder_insert(c->p->st, 0, student_id, CH_EMAIL, REM_ALERT_LOST, c->now, c->now) ||
	    store_student_mark_lost_alerted(c->p->st, student_id, c->now)) {
		c->failed = 1;
		return;
	}
	c->queued++;
	c->p->stats.alerts++;
	log_info("student %s: no contact for %llds, adviser alert queued", student_id,
		 (long long)c->p->cfg->reminders.lost_after);
}

int
plan_lost_students(struct planner *p, int64_t now)
{
	struct lost_ctx c = { p, now, 0, 0 };

	/* Hourly: the counts of repeated warnings whose hour is over. */
	log_limit_flush(p->warnings, now);
	if (store_each_lost_student(p->st, now - p->cfg->reminders.lost_after, now, on_lost, &c) ||
	    c.failed)
		return -1;
	return c.queued;
}

int
plan_make_reminders(struct planner *p, int64_t now, int limit)
{
	struct appt *v;
	size_t n;
	int rc = 0;

	if (store_appts_to_remind(p->st, now + schedule_reminder_horizon(p->cfg), limit, &v, &n))
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct student s = { 0 };
		int found = store_student_get(p->st, v[i].student_id, &s);

		v[i].reminded = 1;
		if (found < 0 || (found == 1 && !s.stopped && plan_reminders(p, &s, &v[i], 0, now)) ||
		    store_appt_set_reminded(p->st, v[i].id))
			rc = -1;
		student_clear(&s);
	}
	store_appts_free(v, n);
	return rc < 0 ? -1 : (int)n;
}

int
plan_cancel(struct planner *p, const char *uid, const char *why, int64_t now)
{
	struct appt a;
	int found = store_appt_by_uid(p->st, uid, &a), rc;
	if (found <= 0)
		return found;
	if (policy_cancel_check(&a, now) != POLICY_CANCEL_OK) {
		appt_clear(&a);
		return 0;
	}
	rc = cancel_appt(p, &a, why, now) ? -1 : 1;
	appt_clear(&a);
	return rc;
}
