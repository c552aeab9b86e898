/*
 * ctl_indicators.c — relancectl indicators (ctl.h): per establishment and
 * programme, students followed, check-ins and drop-ins by outcome with
 * their attendance rate, the situation at the final check-in, workshops,
 * and students' answers (contract section 8): the share of appointments
 * confirmed, cancelled and moved by the student, and the attendance rate
 * of the appointments answered (confirmed or moved) and of those not.
 * As text, one JSON document (--json) or CSV (--csv: a header row, one row
 * per establishment and programme, RFC 4180 quoting, LF line ends, texts
 * starting with = + - @ neutralised by a leading ').
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

struct ind_ctx {
	struct ctx *c;
	json_t *arr;
	struct indicators total;
	size_t n;
	const char *final_label;
};

/* part / whole as JSON, null when whole is 0. */
static json_t *
share(int64_t part, int64_t whole)
{
	return whole ? json_real((double)part / (double)whole) : json_null();
}

static json_t *
rate(int64_t att, int64_t missed)
{
	return share(att, att + missed);
}

static json_t *
answers_json(const struct indicators *in)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:{s:I, s:I, s:o}, s:{s:I, s:I, s:o}}",
		"appointments", (json_int_t)in->answerable, "confirmed", (json_int_t)in->confirmed,
		"cancelled", (json_int_t)in->cancelled, "moved", (json_int_t)in->moved,
		"confirmed_share", share(in->confirmed, in->answerable),
		"cancelled_share", share(in->cancelled, in->answerable),
		"moved_share", share(in->moved, in->answerable),
		"answered", "attended", (json_int_t)in->confirmed_attended,
		"missed", (json_int_t)in->confirmed_missed, "attendance_rate",
		rate(in->confirmed_attended, in->confirmed_missed),
		"unanswered", "attended", (json_int_t)in->unconfirmed_attended,
		"missed", (json_int_t)in->unconfirmed_missed, "attendance_rate",
		rate(in->unconfirmed_attended, in->unconfirmed_missed));
}

static json_t *
ind_json(const struct indicators *in, const char *final_label)
{
	json_t *o = json_object(), *sit = json_object();
	if (in->uai) {
		json_object_set_new(o, "uai", ctl_jstr(in->uai));
		json_object_set_new(o, "establishment", ctl_jstr(in->establishment));
		json_object_set_new(o, "programme", json_pack("{s:o, s:o}", "code",
			ctl_jstr(in->programme_code), "label", ctl_jstr(in->programme_label)));
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
	for (int i = SIT_EMPLOYED; i < SITUATION_N; i++)
		json_object_set_new(sit, situation_name(i), json_integer(in->situation[i]));
	json_object_set_new(sit, situation_name(SIT_NONE), json_integer(in->situation[SIT_NONE]));
	json_object_set_new(o, "final_situation", sit);
	json_object_set_new(o, "workshops", json_pack("{s:I, s:I}", "present",
		(json_int_t)in->workshops_present, "recorded", (json_int_t)in->workshops_recorded));
	json_object_set_new(o, "answers", answers_json(in));
	return o;
}

static void
share_text(char *buf, size_t len, int64_t part, int64_t whole)
{
	if (whole == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0f%%", 100.0 * (double)part / (double)whole);
}

static void
rate_text(char *buf, size_t len, int64_t att, int64_t missed)
{
	share_text(buf, len, att, att + missed);
}

static void
answers_text(FILE *f, const struct indicators *in)
{
	char c[16], x[16], m[16], ra[16], ru[16];

	share_text(c, sizeof c, in->confirmed, in->answerable);
	share_text(x, sizeof x, in->cancelled, in->answerable);
	share_text(m, sizeof m, in->moved, in->answerable);
	rate_text(ra, sizeof ra, in->confirmed_attended, in->confirmed_missed);
	rate_text(ru, sizeof ru, in->unconfirmed_attended, in->unconfirmed_missed);
	fprintf(f, "  answers: of %lld appointments, confirmed %lld (%s), cancelled by the student"
		" %lld (%s), moved %lld (%s)\n", (long long)in->answerable, (long long)in->confirmed,
		c, (long long)in->cancelled, x, (long long)in->moved, m);
	fprintf(f, "  attendance: confirmed or moved %s (%lld of %lld), not answered %s (%lld of"
		" %lld)\n", ra, (long long)in->confirmed_attended,
		(long long)(in->confirmed_attended + in->confirmed_missed), ru,
		(long long)in->unconfirmed_attended,
		(long long)(in->unconfirmed_attended + in->unconfirmed_missed));
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
		" unknown %lld, none recorded %lld\n", final_label,
		(long long)in->situation[SIT_EMPLOYED], (long long)in->situation[SIT_TRAINING],
		(long long)in->situation[SIT_SEEKING], (long long)in->situation[SIT_UNKNOWN],
		(long long)in->situation[SIT_NONE]);
	fprintf(f, "  workshops: present %lld of %lld recorded\n", (long long)in->workshops_present,
		(long long)in->workshops_recorded);
	answers_text(f, in);
}

/* ---- CSV ---------------------------------------------------------------------- */

static const char *const csv_header =
	"uai,establishment,programme_code,programme_label,students,stopped,"
	"checkins_attended,checkins_missed,checkins_excused,checkins_planned,"
	"checkins_attendance_rate,dropins_attended,dropins_missed,dropins_excused,"
	"dropins_planned,dropins_attendance_rate,situation_employed,situation_training,"
	"situation_seeking,situation_unknown,situation_none,workshops_present,"
	"workshops_recorded,appointments_answerable,confirmed,cancelled_by_student,moved,"
	"confirmed_share,cancelled_share,moved_share,answered_attended,answered_missed,"
	"answered_attendance_rate,unanswered_attended,unanswered_missed,"
	"unanswered_attendance_rate";

/* One field, quoted as RFC 4180 says when it holds a comma, a quote or a
 * line end (quotes doubled). A text a spreadsheet would take for a formula
 * (starting with = + - @, a tab or a CR: CSV injection) gets a leading ' and
 * quotes: shown as written, never evaluated. */
static void
csv_field(FILE *f, const char *s, int last)
{
	int formula = s && *s && strchr("=+-@\t\r", *s);

	if (s && (formula || strpbrk(s, ",\"\r\n"))) {
		fputc('"', f);
		if (formula)
			fputc('\'', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else if (s) {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void
csv_int(FILE *f, int64_t v)
{
	fprintf(f, "%lld,", (long long)v);
}

/* part / whole with 4 decimals, empty when whole is 0. */
static void
csv_share(FILE *f, int64_t part, int64_t whole, int last)
{
	if (whole)
		fprintf(f, "%.4f", (double)part / (double)whole);
	fputc(last ? '\n' : ',', f);
}

static void
ind_csv(FILE *f, const struct indicators *in)
{
	const int64_t sit[] = { in->situation[SIT_EMPLOYED], in->situation[SIT_TRAINING],
				in->situation[SIT_SEEKING], in->situation[SIT_UNKNOWN],
				in->situation[SIT_NONE], in->workshops_present,
				in->workshops_recorded, in->answerable, in->confirmed,
				in->cancelled, in->moved };

	csv_field(f, in->uai, 0);
	csv_field(f, in->establishment, 0);
	csv_field(f, in->programme_code, 0);
	csv_field(f, in->programme_label, 0);
	csv_int(f, in->students);
	csv_int(f, in->stopped);
	csv_int(f, in->checkins_attended);
	csv_int(f, in->checkins_missed);
	csv_int(f, in->checkins_excused);
	csv_int(f, in->checkins_planned);
	csv_share(f, in->checkins_attended, in->checkins_attended + in->checkins_missed, 0);
	csv_int(f, in->dropins_attended);
	csv_int(f, in->dropins_missed);
	csv_int(f, in->dropins_excused);
	csv_int(f, in->dropins_planned);
	csv_share(f, in->dropins_attended, in->dropins_attended + in->dropins_missed, 0);
	for (size_t i = 0; i < ARRAY_SIZE(sit); i++)
		csv_int(f, sit[i]);
	csv_share(f, in->confirmed, in->answerable, 0);
	csv_share(f, in->cancelled, in->answerable, 0);
	csv_share(f, in->moved, in->answerable, 0);
	csv_int(f, in->confirmed_attended);
	csv_int(f, in->confirmed_missed);
	csv_share(f, in->confirmed_attended, in->confirmed_attended + in->confirmed_missed, 0);
	csv_int(f, in->unconfirmed_attended);
	csv_int(f, in->unconfirmed_missed);
	csv_share(f, in->unconfirmed_attended, in->unconfirmed_attended + in->unconfirmed_missed,
		  1);
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
	for (int i = 0; i < SITUATION_N; i++)
		t->situation[i] += in->situation[i];
	t->workshops_present += in->workshops_present;
	t->workshops_recorded += in->workshops_recorded;
	t->answerable += in->answerable;
	t->confirmed += in->confirmed;
	t->cancelled += in->cancelled;
	t->moved += in->moved;
	t->confirmed_attended += in->confirmed_attended;
	t->confirmed_missed += in->confirmed_missed;
	t->unconfirmed_attended += in->unconfirmed_attended;
	t->unconfirmed_missed += in->unconfirmed_missed;
	if (x->arr)
		json_array_append_new(x->arr, ind_json(in, x->final_label));
	else if (x->c->o->csv)
		ind_csv(x->c->out, in);
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

int
ctl_cmd_indicators(struct ctx *c)
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
	if ((rc = ctl_open_store(c, true)))
		return rc;
	memset(&x, 0, sizeof x);
	x.c = c;
	x.final_label = label;
	if (c->o->json)
		x.arr = json_array();
	else if (c->o->csv)
		fprintf(c->out, "%s\n", csv_header);
	if (store_ctl_each_indicators(c->st, final, ind_one, &x)) {
		json_decref(x.arr);
		return ctl_store_error(c);
	}
	if (c->o->json) {
		json_t *doc = json_object();
		json_object_set_new(doc, "final_checkin", json_string(label));
		json_object_set_new(doc, "indicators", x.arr);
		json_object_set_new(doc, "total", ind_json(&x.total, label));
		ctl_emit(c, doc);
	} else if (c->o->csv) {
		/* the rows only: a spreadsheet sums them */
	} else if (x.n == 0) {
		fprintf(c->out, "no students yet\n");
	} else if (x.n > 1) {
		ind_text(c->out, &x.total, label);
	}
	return CTL_OK;
}

