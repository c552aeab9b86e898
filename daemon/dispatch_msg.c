/*
 * dispatch_msg.c — the messages the dispatcher sends (dispatch_msg.h): a
 * student reminder (SMS text, or email with its iCalendar attachment, in
 * the student's language), the SMS acknowledgement of a student's reply,
 * an adviser alert (French email) and a digest of students' messages (in
 * [calendar] adviser_locale), from the templates; and the MIME form of an
 * email. Reads nothing from the store:
 * dispatch.c passes what it read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dispatch_msg.h"
#include "event.h"
#include "gsm7.h"
#include "ical.h"
#include "log.h"
#include "smtp.h"
#include "store.h"
#include "template.h"
#include "util.h"

struct vars {
	struct tpl_var v[24];
	size_t n;
	char date[32], time[16], weekday[16], absences[24], days[24], lost_after[48];
	char student_name[256];
};

static void
var(struct vars *v, const char *name, const char *value)
{
	if (v->n < ARRAY_SIZE(v->v)) {
		v->v[v->n].name = name;
		v->v[v->n].value = value;
		v->n++;
	}
}

static const char *
appt_kind_text(int kind, int en)
{
	switch (kind) {
	case KIND_DROPIN:
		return en ? "drop-in" : "permanence";
	case KIND_WORKSHOP:
		return en ? "workshop" : "atelier";
	default:
		return en ? "check-in" : "entretien de suivi";
	}
}

/* The date, time and weekday of t as the texts say them (fr 07/12/2026,
 * 10h30, lundi; en 7 Dec 2026, 10:30, Monday). */
static void
when_words(int64_t t, int en, char date[32], char time[16], char weekday[16])
{
	static const char *const fr_days[] = { "lundi", "mardi", "mercredi", "jeudi", "vendredi",
					       "samedi", "dimanche" };
	static const char *const en_days[] = { "Monday", "Tuesday", "Wednesday", "Thursday",
					       "Friday", "Saturday", "Sunday" };
	static const char *const en_months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
						 "Aug", "Sep", "Oct", "Nov", "Dec" };
	int32_t day;
	int minute, y, m, dd;

	epoch_to_wall(t, &day, &minute);
	civil_from_days(day, &y, &m, &dd);
	if (en) {
		snprintf(date, 32, "%d %s %d", dd, en_months[(m - 1) % 12], y);
		snprintf(time, 16, "%02d:%02d", minute / 60, minute % 60);
	} else {
		snprintf(date, 32, "%02d/%02d/%d", dd, m, y);
		snprintf(time, 16, "%02dh%02d", minute / 60, minute % 60);
	}
	snprintf(weekday, 16, "%s", (en ? en_days : fr_days)[weekday_of_day(day)]);
}

static void
time_vars(struct vars *v, int64_t t, int en)
{
	when_words(t, en, v->date, v->time, v->weekday);
	var(v, "date", v->date);
	var(v, "time", v->time);
	var(v, "weekday", v->weekday);
}

/* A configured duration in words ("30 jours", "36 hours"): in days when
 * it is a whole number of days, else hours, else minutes. */
static void
duration_words(int64_t secs, int en, char *out, size_t len)
{
	static const struct {
		int64_t secs;
		const char *fr, *en;
	} units[] = { { 86400, "jour", "day" }, { 3600, "heure", "hour" },
		      { 60, "minute", "minute" } };
	size_t u = 0;
	int64_t n;

	while (u < ARRAY_SIZE(units) - 1 && secs % units[u].secs != 0)
		u++;
	n = secs / units[u].secs;
	snprintf(out, len, "%lld %s%s", (long long)n, en ? units[u].en : units[u].fr,
		 n > 1 ? "s" : "");
}

static const char *
appt_location(const struct config *cfg, const struct appt *a)
{
	return a->kind == KIND_DROPIN ? cfg->dropin.location : cfg->checkins.location;
}

void
msg_clear(struct msg *m)
{
	free(m->to);
	free(m->cc);
	free(m->subject);
	free(m->text);
	free(m->ics);
	memset(m, 0, sizeof *m);
}

void
msg_reminder(const struct config *cfg, const struct templates *tpl, const struct reminder *r,
	     const struct student *s, const struct appt *a, const char *aname,
	     const char *aemail, const char *link, int64_t now, struct msg *m)
{
	struct vars v = { .n = 0 };
	int en = strcmp(s->locale, "en") == 0;

	var(&v, "link", link ? link : "");
	var(&v, "given_name", s->given_name);
	var(&v, "family_name", s->family_name);
	var(&v, "location", appt_location(cfg, a));
	var(&v, "adviser_name", aname ? aname : "");
	var(&v, "kind", appt_kind_text(a->kind, en));
	time_vars(&v, a->starts_at, en);
	if (r->channel == CH_SMS) {
		int ucs2, seg;
		m->to = xstrdup(s->phone);
		m->text = template_render_sms(tpl, s->locale, v.v, v.n,
					      cfg->sms.encoding == SMS_ENCODING_GSM7);
		seg = gsm7_segments(m->text, &ucs2);
		if (cfg->sms.encoding == SMS_ENCODING_UNICODE)
			log_info("reminder %lld: SMS of %d segment%s (%s)", (long long)r->id, seg,
				 seg > 1 ? "s" : "", ucs2 ? "UCS-2" : "GSM 03.38");
		else if (seg > 1)
			log_warnx("reminder %lld: SMS of %d segments even with names shortened "
				  "(the location or reminder.sms is too long)", (long long)r->id, seg);
	} else {
		struct ical_appt ia = {
			.uid = a->uid, .kind = a->kind, .status = a->status, .sequence = a->sequence,
			.starts_at = a->starts_at, .ends_at = a->ends_at,
			.created_at = a->created_at, .updated_at = a->updated_at,
			.locale = en ? "en" : "fr",
			.student_given_name = s->given_name, .student_family_name = s->family_name,
			.student_id = s->id, .adviser_name = aname, .adviser_email = aemail,
			.adviser_id = a->adviser_id, .location = appt_location(cfg, a),
			.situation = a->situation, .answer = a->answer, .student_email = s->email,
		};
		m->to = xstrdup(s->email);
		m->text = template_render(tpl, TPL_EMAIL_REMINDER, s->locale, v.v, v.n,
					  &m->subject);
		m->ics = ical_render_one(cfg, &ia, now, &m->ics_len);
		if (m->ics == NULL)
			log_warnx("reminder %lld: no calendar attachment", (long long)r->id);
	}
}

void
msg_alert(const struct config *cfg, const struct templates *tpl, const struct reminder *r,
	  const struct student *s, const struct appt *a, const char *aname, const char *aemail,
	  struct msg *m)
{
	struct vars v = { .n = 0 };
	const char *locale = "fr";  /* adviser alerts are in French */
	int en = strcmp(locale, "en") == 0;

	snprintf(v.student_name, sizeof v.student_name, "%s%s%s", s->given_name,
		 s->family_name ? " " : "", s->family_name ? s->family_name : "");
	snprintf(v.absences, sizeof v.absences, "%d", a ? (a->absences ? a->absences : 2) : 0);
	snprintf(v.days, sizeof v.days, "%lld", (long long)(cfg->reminders.lost_after / 86400));
	duration_words(cfg->reminders.lost_after, en, v.lost_after, sizeof v.lost_after);
	var(&v, "adviser_name", aname ? aname : "");
	var(&v, "student_name", v.student_name);
	var(&v, "student_id", s->id);
	var(&v, "given_name", s->given_name);
	var(&v, "family_name", s->family_name);
	var(&v, "email", s->email);
	var(&v, "phone", s->phone);
	var(&v, "absences", v.absences);
	var(&v, "days", v.days);
	var(&v, "lost_after", v.lost_after);
	var(&v, "establishment", s->uai);
	var(&v, "programme", s->programme_label);
	if (a) {
		var(&v, "kind", appt_kind_text(a->kind, en));
		var(&v, "location", appt_location(cfg, a));
		time_vars(&v, a->starts_at, en);
	}
	m->to = xstrdup(aemail);
	m->cc = cfg->smtp.alerts_to ? xstrdup(cfg->smtp.alerts_to) : NULL;
	m->text = template_render(tpl, r->kind == REM_ALERT_LOST ? TPL_ALERT_LOST :
				  TPL_ALERT_ABSENCES, locale, v.v, v.n, &m->subject);
}

/* ---- acknowledgements and digests (contract section 8) ---------------------------- */

static enum tpl_id
ack_template(int kind)
{
	return kind == REM_ACK_CONFIRMED ? TPL_SMS_ACK_CONFIRMED :
	       kind == REM_ACK_CANCELLED ? TPL_SMS_ACK_CANCELLED : TPL_SMS_ACK_MESSAGE;
}

void
msg_ack(const struct config *cfg, const struct templates *tpl, const struct reminder *r,
	const struct student *s, const struct appt *a, const char *aname, const char *link,
	struct msg *m)
{
	struct vars v = { .n = 0 };
	int en = strcmp(s->locale, "en") == 0, ucs2, seg;

	var(&v, "given_name", s->given_name);
	var(&v, "adviser_name", aname ? aname : "");
	var(&v, "link", link ? link : "");
	if (a) {
		var(&v, "location", appt_location(cfg, a));
		var(&v, "kind", appt_kind_text(a->kind, en));
		time_vars(&v, a->starts_at, en);
	}
	m->to = xstrdup(s->phone);
	m->text = template_render_sms_id(tpl, ack_template(r->kind), s->locale, v.v, v.n,
					 cfg->sms.encoding == SMS_ENCODING_GSM7);
	seg = gsm7_segments(m->text, &ucs2);
	if (seg > 1)
		log_warnx("reminder %lld: acknowledgement SMS of %d segments (%s)", (long long)r->id,
			  seg, ucs2 ? "UCS-2" : "GSM 03.38");
}

char *
msg_clean_text(const char *text)
{
	struct strbuf b = { 0 };
	const char *p = text ? text : "";

	strbuf_add(&b, "", 0);
	while (*p) {
		unsigned cp;
		size_t n = gsm7_utf8_next(p, &cp);

		if (cp == '\n' || cp == '\t')
			strbuf_add(&b, cp == '\n' ? "\n" : " ", 1);
		else if (cp == 0xfffd && n == 1)
			strbuf_add(&b, "\xef\xbf\xbd", 3);  /* an invalid byte */
		else if (cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f) &&
			 !event_is_format_char(cp))
			strbuf_add(&b, p, n);
		p += n;
	}
	return b.p;
}

/* One message of a digest at the end of b: "- Zoé M. (rendez-vous du
 * mardi 06/10/2026 à 10h00), reçu le jeudi 01/10/2026 à 14h02 :" then the
 * text, each line indented. */
static void
digest_entry(struct strbuf *b, const struct digest_message *dm, int en)
{
	char date[32], time[16], weekday[16], *line, *text = msg_clean_text(dm->text), *next;
	size_t initial = dm->family_name ? gsm7_utf8_prefix(dm->family_name, 1) : 0;

	line = xasprintf("- %s%s%.*s%s", dm->given_name ? dm->given_name : "?",
			 initial ? " " : "", (int)initial, initial ? dm->family_name : "",
			 initial ? "." : "");
	strbuf_add(b, line, strlen(line));
	free(line);
	if (dm->appt_starts_at) {
		when_words(dm->appt_starts_at, en, date, time, weekday);
		line = xasprintf(en ? " (appointment on %s %s at %s)" : " (rendez-vous du %s %s à %s)",
				 weekday, date, time);
		strbuf_add(b, line, strlen(line));
		free(line);
	}
	when_words(dm->received_at, en, date, time, weekday);
	line = xasprintf(en ? ", received on %s %s at %s:\n" : ", reçu le %s %s à %s :\n",
			 weekday, date, time);
	strbuf_add(b, line, strlen(line));
	free(line);
	for (line = text; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		strbuf_add(b, "  ", 2);
		strbuf_add(b, line, strlen(line));
		strbuf_add(b, "\n", 1);
	}
	free(text);
}

void
msg_digest(const struct config *cfg, const struct templates *tpl, const char *aname,
	   const char *aemail, const struct digest_message *v, size_t n, struct msg *m)
{
	const char *locale = cfg->calendar.adviser_locale;
	int en = strcmp(locale, "en") == 0;
	struct strbuf list = { 0 };
	char count[24];

	strbuf_add(&list, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strbuf_add(&list, "\n", 1);
		digest_entry(&list, &v[i], en);
	}
	while (list.len > 0 && list.p[list.len - 1] == '\n')
		list.p[--list.len] = '\0';
	snprintf(count, sizeof count, "%zu", n);
	struct tpl_var vars[] = {
		{ "adviser_name", aname ? aname : "" }, { "count", count }, { "messages", list.p },
	};
	m->to = xstrdup(aemail);
	m->text = template_render(tpl, TPL_ALERT_MESSAGES, locale, vars, ARRAY_SIZE(vars),
				  &m->subject);
	m->upto = n > 0 ? v[n - 1].id : 0;
	free(list.p);
}

/* With a link of base_url, does an acknowledgement of each locale keep it
 * in one segment? Warns for each that does not: how many. */
static int
check_acks(const struct config *cfg, const struct templates *tpl, const char *name)
{
	static const enum tpl_id ids[] = { TPL_SMS_ACK_CONFIRMED, TPL_SMS_ACK_CANCELLED,
					   TPL_SMS_ACK_MESSAGE };
	char *link = xasprintf("%s/r/%s", cfg->calendar.base_url,
			       "xxxxxxxxxxxxxxxxxxxxxx");   /* LINK_CODE_LEN characters */
	int bad = 0;

	for (int l = 0; l < 2; l++)
		for (size_t k = 0; k < ARRAY_SIZE(ids); k++) {
			int en = l == 1;
			struct tpl_var v[] = {
				{ "given_name", name }, { "adviser_name", name }, { "link", link },
				{ "location", cfg->checkins.location },
				{ "kind", appt_kind_text(KIND_CHECKIN, en) },
				{ "weekday", en ? "Wednesday" : "mercredi" },
				{ "date", en ? "30 Sep 2026" : "30/09/2026" },
				{ "time", en ? "10:30" : "10h30" },
			};
			const char *file = template_file(ids[k], en ? "en" : "fr");
			char *with = template_render(tpl, ids[k], en ? "en" : "fr", v,
						     ARRAY_SIZE(v), NULL);
			char *s = template_render_sms_id(tpl, ids[k], en ? "en" : "fr", v,
							 ARRAY_SIZE(v), 1);
			int seg = gsm7_segments(s, NULL);
			if (seg > 1 || (strstr(with, link) && !strstr(s, link))) {
				log_warnx("%s/%s: an acknowledgement %s with [calendar] base_url %s",
					  cfg->templates.dir, file, seg > 1 ?
					  "takes several segments" : "drops its link to fit one segment",
					  cfg->calendar.base_url);
				bad++;
			}
			free(with);
			free(s);
		}
	free(link);
	return bad;
}

int
msg_check_sms(const struct config *cfg, const struct templates *tpl)
{
	static const char *const locales[] = { "fr", "en" };
	const char *places[] = { cfg->checkins.location, cfg->dropin.location };
	char name[101], *link;
	int bad = 0;

	if (cfg->sms.encoding != SMS_ENCODING_GSM7)
		return 0;
	memset(name, 'x', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	/* A personal link as reply_link() makes it: BASE_URL/r/ and a code. */
	link = xasprintf("%s/r/%.22s", cfg->calendar.base_url, name);
	for (size_t l = 0; l < ARRAY_SIZE(locales); l++)
		for (size_t p = 0; p < ARRAY_SIZE(places); p++) {
			int en = l == 1, seg;
			struct tpl_var v[] = {
				{ "given_name", name }, { "family_name", name }, { "adviser_name", name },
				{ "location", places[p] }, { "kind", appt_kind_text(KIND_CHECKIN, en) },
				{ "weekday", en ? "Wednesday" : "mercredi" },
				{ "date", en ? "30 Sep 2026" : "30/09/2026" },
				{ "time", en ? "10:30" : "10h30" }, { "link", link },
			};
			char *s = template_render_sms(tpl, locales[l], v, ARRAY_SIZE(v), 1);
			seg = gsm7_segments(s, NULL);
			free(s);
			if (seg > 1) {
				log_warnx("%s/%s: an SMS reminder with [%s] location and its personal "
					  "link takes %d segments even with names shortened",
					  cfg->templates.dir,
					  template_file(TPL_SMS_REMINDER, locales[l]),
					  p ? "dropin" : "checkins", seg);
				bad++;
			}
		}
	free(link);
	return bad + check_acks(cfg, tpl, name);
}

char *
msg_email(const struct config *cfg, int64_t rid, const struct msg *m, size_t *len)
{
	char mid[160];

	snprintf(mid, sizeof mid, "reminder-%lld@%s", (long long)rid, cfg->calendar.domain);
	struct smtp_msg sm = {
		.from = cfg->smtp.from, .to = m->to, .cc = m->cc,
		.subject = m->subject ? m->subject : "", .body = m->text,
		.ics = m->ics, .ics_len = m->ics_len, .message_id = mid, .date = clock_now(),
	};
	return smtp_build(&sm, len);
}
