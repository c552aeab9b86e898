/*
 * ctl_report.c — the reports of relancectl (ctl.h): status (counters of the
 * store) and plan (one student's appointments and reminders, with the
 * reminders still to be made as policy.c would make them), as text or one
 * JSON document. Indicators are in ctl_indicators.c, students' messages
 * in ctl_replies.c.
 * The helpers they share with ctl.c are in ctl_impl.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "config.h"
#include "ctl.h"
#include "ctl_impl.h"
#include "policy.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

/* ---- status ------------------------------------------------------------------- */

struct status {
	int64_t appt[APPT_KIND_N][APPT_STATUS_N];
	int64_t rem[REM_KIND_N][CHANNEL_N][REM_STATUS_N];
	json_t *shortages;
	int64_t nshortages;
	int64_t students, stopped, events, dead, size, wal, awaiting;
	int64_t held, held_oldest;   /* events of students not known yet */
	int64_t appt_all[APPT_STATUS_N], alerts[REM_STATUS_N];
	int64_t queue, queue_oldest; /* the publish queue: messages waiting, oldest created_at */
	int64_t paused[CHANNEL_N];   /* since when the channel is paused (0: not), meta 'paused:CH' */
};

static void
status_appt(int kind, int status, int64_t n, void *arg)
{
	struct status *s = arg;
	if (kind >= 0 && kind < APPT_KIND_N && status >= 0 && status < APPT_STATUS_N)
		s->appt[kind][status] += n;
}

static void
status_rem(int kind, int channel, int status, int64_t n, void *arg)
{
	struct status *s = arg;
	if (kind >= 0 && kind < REM_KIND_N && channel >= 0 && channel < CHANNEL_N && status >= 0 &&
	    status < REM_STATUS_N)
		s->rem[kind][channel][status] += n;
}

static void
status_shortage(const char *name, int64_t value, void *arg)
{
	struct status *s = arg;
	json_object_set_new(s->shortages, name + strlen("dropin_shortage:"), json_integer(value));
	s->nshortages++;
}

/* {name(from): v[from], ..., name(to): v[to]} */
static json_t *
counts_json(const int64_t *v, int from, int to, const char *(*name)(int))
{
	json_t *o = json_object();
	for (int i = from; i <= to; i++)
		json_object_set_new(o, name(i), json_integer(v[i]));
	return o;
}

static json_t *
appt_counts(const int64_t *v)
{
	return counts_json(v, APPT_CONFIRMED, APPT_EXCUSED, appt_status_name);
}

static json_t *
rem_counts(const int64_t *v)
{
	return counts_json(v, REM_PENDING, REM_STATUS_N - 1, rem_status_name);
}

static void
text_counts(FILE *f, const char *label, const int64_t *v, int from, int to,
	    const char *(*name)(int))
{
	fprintf(f, "%-18s", label);
	for (int i = from; i <= to; i++)
		fprintf(f, "%s%s %lld", i == from ? "" : ", ", name(i), (long long)v[i]);
	fputc('\n', f);
}

/* Reads the counters into s (s->shortages made by the caller): 0 or -1. */
static int
status_read(struct ctx *c, struct status *s)
{
	char *walpath;
	struct stat sb;

	if (store_ctl_count_students(c->st, &s->students, &s->stopped) ||
	    store_ctl_count_events(c->st, &s->events, &s->dead) ||
	    store_ctl_count_awaiting(c->st, &s->awaiting) ||
	    store_hold_count(c->st, &s->held, &s->held_oldest) ||
	    store_ctl_each_appt_count(c->st, status_appt, s) ||
	    store_ctl_each_reminder_count(c->st, status_rem, s) ||
	    store_ctl_each_counter(c->st, "dropin_shortage:", status_shortage, s) ||
	    store_outbox_count(c->st, &s->queue, &s->queue_oldest) < 0 ||
	    (s->size = store_ctl_db_size(c->st)) < 0)
		return -1;
	for (int ch = CH_SMS; ch <= CH_EMAIL; ch++) {
		char key[32];
		snprintf(key, sizeof key, "paused:%s", channel_name(ch));
		if ((s->paused[ch] = store_feed_meta_get(c->st, key)) < 0)
			return -1;
	}
	walpath = xasprintf("%s-wal", c->cfg->store.path);
	if (stat(walpath, &sb) == 0)
		s->wal = (int64_t)sb.st_size;
	free(walpath);
	for (int k = 0; k < APPT_KIND_N; k++)
		for (int i = 0; i < APPT_STATUS_N; i++)
			s->appt_all[i] += s->appt[k][i];
	for (int k = REM_ALERT_ABSENCES; k <= REM_ALERT_LOST; k++)
		for (int ch = 0; ch < CHANNEL_N; ch++)
			for (int i = 0; i < REM_STATUS_N; i++)
				s->alerts[i] += s->rem[k][ch][i];
	return 0;
}

/* Age in seconds of the oldest message of the publish queue (0: none). */
static int64_t
queue_age(const struct ctx *c, const struct status *s)
{
	return s->queue > 0 && s->queue_oldest > 0 && c->now > s->queue_oldest ?
	       c->now - s->queue_oldest : 0;
}

/* Prints s as one JSON document; s->shortages goes with it. */
static void
status_json(struct ctx *c, struct status *s)
{
	json_t *doc = json_object(), *by_kind = json_object(), *rem = json_object(), *ap;
	int64_t total = 0;

	for (int i = 0; i < APPT_STATUS_N; i++)
		total += s->appt_all[i];
	json_object_set_new(doc, "schema_version", json_integer(store_schema_version(c->st)));
	json_object_set_new(doc, "store", json_pack("{s:s, s:I, s:I}", "path",
		c->cfg->store.path, "size_bytes", (json_int_t)s->size, "wal_bytes", (json_int_t)s->wal));
	json_object_set_new(doc, "students", json_pack("{s:I, s:I, s:I}", "total",
		(json_int_t)s->students, "followed", (json_int_t)(s->students - s->stopped), "stopped",
		(json_int_t)s->stopped));
	ap = appt_counts(s->appt_all);
	json_object_set_new(ap, "total", json_integer(total));
	for (int k = KIND_CHECKIN; k <= KIND_WORKSHOP; k++)
		json_object_set_new(by_kind, appt_kind_name(k), appt_counts(s->appt[k]));
	json_object_set_new(ap, "by_kind", by_kind);
	json_object_set_new(doc, "appointments", ap);
	for (int ch = CH_SMS; ch <= CH_EMAIL; ch++)
		json_object_set_new(rem, channel_name(ch), rem_counts(s->rem[REM_REMINDER][ch]));
	json_object_set_new(doc, "reminders", rem);
	json_object_set_new(doc, "appointments_awaiting_reminders", json_integer(s->awaiting));
	json_object_set_new(doc, "adviser_alerts", rem_counts(s->alerts));
	json_object_set_new(doc, "events", json_integer(s->events));
	json_object_set_new(doc, "dead_letters", json_integer(s->dead));
	json_object_set_new(doc, "held_events", json_integer(s->held));
	json_object_set_new(doc, "held_events_oldest", ctl_jtime(s->held_oldest));
	json_object_set_new(doc, "publish_queue", json_pack("{s:I, s:o, s:I}", "waiting",
		(json_int_t)s->queue, "oldest", s->queue > 0 ? ctl_jtime(s->queue_oldest) : json_null(),
		"oldest_age_seconds", (json_int_t)queue_age(c, s)));
	json_object_set_new(doc, "channels_paused", json_pack("{s:o, s:o}",
		"sms", s->paused[CH_SMS] ? ctl_jtime(s->paused[CH_SMS]) : json_null(),
		"email", s->paused[CH_EMAIL] ? ctl_jtime(s->paused[CH_EMAIL]) : json_null()));
	json_object_set_new(doc, "dropin_shortages", s->shortages);
	s->shortages = NULL;
	json_object_set_new(doc, "consumer_lag", json_null());
	json_object_set_new(doc, "consumer_lag_note",
		json_string("not known to relancectl: see relanced's STATUS line"));
	ctl_emit(c, doc);
}

static void
status_text(struct ctx *c, const struct status *s)
{
	FILE *f = c->out;

	fprintf(f, "%-18s%d\n", "schema version", store_schema_version(c->st));
	fprintf(f, "%-18s%s (%lld bytes, WAL %lld bytes)\n", "store", c->cfg->store.path,
		(long long)s->size, (long long)s->wal);
	fprintf(f, "%-18s%lld (%lld followed, %lld stopped)\n", "students", (long long)s->students,
		(long long)(s->students - s->stopped), (long long)s->stopped);
	text_counts(f, "appointments", s->appt_all, APPT_CONFIRMED, APPT_EXCUSED, appt_status_name);
	for (int k = KIND_CHECKIN; k <= KIND_WORKSHOP; k++) {
		char label[32];
		snprintf(label, sizeof label, "  %s", appt_kind_name(k));
		text_counts(f, label, s->appt[k], APPT_CONFIRMED, APPT_EXCUSED, appt_status_name);
	}
	text_counts(f, "reminders sms", s->rem[REM_REMINDER][CH_SMS], REM_PENDING,
		    REM_STATUS_N - 1, rem_status_name);
	text_counts(f, "reminders email", s->rem[REM_REMINDER][CH_EMAIL], REM_PENDING,
		    REM_STATUS_N - 1, rem_status_name);
	fprintf(f, "%-18s%lld appointments beyond the horizon (rows made %lld days before)\n",
		"reminders later", (long long)s->awaiting,
		(long long)(schedule_reminder_horizon(c->cfg) / 86400));
	text_counts(f, "adviser alerts", s->alerts, REM_PENDING, REM_STATUS_N - 1, rem_status_name);
	fprintf(f, "%-18s%lld\n", "events", (long long)s->events);
	fprintf(f, "%-18s%lld\n", "dead letters", (long long)s->dead);
	if (s->held > 0) {
		char oldest[17];
		int64_t hold = c->cfg->kafka.hold_unknown;
		ctl_text_time(s->held_oldest, oldest);
		/* hold_unknown as written in the file: 7d, 12h, 90m, 45s */
		fprintf(f, "%-18s%lld (student not known yet; oldest %s, dead-lettered after %lld%s)\n",
			"held events", (long long)s->held, oldest,
			(long long)(hold % 86400 == 0 ? hold / 86400 : hold % 3600 == 0 ? hold / 3600 :
				    hold % 60 == 0 ? hold / 60 : hold),
			hold % 86400 == 0 ? "d" : hold % 3600 == 0 ? "h" : hold % 60 == 0 ? "m" : "s");
	} else {
		fprintf(f, "%-18s0\n", "held events");
	}
	if (s->nshortages == 0) {
		fprintf(f, "%-18snone\n", "drop-in shortages");
	} else {
		const char *key;
		json_t *v;
		fprintf(f, "drop-in shortages\n");
		json_object_foreach(s->shortages, key, v)
			fprintf(f, "  %s: %lld\n", key, (long long)json_integer_value(v));
	}
	if (s->queue > 0) {
		char oldest[17];
		ctl_text_time(s->queue_oldest, oldest);
		fprintf(f, "%-18s%lld waiting (oldest %s, %llds)\n", "publish queue",
			(long long)s->queue, oldest, (long long)queue_age(c, s));
	} else {
		fprintf(f, "%-18s0 waiting\n", "publish queue");
	}
	for (int ch = CH_SMS; ch <= CH_EMAIL; ch++) {
		char since[17];
		if (s->paused[ch] == 0)
			continue;
		ctl_text_time(s->paused[ch], since);
		fprintf(f, "%-18s%s paused since %s: credentials refused (see relanced's log)\n",
			"channel paused", channel_name(ch), since);
	}
	fprintf(f, "%-18snot known to relancectl (see relanced's STATUS line)\n", "consumer lag");
}

int
ctl_cmd_status(struct ctx *c)
{
	struct status s;
	int rc;

	if ((rc = ctl_open_store(c, true)))
		return rc;
	memset(&s, 0, sizeof s);
	s.shortages = json_object();
	if (status_read(c, &s))
		rc = ctl_store_error(c);
	else if (c->o->json)
		status_json(c, &s);
	else
		status_text(c, &s);
	json_decref(s.shortages);
	return rc;
}

/* ---- plan --------------------------------------------------------------------- */

/*
 * The reminders an appointment beyond the horizon will get (its rows are
 * made later, see plan_make_reminders): computed from the offsets and the
 * student's channels now, listed with no id and status "scheduled".
 */
static void
rem_scheduled(struct ctx *c, const struct student *s, const struct appt *a, struct rem_list *l)
{
	struct policy_due due[POLICY_MAX_REMINDERS];
	int n;

	if (a->reminded)
		return;
	n = policy_reminders(c->cfg, s, a, 0, c->now, due, POLICY_MAX_REMINDERS);
	for (int i = 0; i < n; i++) {
		struct reminder r = {
			.appointment_id = a->id, .student_id = s->id, .channel = due[i].channel,
			.kind = REM_REMINDER, .status = REM_PENDING, .due_at = due[i].due_at,
			.next_at = due[i].due_at,
		};
		ctl_rem_collect(&r, a->uid, l);
	}
}

static const char *
uid_of(const struct appt *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return v[i].uid;
	return NULL;
}

static json_t *
student_json(const struct student *s)
{
	char day[11];

	date_format(s->last_exam_on, day);
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o}, s:{s:s, s:s}, s:o, s:{s:o, s:o},"
			 " s:o, s:s, s:o, s:o}",
			 "id", ctl_jstr(s->id), "given_name", ctl_jstr(s->given_name),
			 "family_name", ctl_jstr(s->family_name), "email", ctl_jstr(s->email),
			 "phone", ctl_jstr(s->phone), "locale", ctl_jstr(s->locale),
			 "consent", "sms", ctl_jbool(s->consent_sms), "email",
			 ctl_jbool(s->consent_email), "consent_by", "sms",
			 consent_by_name(s->consent_sms_by), "email", consent_by_name(s->consent_email_by),
			 "uai", ctl_jstr(s->uai),
			 "programme", "code", ctl_jstr(s->programme_code), "label",
			 ctl_jstr(s->programme_label),
			 "session", ctl_jstr(s->session), "last_exam_on", day,
			 "adviser_id", ctl_jstr(s->adviser_id), "stopped", ctl_jbool(s->stopped));
}

/* One student's appointments v[0..n) and reminders l, as they are shown. */
struct plan_view {
	const struct student *s;
	const struct appt *v;
	size_t n;
	const struct rem_list *l;
	bool *shown;            /* per reminder row: listed under its appointment */
};

static json_t *
appt_json(const struct plan_view *pv, const struct appt *a)
{
	json_t *o = json_object(), *rems = json_array();
	const char *rep = a->replaces ? uid_of(pv->v, pv->n, a->replaces) : NULL;

	json_object_set_new(o, "uid", json_string(a->uid));
	json_object_set_new(o, "kind", json_string(appt_kind_name(a->kind)));
	json_object_set_new(o, "plan_index", a->plan_index >= 0 ?
			    json_integer(a->plan_index) : json_null());
	json_object_set_new(o, "start", ctl_jtime(a->starts_at));
	json_object_set_new(o, "end", ctl_jtime(a->ends_at));
	json_object_set_new(o, "status", json_string(appt_status_name(a->status)));
	json_object_set_new(o, "sequence", json_integer(a->sequence));
	json_object_set_new(o, "replaces", ctl_jstr(rep));
	json_object_set_new(o, "adviser_id", ctl_jstr(a->adviser_id));
	json_object_set_new(o, "window", ctl_jstr(a->window_key));
	json_object_set_new(o, "situation", a->situation ?
			    json_string(situation_name(a->situation)) : json_null());
	json_object_set_new(o, "changed_by", ctl_jstr(a->changed_by));
	json_object_set_new(o, "updated", ctl_jtime(a->updated_at));
	/* the student's answer (contract section 8) */
	json_object_set_new(o, "answer", json_string(answer_name(a->answer)));
	json_object_set_new(o, "answered", a->answered_at ? ctl_jtime(a->answered_at) : json_null());
	json_object_set_new(o, "moves", json_integer(a->moves));
	for (size_t j = 0; j < pv->l->n; j++)
		if (pv->l->v[j].r.appointment_id == a->id) {
			json_array_append_new(rems, ctl_rem_json(&pv->l->v[j], false));
			pv->shown[j] = true;
		}
	json_object_set_new(o, "reminders", rems);
	return o;
}

static void
plan_json(struct ctx *c, const struct plan_view *pv)
{
	json_t *doc = json_object(), *arr = json_array(), *other = json_array();

	json_object_set_new(doc, "student", student_json(pv->s));
	for (size_t i = 0; i < pv->n; i++)
		json_array_append_new(arr, appt_json(pv, &pv->v[i]));
	json_object_set_new(doc, "appointments", arr);
	for (size_t j = 0; j < pv->l->n; j++)
		if (!pv->shown[j])
			json_array_append_new(other, ctl_rem_json(&pv->l->v[j], true));
	json_object_set_new(doc, "other_reminders", other);
	ctl_emit(c, doc);
}

static void
appt_text(FILE *f, const struct plan_view *pv, const struct appt *a)
{
	char start[17], end[17];
	const char *rep = a->replaces ? uid_of(pv->v, pv->n, a->replaces) : NULL;

	ctl_text_time(a->starts_at, start);
	ctl_text_time(a->ends_at, end);
	fprintf(f, "%s-%s  %-8s %-9s seq %d  %s\n", start, end + 11,
		appt_kind_name(a->kind), appt_status_name(a->status), a->sequence, a->uid);
	if (rep)
		fprintf(f, "    replaces %s\n", rep);
	if (a->situation)
		fprintf(f, "    situation %s\n", situation_name(a->situation));
	if (a->changed_by && a->sequence > 0)
		fprintf(f, "    changed by %s\n", a->changed_by);
	if (a->answer != ANSWER_NONE || a->moves > 0) {
		char when[17] = "-";
		if (a->answered_at)
			ctl_text_time(a->answered_at, when);
		fprintf(f, "    student's answer %s, moves %d, answered %s\n",
			answer_name(a->answer), a->moves, when);
	}
	for (size_t j = 0; j < pv->l->n; j++)
		if (pv->l->v[j].r.appointment_id == a->id) {
			ctl_rem_text(f, "    ", &pv->l->v[j]);
			pv->shown[j] = true;
		}
}

static void
plan_text(struct ctx *c, const struct plan_view *pv)
{
	const struct student *s = pv->s;
	FILE *f = c->out;
	char day[11];

	date_format(s->last_exam_on, day);
	fprintf(f, "student %s: %s%s%s (%s)%s\n", s->id, s->given_name,
		s->family_name ? " " : "", s->family_name ? s->family_name : "", s->locale,
		s->stopped ? ", follow-up stopped" : "");
	fprintf(f, "  contact: email %s (consent %s: %s), phone %s (consent %s: %s)\n",
		s->email ? s->email : "-", s->consent_email ? "yes" : "no",
		consent_by_name(s->consent_email_by), s->phone ? s->phone : "-",
		s->consent_sms ? "yes" : "no", consent_by_name(s->consent_sms_by));
	fprintf(f, "  establishment %s, programme %s, last exam %s, adviser %s\n", s->uai,
		s->programme_code ? s->programme_code : "-", day, s->adviser_id);
	if (pv->n == 0)
		fprintf(f, "no appointments\n");
	for (size_t i = 0; i < pv->n; i++)
		appt_text(f, pv, &pv->v[i]);
	for (size_t j = 0; j < pv->l->n; j++)
		if (!pv->shown[j])
			ctl_rem_text(f, "", &pv->l->v[j]);
}

int
ctl_cmd_plan(struct ctx *c, const char *student_id)
{
	struct student s;
	struct appt *v = NULL;
	size_t n = 0;
	struct rem_list l = { 0 };
	struct plan_view pv = { .s = &s, .l = &l };
	int found, rc;

	if ((rc = ctl_open_store(c, true)))
		return rc;
	memset(&s, 0, sizeof s);
	found = store_student_get(c->st, student_id, &s);
	if (found < 0)
		return ctl_store_error(c);
	if (found == 0)
		return ctl_fail(c, CTL_NOTFOUND, "no student %s", student_id);
	if (store_appts_of_student(c->st, student_id, &v, &n) ||
	    store_ctl_each_reminder(c->st, student_id, -1, ctl_rem_collect, &l)) {
		rc = ctl_store_error(c);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		rem_scheduled(c, &s, &v[i], &l);
	pv.v = v;
	pv.n = n;
	pv.shown = xcalloc(l.n + 1, sizeof *pv.shown);
	if (c->o->json)
		plan_json(c, &pv);
	else
		plan_text(c, &pv);
	rc = CTL_OK;
out:
	free(pv.shown);
	ctl_rem_list_free(&l);
	store_appts_free(v, n);
	student_clear(&s);
	return rc;
}
