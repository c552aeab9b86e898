/*
 * ctl.c — the commands of relancectl: reads the store while relanced runs
 * (a read-only SQLite connection; WAL readers never block the writer) and
 * performs the two actions (retry, cancel) and feed revocation in short
 * write transactions. Text for people, or with --json exactly one JSON
 * document (jansson) with stable key names and RFC 3339 times.
 *
 * Contract section 6 (administration) and section 7 (relancectl's command
 * line and exit codes).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "ctl.h"
#include "event.h"
#include "log.h"
#include "plan.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

struct ctx {
	const struct config *cfg;
	const struct ctl_opts *o;
	FILE *out, *err;
	struct store *st;
	int64_t now;
	struct stat db;         /* the store file, as found before opening it */
};

/* ---- names ------------------------------------------------------------------ */

/* indexed by enum ical_feed_kind (ical.h): 1 adviser, 2 student, 3 establishment */
static const char *const feed_kinds[] = { NULL, "adviser", "student", "establishment" };


/* ---- output helpers --------------------------------------------------------- */

void
ctl_time_format(int64_t t, char out[32])
{
	int32_t day;
	int minute, y, m, d, off, sec = (int)(((t % 60) + 60) % 60);
	int64_t local;

	epoch_to_wall(t, &day, &minute);
	local = (int64_t)day * 86400 + minute * 60 + sec;
	off = (int)((local - t) / 60);
	civil_from_days(day, &y, &m, &d);
	snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u%c%02u:%02u", (unsigned)y % 10000u,
		 (unsigned)m % 100u, (unsigned)d % 100u, (unsigned)minute / 60u % 100u,
		 (unsigned)minute % 60u, (unsigned)sec % 60u, off < 0 ? '-' : '+',
		 (unsigned)abs(off) / 60u % 100u, (unsigned)abs(off) % 60u);
}

static void
text_time(int64_t t, char out[17])
{
	if (t == 0)
		snprintf(out, 17, "-");
	else
		wall_format(t, out);
}

static json_t *
jstr(const char *s)
{
	json_t *v;
	if (s == NULL)
		return json_null();
	v = json_string(s);
	return v ? v : json_string("");
}

static json_t *
jtime(int64_t t)
{
	char buf[32];
	if (t == 0)
		return json_null();
	ctl_time_format(t, buf);
	return json_string(buf);
}

static json_t *
jbool(int b)
{
	return json_boolean(b);
}

static void
emit(struct ctx *c, json_t *doc)
{
	json_dumpf(doc, c->out, JSON_INDENT(2));
	fputc('\n', c->out);
	json_decref(doc);
}

/* Prints "relancectl: MSG" on err and, with --json, {"error": MSG} on out. */
static int __attribute__((format(printf, 3, 4)))
fail(struct ctx *c, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(c->err, "relancectl: %s\n", msg);
	if (c->o->json)
		emit(c, json_pack("{s:s, s:i}", "error", msg, "exit", code));
	return code;
}

static int
usage_error(struct ctx *c, const char *msg)
{
	fprintf(c->err, "relancectl: %s\n", msg);
	ctl_usage(c->err);
	return CTL_USAGE;
}

/* Prints text with control characters escaped (dead-letter payloads). */
static void
print_escaped(FILE *f, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\')
			fputs("\\\\", f);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			fprintf(f, "\\x%02x", p[i]);
		else
			fputc(p[i], f);
	}
}

static char *
base64(const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = tab[v >> 18 & 63];
		*o++ = tab[v >> 12 & 63];
		*o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* ---- store -------------------------------------------------------------------- */

static int
open_store(struct ctx *c, bool readonly)
{
	char err[512];
	const char *path = c->cfg->store.path;

	if (access(path, F_OK) != 0) {
		if (errno == ENOENT)
			return fail(c, CTL_FAIL, "store %s does not exist: is relanced configured with this file?",
				    path);
		return fail(c, CTL_FAIL, "store %s: %s", path, strerror(errno));
	}
	if (stat(path, &c->db) != 0)
		return fail(c, CTL_FAIL, "store %s: %s", path, strerror(errno));
	c->st = store_open(path, readonly, err, sizeof err);
	if (c->st == NULL)
		return fail(c, CTL_FAIL, "%s", err);
	return CTL_OK;
}

static int
store_error(struct ctx *c)
{
	return fail(c, CTL_FAIL, "store error: %s", store_errmsg(c->st));
}

/*
 * relancectl usually runs as root while relanced runs as its own (dynamic)
 * user: SQLite's -wal and -shm files that this process created must belong
 * to the store's owner, or the daemon could not open the store any more.
 */
static void
fix_owner(const struct ctx *c)
{
	static const char *const ext[] = { "-wal", "-shm" };
	if (c->db.st_ino == 0 || geteuid() != 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		char *p = xasprintf("%s%s", c->cfg->store.path, ext[i]);
		struct stat sb;
		if (stat(p, &sb) == 0 && (sb.st_uid != c->db.st_uid || sb.st_gid != c->db.st_gid) &&
		    chown(p, c->db.st_uid, c->db.st_gid) != 0)
			fprintf(c->err, "relancectl: chown %s: %s\n", p, strerror(errno));
		free(p);
	}
}

/* ---- status ------------------------------------------------------------------- */

struct status {
	int64_t appt[APPT_KIND_N][APPT_STATUS_N];
	int64_t rem[REM_KIND_N][CHANNEL_N][REM_STATUS_N];
	json_t *shortages;
	int64_t nshortages;
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

static json_t *
appt_counts(const int64_t *v)
{
	json_t *o = json_object();
	for (int i = APPT_CONFIRMED; i <= APPT_EXCUSED; i++)
		json_object_set_new(o, appt_status_name(i), json_integer(v[i]));
	return o;
}

static json_t *
rem_counts(const int64_t *v)
{
	json_t *o = json_object();
	for (int i = REM_PENDING; i <= REM_SENDING; i++)
		json_object_set_new(o, rem_status_name(i), json_integer(v[i]));
	return o;
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

static int
cmd_status(struct ctx *c)
{
	struct status s;
	int64_t students, stopped, events, dead, size, wal = 0, awaiting = 0;
	int64_t appt_all[APPT_STATUS_N] = { 0 }, alerts[REM_STATUS_N] = { 0 };
	char *walpath;
	struct stat sb;
	int rc;

	if ((rc = open_store(c, true)))
		return rc;
	memset(&s, 0, sizeof s);
	s.shortages = json_object();
	if (store_ctl_count_students(c->st, &students, &stopped) ||
	    store_ctl_count_events(c->st, &events, &dead) ||
	    store_ctl_count_awaiting(c->st, &awaiting) ||
	    store_ctl_each_appt_count(c->st, status_appt, &s) ||
	    store_ctl_each_reminder_count(c->st, status_rem, &s) ||
	    store_ctl_each_counter(c->st, "dropin_shortage:", status_shortage, &s) ||
	    (size = store_ctl_db_size(c->st)) < 0) {
		json_decref(s.shortages);
		return store_error(c);
	}
	walpath = xasprintf("%s-wal", c->cfg->store.path);
	if (stat(walpath, &sb) == 0)
		wal = (int64_t)sb.st_size;
	free(walpath);
	for (int k = 0; k < APPT_KIND_N; k++)
		for (int i = 0; i < APPT_STATUS_N; i++)
			appt_all[i] += s.appt[k][i];
	for (int k = REM_ALERT_ABSENCES; k <= REM_ALERT_LOST; k++)
		for (int ch = 0; ch < CHANNEL_N; ch++)
			for (int i = 0; i < REM_STATUS_N; i++)
				alerts[i] += s.rem[k][ch][i];

	if (c->o->json) {
		json_t *doc = json_object(), *by_kind = json_object(), *rem = json_object();
		int64_t total = 0;
		for (int i = 0; i < APPT_STATUS_N; i++)
			total += appt_all[i];
		json_object_set_new(doc, "schema_version", json_integer(store_schema_version(c->st)));
		json_object_set_new(doc, "store", json_pack("{s:s, s:I, s:I}", "path",
			c->cfg->store.path, "size_bytes", (json_int_t)size, "wal_bytes", (json_int_t)wal));
		json_object_set_new(doc, "students", json_pack("{s:I, s:I, s:I}", "total",
			(json_int_t)students, "followed", (json_int_t)(students - stopped), "stopped",
			(json_int_t)stopped));
		json_t *ap = appt_counts(appt_all);
		json_object_set_new(ap, "total", json_integer(total));
		for (int k = KIND_CHECKIN; k <= KIND_WORKSHOP; k++)
			json_object_set_new(by_kind, appt_kind_name(k), appt_counts(s.appt[k]));
		json_object_set_new(ap, "by_kind", by_kind);
		json_object_set_new(doc, "appointments", ap);
		for (int ch = CH_SMS; ch <= CH_EMAIL; ch++)
			json_object_set_new(rem, channel_name(ch), rem_counts(s.rem[REM_REMINDER][ch]));
		json_object_set_new(doc, "reminders", rem);
		json_object_set_new(doc, "appointments_awaiting_reminders", json_integer(awaiting));
		json_object_set_new(doc, "adviser_alerts", rem_counts(alerts));
		json_object_set_new(doc, "events", json_integer(events));
		json_object_set_new(doc, "dead_letters", json_integer(dead));
		json_object_set_new(doc, "dropin_shortages", s.shortages);
		json_object_set_new(doc, "consumer_lag", json_null());
		json_object_set_new(doc, "consumer_lag_note",
			json_string("not known to relancectl: see relanced's STATUS line"));
		emit(c, doc);
		return CTL_OK;
	}

	FILE *f = c->out;
	fprintf(f, "%-18s%d\n", "schema version", store_schema_version(c->st));
	fprintf(f, "%-18s%s (%lld bytes, WAL %lld bytes)\n", "store", c->cfg->store.path,
		(long long)size, (long long)wal);
	fprintf(f, "%-18s%lld (%lld followed, %lld stopped)\n", "students", (long long)students,
		(long long)(students - stopped), (long long)stopped);
	text_counts(f, "appointments", appt_all, APPT_CONFIRMED, APPT_EXCUSED, appt_status_name);
	for (int k = KIND_CHECKIN; k <= KIND_WORKSHOP; k++) {
		char label[32];
		snprintf(label, sizeof label, "  %s", appt_kind_name(k));
		text_counts(f, label, s.appt[k], APPT_CONFIRMED, APPT_EXCUSED, appt_status_name);
	}
	text_counts(f, "reminders sms", s.rem[REM_REMINDER][CH_SMS], REM_PENDING, REM_SENDING,
		    rem_status_name);
	text_counts(f, "reminders email", s.rem[REM_REMINDER][CH_EMAIL], REM_PENDING, REM_SENDING,
		    rem_status_name);
	fprintf(f, "%-18s%lld appointments beyond the horizon (rows made %lld days before)\n",
		"reminders later", (long long)awaiting,
		(long long)(schedule_reminder_horizon(c->cfg) / 86400));
	text_counts(f, "adviser alerts", alerts, REM_PENDING, REM_SENDING, rem_status_name);
	fprintf(f, "%-18s%lld\n", "events", (long long)events);
	fprintf(f, "%-18s%lld\n", "dead letters", (long long)dead);
	if (s.nshortages == 0) {
		fprintf(f, "%-18snone\n", "drop-in shortages");
	} else {
		const char *key;
		json_t *v;
		fprintf(f, "drop-in shortages\n");
		json_object_foreach(s.shortages, key, v)
			fprintf(f, "  %s: %lld\n", key, (long long)json_integer_value(v));
	}
	fprintf(f, "%-18snot known to relancectl (see relanced's STATUS line)\n", "consumer lag");
	json_decref(s.shortages);
	return CTL_OK;
}

/* ---- plan --------------------------------------------------------------------- */

struct rem_row {
	struct reminder r;
	char *appt_uid;
};

struct rem_list {
	struct rem_row *v;
	size_t n, cap;
};

static void
rem_collect(const struct reminder *r, const char *appt_uid, void *arg)
{
	struct rem_list *l = arg;
	struct rem_row *x;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	x = &l->v[l->n++];
	x->r = *r;
	x->r.student_id = xstrdup(r->student_id);
	x->r.last_error = xstrdup(r->last_error);
	x->appt_uid = xstrdup(appt_uid);
}

static void
rem_list_free(struct rem_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		reminder_clear(&l->v[i].r);
		free(l->v[i].appt_uid);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

/*
 * The reminders an appointment beyond the horizon will get (its rows are
 * made later, see plan_make_reminders): computed from the offsets and the
 * student's channels now, listed with no id and status "scheduled".
 */
static void
rem_scheduled(struct ctx *c, const struct student *s, const struct appt *a, struct rem_list *l)
{
	int64_t due[CONFIG_MAX_OFFSETS];
	int which[CONFIG_MAX_OFFSETS], n, chans[2], nch;

	if (a->status != APPT_CONFIRMED || a->reminded)
		return;
	nch = plan_channels(s, 0, chans);
	n = schedule_reminders(c->cfg, a->starts_at, c->now, due, which, CONFIG_MAX_OFFSETS);
	for (int k = 0; k < nch; k++)
		for (int i = 0; i < n; i++) {
			struct reminder r = {
				.appointment_id = a->id, .student_id = s->id, .channel = chans[k],
				.kind = REM_REMINDER, .status = REM_PENDING, .due_at = due[i],
				.next_at = due[i],
			};
			rem_collect(&r, a->uid, l);
		}
}

static const char *
rem_status(const struct rem_row *x)
{
	return x->r.id == 0 ? "scheduled" : rem_status_name(x->r.status);
}

static json_t *
rem_json(const struct rem_row *x, bool with_student)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", x->r.id ? json_integer(x->r.id) : json_null());
	if (with_student) {
		json_object_set_new(o, "student_id", jstr(x->r.student_id));
		json_object_set_new(o, "appointment_uid",
				    x->appt_uid && *x->appt_uid ? jstr(x->appt_uid) : json_null());
	}
	json_object_set_new(o, "kind", json_string(rem_kind_name(x->r.kind)));
	json_object_set_new(o, "channel", json_string(channel_name(x->r.channel)));
	json_object_set_new(o, "status", json_string(rem_status(x)));
	json_object_set_new(o, "due", jtime(x->r.due_at));
	json_object_set_new(o, "next", jtime(x->r.next_at));
	json_object_set_new(o, "sent", x->r.status == REM_SENT ? jtime(x->r.sent_at) : json_null());
	json_object_set_new(o, "attempts", json_integer(x->r.attempts));
	json_object_set_new(o, "last_error", jstr(x->r.last_error));
	return o;
}

static void
rem_text(FILE *f, const char *indent, const struct rem_row *x)
{
	char due[17], next[17];
	text_time(x->r.due_at, due);
	text_time(x->r.next_at, next);
	if (x->r.id == 0) {
		fprintf(f, "%sreminder -  %-14s %-5s due %s  scheduled\n", indent,
			rem_kind_name(x->r.kind), channel_name(x->r.channel), due);
		return;
	}
	fprintf(f, "%sreminder %lld  %-14s %-5s due %s", indent, (long long)x->r.id,
		rem_kind_name(x->r.kind), channel_name(x->r.channel), due);
	if (x->r.status == REM_PENDING && x->r.next_at != x->r.due_at)
		fprintf(f, " (next %s)", next);
	fprintf(f, "  %s, %d attempt%s", rem_status(x), x->r.attempts,
		x->r.attempts == 1 ? "" : "s");
	if (x->r.last_error && *x->r.last_error)
		fprintf(f, ", last error: %s", x->r.last_error);
	fputc('\n', f);
}

static const char *
uid_of(const struct appt *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return v[i].uid;
	return NULL;
}

static int
cmd_plan(struct ctx *c, const char *student_id)
{
	struct student s;
	struct appt *v = NULL;
	size_t n = 0;
	struct rem_list l = { 0 };
	bool *shown = NULL;
	int found, rc;

	if ((rc = open_store(c, true)))
		return rc;
	memset(&s, 0, sizeof s);
	found = store_student_get(c->st, student_id, &s);
	if (found < 0)
		return store_error(c);
	if (found == 0)
		return fail(c, CTL_NOTFOUND, "no student %s", student_id);
	if (store_appts_of_student(c->st, student_id, &v, &n) ||
	    store_ctl_each_reminder(c->st, student_id, -1, rem_collect, &l)) {
		rc = store_error(c);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		rem_scheduled(c, &s, &v[i], &l);
	shown = xcalloc(l.n + 1, sizeof *shown);

	if (c->o->json) {
		json_t *doc = json_object(), *st = json_object(), *arr = json_array(), *other;
		char day[11];
		date_format(s.last_exam_on, day);
		json_object_set_new(st, "id", jstr(s.id));
		json_object_set_new(st, "given_name", jstr(s.given_name));
		json_object_set_new(st, "family_name", jstr(s.family_name));
		json_object_set_new(st, "email", jstr(s.email));
		json_object_set_new(st, "phone", jstr(s.phone));
		json_object_set_new(st, "locale", jstr(s.locale));
		json_object_set_new(st, "consent", json_pack("{s:o, s:o}", "sms",
			jbool(s.consent_sms), "email", jbool(s.consent_email)));
		json_object_set_new(st, "uai", jstr(s.uai));
		json_object_set_new(st, "programme", json_pack("{s:o, s:o}", "code",
			jstr(s.programme_code), "label", jstr(s.programme_label)));
		json_object_set_new(st, "session", jstr(s.session));
		json_object_set_new(st, "last_exam_on", json_string(day));
		json_object_set_new(st, "adviser_id", jstr(s.adviser_id));
		json_object_set_new(st, "stopped", jbool(s.stopped));
		json_object_set_new(doc, "student", st);
		for (size_t i = 0; i < n; i++) {
			const struct appt *a = &v[i];
			json_t *o = json_object(), *rems = json_array();
			const char *rep = a->replaces ? uid_of(v, n, a->replaces) : NULL;
			json_object_set_new(o, "uid", json_string(a->uid));
			json_object_set_new(o, "kind", json_string(appt_kind_name(a->kind)));
			json_object_set_new(o, "plan_index", a->plan_index >= 0 ?
					    json_integer(a->plan_index) : json_null());
			json_object_set_new(o, "start", jtime(a->starts_at));
			json_object_set_new(o, "end", jtime(a->ends_at));
			json_object_set_new(o, "status", json_string(appt_status_name(a->status)));
			json_object_set_new(o, "sequence", json_integer(a->sequence));
			json_object_set_new(o, "replaces", jstr(rep));
			json_object_set_new(o, "adviser_id", jstr(a->adviser_id));
			json_object_set_new(o, "window", jstr(a->window_key));
			json_object_set_new(o, "situation", a->situation ?
					    json_string(situation_name(a->situation)) : json_null());
			json_object_set_new(o, "changed_by", jstr(a->changed_by));
			json_object_set_new(o, "updated", jtime(a->updated_at));
			for (size_t j = 0; j < l.n; j++)
				if (l.v[j].r.appointment_id == a->id) {
					json_array_append_new(rems, rem_json(&l.v[j], false));
					shown[j] = true;
				}
			json_object_set_new(o, "reminders", rems);
			json_array_append_new(arr, o);
		}
		json_object_set_new(doc, "appointments", arr);
		other = json_array();
		for (size_t j = 0; j < l.n; j++)
			if (!shown[j])
				json_array_append_new(other, rem_json(&l.v[j], true));
		json_object_set_new(doc, "other_reminders", other);
		emit(c, doc);
		rc = CTL_OK;
		goto out;
	}

	FILE *f = c->out;
	char day[11];
	date_format(s.last_exam_on, day);
	fprintf(f, "student %s: %s%s%s (%s)%s\n", s.id, s.given_name,
		s.family_name ? " " : "", s.family_name ? s.family_name : "", s.locale,
		s.stopped ? ", follow-up stopped" : "");
	fprintf(f, "  contact: email %s (consent %s), phone %s (consent %s)\n",
		s.email ? s.email : "-", s.consent_email ? "yes" : "no",
		s.phone ? s.phone : "-", s.consent_sms ? "yes" : "no");
	fprintf(f, "  establishment %s, programme %s, last exam %s, adviser %s\n", s.uai,
		s.programme_code ? s.programme_code : "-", day, s.adviser_id);
	if (n == 0)
		fprintf(f, "no appointments\n");
	for (size_t i = 0; i < n; i++) {
		const struct appt *a = &v[i];
		char start[17], end[17];
		const char *rep = a->replaces ? uid_of(v, n, a->replaces) : NULL;
		text_time(a->starts_at, start);
		text_time(a->ends_at, end);
		fprintf(f, "%s-%s  %-8s %-9s seq %d  %s\n", start, end + 11,
			appt_kind_name(a->kind), appt_status_name(a->status), a->sequence,
			a->uid);
		if (rep)
			fprintf(f, "    replaces %s\n", rep);
		if (a->situation)
			fprintf(f, "    situation %s\n", situation_name(a->situation));
		if (a->changed_by && a->sequence > 0)
			fprintf(f, "    changed by %s\n", a->changed_by);
		for (size_t j = 0; j < l.n; j++)
			if (l.v[j].r.appointment_id == a->id) {
				rem_text(f, "    ", &l.v[j]);
				shown[j] = true;
			}
	}
	for (size_t j = 0; j < l.n; j++)
		if (!shown[j])
			rem_text(f, "", &l.v[j]);
	rc = CTL_OK;
out:
	free(shown);
	rem_list_free(&l);
	store_appts_free(v, n);
	student_clear(&s);
	return rc;
}

/* ---- feeds -------------------------------------------------------------------- */

static int
feed_kind(const char *s)
{
	for (int k = 1; k < (int)ARRAY_SIZE(feed_kinds); k++)
		if (strcmp(s, feed_kinds[k]) == 0)
			return k;
	return 0;
}

static int
cmd_feed(struct ctx *c, int argc, char **argv)
{
	bool revoke = argc > 1 && strcmp(argv[1], "revoke") == 0;
	const char *kname, *id;
	char token[65], *url;
	int kind, found, rc;

	if (argc != (revoke ? 4 : 3))
		return usage_error(c, "feed: expected adviser|student|establishment ID");
	kname = argv[revoke ? 2 : 1];
	id = argv[revoke ? 3 : 2];
	if ((kind = feed_kind(kname)) == 0)
		return usage_error(c, "feed: kind must be adviser, student or establishment");
	if ((rc = open_store(c, !revoke)))
		return rc;
	if (revoke) {
		if (store_begin(c->st))
			return store_error(c);
		found = store_ctl_feed_revoke(c->st, kind, id, token);
		if (found <= 0)
			store_rollback(c->st);
		else if (store_commit(c->st)) {
			store_rollback(c->st);
			return store_error(c);
		}
	} else {
		found = store_feed_token(c->st, kind, id, token);
	}
	if (found < 0)
		return store_error(c);
	if (found == 0)
		return fail(c, CTL_NOTFOUND, "no %s %s", kname, id);
	url = xasprintf("%s/feeds/%s/%s.ics", c->cfg->calendar.base_url, kname, token);
	if (c->o->json)
		emit(c, json_pack("{s:s, s:s, s:s, s:b}", "kind", kname, "id", id, "url", url,
				  "revoked", revoke));
	else
		fprintf(c->out, "%s\n", url);
	free(url);
	return CTL_OK;
}

/* ---- reminders ---------------------------------------------------------------- */

static int
cmd_reminders(struct ctx *c)
{
	struct rem_list l = { 0 };
	int64_t awaiting = 0;
	int status, rc, w = 11;

	if (c->o->pending == c->o->failed)
		return usage_error(c, "reminders: give exactly one of --pending or --failed");
	status = c->o->pending ? REM_PENDING : REM_FAILED;
	if ((rc = open_store(c, true)))
		return rc;
	if (store_ctl_each_reminder(c->st, NULL, status, rem_collect, &l) ||
	    (status == REM_PENDING && store_ctl_count_awaiting(c->st, &awaiting))) {
		rem_list_free(&l);
		return store_error(c);
	}
	if (c->o->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l.n; i++)
			json_array_append_new(arr, rem_json(&l.v[i], true));
		json_t *doc = json_pack("{s:s, s:I, s:o}", "status", rem_status_name(status), "count",
					(json_int_t)l.n, "reminders", arr);
		if (status == REM_PENDING)
			json_object_set_new(doc, "appointments_awaiting_reminders", json_integer(awaiting));
		emit(c, doc);
	} else if (l.n == 0) {
		fprintf(c->out, "no %s reminders\n", rem_status_name(status));
	} else {
		for (size_t i = 0; i < l.n; i++)
			if ((int)strlen(l.v[i].appt_uid) > w)
				w = (int)strlen(l.v[i].appt_uid);
		fprintf(c->out, "%-8s %-16s %-*s %-14s %-5s %-16s %-16s %-3s %s\n", "ID", "STUDENT",
			w, "APPOINTMENT", "KIND", "CHAN", "DUE", "NEXT", "TRY", "LAST ERROR");
		for (size_t i = 0; i < l.n; i++) {
			const struct rem_row *x = &l.v[i];
			char due[17], next[17];
			text_time(x->r.due_at, due);
			text_time(x->r.next_at, next);
			fprintf(c->out, "%-8lld %-16s %-*s %-14s %-5s %-16s %-16s %-3d %s\n",
				(long long)x->r.id, x->r.student_id ? x->r.student_id : "-",
				w, *x->appt_uid ? x->appt_uid : "-", rem_kind_name(x->r.kind),
				channel_name(x->r.channel), due, next, x->r.attempts,
				x->r.last_error ? x->r.last_error : "");
		}
	}
	if (!c->o->json && awaiting > 0)
		fprintf(c->out, "and the reminders of %lld appointments beyond the horizon: their rows are"
			" made %lld days before (relancectl plan STUDENT_ID shows them)\n",
			(long long)awaiting, (long long)(schedule_reminder_horizon(c->cfg) / 86400));
	rem_list_free(&l);
	return CTL_OK;
}

/* ---- dead letters ------------------------------------------------------------- */

struct dead_ctx {
	struct ctx *c;
	json_t *arr;
	size_t n;
};

static void
dead_one(const struct dead_letter *d, void *arg)
{
	struct dead_ctx *x = arg;
	struct ctx *c = x->c;
	x->n++;
	if (x->arr) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(d->id));
		json_object_set_new(o, "topic", jstr(d->topic));
		json_object_set_new(o, "partition", json_integer(d->partition));
		json_object_set_new(o, "offset", json_integer(d->offset));
		json_object_set_new(o, "reason", jstr(d->reason));
		json_object_set_new(o, "received", jtime(d->received_at));
		if (c->o->payload) {
			json_t *p = d->payload ? json_stringn(d->payload, d->len) : json_string("");
			if (p) {
				json_object_set_new(o, "payload", p);
			} else {
				char *b = base64(d->payload, d->len);
				json_object_set_new(o, "payload_base64", json_string(b));
				free(b);
			}
		}
		json_array_append_new(x->arr, o);
		return;
	}
	char when[17];
	text_time(d->received_at, when);
	fprintf(c->out, "%lld  %s  %s[%d]@%lld  %s\n", (long long)d->id, when,
		d->topic ? d->topic : "-", d->partition, (long long)d->offset,
		d->reason ? d->reason : "-");
	if (c->o->payload) {
		fputs("    ", c->out);
		print_escaped(c->out, d->payload, d->payload ? d->len : 0);
		fputc('\n', c->out);
	}
}

static int
cmd_dead_letters(struct ctx *c)
{
	struct dead_ctx x = { c, NULL, 0 };
	int rc;

	if ((rc = open_store(c, true)))
		return rc;
	if (c->o->json)
		x.arr = json_array();
	if (store_ctl_each_dead_letter(c->st, dead_one, &x)) {
		json_decref(x.arr);
		return store_error(c);
	}
	if (c->o->json)
		emit(c, json_pack("{s:I, s:o}", "count", (json_int_t)x.n, "dead_letters", x.arr));
	else if (x.n == 0)
		fprintf(c->out, "no dead letters\n");
	return CTL_OK;
}

/* ---- indicators --------------------------------------------------------------- */

struct ind_ctx {
	struct ctx *c;
	json_t *arr;
	struct indicators total;
	size_t n;
	const char *final_label;
};

static json_t *
rate(int64_t att, int64_t missed)
{
	if (att + missed == 0)
		return json_null();
	return json_real((double)att / (double)(att + missed));
}

static json_t *
ind_json(const struct indicators *in, const char *final_label)
{
	json_t *o = json_object(), *sit = json_object();
	if (in->uai) {
		json_object_set_new(o, "uai", jstr(in->uai));
		json_object_set_new(o, "establishment", jstr(in->establishment));
		json_object_set_new(o, "programme", json_pack("{s:o, s:o}", "code",
			jstr(in->programme_code), "label", jstr(in->programme_label)));
	}
	json_object_set_new(o, "students", json_pack("{s:I, s:I}", "followed",
		(json_int_t)in->students, "stopped", (json_int_t)in->stopped));
	json_object_set_new(o, "checkins", json_pack("{s:I, s:I, s:I, s:I, s:o}",
		"attended", (json_int_t)in->checkins_attended, "missed",
		(json_int_t)in->checkins_missed, "excused", (json_int_t)in->checkins_excused,
		"planned", (json_int_t)in->checkins_planned, "attendance_rate",
		rate(in->checkins_attended, in->checkins_missed)));
	json_object_set_new(o, "dropins", json_pack("{s:I, s:I, s:I, s:I, s:o}",
		"attended", (json_int_t)in->dropins_attended, "missed",
		(json_int_t)in->dropins_missed, "excused", (json_int_t)in->dropins_excused,
		"planned", (json_int_t)in->dropins_planned, "attendance_rate",
		rate(in->dropins_attended, in->dropins_missed)));
	json_object_set_new(sit, "checkin", json_string(final_label));
	for (int i = 1; i < 5; i++)
		json_object_set_new(sit, situation_name(i), json_integer(in->situation[i]));
	json_object_set_new(sit, "none", json_integer(in->situation[0]));
	json_object_set_new(o, "final_situation", sit);
	json_object_set_new(o, "workshops", json_pack("{s:I, s:I}", "present",
		(json_int_t)in->workshops_present, "recorded", (json_int_t)in->workshops_recorded));
	return o;
}

static void
rate_text(char *buf, size_t len, int64_t att, int64_t missed)
{
	if (att + missed == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0f%%", 100.0 * (double)att / (double)(att + missed));
}

static void
ind_text(FILE *f, const struct indicators *in, const char *final_label)
{
	char r1[16], r2[16];
	rate_text(r1, sizeof r1, in->checkins_attended, in->checkins_missed);
	rate_text(r2, sizeof r2, in->dropins_attended, in->dropins_missed);
	if (in->uai)
		fprintf(f, "%s %s / %s %s\n", in->uai, in->establishment, in->programme_code,
			in->programme_label);
	else
		fprintf(f, "all establishments and programmes\n");
	fprintf(f, "  students followed %lld (stopped %lld)\n", (long long)in->students,
		(long long)in->stopped);
	fprintf(f, "  check-ins: attended %lld, missed %lld, excused %lld, planned %lld, attendance %s\n",
		(long long)in->checkins_attended, (long long)in->checkins_missed,
		(long long)in->checkins_excused, (long long)in->checkins_planned, r1);
	fprintf(f, "  drop-ins: attended %lld, missed %lld, excused %lld, planned %lld, attendance %s\n",
		(long long)in->dropins_attended, (long long)in->dropins_missed,
		(long long)in->dropins_excused, (long long)in->dropins_planned, r2);
	fprintf(f, "  situation at the %s check-in: employed %lld, training %lld, seeking %lld,"
		" unknown %lld, none recorded %lld\n", final_label, (long long)in->situation[1],
		(long long)in->situation[2], (long long)in->situation[3],
		(long long)in->situation[4], (long long)in->situation[0]);
	fprintf(f, "  workshops: present %lld of %lld recorded\n", (long long)in->workshops_present,
		(long long)in->workshops_recorded);
}

static void
ind_one(const struct indicators *in, void *arg)
{
	struct ind_ctx *x = arg;
	struct indicators *t = &x->total;
	x->n++;
	t->students += in->students;
	t->stopped += in->stopped;
	t->checkins_attended += in->checkins_attended;
	t->checkins_missed += in->checkins_missed;
	t->checkins_excused += in->checkins_excused;
	t->checkins_planned += in->checkins_planned;
	t->dropins_attended += in->dropins_attended;
	t->dropins_missed += in->dropins_missed;
	t->dropins_excused += in->dropins_excused;
	t->dropins_planned += in->dropins_planned;
	for (int i = 0; i < 5; i++)
		t->situation[i] += in->situation[i];
	t->workshops_present += in->workshops_present;
	t->workshops_recorded += in->workshops_recorded;
	if (x->arr)
		json_array_append_new(x->arr, ind_json(in, x->final_label));
	else
		ind_text(x->c->out, in, x->final_label);
}

static void
offset_label(const struct offset *o, char *buf, size_t len)
{
	if (o->days)
		snprintf(buf, len, "+%dd", o->days);
	else if (o->secs % 3600 == 0)
		snprintf(buf, len, "+%lldh", (long long)(o->secs / 3600));
	else
		snprintf(buf, len, "+%llds", (long long)o->secs);
}

static int
cmd_indicators(struct ctx *c)
{
	struct ind_ctx x;
	int final = -1, rc;
	int64_t best = -1;
	char label[32] = "last";

	for (int i = 0; i < c->cfg->checkins.noffsets; i++) {
		const struct offset *o = &c->cfg->checkins.offsets[i];
		int64_t v = (int64_t)o->days * 86400 + o->secs;
		if (v > best) {
			best = v;
			final = i;
		}
	}
	if (final >= 0)
		offset_label(&c->cfg->checkins.offsets[final], label, sizeof label);
	if ((rc = open_store(c, true)))
		return rc;
	memset(&x, 0, sizeof x);
	x.c = c;
	x.final_label = label;
	if (c->o->json)
		x.arr = json_array();
	if (store_ctl_each_indicators(c->st, final, ind_one, &x)) {
		json_decref(x.arr);
		return store_error(c);
	}
	if (c->o->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "final_checkin", json_string(label));
		json_object_set_new(doc, "indicators", x.arr);
		json_object_set_new(doc, "total", ind_json(&x.total, label));
		emit(c, doc);
	} else if (x.n == 0) {
		fprintf(c->out, "no students yet\n");
	} else if (x.n > 1) {
		ind_text(c->out, &x.total, label);
	}
	return CTL_OK;
}

/* ---- actions ------------------------------------------------------------------ */

static int
parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v <= 0)
		return -1;
	*id = v;
	return 0;
}

static int
cmd_retry(struct ctx *c, const char *arg)
{
	int64_t id;
	char why[256] = "";
	int r, rc;

	if (parse_id(arg, &id))
		return usage_error(c, "retry: REMINDER_ID is a positive number");
	if ((rc = open_store(c, false)))
		return rc;
	if (store_begin(c->st))
		return store_error(c);
	r = store_ctl_retry(c->st, id, c->now, why, sizeof why);
	if (r == 1 && store_commit(c->st))
		r = -1;
	if (r != 1)
		store_rollback(c->st);
	if (r < 0)
		return store_error(c);
	if (r == 0)
		return fail(c, CTL_NOTFOUND, "no reminder %lld", (long long)id);
	if (r == 2)
		return fail(c, CTL_NOTFOUND, "%s", why);
	if (c->o->json)
		emit(c, json_pack("{s:I, s:s, s:o}", "reminder", (json_int_t)id, "status", "pending",
				  "next", jtime(c->now)));
	else
		fprintf(c->out, "reminder %lld is pending again, due now\n", (long long)id);
	return CTL_OK;
}

static int
cmd_cancel(struct ctx *c, const char *uid)
{
	struct planner *p = NULL;
	struct appt a;
	int found, rc;

	memset(&a, 0, sizeof a);
	if ((rc = open_store(c, false)))
		return rc;
	if ((p = plan_new(c->cfg, c->st)) == NULL)
		return store_error(c);
	if (store_begin(c->st) || store_ctl_sync_rev(c->st)) {
		rc = store_error(c);
		goto out;
	}
	found = store_appt_by_uid(c->st, uid, &a);
	if (found < 0) {
		rc = store_error(c);
		goto rollback;
	}
	if (found == 0) {
		rc = fail(c, CTL_NOTFOUND, "no appointment %s", uid);
		goto rollback;
	}
	if (a.status != APPT_CONFIRMED) {
		rc = fail(c, CTL_NOTFOUND, "appointment %s is %s, not confirmed", uid,
			  appt_status_name(a.status));
		goto rollback;
	}
	if (a.starts_at <= c->now) {
		rc = fail(c, CTL_NOTFOUND, "appointment %s has already started", uid);
		goto rollback;
	}
	found = plan_cancel(p, uid, "relancectl cancel", c->now);
	if (found < 0 || store_commit(c->st)) {
		rc = store_error(c);
		goto rollback;
	}
	if (c->o->json)
		emit(c, json_pack("{s:s, s:s, s:s}", "uid", uid, "status", "cancelled", "student_id",
				  a.student_id));
	else
		fprintf(c->out, "appointment %s cancelled, with its pending reminders\n", uid);
	rc = CTL_OK;
	goto out;
rollback:
	store_rollback(c->st);
out:
	appt_clear(&a);
	plan_free(p);
	return rc;
}

/* ---- entry -------------------------------------------------------------------- */

void
ctl_usage(FILE *f)
{
	fprintf(f,
		"usage: relancectl [-c FILE] COMMAND [ARGS] [--json]\n"
		"commands:\n"
		"  status                          counters of the store\n"
		"  plan STUDENT_ID                 a student's appointments and reminders\n"
		"  feed adviser|student|establishment ID\n"
		"                                  print a feed's URL\n"
		"  feed revoke adviser|student|establishment ID\n"
		"                                  replace a feed's URL by a new one\n"
		"  reminders --pending|--failed    list reminders\n"
		"  dead-letters [--payload]        list dead-lettered events\n"
		"  indicators                      follow-up indicators per establishment and programme\n"
		"  retry REMINDER_ID               send a failed or cancelled reminder again\n"
		"  cancel APPOINTMENT_UID          cancel an appointment and its reminders\n"
		"options:\n"
		"  -c, --config FILE   configuration (default /etc/relance/relance.conf)\n"
		"      --json          one JSON document on standard output\n"
		"  -h, --help          this help\n");
}

static int
dispatch(struct ctx *c, int argc, char **argv)
{
	const char *cmd = argv[0];

	if (c->o->payload && strcmp(cmd, "dead-letters") != 0)
		return usage_error(c, "--payload goes with dead-letters");
	if ((c->o->pending || c->o->failed) && strcmp(cmd, "reminders") != 0)
		return usage_error(c, "--pending and --failed go with reminders");
	if (strcmp(cmd, "status") == 0 && argc == 1)
		return cmd_status(c);
	if (strcmp(cmd, "plan") == 0 && argc == 2)
		return cmd_plan(c, argv[1]);
	if (strcmp(cmd, "feed") == 0)
		return cmd_feed(c, argc, argv);
	if (strcmp(cmd, "reminders") == 0 && argc == 1)
		return cmd_reminders(c);
	if (strcmp(cmd, "dead-letters") == 0 && argc == 1)
		return cmd_dead_letters(c);
	if (strcmp(cmd, "indicators") == 0 && argc == 1)
		return cmd_indicators(c);
	if (strcmp(cmd, "retry") == 0 && argc == 2)
		return cmd_retry(c, argv[1]);
	if (strcmp(cmd, "cancel") == 0 && argc == 2)
		return cmd_cancel(c, argv[1]);
	static const char *const known[] = {
		"status", "plan", "reminders", "dead-letters", "indicators", "retry", "cancel"
	};
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (strcmp(cmd, known[i]) == 0)
			return usage_error(c, "wrong number of arguments");
	fprintf(c->err, "relancectl: unknown command '%s'\n", cmd);
	ctl_usage(c->err);
	return CTL_USAGE;
}

int
ctl_run(const struct config *cfg, int argc, char **argv, const struct ctl_opts *o, FILE *out,
	FILE *err)
{
	struct ctx c = { .cfg = cfg, .o = o, .out = out, .err = err };
	int rc;

	if (argc < 1) {
		fprintf(err, "relancectl: no command\n");
		ctl_usage(err);
		return CTL_USAGE;
	}
	if (tz_set(cfg->calendar.timezone) != 0) {
		fprintf(err, "relancectl: unknown time zone %s\n", cfg->calendar.timezone);
		return CTL_FAIL;
	}
	c.now = clock_now();
	rc = dispatch(&c, argc, argv);
	store_close(c.st);
	fix_owner(&c);
	fflush(out);
	return rc;
}
