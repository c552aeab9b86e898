/*
 * check_template.c — templates: the shipped set loads, rendering in both
 * languages, JSON escaping of the webhook body, and configuration errors
 * (unknown placeholder, missing subject, missing file) reported as
 * FILE:LINE.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	}
	put(dir, "webhook.json", "{\"to\": \"{to}\", \"text\": \"{text}\", \"n\": {reminder_id}}\n");
	return dir;
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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
