/*
 * web_metrics.c — the operational endpoints (contract section 6):
 *
 *   GET /healthz   200 "ok", or 503 with a one-line reason (store first,
 *                  then the consumer: store batches, Kafka subscription,
 *                  then a sending channel paused because its server or
 *                  gateway refused relance's credentials, then a publish
 *                  queue stuck for 10 min); a second line
 *                  gives the publish queue's backlog when it is not empty
 *   GET /metrics   Prometheus text format 0.0.4: the store's gauges and
 *                  counters (relance_dead_letters_total counts for good,
 *                  relance_dead_letters_stored is the rows kept), the feed cache, the consumer's, the
 *                  planner's, the dispatcher's (per channel) and the SMS
 *                  callbacks' counters since start, the age of the oldest
 *                  due reminder per channel, the students' page's
 *                  counters (views, answers, refusals, failed lookups,
 *                  rate-limited requests), students' answers by kind and
 *                  origin, SMS replies not understood or from unknown
 *                  numbers, and the answer indicators per establishment and
 *                  programme (gauges, read from the store at most once a
 *                  minute, for at most INDICATOR_GROUPS pairs). Counter
 *                  names end in _total.
 *
 * Every metric of relanced is formatted here; the modules only count.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer.h"
#include "dispatch.h"
#include "feed.h"
#include "httpd.h"
#include "model.h"
#include "plan.h"
#include "reply.h"
#include "store.h"
#include "util.h"
#include "web_metrics.h"
#include "web_reply.h"
#include "web_sms.h"

/* ---- /healthz ------------------------------------------------------------------- */

#define QUEUE_MAX_AGE_S 600   /* an older message in the publish queue: unhealthy */

/* 0 when healthy; otherwise -1 with a one-line reason in why. */
static int
consumer_health(const struct consumer *cons, char *why, size_t whylen)
{
	const struct consumer_stats *cs;

	if (cons == NULL)
		return 0;
	cs = consumer_stats(cons);
	if (!cs->store_ok)
		snprintf(why, whylen, "%s", cs->problem[0] ? cs->problem : "store: last batch failed");
	else if (!cs->subscribed)
		snprintf(why, whylen, "kafka: consumer not subscribed");
	else if (cs->problem[0])
		snprintf(why, whylen, "%s", cs->problem);
	else
		return 0;
	return -1;
}

/* The publish queue (producer.h): messages waiting and the age of the
 * oldest in seconds (0 when empty). 0, or -1 on a store error. */
static int
queue_state(struct store *st, int64_t *n, int64_t *age)
{
	int64_t oldest = 0;

	*n = *age = 0;
	if (store_outbox_count(st, n, &oldest) < 0)
		return -1;
	if (*n > 0 && oldest > 0)
		*age = clock_now() - oldest > 0 ? clock_now() - oldest : 0;
	return 0;
}

/* The reasons of every sending channel paused (chanpause.h) into why,
 * "; " between them (both may be refused at once: the operator must not
 * learn of the second only after fixing the first): -1, or 0 when none
 * is. */
static int
channel_health(struct dispatch *disp, char *why, size_t whylen)
{
	static const int ch[] = { CH_EMAIL, CH_SMS };
	const struct dispatch_stats *ds;
	size_t n = 0;

	if (disp == NULL)
		return 0;
	ds = dispatch_stats(disp);
	for (size_t i = 0; i < ARRAY_SIZE(ch) && n < whylen; i++)
		if (ds->paused[ch[i]])
			n += (size_t)snprintf(why + n, whylen - n, "%s%s", n ? "; " : "",
					      ds->pause_reason[ch[i]]);
	return n > 0 ? -1 : 0;
}

static int
on_healthz(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
	const struct web_metrics_src *src = arg;
	char why[200] = "", queue[100] = "";
	int64_t qn = 0, qage = 0;

	resp->content_type = "text/plain; charset=utf-8";
	if (strcmp(req->path, "/healthz") != 0) {
		resp->status = 404;
		return 0;
	}
	if (store_rev(src->st) < 0)
		snprintf(why, sizeof why, "store: %s", store_errmsg(src->st));
	else if (consumer_health(src->cons, why, sizeof why) != 0 && !why[0])
		snprintf(why, sizeof why, "unhealthy");
	if (queue_state(src->st, &qn, &qage) == 0 && qn > 0)
		snprintf(queue, sizeof queue, "publish queue: %lld waiting, the oldest for %llds\n",
			 (long long)qn, (long long)qage);
	if (!why[0])
		channel_health(src->disp, why, sizeof why);
	if (!why[0] && qage > QUEUE_MAX_AGE_S)
		snprintf(why, sizeof why, "kafka: dead letters or outcomes not published for %llds",
			 (long long)qage);
	if (why[0]) {
		why[strcspn(why, "\r\n")] = '\0';
		resp->status = 503;
		resp->body = xasprintf("%s\n%s", why, queue);
	} else {
		resp->status = 200;
		resp->body = xasprintf("ok\n%s", queue);
	}
	resp->body_len = strlen(resp->body);
	return 0;
}

/* ---- /metrics: the store ---------------------------------------------------------- */

struct metrics_ctx {
	FILE *out;
	int seen_appt, seen_rem, seen_short, seen_counter;
	int64_t dead_total;     /* counter 'dead_letters' (store_dead_letter) */
};

static void
label_escaped(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void
metric_row(const char *what, int a, int b, const char *name, int64_t n, void *arg)
{
	struct metrics_ctx *m = arg;
	FILE *out = m->out;

	if (strcmp(what, "appointments") == 0) {
		if (!m->seen_appt++)
			fputs("# HELP relance_appointments Appointments in the store by status.\n"
			      "# TYPE relance_appointments gauge\n", out);
		fprintf(out, "relance_appointments{status=\"%s\"} %lld\n", appt_status_name(a),
			(long long)n);
	} else if (strcmp(what, "reminders") == 0) {
		if (!m->seen_rem++)
			fputs("# HELP relance_reminders Reminders in the store by channel and status.\n"
			      "# TYPE relance_reminders gauge\n", out);
		fprintf(out, "relance_reminders{channel=\"%s\",status=\"%s\"} %lld\n",
			channel_name(a), rem_status_name(b),
			(long long)n);
	} else if (strcmp(what, "dead_letters") == 0) {
		fprintf(out, "# HELP relance_dead_letters_stored Dead letters kept in the store"
			     " ([store] keep_dead_letters).\n"
			     "# TYPE relance_dead_letters_stored gauge\n"
			     "relance_dead_letters_stored %lld\n", (long long)n);
	} else if (name && strcmp(name, "dead_letters") == 0) {
		m->dead_total = n;      /* printed after the store's rows */
	} else if (strcmp(what, "held_events") == 0) {
		fprintf(out, "# HELP relance_held_events Events held until their student is known"
			     " (contract 1.4).\n"
			     "# TYPE relance_held_events gauge\n"
			     "relance_held_events %lld\n", (long long)n);
	} else if (name && strncmp(name, "dropin_shortage:", 16) == 0) {
		if (!m->seen_short++)
			fputs("# HELP relance_dropin_shortage_total Students left without a drop-in slot.\n"
			      "# TYPE relance_dropin_shortage_total counter\n", out);
		fputs("relance_dropin_shortage_total{window=\"", out);
		label_escaped(out, name + 16);
		fprintf(out, "\"} %lld\n", (long long)n);
	} else if (name) {
		if (!m->seen_counter++)
			fputs("# HELP relance_store_counter_total Other counters kept in the store.\n"
			      "# TYPE relance_store_counter_total counter\n", out);
		fputs("relance_store_counter_total{name=\"", out);
		label_escaped(out, name);
		fprintf(out, "\"} %lld\n", (long long)n);
	}
}

/* ---- /metrics: the consumer and the planner ---------------------------------------- */

/* The type label of an event kind: its CloudEvents type without the
 * "avenirpro." prefix; "other" for the events of no known type. */
static const char *
event_label(int k)
{
	const char *name = event_type_name(k), *dot = strchr(name, '.');
	if (event_type_parse(name) < 0)
		return "other";
	return dot ? dot + 1 : name;
}

static void
counters(FILE *out, const struct consumer_stats *cs, const struct plan_stats *ps)
{
	fputs("# HELP relance_events_total Kafka events handled since start, by type and result.\n"
	      "# TYPE relance_events_total counter\n", out);
	for (int k = 0; k < (int)ARRAY_SIZE(cs->by_type); k++) {
		fprintf(out, "relance_events_total{type=\"%s\",result=\"applied\"} %llu\n",
			event_label(k), (unsigned long long)cs->by_type[k]);
		fprintf(out, "relance_events_total{type=\"%s\",result=\"rejected\"} %llu\n",
			event_label(k), (unsigned long long)cs->rejected_by_type[k]);
	}
	fprintf(out, "relance_events_total{type=\"any\",result=\"duplicate\"} %llu\n"
		     "# HELP relance_events_consumed_total Kafka messages consumed since start.\n"
		     "# TYPE relance_events_consumed_total counter\n"
		     "relance_events_consumed_total %llu\n"
		     "# HELP relance_store_batches_total Store transactions of Kafka batches.\n"
		     "# TYPE relance_store_batches_total counter\n"
		     "relance_store_batches_total %llu\n"
		     "# HELP relance_store_batch_seconds Duration of store batches (last, max).\n"
		     "# TYPE relance_store_batch_seconds gauge\n"
		     "relance_store_batch_seconds{stat=\"last\"} %.3f\n"
		     "relance_store_batch_seconds{stat=\"max\"} %.3f\n"
		     "# HELP relance_planned_total Planning results since start.\n"
		     "# TYPE relance_planned_total counter\n"
		     "relance_planned_total{what=\"appointments\"} %llu\n"
		     "relance_planned_total{what=\"reminders\"} %llu\n"
		     "relance_planned_total{what=\"replacements\"} %llu\n"
		     "relance_planned_total{what=\"dropin_shortages\"} %llu\n"
		     "relance_planned_total{what=\"alerts\"} %llu\n"
		     "# HELP relance_up 1 while the consumer and the store are healthy.\n"
		     "# TYPE relance_up gauge\n"
		     "relance_up %d\n",
		(unsigned long long)cs->duplicates, (unsigned long long)cs->consumed,
		(unsigned long long)cs->batches, (double)cs->last_batch_ms / 1e3,
		(double)cs->lat_max_ms / 1e3, (unsigned long long)ps->appointments,
		(unsigned long long)ps->reminders, (unsigned long long)ps->replacements,
		(unsigned long long)ps->dropin_shortages, (unsigned long long)ps->alerts,
		cs->store_ok && cs->subscribed && !cs->problem[0]);
	fprintf(out, "# HELP relance_events_held_total Events held since start: their student was"
		     " not known yet.\n"
		     "# TYPE relance_events_held_total counter\n"
		     "relance_events_held_total %llu\n"
		     "# HELP relance_held_events_done_total Held events since start, by what became"
		     " of them.\n"
		     "# TYPE relance_held_events_done_total counter\n"
		     "relance_held_events_done_total{outcome=\"released\"} %llu\n"
		     "relance_held_events_done_total{outcome=\"expired\"} %llu\n",
		(unsigned long long)cs->held, (unsigned long long)cs->released,
		(unsigned long long)cs->held_expired);
}

/* ---- /metrics: sending ------------------------------------------------------------- */

static const char *const dstat_name[DSTAT_N] = { "sent", "failed", "retried", "skipped",
						   "cancelled" };
static const char *const dstat_help[DSTAT_N] = {
	"Reminders sent (accepted by the server, the gateway or the outbox)",
	"Reminders failed for good (permanent error, attempts exhausted, failed delivery report)",
	"Failed attempts retried later (transient error)",
	"Reminders skipped: a later reminder of the same appointment was due too",
	"Reminders cancelled when due (consent, appointment, quiet hours, cap, channel off)",
};

static void
sending(FILE *out, const struct web_metrics_src *src)
{
	static const int ch[] = { CH_SMS, CH_EMAIL };
	const struct dispatch_stats *ds = src->disp ? dispatch_stats(src->disp) : NULL;
	const struct web_sms_stats *ws = src->sms ? web_sms_stats(src->sms) : NULL;
	int64_t now = clock_now();

	for (int k = 0; k < DSTAT_N; k++) {
		fprintf(out, "# HELP relance_reminders_%s_total %s since start, by channel.\n"
			     "# TYPE relance_reminders_%s_total counter\n", dstat_name[k], dstat_help[k],
			dstat_name[k]);
		for (size_t i = 0; i < ARRAY_SIZE(ch); i++)
			fprintf(out, "relance_reminders_%s_total{channel=\"%s\"} %llu\n", dstat_name[k],
				channel_name(ch[i]),
				(unsigned long long)(ds ? ds->by_channel[ch[i]][k] : 0));
	}
	fprintf(out, "# HELP relance_delivery_reports_total SMS delivery reports taken since start.\n"
		     "# TYPE relance_delivery_reports_total counter\n"
		     "relance_delivery_reports_total %llu\n"
		     "# HELP relance_stop_replies_total STOP replies taken since start.\n"
		     "# TYPE relance_stop_replies_total counter\n"
		     "relance_stop_replies_total %llu\n"
		     "# HELP relance_sms_incoming_total Incoming SMS taken since start.\n"
		     "# TYPE relance_sms_incoming_total counter\n"
		     "relance_sms_incoming_total %llu\n",
		(unsigned long long)(ws ? ws->dlr : 0), (unsigned long long)(ws ? ws->stop_replies : 0),
		(unsigned long long)(ws ? ws->incoming : 0));
	fputs("# HELP relance_channel_paused 1 while the channel is paused: its server or gateway"
	      " refused relance's credentials.\n"
	      "# TYPE relance_channel_paused gauge\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(ch); i++)
		fprintf(out, "relance_channel_paused{channel=\"%s\"} %d\n", channel_name(ch[i]),
			ds ? ds->paused[ch[i]] : 0);
	fputs("# HELP relance_channel_pauses_total Channel pauses started since start (credentials"
	      " refused).\n"
	      "# TYPE relance_channel_pauses_total counter\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(ch); i++)
		fprintf(out, "relance_channel_pauses_total{channel=\"%s\"} %llu\n", channel_name(ch[i]),
			(unsigned long long)(ds ? ds->pauses[ch[i]] : 0));
	fputs("# HELP relance_reminder_oldest_due_age_seconds Age of the oldest reminder due"
	      " and not sent yet, by channel (0: none).\n"
	      "# TYPE relance_reminder_oldest_due_age_seconds gauge\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(ch); i++) {
		int64_t at = store_oldest_due(src->st, ch[i], now);
		fprintf(out, "relance_reminder_oldest_due_age_seconds{channel=\"%s\"} %lld\n",
			channel_name(ch[i]), (long long)(at > 0 && at <= now ? now - at : 0));
	}
}

/* ---- /metrics: students' answers (contract section 8) ------------------------------ */

static void
answers(FILE *out, const struct web_metrics_src *src)
{
	static const int as[] = { ANSWER_CONFIRMED, ANSWER_CANCELLED, ANSWER_MOVED, ANSWER_MESSAGE };
	const struct reply_stats *rs = src->reply ? reply_stats(src->reply) : NULL;
	const struct web_sms_stats *ws = src->sms ? web_sms_stats(src->sms) : NULL;

	fputs("# HELP relance_answers_total Students' answers applied since start, by answer and"
	      " where they came from (a message is a reply kept for the adviser).\n"
	      "# TYPE relance_answers_total counter\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(as); i++) {
		uint64_t all = rs ? rs->answers[as[i]] : 0, sms = ws ? ws->answers[as[i]] : 0;
		fprintf(out, "relance_answers_total{answer=\"%s\",via=\"sms\"} %llu\n"
			     "relance_answers_total{answer=\"%s\",via=\"web\"} %llu\n",
			answer_name(as[i]), (unsigned long long)sms, answer_name(as[i]),
			(unsigned long long)(all > sms ? all - sms : 0));
	}
	fprintf(out, "# HELP relance_answers_refused_total Answers refused since start (moves used"
		     " up, slot taken, appointment cancelled or started).\n"
		     "# TYPE relance_answers_refused_total counter\n"
		     "relance_answers_refused_total %llu\n"
		     "# HELP relance_sms_replies_total SMS replies of students since start that were"
		     " no keyword (kept for the adviser: not_understood) or came from a number of"
		     " no student (unknown_number).\n"
		     "# TYPE relance_sms_replies_total counter\n"
		     "relance_sms_replies_total{result=\"not_understood\"} %llu\n"
		     "relance_sms_replies_total{result=\"unknown_number\"} %llu\n",
		(unsigned long long)(rs ? rs->refused : 0),
		(unsigned long long)(ws ? ws->not_understood : 0),
		(unsigned long long)(ws ? ws->unknown_number : 0));
}

/* The indicators of section 8 per establishment and programme as gauges:
 * the appointments students could answer, the share confirmed, cancelled
 * and moved, and the attendance rate of the answered (confirmed or moved)
 * and unanswered ones (left out while nothing is recorded). Read from the
 * store at most every INDICATOR_MS (a scan of the appointments), at most
 * INDICATOR_GROUPS pairs (relancectl indicators has them all). */
#define INDICATOR_MS (60 * 1000)
#define INDICATOR_GROUPS 500

struct ind_cache {
	int64_t at;                 /* mono ms of the last read, 0: never */
	char *text;                 /* the samples, after their HELP and TYPE */
	size_t groups;
	FILE *f[3];                 /* while reading: one stream per metric */
	char *buf[3];
	size_t len[3];
};
static struct ind_cache ind_cache;

static void
ind_labels(FILE *f, const char *name, const struct indicators *in)
{
	fputs(name, f);
	fputs("{uai=\"", f);
	label_escaped(f, in->uai);
	fputs("\",programme=\"", f);
	label_escaped(f, in->programme_code);
	fputc('"', f);
}

static void
ind_row(const struct indicators *in, void *arg)
{
	struct ind_cache *c = arg;
	const int64_t shares[3] = { in->confirmed, in->cancelled, in->moved };
	const char *const names[3] = { "confirmed", "cancelled", "moved" };
	const int64_t att[2][2] = { { in->confirmed_attended, in->confirmed_missed },
				    { in->unconfirmed_attended, in->unconfirmed_missed } };

	if (++c->groups > INDICATOR_GROUPS)
		return;
	ind_labels(c->f[0], "relance_indicator_appointments", in);
	fprintf(c->f[0], "} %lld\n", (long long)in->answerable);
	for (int i = 0; i < 3 && in->answerable > 0; i++) {
		ind_labels(c->f[1], "relance_indicator_answer_share", in);
		fprintf(c->f[1], ",answer=\"%s\"} %.4f\n", names[i],
			(double)shares[i] / (double)in->answerable);
	}
	for (int i = 0; i < 2; i++) {
		if (att[i][0] + att[i][1] == 0)
			continue;
		ind_labels(c->f[2], "relance_indicator_attendance_rate", in);
		fprintf(c->f[2], ",answered=\"%s\"} %.4f\n", i ? "no" : "yes",
			(double)att[i][0] / (double)(att[i][0] + att[i][1]));
	}
}

/* Reads the indicators into the cache: 0 or -1 (the cache kept). */
static int
ind_read(struct store *st)
{
	static const char *const head[3] = {
		"# HELP relance_indicator_appointments Check-ins and drop-ins students could answer"
		" (not cancelled by relance), by establishment and programme.\n"
		"# TYPE relance_indicator_appointments gauge\n",
		"# HELP relance_indicator_answer_share Share of those appointments confirmed,"
		" cancelled or moved by the student.\n"
		"# TYPE relance_indicator_answer_share gauge\n",
		"# HELP relance_indicator_attendance_rate Attendance rate of past appointments"
		" answered (confirmed or moved: yes) and not (no).\n"
		"# TYPE relance_indicator_attendance_rate gauge\n",
	};
	struct ind_cache *c = &ind_cache;
	struct strbuf b = { 0 };
	int rc;

	c->groups = 0;
	rc = 0;
	for (int i = 0; i < 3; i++)
		if ((c->f[i] = open_memstream(&c->buf[i], &c->len[i])) == NULL)
			rc = -1;
	if (rc == 0)
		rc = store_ctl_each_indicators(st, -1, ind_row, c);
	strbuf_add(&b, "", 0);
	for (int i = 0; i < 3; i++) {
		/* a metric with no sample (no attendance yet) is left out */
		if (c->f[i] && fclose(c->f[i]) == 0 && rc == 0 && c->len[i] > 0) {
			strbuf_add(&b, head[i], strlen(head[i]));
			strbuf_add(&b, c->buf[i], c->len[i]);
		}
		free(c->buf[i]);
		c->f[i] = NULL;
		c->buf[i] = NULL;
	}
	if (rc != 0) {
		free(b.p);
		return -1;
	}
	if (c->groups > INDICATOR_GROUPS) {
		const char *note = "# relance_indicator_*: the first 500 establishment-programme"
				   " pairs only (relancectl indicators lists them all)\n";
		strbuf_add(&b, note, strlen(note));
	}
	free(c->text);
	c->text = b.p;
	c->at = clock_mono_ms();
	return 0;
}

static void
indicators(FILE *out, struct store *st)
{
	if ((ind_cache.at == 0 || clock_mono_ms() - ind_cache.at >= INDICATOR_MS) &&
	    ind_read(st) != 0)
		fputs("# indicators unavailable (store error)\n", out);
	if (ind_cache.text)
		fputs(ind_cache.text, out);
}

/* ---- /metrics: the students' page ------------------------------------------------- */

static void
page_counters(FILE *out, const struct web_reply *w)
{
	static const int as[] = { ANSWER_CONFIRMED, ANSWER_CANCELLED, ANSWER_MOVED };
	const struct web_reply_stats *s = web_reply_stats(w);   /* zeros when w is NULL */

	fprintf(out, "# HELP relance_page_views_total Students' pages shown since start.\n"
		     "# TYPE relance_page_views_total counter\n"
		     "relance_page_views_total %llu\n"
		     "# HELP relance_page_answers_total Changes made from the students' page since"
		     " start, by answer.\n"
		     "# TYPE relance_page_answers_total counter\n",
		(unsigned long long)s->views);
	for (size_t i = 0; i < ARRAY_SIZE(as); i++)
		fprintf(out, "relance_page_answers_total{answer=\"%s\"} %llu\n", answer_name(as[i]),
			(unsigned long long)s->answers[as[i]]);
	fprintf(out, "# HELP relance_page_posts_unapplied_total Answers from the page that changed"
		     " nothing, by why: already so (double tap), refused, stale form, forbidden"
		     " (no or wrong token).\n"
		     "# TYPE relance_page_posts_unapplied_total counter\n"
		     "relance_page_posts_unapplied_total{reason=\"already\"} %llu\n"
		     "relance_page_posts_unapplied_total{reason=\"refused\"} %llu\n"
		     "relance_page_posts_unapplied_total{reason=\"stale\"} %llu\n"
		     "relance_page_posts_unapplied_total{reason=\"forbidden\"} %llu\n"
		     "# HELP relance_link_lookups_failed_total Personal link codes not found"
		     " (unknown, expired or malformed) since start.\n"
		     "# TYPE relance_link_lookups_failed_total counter\n"
		     "relance_link_lookups_failed_total %llu\n"
		     "# HELP relance_page_rate_limited_total Requests to the students' page refused"
		     " (429) after too many failed lookups from one address.\n"
		     "# TYPE relance_page_rate_limited_total counter\n"
		     "relance_page_rate_limited_total %llu\n",
		(unsigned long long)s->already, (unsigned long long)s->refused,
		(unsigned long long)s->stale, (unsigned long long)s->forbidden,
		(unsigned long long)s->lookups_failed, (unsigned long long)s->rate_limited);
}

/* ---- /metrics ------------------------------------------------------------------------ */

static int
on_metrics(const struct httpd_request *req, struct httpd_response *resp, void *arg)
{
	const struct web_metrics_src *src = arg;
	struct metrics_ctx m;
	char *buf = NULL;
	size_t len = 0;
	int64_t qn, qage;

	if (strcmp(req->path, "/metrics") != 0) {
		resp->status = 404;
		return 0;
	}
	memset(&m, 0, sizeof m);
	m.out = open_memstream(&buf, &len);
	if (m.out == NULL)
		return -1;
	if (store_feed_metrics(src->st, metric_row, &m) != 0)
		fputs("# store unavailable\n", m.out);
	fprintf(m.out, "# HELP relance_dead_letters_total Events dead-lettered (all time, kept in"
		       " the store).\n"
		       "# TYPE relance_dead_letters_total counter\n"
		       "relance_dead_letters_total %lld\n", (long long)m.dead_total);
	if (!m.seen_short)
		fputs("# HELP relance_dropin_shortage_total Students left without a drop-in slot.\n"
		      "# TYPE relance_dropin_shortage_total counter\n"
		      "relance_dropin_shortage_total 0\n", m.out);
	fprintf(m.out, "# HELP relance_feed_cache_entries Calendar feeds cached in memory.\n"
		       "# TYPE relance_feed_cache_entries gauge\n"
		       "relance_feed_cache_entries %zu\n"
		       "# HELP relance_feed_files_pending Feed files waiting to be written.\n"
		       "# TYPE relance_feed_files_pending gauge\n"
		       "relance_feed_files_pending %zu\n",
		feed_cached_count(src->feed), feed_pending_count(src->feed));
	if (queue_state(src->st, &qn, &qage) == 0)
		fprintf(m.out, "# HELP relance_publish_queue Dead letters and outcome events waiting"
			       " for their topic.\n"
			       "# TYPE relance_publish_queue gauge\n"
			       "relance_publish_queue %lld\n"
			       "# HELP relance_publish_queue_oldest_age_seconds Age of the oldest"
			       " message waiting (0: none).\n"
			       "# TYPE relance_publish_queue_oldest_age_seconds gauge\n"
			       "relance_publish_queue_oldest_age_seconds %lld\n",
			(long long)qn, (long long)qage);
	if (src->cons && src->pl)
		counters(m.out, consumer_stats(src->cons), plan_stats(src->pl));
	sending(m.out, src);
	answers(m.out, src);
	indicators(m.out, src->st);
	page_counters(m.out, src->page);
	if (fclose(m.out) != 0) {
		free(buf);
		return -1;
	}
	resp->status = 200;
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	resp->body = buf;
	resp->body_len = len;
	return 0;
}

int
web_metrics_register(struct httpd *h, const struct web_metrics_src *src)
{
	void *arg = (void *)(uintptr_t)src;   /* handlers only read it */
	if (httpd_route(h, "/healthz", 0, on_healthz, arg) ||
	    httpd_route(h, "/metrics", 0, on_metrics, arg))
		return -1;
	return 0;
}
