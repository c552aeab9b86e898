/*
 * ctl_replies.c — relancectl replies (ctl.h; contract section 8): the
 * messages students left for their advisers (SMS replies that are no
 * keyword), oldest first: when, the student's id, the adviser's id, the
 * appointment it is about, whether the adviser's digest email has gone,
 * and the text (on one line in the text form; relancectl's output stream
 * escapes what could fool a terminal).
 *
 *   replies [--since DURATION|DATE]   DURATION: 30m, 12h, 7d (back from
 *                                     now); DATE: YYYY-MM-DD (local
 *                                     midnight) or RFC 3339; default 7d
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "ctl.h"
#include "ctl_impl.h"
#include "store.h"
#include "util.h"

#define REPLIES_DEFAULT_SINCE (7 * 86400)

struct replies_ctx {
	struct ctx *c;
	json_t *arr;
	size_t n;
};

/* Since when, from --since (NULL: the default): 0, or -1 when it is none
 * of the forms. */
static int
since_parse(const struct ctx *c, const char *s, int64_t *since)
{
	int64_t secs;
	int32_t day;

	if (s == NULL) {
		*since = c->now - REPLIES_DEFAULT_SINCE;
		return 0;
	}
	if (config_parse_duration(s, &secs) == 0) {
		*since = c->now - secs;
		return 0;
	}
	if (strlen(s) == 10 && date_parse(s, &day) == 0) {
		*since = wall_to_epoch(day, 0);
		return 0;
	}
	return rfc3339_parse(s, since) == 0 ? 0 : -1;
}

bool
ctl_since_valid(const char *s)
{
	struct ctx c = { .now = 0 };
	int64_t since;
	return since_parse(&c, s, &since) == 0;
}

static void
reply_one(const struct student_message *m, const char *appt_uid, void *arg)
{
	struct replies_ctx *x = arg;
	FILE *f = x->c->out;
	char when[17];

	x->n++;
	if (x->arr) {
		/* ctl_jstr: a row that is no UTF-8 (kept by an older relanced)
		 * stays listed, its text empty, rather than dropped */
		json_array_append_new(x->arr, json_pack("{s:I, s:o, s:o, s:o, s:o, s:s, s:o, s:o}",
			"id", (json_int_t)m->id, "received", ctl_jtime(m->received_at),
			"student_id", ctl_jstr(m->student_id), "adviser_id", ctl_jstr(m->adviser_id),
			"appointment_uid", *appt_uid ? ctl_jstr(appt_uid) : json_null(),
			"via", answer_via_name(m->via), "mailed", ctl_jtime(m->mailed_at),
			"text", ctl_jstr(m->text)));
		return;
	}
	if (x->n == 1)
		fprintf(f, "%-16s  %-16s %-12s %-6s %s\n", "RECEIVED", "STUDENT", "ADVISER", "DIGEST",
			"TEXT");
	ctl_text_time(m->received_at, when);
	fprintf(f, "%s  %-16s %-12s %-6s ", when, m->student_id,
		m->adviser_id ? m->adviser_id : "-", m->mailed_at ? "mailed" : "new");
	for (const char *p = m->text; *p; p++)
		fputc(*p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p, f);
	fputc('\n', f);
}

int
ctl_cmd_replies(struct ctx *c)
{
	struct replies_ctx x = { .c = c };
	int64_t since;
	int rc;

	if (since_parse(c, c->o->since, &since) != 0) {
		fprintf(c->err, "relancectl: replies: --since takes a duration (30m, 12h, 7d) or a "
			"date (YYYY-MM-DD or RFC 3339), not '%s'\n", c->o->since);
		ctl_usage(c->err);
		return CTL_USAGE;
	}
	if ((rc = ctl_open_store(c, true)))
		return rc;
	if (c->o->json)
		x.arr = json_array();
	if (store_ctl_each_reply(c->st, since, reply_one, &x)) {
		json_decref(x.arr);
		return ctl_store_error(c);
	}
	if (c->o->json)
		ctl_emit(c, json_pack("{s:o, s:I, s:o}", "since", ctl_jtime(since), "count",
				      (json_int_t)x.n, "replies", x.arr));
	else if (x.n == 0) {
		char from[17];
		ctl_text_time(since, from);
		fprintf(c->out, "no messages from students since %s\n", from);
	}
	return CTL_OK;
}
