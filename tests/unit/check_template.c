/*
 * check_template.c — templates: the shipped set loads, rendering in both
 * languages, JSON escaping of the webhook body, optional parts {[...]},
 * SMS reminders fitted to one segment (every shipped SMS template with
 * 100-character names), and configuration errors (unknown placeholder,
 * missing subject, missing file, bad optional part) reported as FILE:LINE.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dispatch_msg.h"
#include "gsm7.h"
#include "store.h"
#include "template.h"
#include "util.h"

#ifndef TOP
#define TOP "."
#endif

static char errors[4096];

static void
collect(const char *msg, void *arg)
{
	(void)arg;
	strncat(errors, msg, sizeof errors - strlen(errors) - 2);
	strcat(errors, "\n");
}

static void
put(const char *dir, const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

/* A valid template directory in a temp dir. */
static char *
make_dir(void)
{
	char tmpl[] = "/tmp/check_template.XXXXXX";
	char *dir = xstrdup(mkdtemp(tmpl));
	char *p;
	for (int i = 0; i < 2; i++) {
		p = xasprintf("%s/%s", dir, i ? "en" : "fr");
		mkdir(p, 0700);
		free(p);
		p = xasprintf("%s/%s/reminder.sms", dir, i ? "en" : "fr");
		free(p);
	}
	put(dir, "fr/reminder.sms", "# comment\nBonjour {given_name}, le {date} à {time}.\n");
	put(dir, "en/reminder.sms", "Hello {given_name}, on {date} at {time}.\n");
	put(dir, "fr/reminder.email", "# c\nSubject: Rappel {kind}\n\nBonjour {given_name},\nà bientôt\n\n");
	put(dir, "en/reminder.email", "Subject: Reminder {kind}\n\nHello {given_name}\n");
	for (int i = 0; i < 2; i++) {
		const char *l = i ? "en" : "fr";
		p = xasprintf("%s/alert-absences.email", l);
		put(dir, p, "Subject: {student_name} absent\n\n{absences} absences of {student_id}\n");
		free(p);
		p = xasprintf("%s/alert-lost.email", l);
		put(dir, p, "Subject: {student_name} lost\n\n{days} days\n");
		free(p);
		p = xasprintf("%s/alert-messages.email", l);
		put(dir, p, "Subject: {count} messages\n\n{messages}\n");
		free(p);
		static const char *const acks[] = { "ack-confirmed.sms", "ack-cancelled.sms",
						    "ack-message.sms" };
		for (int k = 0; k < 3; k++) {
			p = xasprintf("%s/%s", l, acks[k]);
			put(dir, p, "Noted {date}.{[ {link}]}\n");
			free(p);
		}
	}
	put(dir, "webhook.json", "{\"to\": \"{to}\", \"text\": \"{text}\", \"n\": {reminder_id}}\n");
	return dir;
}

/* n copies of c (malloc'd). */
static char *
rep_char(char c, size_t n)
{
	char *s = xmalloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
rm_dir(char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(dir);
}

START_TEST(shipped_templates_load)
{
	struct templates *t;
	errors[0] = '\0';
	t = template_load(TOP "/conf/templates", collect, NULL);
	ck_assert_msg(t != NULL, "shipped templates: %s", errors);
	struct tpl_var v[] = { { "given_name", "Zoé" }, { "date", "07/12/2026" },
			       { "time", "10h30" }, { "weekday", "lundi" },
			       { "kind", "entretien de suivi" }, { "location", "Mission locale" },
			       { "adviser_name", "Amélie Comelli" } };
	char *subject = NULL;
	char *sms = template_render(t, TPL_SMS_REMINDER, "fr", v, 7, NULL);
	ck_assert_ptr_nonnull(strstr(sms, "Bonjour Zoé"));
	ck_assert_msg(strlen(sms) <= 160, "French SMS over 160 bytes: %zu", strlen(sms));
	free(sms);
	char *body = template_render(t, TPL_EMAIL_REMINDER, "en", v, 7, &subject);
	ck_assert_ptr_nonnull(subject);
	ck_assert_ptr_nonnull(strstr(subject, "Reminder"));
	ck_assert_ptr_nonnull(strstr(body, "Hello Zoé"));
	free(subject);
	free(body);
	template_free(t);
}
END_TEST

START_TEST(render_and_locales)
{
	char *dir = make_dir(), *s, *subject = NULL;
	struct templates *t;
	struct tpl_var v[] = { { "given_name", "Zoé" }, { "date", "7/12" }, { "time", NULL },
			       { "kind", "check-in" } };

	errors[0] = '\0';
	t = template_load(dir, collect, NULL);
	ck_assert_msg(t != NULL, "%s", errors);
	s = template_render(t, TPL_SMS_REMINDER, "fr", v, 4, NULL);
	ck_assert_str_eq(s, "Bonjour Zoé, le 7/12 à .");
	free(s);
	s = template_render(t, TPL_SMS_REMINDER, "en", v, 4, NULL);
	ck_assert_str_eq(s, "Hello Zoé, on 7/12 at .");
	free(s);
	/* Unknown locales are French. */
	s = template_render(t, TPL_SMS_REMINDER, "de", v, 4, NULL);
	ck_assert_str_eq(s, "Bonjour Zoé, le 7/12 à .");
	free(s);
	s = template_render(t, TPL_EMAIL_REMINDER, "fr", v, 4, &subject);
	ck_assert_str_eq(subject, "Rappel check-in");
	ck_assert_str_eq(s, "Bonjour Zoé,\nà bientôt");
	free(s);
	free(subject);
	template_free(t);
	rm_dir(dir);
}
END_TEST

START_TEST(webhook_json_escaped)
{
	char *dir = make_dir(), *s;
	struct templates *t = template_load(dir, collect, NULL);
	struct tpl_var v[] = { { "to", "+33600000000" }, { "text", "a \"quote\"\\ and\nline" },
			       { "reminder_id", "42" } };
	ck_assert_ptr_nonnull(t);
	s = template_render(t, TPL_SMS_WEBHOOK, "fr", v, 3, NULL);
	ck_assert_str_eq(s, "{\"to\": \"+33600000000\", \"text\": \"a \\\"quote\\\"\\\\ and\\u000aline\", \"n\": 42}");
	free(s);
	template_free(t);
	rm_dir(dir);
}
END_TEST

START_TEST(unknown_placeholder_is_an_error)
{
	char *dir = make_dir();
	struct templates *t;
	put(dir, "en/reminder.sms", "# header\nHello {given_name},\nsee you {tomorow}.\n");
	errors[0] = '\0';
	t = template_load(dir, collect, NULL);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(errors, "/en/reminder.sms:3: unknown placeholder {tomorow}") != NULL,
		      "got: %s", errors);
	/* A placeholder of another kind of template is unknown here too. */
	put(dir, "en/reminder.sms", "Hello {student_id}\n");
	errors[0] = '\0';
	ck_assert_ptr_null(template_load(dir, collect, NULL));
	ck_assert_ptr_nonnull(strstr(errors, "en/reminder.sms:1: unknown placeholder {student_id}"));
	rm_dir(dir);
}
END_TEST

START_TEST(email_needs_subject)
{
	char *dir = make_dir();
	put(dir, "fr/reminder.email", "# c\nBonjour\n\ncorps\n");
	errors[0] = '\0';
	ck_assert_ptr_null(template_load(dir, collect, NULL));
	ck_assert_ptr_nonnull(strstr(errors, "fr/reminder.email:2: expected \"Subject: ...\""));
	put(dir, "fr/reminder.email", "Subject: x {bad}\n\ncorps\n");
	errors[0] = '\0';
	ck_assert_ptr_null(template_load(dir, collect, NULL));
	ck_assert_ptr_nonnull(strstr(errors, "fr/reminder.email:1: unknown placeholder {bad}"));
	rm_dir(dir);
}
END_TEST

START_TEST(missing_file)
{
	char *dir = make_dir(), *p = xasprintf("%s/fr/alert-lost.email", dir);
	unlink(p);
	errors[0] = '\0';
	ck_assert_ptr_null(template_load(dir, collect, NULL));
	ck_assert_ptr_nonnull(strstr(errors, "fr/alert-lost.email:0: cannot read template"));
	free(p);
	rm_dir(dir);
}
END_TEST

/* Names of 100 characters full of accents (the longest events allow). */
static const char long_given[] =
	"Marie-Thérèse Éloïse-Gwenaëlle Clémentine-Ségolène Françoise-Hélène Anaïs-Zoé Maëlys Noémie-Chloé Aï";
static const char long_family[] =
	"Le Guénnec-Dûrand-Bœuf de La Châtaigneraie-Prévôt-Lefèvre-Kerhervé-Ménétrier-Oïl-Gâtinais-Fénelon-Çç";
static const char long_adviser[] =
	"Amélie-Françoise Comelli-Hêtre-Dûrand-Bœuf de Saint-Exupéry-Châteaubriand-Lefèvre-Ménétrier-Noël-Ôïs";

/* A personal link of a realistic base_url (37 characters): 62 characters. */
#define LINK "https://rdv.mission-locale.example.fr/r/ceohZExJGmJla9gUjbRmbQ"

/* Every shipped SMS template, both locales, every kind, with the longest
 * names, weekday and date, a personal link of a realistic base_url, and
 * two places (the longer: 38 characters): one GSM 03.38 segment that keeps
 * the time, the whole place, the whole link, and the start of the given
 * name. */
START_TEST(shipped_sms_fit_one_segment)
{
	static const char *const kinds[2][3] = {
		{ "entretien de suivi", "permanence", "atelier" },
		{ "check-in", "drop-in", "workshop" } };
	static const char *const places[] = {
		"Salle Émeraude",
		"Mission locale, 12 rue de l'Hôtel-Dieu",
	};
	struct templates *t;

	ck_assert_uint_eq(gsm7_utf8_len(long_given), 100);
	ck_assert_uint_eq(gsm7_utf8_len(long_family), 100);
	ck_assert_uint_eq(gsm7_utf8_len(long_adviser), 100);
	errors[0] = '\0';
	t = template_load(TOP "/conf/templates", collect, NULL);
	ck_assert_msg(t != NULL, "shipped templates: %s", errors);
	for (int l = 0; l < 2; l++)
		for (int k = 0; k < 3; k++)
			for (size_t p = 0; p < ARRAY_SIZE(places); p++) {
				const char *at = l ? "10:30" : "10h30";
				struct tpl_var v[] = {
					{ "given_name", long_given }, { "family_name", long_family },
					{ "adviser_name", long_adviser },
					{ "date", l ? "30 Dec 2026" : "30/12/2026" }, { "time", at },
					{ "weekday", l ? "Wednesday" : "mercredi" },
					{ "kind", kinds[l][k] }, { "location", places[p] },
					{ "link", LINK } };
				char *s = template_render_sms(t, l ? "en" : "fr", v, ARRAY_SIZE(v), 1);
				char *place = gsm7_transliterate(places[p]);
				int n = gsm7_septets(s);
				ck_assert_msg(n >= 0 && n <= 160, "%d septets: %s", n, s);
				ck_assert_msg(strstr(s, at) != NULL, "no time: %s", s);
				ck_assert_msg(strstr(s, place) != NULL, "no place: %s", s);
				ck_assert_msg(strstr(s, kinds[l][k]) != NULL, "no kind: %s", s);
				ck_assert_msg(strstr(s, " " LINK) != NULL, "no link: %s", s);
				ck_assert_msg(strstr(s, l ? "Hello Marie" : "Bonjour Marie"),
					      "no greeting: %s", s);
				free(place);
				free(s);
			}
	template_free(t);
}
END_TEST

START_TEST(shipped_sms_short_names)
{
	struct templates *t = template_load(TOP "/conf/templates", collect, NULL);
	struct tpl_var v[] = { { "given_name", "Gaëlle" }, { "date", "07/12/2026" },
			       { "time", "10h30" }, { "weekday", "lundi" },
			       { "kind", "entretien de suivi" }, { "location", "Salle Hêtre" },
			       { "link", "https://rdv.example.fr/r/ceohZExJGmJla9gUjbRmbQ" } };
	char *s;

	ck_assert_ptr_nonnull(t);
	/* gsm7: transliterated, nothing shortened */
	s = template_render_sms(t, "fr", v, ARRAY_SIZE(v), 1);
	ck_assert_str_eq(s, "Bonjour Gaelle, rappel : entretien de suivi le lundi 07/12/2026 à 10h30, "
			 "Salle Hetre. Confirmer/déplacer : "
			 "https://rdv.example.fr/r/ceohZExJGmJla9gUjbRmbQ");
	free(s);
	/* unicode: as it is, long names too */
	s = template_render_sms(t, "fr", v, ARRAY_SIZE(v), 0);
	ck_assert_str_eq(s, "Bonjour Gaëlle, rappel : entretien de suivi le lundi 07/12/2026 à 10h30, "
			 "Salle Hêtre. Confirmer/déplacer : "
			 "https://rdv.example.fr/r/ceohZExJGmJla9gUjbRmbQ");
	free(s);
	v[0].value = long_given;
	s = template_render_sms(t, "en", v, ARRAY_SIZE(v), 0);
	ck_assert_ptr_nonnull(strstr(s, long_given));
	free(s);
	template_free(t);
}
END_TEST

/* The fitting rule on a small template: names cut first (at a hyphen,
 * down to 10 characters), then optional parts dropped from the last,
 * then names down to 1; never the time or the place. */
/* The SMS of t for v with a place of n letters p (malloc'd). */
static char *
sms_with_place(const struct templates *t, struct tpl_var *v, size_t n)
{
	char *place = rep_char('p', n), *s;
	v[2].value = place;
	s = template_render_sms(t, "fr", v, 3, 1);
	ck_assert_msg(strstr(s, place) != NULL, "no place: %s", s);
	ck_assert_msg(strstr(s, "10h30") != NULL, "no time: %s", s);
	free(place);
	return s;
}

START_TEST(sms_fitting_order)
{
	char *dir = make_dir(), *s;
	const char *want;
	struct templates *t;
	struct tpl_var v[] = { { "given_name", "Jean-Baptiste-Emmanuel" }, { "time", "10h30" },
			       { "location", NULL } };

	put(dir, "fr/reminder.sms", "{[Salut ]}{given_name} {time} {location}{[ fin]}\n");
	t = template_load(dir, collect, NULL);
	ck_assert_ptr_nonnull(t);
	/* "Salut " 6 + name 22 + 2 spaces + 5 + 130 + " fin" 4 = 169: the
	 * name loses 9 characters, at a hyphen */
	s = sms_with_place(t, v, 130);
	ck_assert_msg(strncmp(s, "Salut Jean-Baptiste 10h30 p", 27) == 0, "%s", s);
	ck_assert_msg(strlen(s) <= 160 && strstr(s, " fin") != NULL, "%s", s);
	free(s);
	/* 174: name down to 10 ("Jean-Bapti": no hyphen in its second
	 * half), 162: then " fin" dropped */
	s = sms_with_place(t, v, 135);
	ck_assert_msg(strncmp(s, "Salut Jean-Bapti 10h30 ", 23) == 0 && strstr(s, "fin") == NULL,
		      "%s", s);
	ck_assert_uint_le(strlen(s), 160);
	free(s);
	/* 189: name to 10, " fin" and "Salut " dropped (167), then the name
	 * down to "Jea" */
	s = sms_with_place(t, v, 150);
	ck_assert_msg(strncmp(s, "Jea 10h30 ", 10) == 0, "%s", s);
	ck_assert_uint_eq(strlen(s), 160);
	free(s);
	/* a place too long for any shortening stays whole (checked in
	 * sms_with_place), with the time */
	free(sms_with_place(t, v, 170));
	/* an accented name is cut between characters, never inside one */
	v[0].value = "ÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ";
	s = sms_with_place(t, v, 130);
	want = "Salut ÉÉÉÉÉÉÉÉÉÉÉÉÉ 10h30 ";     /* 13 É */
	ck_assert_msg(strncmp(s, want, strlen(want)) == 0, "%s", s);
	ck_assert_int_eq(gsm7_septets(s), 160);
	free(s);
	template_free(t);
	rm_dir(dir);
}
END_TEST

START_TEST(optional_parts)
{
	char *dir = make_dir(), *s, *subject;
	struct templates *t;
	struct tpl_var v[] = { { "given_name", "Zoé" }, { "adviser_name", "" }, { "kind", "x" } };

	put(dir, "fr/reminder.email",
	    "Subject: R{[ avec {adviser_name}]}\n\nBonjour{[ {given_name}]},\n"
	    "{[avec {adviser_name} et\n{given_name}]}.{not a placeholder]} ]}\n");
	t = template_load(dir, collect, NULL);
	ck_assert_msg(t != NULL, "%s", errors);
	s = template_render(t, TPL_EMAIL_REMINDER, "fr", v, 3, &subject);
	ck_assert_str_eq(subject, "R");
	ck_assert_str_eq(s, "Bonjour Zoé,\n.{not a placeholder]} ]}");
	free(s);
	free(subject);
	v[1].value = "Amélie";
	s = template_render(t, TPL_EMAIL_REMINDER, "fr", v, 3, &subject);
	ck_assert_str_eq(subject, "R avec Amélie");
	ck_assert_str_eq(s, "Bonjour Zoé,\navec Amélie et\nZoé.{not a placeholder]} ]}");
	free(s);
	free(subject);
	template_free(t);
	/* webhook.json: "{[" is JSON */
	put(dir, "webhook.json", "{[\"{text}\"]}\n");
	t = template_load(dir, collect, NULL);
	ck_assert_ptr_nonnull(t);
	struct tpl_var w[] = { { "text", "a" } };
	s = template_render(t, TPL_SMS_WEBHOOK, "fr", w, 1, NULL);
	ck_assert_str_eq(s, "{[\"a\"]}");
	free(s);
	template_free(t);
	/* errors: nested, not closed */
	put(dir, "en/reminder.sms", "# c\n{[a {[b]}]}\n");
	errors[0] = '\0';
	ck_assert_ptr_null(template_load(dir, collect, NULL));
	ck_assert_msg(strstr(errors, "en/reminder.sms:2: \"{[\" inside an optional part"), "%s",
		      errors);
	put(dir, "en/reminder.sms", "a\n{[b\nc {time}\n");
	errors[0] = '\0';
	ck_assert_ptr_null(template_load(dir, collect, NULL));
	ck_assert_msg(strstr(errors, "en/reminder.sms:2: optional part \"{[\" without its \"]}\""),
		      "%s", errors);
	rm_dir(dir);
}
END_TEST

/* The shipped adviser alerts say the configured numbers ([reminders]
 * lost_after, the absences counted), with no gendered form, and leave
 * out what is unknown. */
START_TEST(alerts_numbers_from_configuration)
{
	struct config *cfg = config_default();
	struct templates *t = template_load(TOP "/conf/templates", collect, NULL);
	struct student s = { .id = "S1", .given_name = "Zoé", .family_name = "Belvalette",
			     .email = "z@example.org", .locale = "fr", .uai = "0570123X",
			     .programme_label = "Bac pro" };
	struct appt a = { .kind = KIND_CHECKIN, .starts_at = 1796000000, .absences = 3 };
	struct reminder r = { .id = 1, .kind = REM_ALERT_LOST };
	struct msg m = { 0 };

	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_nonnull(t);
	cfg->reminders.lost_after = 12 * 86400;
	msg_alert(cfg, t, &r, &s, &a, "Amélie Comelli", "a@example.org", &m);
	ck_assert_str_eq(m.subject, "Avenir Pro : sans nouvelles de Zoé Belvalette depuis 12 jours");
	ck_assert_msg(strstr(m.text, "Bonjour Amélie Comelli,\n") != NULL, "%s", m.text);
	ck_assert_msg(strstr(m.text, "depuis 12 jours\npour Zoé Belvalette") != NULL, "%s", m.text);
	ck_assert_msg(strstr(m.text, "le prochain (entretien de suivi)") != NULL, "%s", m.text);
	ck_assert_msg(strstr(m.text, "Coordonnées : courriel z@example.org\n") != NULL, "%s", m.text);
	msg_clear(&m);
	/* hours when not a whole number of days; no adviser name, no
	 * appointment: those parts are left out */
	cfg->reminders.lost_after = 36 * 3600;
	msg_alert(cfg, t, &r, &s, NULL, NULL, "a@example.org", &m);
	ck_assert_str_eq(m.subject, "Avenir Pro : sans nouvelles de Zoé Belvalette depuis 36 heures");
	ck_assert_msg(strstr(m.text, "Bonjour,\n") != NULL, "%s", m.text);
	ck_assert_msg(strstr(m.text, "des rendez-vous sont prévus.\n") != NULL, "%s", m.text);
	msg_clear(&m);
	r.kind = REM_ALERT_ABSENCES;
	msg_alert(cfg, t, &r, &s, &a, "Amélie Comelli", "a@example.org", &m);
	ck_assert_str_eq(m.subject, "Avenir Pro : Zoé Belvalette, 3 absences consécutives");
	ck_assert_msg(strstr(m.text, "a manqué 3 rendez-vous consécutifs") != NULL, "%s", m.text);
	ck_assert_ptr_null(strstr(m.text, "(e)"));
	msg_clear(&m);
	template_free(t);
	config_free(cfg);
}
END_TEST

/* The load-time check of the SMS reminders, with the personal link of
 * [calendar] base_url: the shipped ones fit with a 67-character place and
 * the default base_url (21 characters); with a base_url of 37 characters,
 * a 54-character place fits and a 55-character one does not (French: the
 * kind "entretien de suivi" is the longest); 150 characters never. */
START_TEST(sms_check_at_load)
{
	struct config *cfg = config_default();
	struct templates *t = template_load(TOP "/conf/templates", collect, NULL);

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(msg_check_sms(cfg, t), 0);
	free(cfg->checkins.location);
	cfg->checkins.location = xstrdup("Mission locale du Val de Fensch, 12 rue de l'Hôtel-de-Ville, bât. A");
	ck_assert_int_eq(msg_check_sms(cfg, t), 0);
	free(cfg->checkins.location);
	free(cfg->calendar.base_url);
	cfg->calendar.base_url = xstrdup("https://rdv.mission-locale.example.fr");
	cfg->checkins.location = rep_char('p', 54);
	ck_assert_int_eq(msg_check_sms(cfg, t), 0);
	free(cfg->checkins.location);
	cfg->checkins.location = rep_char('p', 55);
	ck_assert_int_eq(msg_check_sms(cfg, t), 1);
	free(cfg->checkins.location);
	cfg->checkins.location = rep_char('p', 150);
	ck_assert_int_eq(msg_check_sms(cfg, t), 2);
	cfg->sms.encoding = SMS_ENCODING_UNICODE;
	ck_assert_int_eq(msg_check_sms(cfg, t), 0);
	template_free(t);
	config_free(cfg);
}
END_TEST

/* The shipped acknowledgements: one GSM 03.38 segment with the link
 * (base_url of 40 characters), the longest names, date and place, both
 * locales; the time and date where they belong; no link when there is no
 * appointment. */
START_TEST(shipped_acks_fit_with_link)
{
	struct config *cfg = config_default();
	struct templates *t = template_load(TOP "/conf/templates", collect, NULL);
	static const int kinds[] = { REM_ACK_CONFIRMED, REM_ACK_CANCELLED, REM_ACK_MESSAGE };
	const char *link = "https://rdv.mission-locale-fensch.fr/r/AbCdEfGhIjKlMnOpQrSt_-";
	char given[sizeof long_given], family[sizeof long_family];
	struct student s = { .id = "S1", .given_name = given, .family_name = family,
			     .phone = "+33612345678" };
	struct appt a = { .kind = KIND_CHECKIN, .starts_at = 1790000000 };
	struct reminder r = { .id = 9 };
	struct msg m = { 0 };

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(tz_set("Europe/Paris"), 0);
	memcpy(given, long_given, sizeof given);
	memcpy(family, long_family, sizeof family);
	free(cfg->calendar.base_url);
	cfg->calendar.base_url = xstrdup("https://rdv.mission-locale-fensch.fr");
	ck_assert_int_eq(msg_check_sms(cfg, t), 0);
	free(cfg->checkins.location);
	cfg->checkins.location = xstrdup("Mission locale du Val de Fensch, 12 rue de l'Hôtel-de-Ville, bât. A");
	for (int l = 0; l < 2; l++)
		for (int k = 0; k < 3; k++) {
			snprintf(s.locale, sizeof s.locale, "%s", l ? "en" : "fr");
			r.kind = kinds[k];
			msg_ack(cfg, t, &r, &s, &a, long_adviser, link, &m);
			ck_assert_str_eq(m.to, "+33612345678");
			ck_assert_msg(gsm7_septets(m.text) > 0 && gsm7_septets(m.text) <= 160,
				      "%d septets: %s", gsm7_septets(m.text), m.text);
			if (kinds[k] != REM_ACK_CANCELLED)
				ck_assert_msg(strstr(m.text, link) != NULL, "no link: %s", m.text);
			else
				ck_assert_msg(strstr(m.text, l ? "cancelled" : "annulé") != NULL &&
					      strstr(m.text, l ? "at 16:13" : "à 16h13") != NULL,
					      "%s", m.text);
			msg_clear(&m);
			/* a message with no appointment to come: no date, no link */
			if (kinds[k] == REM_ACK_MESSAGE) {
				msg_ack(cfg, t, &r, &s, NULL, "Amélie Comelli", NULL, &m);
				ck_assert_str_eq(m.text, l ? "Thank you, your message is passed on"
						 " to Amélie Comelli." : "Merci, votre message est "
						 "transmis à Amélie Comelli.");
				msg_clear(&m);
			}
		}
	/* a base_url too long for the link: the check says so */
	free(cfg->checkins.location);
	cfg->checkins.location = xstrdup("Salle Émeraude");
	free(cfg->calendar.base_url);
	cfg->calendar.base_url = xstrdup("https://rendez-vous.mission-locale-du-val-de-fensch."
					 "example.fr/avenir-pro/eleves");
	ck_assert_int_ge(msg_check_sms(cfg, t), 2);
	template_free(t);
	config_free(cfg);
}
END_TEST

/* The digest of students' messages: given name and family initial, the
 * appointment's day, when it came, the text without its controls, in
 * [calendar] adviser_locale; upto is the last message listed. */
START_TEST(digest_lists_messages)
{
	struct config *cfg = config_default();
	struct templates *t = template_load(TOP "/conf/templates", collect, NULL);
	struct digest_message v[] = {
		{ .id = 4, .given_name = "Zoé", .family_name = "Élisabeth-Martin",
		  .appt_starts_at = 1790000000, .received_at = 1789900000,
		  .text = "je serai en retard\r\n\x1b[31mde 10 min\u202e" },
		{ .id = 7, .given_name = "Léo", .family_name = NULL, .received_at = 1789950000,
		  .text = "Bonjour\nmerci" },
	};
	struct msg m = { 0 };

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(tz_set("Europe/Paris"), 0);
	msg_digest(cfg, t, "Amélie Comelli", "a@example.org", v, 2, &m);
	ck_assert_str_eq(m.to, "a@example.org");
	ck_assert_ptr_null(m.cc);
	ck_assert_int_eq(m.upto, 7);
	ck_assert_str_eq(m.subject, "Avenir Pro : messages de vos élèves (2)");
	ck_assert_msg(strstr(m.text, "Bonjour Amélie Comelli,\n") != NULL, "%s", m.text);
	ck_assert_msg(strstr(m.text, "- Zoé É. (rendez-vous du lundi 21/09/2026 à 16h13), reçu le "
			     "dimanche 20/09/2026 à 12h26 :\n  je serai en retard\n  [31mde 10 min\n\n"
			     "- Léo, reçu le lundi 21/09/2026 à 02h20 :\n  Bonjour\n  merci\n") != NULL,
		      "%s", m.text);
	ck_assert_ptr_null(strstr(m.text, "Martin"));
	msg_clear(&m);
	snprintf(cfg->calendar.adviser_locale, sizeof cfg->calendar.adviser_locale, "en");
	msg_digest(cfg, t, NULL, "a@example.org", v, 1, &m);
	ck_assert_str_eq(m.subject, "Avenir Pro: messages from your students (1)");
	ck_assert_msg(strstr(m.text, "Hello,\n") != NULL, "%s", m.text);
	ck_assert_msg(strstr(m.text, "- Zoé É. (appointment on Monday 21 Sep 2026 at 16:13), "
			     "received on Sunday 20 Sep 2026 at 12:26:\n") != NULL, "%s", m.text);
	ck_assert_int_eq(m.upto, 4);
	msg_clear(&m);
	template_free(t);
	config_free(cfg);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("template");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, shipped_templates_load);
	tcase_add_test(tc, render_and_locales);
	tcase_add_test(tc, webhook_json_escaped);
	tcase_add_test(tc, unknown_placeholder_is_an_error);
	tcase_add_test(tc, email_needs_subject);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, shipped_sms_fit_one_segment);
	tcase_add_test(tc, shipped_sms_short_names);
	tcase_add_test(tc, sms_fitting_order);
	tcase_add_test(tc, optional_parts);
	tcase_add_test(tc, alerts_numbers_from_configuration);
	tcase_add_test(tc, sms_check_at_load);
	tcase_add_test(tc, shipped_acks_fit_with_link);
	tcase_add_test(tc, digest_lists_messages);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
