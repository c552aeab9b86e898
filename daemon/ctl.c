/*
 * ctl.c — the commands of relancectl: reads the store while relanced runs
 * (a read-only SQLite connection; WAL readers never block the writer) and
 * performs the actions (retry, cancel, link) and feed revocation in short
 * write transactions. Text for people, or with --json exactly one JSON
 * document (jansson) with stable key names and RFC 3339 times.
 *
 * This file: the dispatch of commands, the output and store helpers shared
 * with ctl_report.c (ctl_impl.h), and the commands feed, reminders,
 * dead-letters, retry, cancel and link. ctl_report.c holds the reports status
 * and plan, ctl_indicators.c indicators, ctl_replies.c replies.
 *
 * Contract section 6 (administration) and section 7 (relancectl's command
 * line and exit codes).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "ctl.h"
#include "ctl_impl.h"
#include "event.h"
#include "link.h"
#include "log.h"
#include "plan.h"
#include "policy.h"
#include "reply.h"
#include "schedule.h"
#include "store.h"
#include "util.h"


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

void
ctl_text_time(int64_t t, char out[17])
{
	if (t == 0)
		snprintf(out, 17, "-");
	else
		wall_format(t, out);
}

json_t *
ctl_jstr(const char *s)
{
	json_t *v;
	if (s == NULL)
		return json_null();
	v = json_string(s);
	return v ? v : json_string("");
}

json_t *
ctl_jtime(int64_t t)
{
	char buf[32];
	if (t == 0)
		return json_null();
	ctl_time_format(t, buf);
	return json_string(buf);
}

json_t *
ctl_jbool(int b)
{
	return json_boolean(b);
}

void
ctl_emit(struct ctx *c, json_t *doc)
{
	json_dumpf(doc, c->out, JSON_INDENT(2));
	fputc('\n', c->out);
	json_decref(doc);
}

/* Prints "relancectl: MSG" on err and, with --json, {"error": MSG} on out. */
int __attribute__((format(printf, 3, 4)))
ctl_fail(struct ctx *c, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(c->err, "relancectl: %s\n", msg);
	if (c->o->json)
		ctl_emit(c, json_pack("{s:s, s:i}", "error", msg, "exit", code));
	return code;
}

static int
usage_fail(FILE *err, const char *msg)
{
	fprintf(err, "relancectl: %s\n", msg);
	ctl_usage(err);
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

int
ctl_open_store(struct ctx *c, bool readonly)
{
	char err[512];
	const char *path = c->cfg->store.path;

	if (access(path, F_OK) != 0) {
		if (errno == ENOENT)
			return ctl_fail(c, CTL_FAIL, "store %s does not exist: is relanced configured with this file?",
				    path);
		return ctl_fail(c, CTL_FAIL, "store %s: %s", path, strerror(errno));
	}
	if (stat(path, &c->db) != 0)
		return ctl_fail(c, CTL_FAIL, "store %s: %s", path, strerror(errno));
	c->st = store_open(path, readonly, err, sizeof err);
	if (c->st == NULL)
		return ctl_fail(c, CTL_FAIL, "%s", err);
	return CTL_OK;
}

int
ctl_store_error(struct ctx *c)
{
	return ctl_fail(c, CTL_FAIL, "store error: %s", store_errmsg(c->st));
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

/* ---- reminder rows (plan, reminders) ------------------------------------------ */

void
ctl_rem_collect(const struct reminder *r, const char *appt_uid, void *arg)
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

void
ctl_rem_list_free(struct rem_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		reminder_clear(&l->v[i].r);
		free(l->v[i].appt_uid);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static const char *
rem_status(const struct rem_row *x)
{
	return x->r.id == 0 ? "scheduled" : rem_status_name(x->r.status);
}

json_t *
ctl_rem_json(const struct rem_row *x, bool with_student)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", x->r.id ? json_integer(x->r.id) : json_null());
	if (with_student) {
		json_object_set_new(o, "student_id", ctl_jstr(x->r.student_id));
		json_object_set_new(o, "appointment_uid",
				    x->appt_uid && *x->appt_uid ? ctl_jstr(x->appt_uid) : json_null());
	}
	json_object_set_new(o, "kind", json_string(rem_kind_name(x->r.kind)));
	json_object_set_new(o, "channel", json_string(channel_name(x->r.channel)));
	json_object_set_new(o, "status", json_string(rem_status(x)));
	json_object_set_new(o, "due", ctl_jtime(x->r.due_at));
	json_object_set_new(o, "next", ctl_jtime(x->r.next_at));
	json_object_set_new(o, "sent", x->r.status == REM_SENT ? ctl_jtime(x->r.sent_at) : json_null());
	json_object_set_new(o, "attempts", json_integer(x->r.attempts));
	json_object_set_new(o, "last_error", ctl_jstr(x->r.last_error));
	return o;
}

void
ctl_rem_text(FILE *f, const char *indent, const struct rem_row *x)
{
	char due[17], next[17];
	ctl_text_time(x->r.due_at, due);
	ctl_text_time(x->r.next_at, next);
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

	kname = argv[revoke ? 2 : 1];
	id = argv[revoke ? 3 : 2];
	kind = feed_kind(kname);
	if ((rc = ctl_open_store(c, !revoke)))
		return rc;
	if (revoke) {
		if (store_begin(c->st))
			return ctl_store_error(c);
		found = store_ctl_feed_revoke(c->st, kind, id, token);
		if (found <= 0)
			store_rollback(c->st);
		else if (store_commit(c->st)) {
			store_rollback(c->st);
			return ctl_store_error(c);
		}
	} else {
		found = store_feed_token(c->st, kind, id, token);
	}
	if (found < 0)
		return ctl_store_error(c);
	if (found == 0)
		return ctl_fail(c, CTL_NOTFOUND, "no %s %s", kname, id);
	url = xasprintf("%s/feeds/%s/%s.ics", c->cfg->calendar.base_url, kname, token);
	if (c->o->json)
		ctl_emit(c, json_pack("{s:s, s:s, s:s, s:b}", "kind", kname, "id", id, "url", url,
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

	status = c->o->pending ? REM_PENDING : c->o->failed ? REM_FAILED : REM_SKIPPED;
	if ((rc = ctl_open_store(c, true)))
		return rc;
	if (store_ctl_each_reminder(c->st, NULL, status, ctl_rem_collect, &l) ||
	    (status == REM_PENDING && store_ctl_count_awaiting(c->st, &awaiting))) {
		ctl_rem_list_free(&l);
		return ctl_store_error(c);
	}
	if (c->o->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l.n; i++)
			json_array_append_new(arr, ctl_rem_json(&l.v[i], true));
		json_t *doc = json_pack("{s:s, s:I, s:o}", "status", rem_status_name(status), "count",
					(json_int_t)l.n, "reminders", arr);
		if (status == REM_PENDING)
			json_object_set_new(doc, "appointments_awaiting_reminders", json_integer(awaiting));
		ctl_emit(c, doc);
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
			ctl_text_time(x->r.due_at, due);
			ctl_text_time(x->r.next_at, next);
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
	ctl_rem_list_free(&l);
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
		json_object_set_new(o, "topic", ctl_jstr(d->topic));
		json_object_set_new(o, "partition", json_integer(d->partition));
		json_object_set_new(o, "offset", json_integer(d->offset));
		json_object_set_new(o, "reason", ctl_jstr(d->reason));
		json_object_set_new(o, "received", ctl_jtime(d->received_at));
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
	ctl_text_time(d->received_at, when);
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

	if ((rc = ctl_open_store(c, true)))
		return rc;
	if (c->o->json)
		x.arr = json_array();
	if (store_ctl_each_dead_letter(c->st, dead_one, &x)) {
		json_decref(x.arr);
		return ctl_store_error(c);
	}
	if (c->o->json)
		ctl_emit(c, json_pack("{s:I, s:o}", "count", (json_int_t)x.n, "dead_letters", x.arr));
	else if (x.n == 0)
		fprintf(c->out, "no dead letters\n");
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

	parse_id(arg, &id); /* checked by ctl_usage_check() */
	if ((rc = ctl_open_store(c, false)))
		return rc;
	if (store_begin(c->st))
		return ctl_store_error(c);
	r = store_ctl_retry(c->st, id, c->now, why, sizeof why);
	if (r == 1 && store_commit(c->st))
		r = -1;
	if (r != 1)
		store_rollback(c->st);
	if (r < 0)
		return ctl_store_error(c);
	if (r == 0)
		return ctl_fail(c, CTL_NOTFOUND, "no reminder %lld", (long long)id);
	if (r == 2)
		return ctl_fail(c, CTL_NOTFOUND, "%s", why);
	if (c->o->json)
		ctl_emit(c, json_pack("{s:I, s:s, s:o}", "reminder", (json_int_t)id, "status", "pending",
				  "next", ctl_jtime(c->now)));
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
	if ((rc = ctl_open_store(c, false)))
		return rc;
	if ((p = plan_new(c->cfg, c->st)) == NULL)
		return ctl_store_error(c);
	if (store_begin(c->st) || store_ctl_sync_rev(c->st)) {
		rc = ctl_store_error(c);
		goto out;
	}
	found = store_appt_by_uid(c->st, uid, &a);
	if (found < 0) {
		rc = ctl_store_error(c);
		goto rollback;
	}
	if (found == 0) {
		rc = ctl_fail(c, CTL_NOTFOUND, "no appointment %s", uid);
		goto rollback;
	}
	switch (policy_cancel_check(&a, c->now)) {
	case POLICY_CANCEL_OK:
		break;
	case POLICY_CANCEL_NOT_CONFIRMED:
		rc = ctl_fail(c, CTL_NOTFOUND, "appointment %s is %s, not confirmed", uid,
			      appt_status_name(a.status));
		goto rollback;
	case POLICY_CANCEL_STARTED:
		rc = ctl_fail(c, CTL_NOTFOUND, "appointment %s has already started", uid);
		goto rollback;
	}
	found = plan_cancel(p, uid, "relancectl cancel", c->now);
	if (found < 0 || store_commit(c->st)) {
		rc = ctl_store_error(c);
		goto rollback;
	}
	if (c->o->json)
		ctl_emit(c, json_pack("{s:s, s:s, s:s}", "uid", uid, "status", "cancelled", "student_id",
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

/* relancectl link UID...: the personal link of each appointment (to give
 * it to the student another way), its code hash stored as the dispatcher
 * does before a reminder goes out (reply_code_issue()). All or nothing, in
 * one transaction: a UID of no appointment to come that the student may
 * answer gives exit 1 and nothing is stored. */
static int
cmd_link(struct ctx *c, int n, char **uids)
{
	uint8_t key[LINK_KEY_LEN];
	char err[512], **urls = xcalloc((size_t)n, sizeof *urls);
	int rc;

	if (reply_link_key_read(c->cfg, key, err, sizeof err) != 0) {
		free(urls);
		return ctl_fail(c, CTL_FAIL, "%s", err);
	}
	if ((rc = ctl_open_store(c, false)) != CTL_OK || store_begin(c->st) != 0) {
		rc = rc ? rc : ctl_store_error(c);
		goto out;
	}
	for (int i = 0; i < n && rc == CTL_OK; i++) {
		struct appt a;
		char code[LINK_CODE_LEN + 1];
		int found;

		memset(&a, 0, sizeof a);
		found = store_appt_by_uid(c->st, uids[i], &a);
		if (found < 0 || (found > 0 && reply_code_issue(c->st, key, &a) != 0))
			rc = ctl_store_error(c);
		else if (found == 0 || a.status != APPT_CONFIRMED || a.starts_at <= c->now)
			rc = ctl_fail(c, CTL_NOTFOUND, "%s: no confirmed appointment to come",
				      uids[i]);
		if (rc == CTL_OK) {
			link_code(key, a.uid, code);
			urls[i] = xasprintf("%s/r/%s", c->cfg->calendar.base_url, code);
		}
		appt_clear(&a);
	}
	if (rc == CTL_OK && store_commit(c->st) != 0)
		rc = ctl_store_error(c);
	if (rc != CTL_OK) {
		store_rollback(c->st);
		goto out;
	}
	if (c->o->json) {
		json_t *arr = json_array();
		for (int i = 0; i < n; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s}", "uid", uids[i], "url",
							     urls[i]));
		ctl_emit(c, json_pack("{s:o}", "links", arr));
	} else {
		for (int i = 0; i < n; i++)
			fprintf(c->out, "%s\n", urls[i]);
	}
out:
	explicit_bzero(key, sizeof key);
	for (int i = 0; i < n; i++)
		free(urls[i]);
	free(urls);
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
		"  reminders --pending|--failed|--skipped\n"
		"                                  list reminders\n"
		"  dead-letters [--payload]        list dead-lettered events\n"
		"  indicators [--csv]              follow-up indicators per establishment and programme\n"
		"                                  (--csv: for a spreadsheet)\n"
		"  replies [--since DURATION|DATE] students' messages for their advisers (default:\n"
		"                                  the last 7 days; 12h, 30d, 2026-09-01)\n"
		"  retry REMINDER_ID               send a failed, cancelled or skipped reminder\n"
		"                                  again\n"
		"  cancel APPOINTMENT_UID          cancel an appointment and its reminders\n"
		"  link APPOINTMENT_UID...         print the personal link of appointments\n"
		"                                  (to give it to the student another way)\n"
		"options:\n"
		"  -c, --config FILE   configuration (default /etc/relance/relance.conf)\n"
		"      --json          one JSON document on standard output\n"
		"  -h, --help          this help\n");
}

/* The commands, their number of words (the name included) and what
 * else ctl_usage_check() verifies before the configuration is read. */
static const struct {
	const char *name, *args;
	int min, max;
} commands[] = {
	{ "status", "", 1, 1 },
	{ "plan", " STUDENT_ID", 2, 2 },
	{ "feed", " [revoke] adviser|student|establishment ID", 3, 4 },
	{ "reminders", " --pending|--failed|--skipped", 1, 1 },
	{ "dead-letters", " [--payload]", 1, 1 },
	{ "indicators", " [--csv]", 1, 1 },
	{ "replies", " [--since DURATION|DATE]", 1, 1 },
	{ "retry", " REMINDER_ID", 2, 2 },
	{ "cancel", " APPOINTMENT_UID", 2, 2 },
	{ "link", " APPOINTMENT_UID...", 2, INT_MAX },
};

static int
check_command(int argc, char **argv, const struct ctl_opts *o, FILE *err)
{
	const char *cmd = argv[0];
	bool revoke = argc > 1 && strcmp(argv[1], "revoke") == 0;
	int64_t id;

	if (strcmp(cmd, "feed") == 0) {
		if (argc != (revoke ? 4 : 3))
			return usage_fail(err, revoke ? "feed revoke: expected adviser|student|establishment ID"
						      : "feed: expected adviser|student|establishment ID");
		if (feed_kind(argv[revoke ? 2 : 1]) == 0)
			return usage_fail(err, "feed: kind must be adviser, student or establishment");
	}
	if (strcmp(cmd, "reminders") == 0 && o->pending + o->failed + o->skipped != 1)
		return usage_fail(err, "reminders: give exactly one of --pending, --failed or --skipped");
	if (strcmp(cmd, "retry") == 0 && parse_id(argv[1], &id))
		return usage_fail(err, "retry: REMINDER_ID is a positive number");
	if (strcmp(cmd, "replies") == 0 && o->since != NULL && !ctl_since_valid(o->since)) {
		fprintf(err, "relancectl: replies: --since takes a duration (30m, 12h, 7d) or a date "
			"(YYYY-MM-DD or RFC 3339), not '%s'\n", o->since);
		return CTL_USAGE;
	}
	return CTL_OK;
}

int
ctl_usage_check(int argc, char **argv, const struct ctl_opts *o, FILE *err)
{
	const char *cmd;
	size_t i;

	if (argc < 1)
		return usage_fail(err, "no command");
	cmd = argv[0];
	if (o->payload && strcmp(cmd, "dead-letters") != 0)
		return usage_fail(err, "--payload goes with dead-letters");
	if ((o->pending || o->failed || o->skipped) && strcmp(cmd, "reminders") != 0)
		return usage_fail(err, "--pending, --failed and --skipped go with reminders");
	if (o->csv && (strcmp(cmd, "indicators") != 0 || o->json))
		return usage_fail(err, "--csv goes with indicators, without --json");
	if (o->since && strcmp(cmd, "replies") != 0)
		return usage_fail(err, "--since goes with replies");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(commands)) {
		fprintf(err, "relancectl: unknown command '%s'\n", cmd);
		ctl_usage(err);
		return CTL_USAGE;
	}
	if (argc < commands[i].min || argc > commands[i].max) {
		fprintf(err, "relancectl: wrong number of arguments: %s%s\n", cmd, commands[i].args);
		return CTL_USAGE;
	}
	return check_command(argc, argv, o, err);
}

/* Runs a command ctl_usage_check() accepted. */
static int
dispatch(struct ctx *c, int argc, char **argv)
{
	const char *cmd = argv[0];

	if (strcmp(cmd, "status") == 0)
		return ctl_cmd_status(c);
	if (strcmp(cmd, "plan") == 0)
		return ctl_cmd_plan(c, argv[1]);
	if (strcmp(cmd, "feed") == 0)
		return cmd_feed(c, argc, argv);
	if (strcmp(cmd, "reminders") == 0)
		return cmd_reminders(c);
	if (strcmp(cmd, "dead-letters") == 0)
		return cmd_dead_letters(c);
	if (strcmp(cmd, "indicators") == 0)
		return ctl_cmd_indicators(c);
	if (strcmp(cmd, "replies") == 0)
		return ctl_cmd_replies(c);
	if (strcmp(cmd, "retry") == 0)
		return cmd_retry(c, argv[1]);
	if (strcmp(cmd, "cancel") == 0)
		return cmd_cancel(c, argv[1]);
	return cmd_link(c, argc - 1, argv + 1);
}

int
ctl_run(const struct config *cfg, int argc, char **argv, const struct ctl_opts *o, FILE *out,
	FILE *err)
{
	struct ctx c = { .cfg = cfg, .o = o, .out = out, .err = err };
	int rc;

	if ((rc = ctl_usage_check(argc, argv, o, err)) != CTL_OK)
		return rc;
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

