/*
 * check_config.c — unit tests for config.c: defaults, a full file, every
 * kind of error with its exact "FILE:LINE: reason" text, inline comments,
 * the shared parsers and secret path resolution (contract section 7).
 * Run from the repository root (conf/relance.conf is loaded).
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_priv.h"
#include "util.h"

#define MAXERR 32

static char tmpdir[64];
static char cfgpath[128];
static char *errs[MAXERR];
static int nerrs;

static void
collect(const char *msg, void *arg)
{
	if (nerrs < MAXERR)
		errs[nerrs] = xstrdup(msg);
	nerrs++;
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(cfgpath, sizeof cfgpath, "%s/relance.conf", tmpdir);
	nerrs = 0;
}

static void
teardown(void)
{
	char cmd[256];

	for (int i = 0; i < nerrs && i < MAXERR; i++)
		xfree(errs[i]);
	nerrs = 0;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static struct config *
load(const char *text)
{
	write_file(cfgpath, text);
	return config_load(cfgpath, collect, NULL);
}

/* Loads text, expects failure with exactly one error "PATH:LINE: reason". */
static void
expect_error(const char *text, int line, const char *reason)
{
	char want[512];
	struct config *c;

	for (int i = 0; i < nerrs && i < MAXERR; i++)
		xfree(errs[i]);
	nerrs = 0;
	c = load(text);

	if (line > 0)
		snprintf(want, sizeof want, "%s:%d: %s", cfgpath, line, reason);
	else
		snprintf(want, sizeof want, "%s: %s", cfgpath, reason);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(nerrs, 1);
	ck_assert_str_eq(errs[0], want);
}

static void
check_offset(const struct offset *o, int days, int64_t secs)
{
	ck_assert_int_eq(o->days, days);
	ck_assert_int_eq(o->secs, secs);
}

/* ------------------------------------------------------------------------ */

START_TEST(test_defaults)
{
	struct config *c = config_default();

	ck_assert_str_eq(c->kafka.brokers, "127.0.0.1:9092");
	ck_assert_str_eq(c->kafka.group, "relance");
	ck_assert_str_eq(c->kafka.topic_exams, "avenirpro.exams");
	ck_assert_str_eq(c->kafka.topic_attendance, "avenirpro.attendance");
	ck_assert_str_eq(c->kafka.topic_students, "avenirpro.students");
	ck_assert_str_eq(c->kafka.topic_dlq, "avenirpro.relance.dlq");
	ck_assert_str_eq(c->kafka.topic_outcomes, "avenirpro.relance.outcomes");
	ck_assert_uint_eq(c->kafka.nrdkafka, 0);
	ck_assert_str_eq(c->store.path, "/var/lib/relance/relance.db");
	ck_assert_str_eq(c->calendar.timezone, "Europe/Paris");
	ck_assert_str_eq(c->calendar.feeds_dir, "/var/lib/relance/feeds");
	ck_assert_str_eq(c->calendar.listen_host, "127.0.0.1");
	ck_assert_int_eq(c->calendar.listen_port, 8470);
	ck_assert_str_eq(c->calendar.base_url, "http://127.0.0.1:8470");
	ck_assert_str_eq(c->calendar.domain, "relance.example.org");
	ck_assert_int_eq(c->calendar.refresh, 60);
	ck_assert_int_eq(c->checkins.noffsets, 4);
	check_offset(&c->checkins.offsets[0], 14, 0);
	check_offset(&c->checkins.offsets[1], 45, 0);
	check_offset(&c->checkins.offsets[2], 90, 0);
	check_offset(&c->checkins.offsets[3], 180, 0);
	ck_assert_int_eq(c->checkins.duration, 1800);
	for (int d = 0; d < 5; d++) {
		ck_assert_int_eq(c->checkins.hours.n[d], 2);
		ck_assert_int_eq(c->checkins.hours.r[d][0].start, 540);
		ck_assert_int_eq(c->checkins.hours.r[d][0].end, 720);
		ck_assert_int_eq(c->checkins.hours.r[d][1].start, 810);
		ck_assert_int_eq(c->checkins.hours.r[d][1].end, 1020);
	}
	ck_assert_int_eq(c->checkins.hours.n[5], 0);
	ck_assert_int_eq(c->checkins.hours.n[6], 0);
	ck_assert_uint_eq(c->checkins.nclosed, 0);
	ck_assert_str_eq(c->checkins.location, "");
	ck_assert_uint_eq(c->dropin.nwindows, 0);
	ck_assert_int_eq(c->reminders.noffsets, 2);
	check_offset(&c->reminders.offsets[0], 0, 48 * 3600);
	check_offset(&c->reminders.offsets[1], 0, 2 * 3600);
	ck_assert_int_eq(c->reminders.quiet.start, 1200);
	ck_assert_int_eq(c->reminders.quiet.end, 480);
	ck_assert_int_eq(c->reminders.max_per_day, 3);
	ck_assert(c->reminders.consent_sms && c->reminders.consent_email);
	ck_assert_int_eq(c->reminders.lost_after, 30 * 86400);
	ck_assert_ptr_null(c->smtp.url);	/* unset: the channel is off */
	ck_assert_str_eq(c->smtp.from, "Avenir Pro <no-reply@relance.example.org>");
	ck_assert_int_eq(c->smtp.tls, SMTP_TLS_REQUIRED);
	ck_assert_ptr_null(c->smtp.user);
	ck_assert_ptr_null(c->smtp.password_file);
	ck_assert_ptr_null(c->smtp.ca_file);
	ck_assert_str_eq(c->smtp.helo, "localhost");
	ck_assert_ptr_null(c->smtp.alerts_to);
	ck_assert_int_eq(c->sms.gateway, SMS_GATEWAY_KANNEL);
	ck_assert_ptr_null(c->sms.url);
	ck_assert_str_eq(c->sms.sender, "AvenirPro");
	ck_assert_str_eq(c->sms.dlr_url, "http://127.0.0.1:8470");
	ck_assert_str_eq(c->sms.allow_from, "127.0.0.1,::1");
	ck_assert_uint_eq(c->sms.nheaders, 0);
	ck_assert_int_eq(c->sms.concurrency, 256);
	ck_assert_int_eq(c->sms.encoding, SMS_ENCODING_GSM7);
	ck_assert_str_eq(c->sms.country, "FR");
	ck_assert_int_eq(c->retry.attempts, 8);
	ck_assert_int_eq(c->retry.first, 30);
	ck_assert_int_eq(c->retry.max, 3600);
	ck_assert_int_eq(c->retry.concurrency, 16);
	ck_assert_str_eq(c->templates.dir, "/etc/relance/templates");
	ck_assert_int_eq(c->daemon.batch, 5000);
	ck_assert_int_eq(c->daemon.log_level, LOG_LVL_INFO);
	config_free(c);
}
END_TEST

START_TEST(test_empty_file_is_defaults)
{
	struct config *c = load("; nothing\n\n# at all\n");

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(nerrs, 0);
	ck_assert_str_eq(c->path, cfgpath);
	ck_assert_str_eq(c->kafka.brokers, "127.0.0.1:9092");
	ck_assert_int_eq(c->checkins.noffsets, 4);
	ck_assert_int_eq(c->retry.concurrency, 16);
	ck_assert_int_eq(c->sms.concurrency, 256);
	config_free(c);
}
END_TEST

static const char full[] =
	"[kafka]\n"
	"brokers = k1:9092,k2:9092\n"
	"group = g\n"
	"topic.exams = te\n"
	"topic.attendance = ta\n"
	"topic.students = ts\n"
	"topic.dlq = td\n"
	"topic.outcomes = to\n"
	"rdkafka.security.protocol = SASL_SSL\n"
	"rdkafka.session.timeout.ms = 45000\n"
	"[store]\n"
	"path = /srv/r.db\n"
	"[calendar]\n"
	"timezone = America/New_York\n"
	"feeds_dir = /srv/feeds\n"
	"listen = [::1]:9000\n"
	"base_url = https://cal.example.org/relance//\n"
	"domain = ml.example.org\n"
	"refresh = 5m\n"
	"[checkins]\n"
	"offsets = 7d,30d , 2h\n"
	"duration = 45m\n"
	"office_hours = mon-thu 08:00-12:00 13:00-18:00, fri 08:00-12:00, sat 13:00-16:00 09:00-11:00\n"
	"closed = 2026-12-25, 2026-07-14, 2026-07-14\n"
	"closed = 2026-07-14\n"
	"location = Mission locale du Nord Mosellan\n"
	"[dropin]\n"
	"window = * 2026-07-02..2026-07-05 14:00-17:00, 09:00-12:00 slot=20m capacity=3\n"
	"window = 0570123x 2026-08-24..2026-08-24 10:00-11:00 capacity=1 slot=1h\n"
	"location = Lycée, salle d'accueil\n"
	"[reminders]\n"
	"offsets = 1d, 30m\n"
	"quiet_hours = 21:30-07:15\n"
	"max_per_day = 5\n"
	"default_consent = email\n"
	"lost_after = 2d\n"
	"[smtp]\n"
	"url = smtps://mail.example.org:465\n"
	"from = no-reply@ml.example.org\n"
	"tls = none\n"
	"user = relance\n"
	"password_file = smtp.pass\n"
	"ca_file = /etc/ssl/ca.pem\n"
	"helo = relance.example.org\n"
	"alerts_to = chef@ml.example.org\n"
	"[sms]\n"
	"gateway = webhook\n"
	"url = https://sms.example.org/send\n"
	"user = u\n"
	"password_file = /run/secret/sms\n"
	"sender = +33600000000\n"
	"dlr_url = https://relance.example.org/\n"
	"allow_from = 10.0.0.1 , fe80::1\n"
	"header = X-Api-Version: 2\n"
	"header = Accept:application/json\n"
	"concurrency = 200\n"
	"encoding = unicode\n"
	"country = be\n"
	"[retry]\n"
	"attempts = 3\n"
	"first = 10s\n"
	"max = 10m\n"
	"concurrency = 4\n"
	"[templates]\n"
	"dir = /srv/templates\n"
	"[daemon]\n"
	"batch = 250\n"
	"log_level = debug\n";

START_TEST(test_full_file)
{
	struct config *c;
	char want[256];
	int32_t day;

	unsetenv("CREDENTIALS_DIRECTORY");
	c = load(full);
	for (int i = 0; i < nerrs && i < MAXERR; i++)
		fprintf(stderr, "%s\n", errs[i]);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(nerrs, 0);

	ck_assert_str_eq(c->kafka.brokers, "k1:9092,k2:9092");
	ck_assert_str_eq(c->kafka.group, "g");
	ck_assert_str_eq(c->kafka.topic_exams, "te");
	ck_assert_str_eq(c->kafka.topic_attendance, "ta");
	ck_assert_str_eq(c->kafka.topic_students, "ts");
	ck_assert_str_eq(c->kafka.topic_dlq, "td");
	ck_assert_str_eq(c->kafka.topic_outcomes, "to");
	ck_assert_uint_eq(c->kafka.nrdkafka, 2);
	ck_assert_str_eq(c->kafka.rdkafka[0].key, "security.protocol");
	ck_assert_str_eq(c->kafka.rdkafka[0].value, "SASL_SSL");
	ck_assert_str_eq(c->kafka.rdkafka[1].key, "session.timeout.ms");
	ck_assert_str_eq(c->kafka.rdkafka[1].value, "45000");
	ck_assert_str_eq(c->store.path, "/srv/r.db");

	ck_assert_str_eq(c->calendar.timezone, "America/New_York");
	ck_assert_str_eq(c->calendar.feeds_dir, "/srv/feeds");
	ck_assert_str_eq(c->calendar.listen_host, "::1");
	ck_assert_int_eq(c->calendar.listen_port, 9000);
	ck_assert_str_eq(c->calendar.base_url, "https://cal.example.org/relance");
	ck_assert_str_eq(c->calendar.domain, "ml.example.org");
	ck_assert_int_eq(c->calendar.refresh, 300);

	ck_assert_int_eq(c->checkins.noffsets, 3);
	check_offset(&c->checkins.offsets[0], 7, 0);
	check_offset(&c->checkins.offsets[1], 30, 0);
	check_offset(&c->checkins.offsets[2], 0, 7200);
	ck_assert_int_eq(c->checkins.duration, 45 * 60);
	for (int d = 0; d < 4; d++) {
		ck_assert_int_eq(c->checkins.hours.n[d], 2);
		ck_assert_int_eq(c->checkins.hours.r[d][0].start, 480);
		ck_assert_int_eq(c->checkins.hours.r[d][1].end, 1080);
	}
	ck_assert_int_eq(c->checkins.hours.n[4], 1);
	ck_assert_int_eq(c->checkins.hours.r[4][0].end, 720);
	/* sorted */
	ck_assert_int_eq(c->checkins.hours.n[5], 2);
	ck_assert_int_eq(c->checkins.hours.r[5][0].start, 540);
	ck_assert_int_eq(c->checkins.hours.r[5][1].start, 780);
	ck_assert_int_eq(c->checkins.hours.n[6], 0);
	/* sorted, duplicates removed */
	ck_assert_uint_eq(c->checkins.nclosed, 2);
	ck_assert_int_eq(date_parse("2026-07-14", &day), 0);
	ck_assert_int_eq(c->checkins.closed[0], day);
	ck_assert_int_eq(date_parse("2026-12-25", &day), 0);
	ck_assert_int_eq(c->checkins.closed[1], day);
	ck_assert_str_eq(c->checkins.location, "Mission locale du Nord Mosellan");

	ck_assert_uint_eq(c->dropin.nwindows, 2);
	ck_assert_str_eq(c->dropin.windows[0].uai, "*");
	ck_assert_int_eq(c->dropin.windows[0].nranges, 2);
	ck_assert_int_eq(c->dropin.windows[0].ranges[0].start, 540);
	ck_assert_int_eq(c->dropin.windows[0].slot_secs, 1200);
	ck_assert_int_eq(c->dropin.windows[0].capacity, 3);
	ck_assert_str_eq(c->dropin.windows[0].key,
	    "* 2026-07-02..2026-07-05 09:00-12:00,14:00-17:00 slot=20m capacity=3");
	ck_assert_str_eq(c->dropin.windows[1].uai, "0570123X");
	ck_assert_int_eq(c->dropin.windows[1].first_day,
	    c->dropin.windows[1].last_day);
	ck_assert_str_eq(c->dropin.windows[1].key,
	    "0570123X 2026-08-24..2026-08-24 10:00-11:00 slot=60m capacity=1");
	ck_assert_str_eq(c->dropin.location, "Lycée, salle d'accueil");

	ck_assert_int_eq(c->reminders.noffsets, 2);
	check_offset(&c->reminders.offsets[0], 1, 0);
	check_offset(&c->reminders.offsets[1], 0, 1800);
	ck_assert_int_eq(c->reminders.quiet.start, 21 * 60 + 30);
	ck_assert_int_eq(c->reminders.quiet.end, 7 * 60 + 15);
	ck_assert_int_eq(c->reminders.max_per_day, 5);
	ck_assert(!c->reminders.consent_sms);
	ck_assert(c->reminders.consent_email);
	ck_assert_int_eq(c->reminders.lost_after, 2 * 86400);

	ck_assert_str_eq(c->smtp.url, "smtps://mail.example.org:465");
	ck_assert_str_eq(c->smtp.from, "no-reply@ml.example.org");
	ck_assert_int_eq(c->smtp.tls, SMTP_TLS_NONE);
	ck_assert_str_eq(c->smtp.user, "relance");
	snprintf(want, sizeof want, "%s/smtp.pass", tmpdir);
	ck_assert_str_eq(c->smtp.password_file, want);
	ck_assert_str_eq(c->smtp.ca_file, "/etc/ssl/ca.pem");
	ck_assert_str_eq(c->smtp.helo, "relance.example.org");
	ck_assert_str_eq(c->smtp.alerts_to, "chef@ml.example.org");

	ck_assert_int_eq(c->sms.gateway, SMS_GATEWAY_WEBHOOK);
	ck_assert_str_eq(c->sms.url, "https://sms.example.org/send");
	ck_assert_str_eq(c->sms.user, "u");
	ck_assert_str_eq(c->sms.password_file, "/run/secret/sms");
	ck_assert_str_eq(c->sms.sender, "+33600000000");
	ck_assert_str_eq(c->sms.dlr_url, "https://relance.example.org");
	ck_assert_str_eq(c->sms.allow_from, "10.0.0.1,fe80::1");
	ck_assert_uint_eq(c->sms.nheaders, 2);
	ck_assert_str_eq(c->sms.headers[0].key, "X-Api-Version");
	ck_assert_str_eq(c->sms.headers[0].value, "2");
	ck_assert_str_eq(c->sms.headers[1].key, "Accept");
	ck_assert_str_eq(c->sms.headers[1].value, "application/json");
	ck_assert_int_eq(c->sms.concurrency, 200);
	ck_assert_int_eq(c->sms.encoding, SMS_ENCODING_UNICODE);
	ck_assert_str_eq(c->sms.country, "BE");

	ck_assert_int_eq(c->retry.attempts, 3);
	ck_assert_int_eq(c->retry.first, 10);
	ck_assert_int_eq(c->retry.max, 600);
	ck_assert_int_eq(c->retry.concurrency, 4);
	ck_assert_str_eq(c->templates.dir, "/srv/templates");
	ck_assert_int_eq(c->daemon.batch, 250);
	ck_assert_int_eq(c->daemon.log_level, LOG_LVL_DEBUG);
	config_free(c);
}
END_TEST

START_TEST(test_shipped_example)
{
	struct config *c = config_load("conf/relance.conf", collect, NULL);
	struct config *d = config_default();

	for (int i = 0; i < nerrs && i < MAXERR; i++)
		fprintf(stderr, "%s\n", errs[i]);
	ck_assert_int_eq(nerrs, 0);
	ck_assert_ptr_nonnull(c);
	/* the example spells out the defaults */
	ck_assert_str_eq(c->kafka.brokers, d->kafka.brokers);
	ck_assert_str_eq(c->store.path, d->store.path);
	ck_assert_str_eq(c->calendar.base_url, d->calendar.base_url);
	ck_assert_int_eq(c->calendar.listen_port, d->calendar.listen_port);
	ck_assert_mem_eq(&c->checkins.hours, &d->checkins.hours,
	    sizeof c->checkins.hours);
	ck_assert_int_eq(c->checkins.noffsets, d->checkins.noffsets);
	ck_assert_int_eq(c->reminders.quiet.start, d->reminders.quiet.start);
	ck_assert_ptr_null(c->smtp.url);	/* both channels off by default */
	ck_assert_ptr_null(d->smtp.url);
	ck_assert_ptr_null(c->sms.url);
	ck_assert_ptr_null(d->sms.url);
	ck_assert_str_eq(c->sms.allow_from, d->sms.allow_from);
	ck_assert_int_eq(c->retry.max, d->retry.max);
	ck_assert_int_eq(c->retry.concurrency, d->retry.concurrency);
	ck_assert_int_eq(c->sms.concurrency, d->sms.concurrency);
	ck_assert_int_eq(c->sms.encoding, d->sms.encoding);
	ck_assert_str_eq(c->sms.country, d->sms.country);
	ck_assert_int_eq(c->daemon.log_level, d->daemon.log_level);
	ck_assert_uint_eq(c->checkins.nclosed, 11);	/* 2026 holidays */
	config_free(c);
	config_free(d);
}
END_TEST

START_TEST(test_shipped_demo)
{
	char *text = file_read("conf/demo.conf", NULL), *p;
	struct config *c;
	struct { const char *token, *value; } subst[] = {
		{ "@DEMO_DIR@", "/tmp/demo" }, { "@BROKERS@", "127.0.0.1:9092" },
		{ "@HTTP_PORT@", "18470" }, { "@TEMPLATES_DIR@", "/tmp/t" },
	};

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < ARRAY_SIZE(subst); i++) {
		while ((p = strstr(text, subst[i].token)) != NULL) {
			char *n = xasprintf("%.*s%s%s", (int)(p - text), text,
			    subst[i].value, p + strlen(subst[i].token));
			free(text);
			text = n;
		}
	}
	c = load(text);
	free(text);
	for (int i = 0; i < nerrs && i < MAXERR; i++)
		fprintf(stderr, "%s\n", errs[i]);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->calendar.listen_port, 18470);
	ck_assert_str_eq(c->store.path, "/tmp/demo/relance.db");
	ck_assert_str_eq(c->smtp.url, "file:////tmp/demo/outbox/email");
	ck_assert_uint_eq(c->dropin.nwindows, 1);
	config_free(c);
}
END_TEST

START_TEST(test_inline_comments)
{
	struct config *c = load(
	    "  ; indented comment\n"
	    "[calendar] ; section comment\n"
	    "listen = 127.0.0.1:8470          ; HTTP: feeds, /healthz\n"
	    "domain = d.example.org\t; tab before\n"
	    "  refresh = 2m ;;; more\n"
	    "[dropin]\n"
	    "location = Salle #3;pas un commentaire\n"
	    "[smtp]\n"
	    "user =                   ; empty\n");

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->calendar.listen_port, 8470);
	ck_assert_str_eq(c->calendar.domain, "d.example.org");
	ck_assert_int_eq(c->calendar.refresh, 120);
	ck_assert_str_eq(c->dropin.location, "Salle #3;pas un commentaire");
	ck_assert_ptr_null(c->smtp.user);
	config_free(c);
}
END_TEST

/* --- one test per kind of error, exact text ------------------------------ */

START_TEST(test_err_unknown_key)
{
	expect_error("[calendar]\n\nlisten_port = 80\n", 3,
	    "[calendar] listen_port: unknown key");
}
END_TEST

START_TEST(test_err_unknown_section)
{
	/* keys in an unknown section are not reported one by one */
	expect_error("[kafka]\nbrokers = b\n[mail]\nurl = smtp://x\nfrom = a@b\n",
	    3, "unknown section [mail]");
}
END_TEST

START_TEST(test_err_malformed_duration)
{
	expect_error("[retry]\nfirst = 30x\n", 2,
	    "[retry] first: \"30x\" is not a duration (e.g. 30s, 15m, 2h, 3d)");
}
END_TEST

/* last_exam_past/future: calendar years or whole days. */
START_TEST(test_exam_span)
{
	struct config *c = load("[checkins]\nlast_exam_past = 3y\nlast_exam_future = 200d\n");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->checkins.last_exam_past.years, 3);
	ck_assert_int_eq(c->checkins.last_exam_future.years, 0);
	ck_assert_int_eq(c->checkins.last_exam_future.secs, 200 * 86400);
	config_free(c);
	c = load("");
	ck_assert_int_eq(c->checkins.last_exam_past.years, 2);
	ck_assert_int_eq(c->checkins.last_exam_future.years, 1);
	config_free(c);
	expect_error("[checkins]\nlast_exam_past = 0y\n", 2,
	    "[checkins] last_exam_past: \"0y\" is out of range (1y to 100y)");
	expect_error("[checkins]\nlast_exam_past = 101y\n", 2,
	    "[checkins] last_exam_past: \"101y\" is out of range (1y to 100y)");
	expect_error("[checkins]\nlast_exam_future = 36h\n", 2,
	    "[checkins] last_exam_future: \"36h\" is not a whole number of days (or years: 2y)");
	expect_error("[checkins]\nlast_exam_future = -1y\n", 2,
	    "[checkins] last_exam_future: \"-1y\" is not a duration (e.g. 30s, 15m, 2h, 3d)");
}
END_TEST

START_TEST(test_err_bare_number)
{
	expect_error("[checkins]\nduration = 30\n", 2,
	    "[checkins] duration: \"30\" needs a unit (s, m, h, d)");
}
END_TEST

START_TEST(test_err_concurrency)
{
	expect_error("[sms]\nconcurrency = 0\n", 2,
	    "[sms] concurrency: \"0\" is not a number from 1 to 1024");
	teardown();
	setup();
	expect_error("[retry]\n\nconcurrency = 1025\n", 3,
	    "[retry] concurrency: \"1025\" is not a number from 1 to 1024");
	teardown();
	setup();
	expect_error("[sms]\nencoding = utf8\n", 2,
	    "[sms] encoding: \"utf8\" is not gsm7 or unicode");
}
END_TEST

START_TEST(test_err_bad_time)
{
	expect_error("[reminders]\nquiet_hours = 20:00-24:30\n", 2,
	    "[reminders] quiet_hours: \"20:00-24:30\" is not a time range "
	    "(HH:MM-HH:MM, may span midnight, or none)");
}
END_TEST

START_TEST(test_err_office_hours)
{
	expect_error("[checkins]\noffice_hours = mon-fri 09:00-12:00 11:30-13:00\n",
	    2, "[checkins] office_hours: 09:00-12:00 and 11:30-13:00 overlap "
	    "on mon");
	teardown();
	setup();
	expect_error("[checkins]\noffice_hours = mon-fri 12:00-09:00\n", 2,
	    "[checkins] office_hours: \"12:00-09:00\": the start must be "
	    "before the end");
	teardown();
	setup();
	expect_error("[checkins]\noffice_hours = fri-mon 09:00-12:00\n", 2,
	    "[checkins] office_hours: \"fri-mon\" is not a day or day range "
	    "(mon, tue, ..., sun or e.g. mon-fri)");
	teardown();
	setup();
	expect_error("[checkins]\noffice_hours = mon-fri 9:00-12:00\n", 2,
	    "[checkins] office_hours: \"9:00-12:00\" is not a time range "
	    "(HH:MM-HH:MM)");
}
END_TEST

START_TEST(test_err_bad_date)
{
	expect_error("[checkins]\nclosed = 2026-07-14, 2026-02-30\n", 2,
	    "[checkins] closed: \"2026-02-30\" is not a real date");
	teardown();
	setup();
	expect_error("[checkins]\nclosed = 14/07/2026\n", 2,
	    "[checkins] closed: \"14/07/2026\" is not a date (YYYY-MM-DD)");
	/* More commas than half the line (found by fuzz_config: the list
	 * overflowed and the dates were sorted out of bounds). */
	teardown();
	setup();
	expect_error("[checkins]\nclosed = 2026-0-110,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n", 2,
	    "[checkins] closed: \"2026-0-110\" is not a date (YYYY-MM-DD)");
	teardown();
	setup();
	expect_error("[checkins]\nclosed = 2026-07-14,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n", 2,
	    "[checkins] closed: \"\" is not a date (YYYY-MM-DD)");
}
END_TEST

START_TEST(test_err_bad_window)
{
	static const struct { const char *w, *reason; } cases[] = {
		{ "057012X 2026-07-02..2026-07-05 09:00-12:00 slot=20m capacity=3",
		  "\"057012X\" is not \"*\" or a UAI (7 digits and a letter)" },
		{ "* 2026-07-05..2026-07-02 09:00-12:00 slot=20m capacity=3",
		  "2026-07-05..2026-07-02: the first day is after the last" },
		{ "* 2026-02-29..2026-03-02 09:00-12:00 slot=20m capacity=3",
		  "\"2026-02-29\" is not a real date" },
		{ "* 2026-07-02..2026-07-05 09:00-12:00 slot=20 capacity=3",
		  "slot \"20\" is not a duration of whole minutes, at least 1m "
		  "(e.g. slot=20m)" },
		{ "* 2026-07-02..2026-07-05 09:00-12:00 slot=20m capacity=0",
		  "capacity \"0\" is not a number from 1 to 10000" },
		{ "* 2026-07-02..2026-07-05 09:00-09:10 slot=20m capacity=3",
		  "slot=20m does not fit in 09:00-09:10" },
		{ "* 2026-07-02..2026-07-05 09:00-12:00,11:00-13:00 slot=20m capacity=3",
		  "09:00-12:00 and 11:00-13:00 overlap" },
		{ "* 2026-07-02..2026-07-05 09:00-12:00 slot=20m",
		  "missing capacity=N" },
		{ "* 2026-07-02 09:00-12:00 slot=20m capacity=3",
		  "missing dates FIRST..LAST (e.g. 2026-07-02..2026-07-05)" },
		{ "* 2026-07-02..2026-07-05 09:00-12:00 slot=20m capacity=3 room=4",
		  "unexpected \"room=4\" (expected slot=DURATION capacity=N, once "
		  "each)" },
	};
	char text[256], reason[256];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof text, "[dropin]\nwindow = %s\n", cases[i].w);
		snprintf(reason, sizeof reason, "[dropin] window: %s",
		    cases[i].reason);
		expect_error(text, 2, reason);
		teardown();
		setup();
	}
}
END_TEST

START_TEST(test_err_bad_listen)
{
	static const char *const bad[] = {
		"127.0.0.1", "127.0.0.1:65536", "localhost:80", "::1:80",
		"[::1]80", "1.2.3:80", "127.0.0.1:-1", "127.0.0.1:",
	};
	char text[128], reason[256];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof text, "[calendar]\nlisten = %s\n", bad[i]);
		snprintf(reason, sizeof reason, "[calendar] listen: \"%s\" is not "
		    "ADDRESS:PORT (e.g. 127.0.0.1:8470 or [::1]:8470; port 0 "
		    "disables)", bad[i]);
		expect_error(text, 2, reason);
		teardown();
		setup();
	}
}
END_TEST

START_TEST(test_listen_port_zero)
{
	struct config *c = load("[calendar]\nlisten = 0.0.0.0:0\n");

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->calendar.listen_host, "0.0.0.0");
	ck_assert_int_eq(c->calendar.listen_port, 0);
	config_free(c);
}
END_TEST

START_TEST(test_err_bad_url)
{
	expect_error("[smtp]\nurl = http://mail.example.org\n", 2,
	    "[smtp] url: \"http://mail.example.org\" is not a URL starting with "
	    "smtp://, smtps:// or file:///");
	teardown();
	setup();
	expect_error("[sms]\nurl = smtp://x\n", 2,
	    "[sms] url: \"smtp://x\" is not a URL starting with http://, "
	    "https:// or file:///");
	teardown();
	setup();
	expect_error("[sms]\nurl = file://relative/dir\n", 2,
	    "[sms] url: \"file://relative/dir\" is not a URL starting with "
	    "http://, https:// or file:///");
	teardown();
	setup();
	expect_error("[calendar]\nbase_url = ftp://x\n", 2,
	    "[calendar] base_url: \"ftp://x\" is not a URL starting with "
	    "http:// or https://");
}
END_TEST

START_TEST(test_err_duplicate_key)
{
	expect_error("[kafka]\ngroup = a\n[store]\npath = /x\n[kafka]\ngroup = b\n",
	    6, "[kafka] group: duplicate key (already set on line 2)");
	teardown();
	setup();
	expect_error("[kafka]\nrdkafka.client.id = a\nrdkafka.client.id = b\n",
	    3, "[kafka] rdkafka.client.id: duplicate key (already set on line 2)");
}
END_TEST

START_TEST(test_err_enums)
{
	expect_error("[smtp]\ntls = starttls\n", 2,
	    "[smtp] tls: \"starttls\" is not required or none");
	teardown();
	setup();
	expect_error("[sms]\ngateway = twilio\n", 2,
	    "[sms] gateway: \"twilio\" is not kannel or webhook");
	teardown();
	setup();
	expect_error("[sms]\ncountry = US\n", 2,
	    "[sms] country: \"US\" is not a known country (FR, GP, MQ, GF, RE, YT, BL, MF, BE, "
	    "CH, LU, DE, ES, IT, GB, MC)");
	teardown();
	setup();
	expect_error("[sms]\ncountry = FRA\n", 2,
	    "[sms] country: \"FRA\" is not a known country (FR, GP, MQ, GF, RE, YT, BL, MF, BE, "
	    "CH, LU, DE, ES, IT, GB, MC)");
	teardown();
	setup();
	expect_error("[daemon]\nlog_level = verbose\n", 2,
	    "[daemon] log_level: \"verbose\" is not err, warning, notice, info "
	    "or debug");
	teardown();
	setup();
	expect_error("[daemon]\nbatch = 100001\n", 2,
	    "[daemon] batch: \"100001\" is not a number from 1 to 100000");
	teardown();
	setup();
	expect_error("[reminders]\ndefault_consent = sms, post\n", 2,
	    "[reminders] default_consent: \"post\" is not sms or email (or none "
	    "alone)");
	teardown();
	setup();
	expect_error("[calendar]\ntimezone = Europe/Atlantis\n", 2,
	    "[calendar] timezone: \"Europe/Atlantis\" is not a time zone known "
	    "to the system (e.g. Europe/Paris)");
}
END_TEST

START_TEST(test_err_syntax)
{
	expect_error("[kafka]\nbrokers\n", 2,
	    "syntax error: expected \"key = value\" or \"[section]\"");
	teardown();
	setup();
	expect_error("[kafka\nbrokers = b\n", 1,
	    "syntax error: \"[kafka\" is not a section header ([name])");
	teardown();
	setup();
	expect_error("brokers = b\n", 1, "brokers: key outside any [section]");
	teardown();
	setup();
	expect_error("[kafka]\nrdkafka.bootstrap.servers = x:1\n", 2,
	    "[kafka] rdkafka.bootstrap.servers: set by relance (use brokers and "
	    "group; offsets are committed after the store)");
	teardown();
	setup();
	expect_error("[kafka]\nrdkafka.no.such.property = 1\n", 2,
	    "[kafka] rdkafka.no.such.property: No such configuration property: "
	    "\"no.such.property\"");
}
END_TEST

START_TEST(test_err_missing_file)
{
	char path[256], want[300];
	struct config *c;

	snprintf(path, sizeof path, "%s/absent.conf", tmpdir);
	c = config_load(path, collect, NULL);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(nerrs, 1);
	snprintf(want, sizeof want, "%s: cannot open: No such file or directory",
	    path);
	ck_assert_str_eq(errs[0], want);
}
END_TEST

START_TEST(test_err_cross_checks)
{
	expect_error("[checkins]\nduration = 4h\n", 2,
	    "[checkins] duration: 240m does not fit in any office_hours range "
	    "(longest 210m)");
	teardown();
	setup();
	/* reported on the office_hours line when duration is the default */
	expect_error("[checkins]\n\noffice_hours = sat 10:00-10:20\n", 3,
	    "[checkins] duration: 30m does not fit in any office_hours range "
	    "(longest 20m)");
	teardown();
	setup();
	expect_error("[retry]\nfirst = 2h\n", 2,
	    "[retry] max: 3600s is shorter than first (7200s)");
}
END_TEST

/* tls = none: loopback servers only (contract section 4, issue 13). */
START_TEST(test_err_tls_none_not_loopback)
{
	static const char *const ok[] = {
		"smtp://127.0.0.1:25", "smtp://127.8.9.10", "smtp://localhost:2525",
		"smtp://LOCALHOST", "smtp://[::1]:25", "smtp://user@127.0.0.1:25/x",
		"smtps://mail.example.org:465", "file:///tmp/outbox",
	};
	static const char *const bad[] = {
		"smtp://mail.example.org:25", "smtp://10.0.0.1", "smtp://128.0.0.1:25",
		"smtp://[::2]:25", "smtp://localhost.example.org", "smtp://127.0.0.1.evil.org",
		"smtp://[::ffff:10.0.0.1]:25",
	};
	char text[256];
	struct config *c;

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		snprintf(text, sizeof text, "[smtp]\nurl = %s\ntls = none\n", ok[i]);
		c = load(text);
		ck_assert_msg(c != NULL, "tls = none refused for %s", ok[i]);
		config_free(c);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		teardown();
		setup();
		snprintf(text, sizeof text, "[smtp]\nurl = %s\n\ntls = none\n", bad[i]);
		expect_error(text, 4, "[smtp] tls: none (plain text, the password in clear) is only "
		    "allowed for a loopback server (127.0.0.0/8, ::1, localhost), not the host of "
		    "[smtp] url");
	}
	/* tls = required: any server */
	teardown();
	setup();
	c = load("[smtp]\nurl = smtp://mail.example.org:25\ntls = required\n");
	ck_assert_ptr_nonnull(c);
	config_free(c);
	ck_assert_int_eq(cfg_url_host_is_loopback("smtp://127.0.0.1"), 1);
	ck_assert_int_eq(cfg_url_host_is_loopback("smtp://[::1]"), 1);
	ck_assert_int_eq(cfg_url_host_is_loopback("smtp://"), 0);
	ck_assert_int_eq(cfg_url_host_is_loopback("smtp://[::1"), 0);
}
END_TEST

START_TEST(test_multiple_errors)
{
	struct config *c;
	char want[512];
	static const struct { int line; const char *reason; } exp[] = {
		{ 3, "[kafka] colour: unknown key" },
		{ 5, "[calendar] refresh: \"60\" needs a unit (s, m, h, d)" },
		{ 6, "[calendar] refresh: duplicate key (already set on line 5)" },
		{ 7, "unknown section [extra]" },
		{ 10, "syntax error: expected \"key = value\" or \"[section]\"" },
		{ 11, "[checkins] closed: \"2026-02-30\" is not a real date" },
		{ 13, "[dropin] window: missing capacity=N" },
		{ 15, "[smtp] url: \"smtpx://h\" is not a URL starting with "
		      "smtp://, smtps:// or file:///" },
	};

	c = load(
	    "[kafka]\n"					/* 1 */
	    "brokers = b:9092 ; fine\n"			/* 2 */
	    "colour = blue\n"				/* 3 */
	    "[calendar]\n"				/* 4 */
	    "refresh = 60\n"				/* 5 */
	    "refresh = 60s\n"				/* 6 */
	    "[extra]\n"					/* 7 */
	    "ignored = yes\n"				/* 8 */
	    "[checkins]\n"				/* 9 */
	    "just words\n"				/* 10 */
	    "closed = 2026-02-30\n"			/* 11 */
	    "[dropin]\n"				/* 12 */
	    "window = * 2026-07-02..2026-07-05 09:00-12:00 slot=20m\n" /* 13 */
	    "[smtp]\n"					/* 14 */
	    "  url = smtpx://h\n");			/* 15: indented */
	ck_assert_ptr_null(c);
	ck_assert_int_eq(nerrs, (int)ARRAY_SIZE(exp));
	for (size_t i = 0; i < ARRAY_SIZE(exp); i++) {
		snprintf(want, sizeof want, "%s:%d: %s", cfgpath, exp[i].line,
		    exp[i].reason);
		ck_assert_str_eq(errs[i], want);
	}
}
END_TEST

START_TEST(test_err_line_too_long)
{
	char text[400], want[256];
	struct config *c;

	snprintf(text, sizeof text, "[dropin]\nlocation = %0300d\n", 7);
	c = load(text);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(nerrs, 1);
	snprintf(want, sizeof want, "%s:2: line too long (at most ", cfgpath);
	ck_assert_int_eq(strncmp(errs[0], want, strlen(want)), 0);
}
END_TEST

START_TEST(test_null_errfn_logs)
{
	/* no callback: errors go to the log, load still fails */
	write_file(cfgpath, "[nope]\n");
	ck_assert_ptr_null(config_load(cfgpath, NULL, NULL));
}
END_TEST

/* --- shared parsers ------------------------------------------------------ */

START_TEST(test_parse_duration)
{
	int64_t s;
	struct offset o;
	int m;

	ck_assert_int_eq(config_parse_duration("30s", &s), 0);
	ck_assert_int_eq(s, 30);
	ck_assert_int_eq(config_parse_duration("15m", &s), 0);
	ck_assert_int_eq(s, 900);
	ck_assert_int_eq(config_parse_duration("2h", &s), 0);
	ck_assert_int_eq(s, 7200);
	ck_assert_int_eq(config_parse_duration("3d", &s), 0);
	ck_assert_int_eq(s, 3 * 86400);
	ck_assert_int_eq(config_parse_duration("30", &s), -1);
	ck_assert_int_eq(config_parse_duration("h", &s), -1);
	ck_assert_int_eq(config_parse_duration("-1h", &s), -1);
	ck_assert_int_eq(config_parse_duration("1.5h", &s), -1);
	ck_assert_int_eq(config_parse_duration("1 h", &s), -1);
	ck_assert_int_eq(config_parse_duration("1w", &s), -1);
	ck_assert_int_eq(config_parse_duration("999999999d", &s), -1);
	ck_assert_int_eq(config_parse_duration("", &s), -1);

	ck_assert_int_eq(config_parse_offset("14d", &o), 0);
	check_offset(&o, 14, 0);
	ck_assert_int_eq(config_parse_offset("48h", &o), 0);
	check_offset(&o, 0, 172800);
	ck_assert_int_eq(config_parse_offset("14", &o), -1);

	ck_assert_int_eq(config_parse_hhmm("09:00", &m), 0);
	ck_assert_int_eq(m, 540);
	ck_assert_int_eq(config_parse_hhmm("23:59", &m), 0);
	ck_assert_int_eq(m, 1439);
	ck_assert_int_eq(config_parse_hhmm("24:00", &m), -1);
	ck_assert_int_eq(config_parse_hhmm("12:60", &m), -1);
	ck_assert_int_eq(config_parse_hhmm("9:00", &m), -1);
	ck_assert_int_eq(config_parse_hhmm("09:00x", &m), -1);
}
END_TEST

START_TEST(test_parse_weekhours)
{
	struct weekhours w;
	char err[256];

	ck_assert_int_eq(config_parse_weekhours("sun 08:00-24:00", &w, err,
	    sizeof err), 0);
	ck_assert_int_eq(w.n[6], 1);
	ck_assert_int_eq(w.r[6][0].end, 1440);
	ck_assert_int_eq(w.n[0], 0);
	/* adjacent is fine, overlap across groups is not */
	ck_assert_int_eq(config_parse_weekhours("mon 09:00-10:00 10:00-11:00",
	    &w, err, sizeof err), 0);
	ck_assert_int_eq(config_parse_weekhours("mon-fri 09:00-12:00, wed "
	    "11:00-14:00", &w, err, sizeof err), -1);
	ck_assert_str_eq(err, "09:00-12:00 and 11:00-14:00 overlap on wed");
	ck_assert_int_eq(config_parse_weekhours("", &w, err, sizeof err), -1);
	ck_assert_int_eq(config_parse_weekhours("mon-fri", &w, err, sizeof err),
	    -1);
	ck_assert_str_eq(err, "\"mon-fri\" has no time range (HH:MM-HH:MM)");
}
END_TEST

START_TEST(test_parse_window)
{
	struct dropin_window w;
	char err[256];
	int32_t day;

	ck_assert_int_eq(config_parse_window("*   2026-07-02..2026-07-05  "
	    "09:00-12:00 ,14:00-17:00 capacity=3 slot=20m", &w, err,
	    sizeof err), 0);
	ck_assert_str_eq(w.key,
	    "* 2026-07-02..2026-07-05 09:00-12:00,14:00-17:00 slot=20m capacity=3");
	ck_assert_int_eq(date_parse("2026-07-02", &day), 0);
	ck_assert_int_eq(w.first_day, day);
	ck_assert_int_eq(w.last_day, day + 3);
	ck_assert_int_eq(w.ranges[1].end, 17 * 60);

	/* too long to spell out: a stable hashed key that still fits */
	ck_assert_int_eq(config_parse_window("0570123X 2026-07-01..2026-07-31 "
	    "08:00-09:00,09:00-10:00,10:00-11:00,11:00-12:00,13:00-14:00,"
	    "14:00-15:00,15:00-16:00,16:00-17:00 slot=15m capacity=12", &w, err,
	    sizeof err), 0);
	ck_assert_int_eq(w.nranges, 8);
	ck_assert_int_lt(strlen(w.key), sizeof w.key);
	ck_assert_int_eq(strncmp(w.key, "0570123X 2026-07-01..2026-07-31 #", 33), 0);
	ck_assert_uint_eq(strlen(w.key), 33 + 16);
}
END_TEST

/* --- secrets ------------------------------------------------------------- */

START_TEST(test_secret_path)
{
	char *p;

	unsetenv("CREDENTIALS_DIRECTORY");
	p = config_secret_path("/etc/relance/pw", "/etc/relance/relance.conf");
	ck_assert_str_eq(p, "/etc/relance/pw");
	free(p);
	p = config_secret_path("pw", "/etc/relance/relance.conf");
	ck_assert_str_eq(p, "/etc/relance/pw");
	free(p);
	p = config_secret_path("pw", "relance.conf");
	ck_assert_str_eq(p, "./pw");
	free(p);
	p = config_secret_path("pw", "/relance.conf");
	ck_assert_str_eq(p, "/pw");
	free(p);
	ck_assert_ptr_null(config_secret_path("", "/etc/relance/relance.conf"));

	setenv("CREDENTIALS_DIRECTORY", "/run/credentials/relanced.service", 1);
	p = config_secret_path("smtp", "/etc/relance/relance.conf");
	ck_assert_str_eq(p, "/run/credentials/relanced.service/smtp");
	free(p);
	p = config_secret_path("/abs/smtp", "/etc/relance/relance.conf");
	ck_assert_str_eq(p, "/abs/smtp");
	free(p);
	unsetenv("CREDENTIALS_DIRECTORY");
}
END_TEST

START_TEST(test_secret_in_config)
{
	struct config *c;
	char want[256];

	setenv("CREDENTIALS_DIRECTORY", tmpdir, 1);
	c = load("[smtp]\npassword_file = smtp-pass\n[sms]\npassword_file =\n");
	unsetenv("CREDENTIALS_DIRECTORY");
	ck_assert_ptr_nonnull(c);
	snprintf(want, sizeof want, "%s/smtp-pass", tmpdir);
	ck_assert_str_eq(c->smtp.password_file, want);
	ck_assert_ptr_null(c->sms.password_file);
	config_free(c);
}
END_TEST

START_TEST(test_read_secret)
{
	char path[256];
	char *s;

	snprintf(path, sizeof path, "%s/secret", tmpdir);
	write_file(path, "s3cr3t\r\nsecond line\n");
	s = config_read_secret(path);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "s3cr3t");
	free(s);
	write_file(path, "no-newline");
	s = config_read_secret(path);
	ck_assert_str_eq(s, "no-newline");
	free(s);
	write_file(path, "\n");
	ck_assert_ptr_null(config_read_secret(path));
	snprintf(path, sizeof path, "%s/absent", tmpdir);
	ck_assert_ptr_null(config_read_secret(path));
	ck_assert_ptr_null(config_read_secret(NULL));
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_empty_file_is_defaults);
	tcase_add_test(tc, test_full_file);
	tcase_add_test(tc, test_shipped_example);
	tcase_add_test(tc, test_shipped_demo);
	tcase_add_test(tc, test_inline_comments);
	tcase_add_test(tc, test_err_unknown_key);
	tcase_add_test(tc, test_err_unknown_section);
	tcase_add_test(tc, test_err_malformed_duration);
	tcase_add_test(tc, test_exam_span);
	tcase_add_test(tc, test_err_bare_number);
	tcase_add_test(tc, test_err_concurrency);
	tcase_add_test(tc, test_err_bad_time);
	tcase_add_test(tc, test_err_office_hours);
	tcase_add_test(tc, test_err_bad_date);
	tcase_add_test(tc, test_err_bad_window);
	tcase_add_test(tc, test_err_bad_listen);
	tcase_add_test(tc, test_listen_port_zero);
	tcase_add_test(tc, test_err_bad_url);
	tcase_add_test(tc, test_err_duplicate_key);
	tcase_add_test(tc, test_err_enums);
	tcase_add_test(tc, test_err_syntax);
	tcase_add_test(tc, test_err_missing_file);
	tcase_add_test(tc, test_err_cross_checks);
	tcase_add_test(tc, test_err_tls_none_not_loopback);
	tcase_add_test(tc, test_multiple_errors);
	tcase_add_test(tc, test_err_line_too_long);
	tcase_add_test(tc, test_null_errfn_logs);
	tcase_add_test(tc, test_parse_duration);
	tcase_add_test(tc, test_parse_weekhours);
	tcase_add_test(tc, test_parse_window);
	tcase_add_test(tc, test_secret_path);
	tcase_add_test(tc, test_secret_in_config);
	tcase_add_test(tc, test_read_secret);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
