/*
 * main.c — relanced: argument parsing, start-up in order (configuration,
 * store, books, Kafka), the event loop, reload and an orderly stop.
 * The only file that knows every module; modules never call back here.
 *
 *   relanced [-c FILE] [--check-config]
 *
 * Exit codes: 0 clean stop, 1 bad configuration, 2 bad usage, 3 runtime
 * failure (store, Kafka, ...).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "consumer.h"
#include "feed.h"
#include "httpd.h"
#include "dispatch.h"
#include "dispatch_msg.h"
#include "log.h"
#include "loop.h"
#include "plan.h"
#include "producer.h"
#include "reply.h"
#include "sdnotify.h"
#include "sms.h"
#include "smtp.h"
#include "store.h"
#include "template.h"
#include "util.h"
#include "web_feeds.h"
#include "web_metrics.h"
#include "web_reply.h"
#include "web_sms.h"

#define DEFAULT_CONFIG "/etc/relance/relance.conf"
#define LOST_CHECK_MS (3600 * 1000)
#define STATUS_MS 5000
#define REMIND_MS (60 * 1000)    /* reminder rows of appointments within the horizon */
#define REMIND_BATCH 2000
#define HOLD_FIRST_MS (30 * 1000) /* held events: first look after start (backlog read first) */
#define HOLD_MS (60 * 1000)       /* then every minute */
#define HOLD_BATCH 500
#define PRUNE_MS (3600 * 1000)   /* dead letters past [store] keep_dead_letters */
#define PRUNE_BATCH 1000
#define DIGEST_MS (15 * 1000)    /* students' messages waiting for their adviser's digest */
#define DIGEST_GAP 3600          /* at most one digest email per adviser per hour */

struct relanced {
	struct config *cfg;
	struct loop *loop;
	struct store *st;
	struct planner *pl;
	struct reply *reply;      /* students' answers: the page and SMS replies use it */
	struct producer *prod;
	struct consumer *cons;
	struct httpd *httpd;
	struct feed *feed;
	struct feed_writer *writer;
	struct templates *tpl;
	struct dispatch *disp;
	struct web_metrics_src metrics;  /* what /healthz and /metrics read */
	struct web_sms *sms;
	struct web_reply *page;   /* the students' page, /r/ */
	struct loop_timer *watchdog, *status, *lost, *remind, *hold, *prune, *digest;
	int64_t watchdog_ms;
	int exit_code;
	char config_note[96];    /* which configuration is in force (STATUS=) */
	char last_status[384];
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: relanced [-c FILE] [--check-config]\n"
		   "  -c, --config FILE   configuration (default " DEFAULT_CONFIG ")\n"
		   "      --check-config  validate the configuration and exit\n"
		   "  -h, --help          this help\n");
}

/* --check-config: plain lines on a terminal or in a script; errors at
 * priority err in the journal (ExecReload= runs it before the SIGHUP, so a
 * refused reload says why in journalctl -p err). */
static int check_in_journal;

static void
print_error(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s%s\n", check_in_journal ? "<3>" : "", msg);
}

/* "FILE:LINE: [section] key" of a configuration key, "FILE: [section] key
 * (default)" when the file does not set it. */
static void
key_where(const struct config *cfg, const char *section, const char *key, char *out, size_t len)
{
	int line = config_line(cfg, section, key);
	if (line > 0)
		snprintf(out, len, "%s:%d: [%s] %s", cfg->path, line, section, key);
	else
		snprintf(out, len, "%s: [%s] %s (default)", cfg->path, section, key);
}

/* The files the configuration names, as relanced will read them: the
 * templates directory (an error) and the secrets (a warning: the channel
 * would send without one; a relative name resolves in systemd's
 * $CREDENTIALS_DIRECTORY, which a shell does not have). 0, or -1. */
static int
check_files(const struct config *cfg)
{
	static const char *const chan[] = { "smtp", "sms" };
	const char *secret[] = { cfg->smtp.password_file, cfg->sms.password_file };
	const char *url[] = { cfg->smtp.url, cfg->sms.url };
	char where[PATH_MAX + 64];
	const char *why = template_dir_problem(cfg->templates.dir);

	if (why != NULL) {
		key_where(cfg, "templates", "dir", where, sizeof where);
		fprintf(stderr, "%s%s: cannot read %s: %s\n", check_in_journal ? "<3>" : "", where,
			cfg->templates.dir, why);
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(chan); i++) {
		char *pw;
		/* an outbox (file://) or a channel off reads no password */
		if (url[i] == NULL || strncmp(url[i], "file://", 7) == 0)
			continue;
		pw = secret[i] ? config_read_secret(secret[i]) : NULL;
		if (secret[i] != NULL && pw == NULL) {
			key_where(cfg, chan[i], "password_file", where, sizeof where);
			fprintf(stderr, "%s%s: cannot read %s: %s; %s would be sent without a password\n",
				check_in_journal ? "<4>" : "", where, secret[i],
				errno == ENODATA ? "empty" : strerror(errno), i == 0 ? "emails" : "SMS");
		}
		if (pw != NULL) {
			explicit_bzero(pw, strlen(pw));
			free(pw);
		}
	}
	return 0;
}

static int
check_config(const char *path)
{
	struct config *cfg;
	struct templates *tpl = NULL;

	check_in_journal = log_stderr_is_journal();
	log_set_prefix(check_in_journal); /* warnings read by a person, or by journald */
	cfg = config_load(path, print_error, NULL);
	if (cfg != NULL && check_files(cfg) == 0)
		tpl = template_load(cfg->templates.dir, print_error, NULL);
	if (tpl == NULL) {
		fprintf(stderr, "%s%s: configuration refused; a running relanced keeps the one it has\n",
			check_in_journal ? "<3>" : "", path);
		config_free(cfg);
		return 1;
	}
	msg_check_sms(cfg, tpl);
	template_free(tpl);
	printf("%s: configuration OK\n", path);
	config_free(cfg);
	return 0;
}

/* STATUS= names the configuration in force: when it was loaded, and a
 * reload refused since. */
static void
config_note(struct relanced *r, const char *what)
{
	char when[32];
	time_t t = time(NULL);
	struct tm tm;

	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
	if (what == NULL)
		snprintf(r->config_note, sizeof r->config_note, "configuration of %s", when);
	else
		snprintf(r->config_note + strcspn(r->config_note, ";"),
			 sizeof r->config_note - strcspn(r->config_note, ";"), "; %s at %s", what,
			 when + 11);
}

static void
log_error(const char *msg, void *arg)
{
	(void)arg;
	log_err("%s", msg);
}

/* Says at start and reload what each channel does: off (no URL, nothing
 * planned on it), an outbox directory (file://), or a server. */
static void
log_channels(const struct config *cfg)
{
	const char *name[2] = { "email", "sms" }, *key[2] = { "[smtp] url", "[sms] url" };
	const char *url[2] = { cfg->smtp.url, cfg->sms.url };

	for (int i = 0; i < 2; i++) {
		if (url[i] == NULL)
			log_info("%s: channel off (no %s): no reminder is planned or sent on it",
				 name[i], key[i]);
		else if (smtp_outbox_dir(url[i]) != NULL)
			log_info("%s: outbox directory %s (file://): messages are written there, "
				 "not sent", name[i], smtp_outbox_dir(url[i]));
	}
}

/* ---- periodic jobs --------------------------------------------------------- */

static void
on_watchdog(void *arg)
{
	struct relanced *r = arg;
	sdnotify_watchdog();
	loop_timer_set(r->watchdog, r->watchdog_ms / 2);
}

/* "; email paused; sms paused" for the channels whose credentials are
 * refused (chanpause.h), or "": STATUS= must not look healthy while no
 * reminder goes out. */
static void
paused_note(struct relanced *r, char *out, size_t outlen)
{
	static const int ch[] = { CH_EMAIL, CH_SMS };
	const struct dispatch_stats *ds = dispatch_stats(r->disp);
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(ch) && n < outlen; i++)
		if (ds->paused[ch[i]])
			n += (size_t)snprintf(out + n, outlen - n, "; %s paused (credentials refused)",
					      channel_name(ch[i]));
}

static void
on_status(void *arg)
{
	struct relanced *r = arg;
	const struct consumer_stats *cs = consumer_stats(r->cons);
	const struct plan_stats *ps = plan_stats(r->pl);
	char buf[sizeof r->last_status], paused[96];

	paused_note(r, paused, sizeof paused);
	snprintf(buf, sizeof buf,
		 "events %llu applied, %llu duplicate, %llu dead-lettered; %llu appointments, "
		 "%llu reminders planned%s%s%s; %s",
		 (unsigned long long)cs->applied, (unsigned long long)cs->duplicates,
		 (unsigned long long)cs->rejected, (unsigned long long)ps->appointments,
		 (unsigned long long)ps->reminders, cs->problem[0] ? "; " : "", cs->problem,
		 paused, r->config_note);
	/* Only when something changed: STATUS= is cheap but not free. */
	if (strcmp(buf, r->last_status) != 0) {
		sdnotify_status("%s", buf);
		memcpy(r->last_status, buf, sizeof buf);
	}
	loop_timer_set(r->status, STATUS_MS);
}

static void
on_lost(void *arg)
{
	struct relanced *r = arg;
	int n;
	if (store_begin(r->st) == 0) {
		n = plan_lost_students(r->pl, clock_now());
		if (n < 0 || store_commit(r->st)) {
			store_rollback(r->st);
			log_err("lost-student check failed; retried in an hour");
		} else if (n > 0) {
			log_info("lost-student check: %d adviser alerts queued", n);
		}
	}
	loop_timer_set(r->lost, LOST_CHECK_MS);
}

/* Dead letters older than [store] keep_dead_letters are deleted (contract
 * 1.5), a batch at a time, every hour. */
static void
on_prune(void *arg)
{
	struct relanced *r = arg;
	int n = store_dead_letters_prune(r->st, clock_now() - r->cfg->store.keep_dead_letters,
					 PRUNE_BATCH);

	if (n < 0)
		log_err("store: cannot delete old dead letters (%s); retried in an hour",
			store_errmsg(r->st));
	else if (n > 0)
		log_info("%d dead letters past [store] keep_dead_letters deleted", n);
	loop_timer_set(r->prune, n == PRUNE_BATCH ? 10 : PRUNE_MS);
}

/* Students' messages for advisers (contract section 8): a digest email is
 * queued for each adviser with messages not mailed yet whose last digest
 * is at least DIGEST_GAP old; the dispatcher lists and marks them. */
static void
on_digest(void *arg)
{
	struct relanced *r = arg;
	int n = -1;

	if (store_begin_relaxed(r->st) == 0) {
		n = store_digests_queue(r->st, clock_now(), DIGEST_GAP);
		if (n < 0 || store_commit(r->st)) {
			store_rollback(r->st);
			n = -1;
		}
	}
	if (n < 0)
		log_err("store: cannot queue the digests of students' messages (%s); retried shortly",
			store_errmsg(r->st));
	if (n > 0) {
		log_info("students' messages: %d adviser digest%s queued", n, n > 1 ? "s" : "");
		dispatch_poke(r->disp);
	}
	loop_timer_set(r->digest, DIGEST_MS);
}

/* Reminder rows for appointments that came within the horizon, a batch at a
 * time (the loop goes on between batches), then the dispatcher is told. */
static void
on_remind(void *arg)
{
	struct relanced *r = arg;
	int n = -1;
	if (store_begin_relaxed(r->st) == 0) {
		n = plan_make_reminders(r->pl, clock_now(), REMIND_BATCH);
		if (n < 0 || store_commit(r->st)) {
			store_rollback(r->st);
			n = -1;
		}
	}
	if (n < 0)
		log_err("store: cannot make the reminder rows of appointments within the horizon"
			" (%s); retried in a minute", store_errmsg(r->st));
	if (n > 0) {
		log_debug("reminders made for %d appointments", n);
		dispatch_poke(r->disp);
	}
	loop_timer_set(r->remind, n == REMIND_BATCH ? 10 : REMIND_MS);
}

/* Events held for a student not known yet (contract 1.4) are dead-lettered
 * once they waited [kafka] hold_unknown, a batch at a time. */
static void
on_hold(void *arg)
{
	struct relanced *r = arg;
	int n = consumer_expire_held(r->cons, clock_now(), HOLD_BATCH);

	if (n == CONSUMER_BUSY) {
		loop_timer_set(r->hold, 1000);
		return;
	}
	if (n < 0)
		log_err("store: cannot dead-letter the held events of unknown students (%s);"
			" retried in a minute", store_errmsg(r->st));
	else if (n > 0)
		log_info("held events: %d past [kafka] hold_unknown handled", n);
	loop_timer_set(r->hold, n == HOLD_BATCH ? 10 : HOLD_MS);
}

/* ---- reload and stop ------------------------------------------------------------ */

/* READY=1 ends a reload; STATUS= keeps the counters and says which
 * configuration is in force (on_status() sends it again when it changes). */
static void
reload_done(struct relanced *r, const char *refused)
{
	config_note(r, refused);
	r->last_status[0] = '\0';
	on_status(r);
	sdnotify_ready(r->last_status);
}

static void
reload(struct relanced *r)
{
	struct config *nc;
	struct templates *ntpl;
	char err[256];
	int key_ok;

	sdnotify_reloading();
	log_info("reloading %s", r->cfg->path);
	nc = config_load(r->cfg->path, log_error, NULL);
	if (nc == NULL) {
		log_err("reload refused: the configuration has errors (see above); "
			"still running with the previous one");
		reload_done(r, "reload refused");
		return;
	}
	ntpl = template_load(nc->templates.dir, log_error, NULL);
	if (ntpl == NULL) {
		log_err("reload refused: the templates have errors (see above); "
			"still running with the previous configuration and templates");
		config_free(nc);
		reload_done(r, "reload refused");
		return;
	}
	msg_check_sms(nc, ntpl);
	/* The writer thread renders in the process time zone: stop it first
	 * (config_load() checked that the zone exists). */
	feed_writer_stop(r->writer);
	tz_set(nc->calendar.timezone);
	if (strcmp(nc->store.path, r->cfg->store.path) != 0)
		log_notice("store path changes take effect at the next restart");
	log_set_level(nc->daemon.log_level);
	consumer_reconfigure(r->cons, nc);
	if (plan_reconfigure(r->pl, nc) != 0)
		log_err("reload: cannot rebuild the books from the store");
	key_ok = reply_reconfigure(r->reply, nc) == 0;
	feed_reconfigure(r->feed, nc);
	dispatch_reconfigure(r->disp, nc, ntpl);
	web_sms_reconfigure(r->sms, nc);
	web_reply_reconfigure(r->page, nc);
	template_free(r->tpl);
	r->tpl = ntpl;
	config_free(r->cfg);
	r->cfg = nc;
	r->writer = feed_writer_start(nc, err, sizeof err);
	if (r->writer == NULL)
		log_err("feeds: file writer not restarted: %s", err);
	log_channels(nc);
	log_info("configuration reloaded");
	config_note(r, NULL);
	/* Applied, but the link key file was refused (logged why): say so. */
	reload_done(r, key_ok ? NULL : "link key file refused, key in use kept,");
}

static void
on_signal(int sig, void *arg)
{
	struct relanced *r = arg;
	if (sig == SIGHUP) {
		reload(r);
		return;
	}
	log_info("signal %d: stopping", sig);
	loop_stop(r->loop);
}

static void
before_sleep(void *arg)
{
	struct relanced *r = arg;
	dispatch_poke(r->disp);
}

/* ---- test clock -------------------------------------------------------------------- */

/*
 * RELANCE_TEST_CLOCK=EPOCH[xSPEED] (tests only): the daemon's clock starts
 * at EPOCH and runs SPEED times faster than the real one. Kafka, timers and
 * the loop keep real time; only "now" of the rules (plans, quiet hours,
 * reminders) moves. libfaketime would be the tool of choice, but it stalls
 * librdkafka's threads.
 */
static int64_t test_clock_base, test_clock_mono;
static double test_clock_speed = 1.0;

static int64_t
test_clock(void)
{
	return test_clock_base +
	       (int64_t)((double)(clock_mono_ms() - test_clock_mono) * test_clock_speed / 1000.0);
}

static void
test_clock_setup(void)
{
	const char *v = getenv("RELANCE_TEST_CLOCK");
	char *end = NULL;
	if (v == NULL || *v == '\0')
		return;
	test_clock_base = strtoll(v, &end, 10);
	if (end && *end == 'x')
		test_clock_speed = strtod(end + 1, NULL);
	if (test_clock_speed <= 0)
		test_clock_speed = 1.0;
	test_clock_mono = clock_mono_ms();
	clock_set(test_clock);
	log_notice("test clock: starts at %lld, speed x%g", (long long)test_clock_base,
		   test_clock_speed);
}

/* ---- main -------------------------------------------------------------------------- */

/* The key of the delivery-report secrets (sms.h), made once per store and
 * kept in its meta table, so reports of messages sent before a restart
 * still check. 0 or -1. */
static int
load_dlr_key(struct store *st)
{
	char hex[STORE_SECRET_LEN + 1];
	int rc = store_meta_secret(st, "dlr_key", hex) == 0 && sms_set_dlr_key(hex) == 0 ? 0 : -1;

	explicit_bzero(hex, sizeof hex);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct relanced r;
	const char *path = DEFAULT_CONFIG;
	int check = 0, ch;
	char err[512];

	/* The store, feeds and outboxes hold personal data: readable by the
	 * daemon's user only, whoever started it (systemd's UMask=0077 too). */
	umask(077);
	memset(&r, 0, sizeof r);
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check)
		return check_config(path);

	/* journald keeps priorities from the <N> prefixes; a terminal gets
	 * plain lines. */
	log_set_prefix(!isatty(STDERR_FILENO) || getenv("JOURNAL_STREAM") != NULL);
	r.cfg = config_load(path, log_error, NULL);
	if (r.cfg == NULL)
		return 1;
	log_set_level(r.cfg->daemon.log_level);
	test_clock_setup();
	r.tpl = template_load(r.cfg->templates.dir, log_error, NULL);
	if (r.tpl == NULL) {
		config_free(r.cfg);
		return 1;
	}
	msg_check_sms(r.cfg, r.tpl);
	if (tz_set(r.cfg->calendar.timezone) != 0) {
		log_err("%s: unknown time zone", path);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	r.loop = loop_new();
	if (loop_signals(r.loop, sigs, (int)ARRAY_SIZE(sigs), on_signal, &r) != 0)
		fatal("signals");

	sdnotify_status("opening the store");
	r.st = store_open(r.cfg->store.path, false, err, sizeof err);
	if (r.st == NULL) {
		log_err("store: %s", err);
		r.exit_code = 3;
		goto out;
	}
	if (load_dlr_key(r.st) != 0) {
		log_err("store: cannot read the key of delivery-report secrets");
		r.exit_code = 3;
		goto out;
	}
	r.pl = plan_new(r.cfg, r.st);
	if (r.pl == NULL) {
		log_err("store: cannot load the books");
		r.exit_code = 3;
		goto out;
	}
	r.reply = reply_new(r.cfg, r.st, r.pl, err, sizeof err);
	if (r.reply == NULL) {
		log_err("answers: %s", err);
		r.exit_code = 3;
		goto out;
	}
	sdnotify_status("connecting to Kafka");
	r.prod = producer_new(r.cfg, r.st, r.loop, err, sizeof err);
	if (r.prod == NULL) {
		log_err("kafka: producer: %s", err);
		r.exit_code = 3;
		goto out;
	}
	r.cons = consumer_new(r.cfg, r.st, r.pl, r.prod, r.loop, err, sizeof err);
	if (r.cons == NULL) {
		log_err("kafka: consumer: %s", err);
		r.exit_code = 3;
		goto out;
	}

	r.feed = feed_new(r.cfg, r.st);
	r.metrics = (struct web_metrics_src){ .st = r.st, .feed = r.feed, .cons = r.cons, .pl = r.pl };
	if (r.cfg->calendar.listen_port > 0) {
		r.httpd = httpd_new(r.loop, r.cfg->calendar.listen_host, r.cfg->calendar.listen_port,
				    err, sizeof err);
		if (r.httpd == NULL || web_feeds_register(r.httpd, r.feed) != 0 ||
		    web_metrics_register(r.httpd, &r.metrics) != 0) {
			log_err("http: %s", r.httpd ? "cannot register the feed routes" : err);
			r.exit_code = 3;
			goto out;
		}
		log_info("http: listening on %s:%d", r.cfg->calendar.listen_host, httpd_port(r.httpd));
	}
	r.writer = feed_writer_start(r.cfg, err, sizeof err);
	if (r.writer == NULL) {
		log_err("feeds: %s", err);
		r.exit_code = 3;
		goto out;
	}

	r.disp = dispatch_new(r.cfg, r.tpl, r.st, r.loop, r.prod);
	dispatch_set_reply(r.disp, r.reply);
	if (r.httpd && (r.sms = web_sms_register(r.httpd, r.cfg, r.st, r.disp, r.reply)) == NULL) {
		log_err("http: cannot register the SMS receipt routes");
		r.exit_code = 3;
		goto out;
	}
	if (r.httpd && (r.page = web_reply_register(r.httpd, r.cfg, r.reply)) == NULL) {
		log_err("http: cannot register the students' page route");
		r.exit_code = 3;
		goto out;
	}
	r.metrics.disp = r.disp;   /* /metrics reads r.metrics from now on */
	r.metrics.sms = r.sms;
	r.metrics.reply = r.reply;
	r.metrics.page = r.page;

	r.watchdog_ms = sdnotify_watchdog_ms();
	if (r.watchdog_ms > 0) {
		r.watchdog = loop_timer_new(r.loop, on_watchdog, &r);
		loop_timer_set(r.watchdog, r.watchdog_ms / 2);
	}
	r.status = loop_timer_new(r.loop, on_status, &r);
	loop_timer_set(r.status, STATUS_MS);
	r.lost = loop_timer_new(r.loop, on_lost, &r);
	loop_timer_set(r.lost, 60 * 1000);
	r.remind = loop_timer_new(r.loop, on_remind, &r);
	loop_timer_set(r.remind, 0);
	r.hold = loop_timer_new(r.loop, on_hold, &r);
	loop_timer_set(r.hold, HOLD_FIRST_MS);
	r.prune = loop_timer_new(r.loop, on_prune, &r);
	loop_timer_set(r.prune, HOLD_FIRST_MS);
	r.digest = loop_timer_new(r.loop, on_digest, &r);
	loop_timer_set(r.digest, 1000); /* digests due while stopped go out at once */
	loop_before_sleep(r.loop, before_sleep, &r);

	log_info("relanced started: store %s, brokers %s, group %s", r.cfg->store.path,
		 r.cfg->kafka.brokers, r.cfg->kafka.group);
	log_channels(r.cfg);
	config_note(&r, NULL);
	on_status(&r);
	sdnotify_ready(r.last_status);
	if (loop_run(r.loop) != 0)
		r.exit_code = 3;
	sdnotify_stopping();
out:
	httpd_free(r.httpd);
	web_sms_free(r.sms);
	web_reply_free(r.page);
	feed_writer_stop(r.writer);
	feed_free(r.feed);
	/* In-flight sends finish and are recorded before Kafka closes. */
	dispatch_free(r.disp, 5000);
	consumer_close(r.cons);
	producer_free(r.prod);
	loop_timer_free(r.watchdog);
	loop_timer_free(r.status);
	loop_timer_free(r.lost);
	loop_timer_free(r.remind);
	loop_timer_free(r.hold);
	loop_timer_free(r.prune);
	loop_timer_free(r.digest);
	reply_free(r.reply);
	plan_free(r.pl);
	store_close(r.st);
	loop_free(r.loop);
	if (r.exit_code == 0)
		log_info("relanced stopped");
	template_free(r.tpl);
	config_free(r.cfg);
	return r.exit_code;
}
