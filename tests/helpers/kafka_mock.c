/*
 * kafka_mock: a librdkafka mock cluster reachable over TCP on 127.0.0.1,
 * for integration tests, the demo and benchmarks (no real Kafka needed).
 *
 * usage: kafka_mock [-b NBROKERS] [-p PARTITIONS] [-f READYFILE]
 *                   [TOPIC[:PARTITIONS]...]
 *
 * Creates the topics (the relance defaults when none is given), prints the
 * bootstrap servers on stdout (one line) and, with -f, writes them to
 * READYFILE atomically (write + rename) once everything is in place.
 * Signals: SIGTERM/SIGINT stop it (exit 0); SIGUSR1 sets every broker down
 * (connections cut and refused), SIGUSR2 sets them up again; SIGHUP
 * toggles an outage of the topics given with -x TOPIC (repeatable): every
 * partition of theirs loses its leader ("topics down"), then gets one
 * again ("topics up"), the rest of the cluster working meanwhile.
 *
 * librdkafka 2.0.2's mock cluster thread may not wake up when an operation
 * (topic create, broker down/up) is queued to it: it then takes it only at
 * its next poll timeout, 1 s later. A "poker" thread works around that by
 * connecting to the first broker every few milliseconds while such calls
 * run, which wakes the cluster thread up.
 *
 * The mock cluster also auto-creates a topic on a metadata request that
 * allows it (producers do by default), with 4 partitions; the DLQ and
 * outcome topics are created explicitly anyway.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static const char *default_topics[] = {
	"avenirpro.exams",
	"avenirpro.attendance",
	"avenirpro.students",
	"avenirpro.relance.dlq",
	"avenirpro.relance.outcomes",
};

static volatile sig_atomic_t got_stop, got_down, got_up, got_hup;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_down = 1;
	else if (sig == SIGUSR2)
		got_up = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
}

struct poker {
	pthread_t		 thread;
	struct sockaddr_in	 sin;
	volatile int		 stop;
	int			 running;
};

static void *
poker_main(void *arg)
{
	struct poker *pk = arg;
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	int fd;

	while (!pk->stop) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0) {
			(void)connect(fd, (struct sockaddr *)&pk->sin,
			    sizeof(pk->sin));
			close(fd);
		}
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* Starts poking the first broker of BOOT ("host:port,..."). */
static void
poker_start(struct poker *pk, const char *boot)
{
	char host[64];
	const char *colon;
	size_t len;

	pk->running = 0;
	pk->stop = 0;
	colon = strchr(boot, ':');
	if (colon == NULL)
		return;
	len = (size_t)(colon - boot);
	if (len >= sizeof(host))
		return;
	memcpy(host, boot, len);
	host[len] = '\0';
	memset(&pk->sin, 0, sizeof(pk->sin));
	pk->sin.sin_family = AF_INET;
	pk->sin.sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &pk->sin.sin_addr) != 1)
		return;
	if (pthread_create(&pk->thread, NULL, poker_main, pk) == 0)
		pk->running = 1;
}

static void
poker_stop(struct poker *pk)
{
	if (!pk->running)
		return;
	pk->stop = 1;
	pthread_join(pk->thread, NULL);
	pk->running = 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: kafka_mock [-b NBROKERS] [-p PARTITIONS] "
	    "[-f READYFILE] [-x TOPIC]... [TOPIC[:PARTITIONS]...]\n");
	exit(2);
}

static int
parse_int(const char *s, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max)
		usage();
	return (int)v;
}

static int
create_topic(rd_kafka_mock_cluster_t *mc, const char *spec, int defparts)
{
	char *name, *colon;
	int parts = defparts, rc = 0;
	rd_kafka_resp_err_t err;

	name = strdup(spec);
	if (name == NULL) {
		perror("strdup");
		return -1;
	}
	colon = strrchr(name, ':');
	if (colon != NULL) {
		*colon = '\0';
		parts = parse_int(colon + 1, 1, 100000);
	}
	if (*name == '\0')
		usage();
	err = rd_kafka_mock_topic_create(mc, name, parts, 1);
	if (err) {
		fprintf(stderr, "kafka_mock: topic %s: %s\n", name,
		    rd_kafka_err2str(err));
		rc = -1;
	}
	free(name);
	return rc;
}

static int
write_readyfile(const char *path, const char *boot)
{
	char *tmp = NULL;
	FILE *fp = NULL;
	int rc = -1;

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		tmp = NULL;
		goto out;
	}
	fp = fopen(tmp, "w");
	if (fp == NULL)
		goto out;
	fprintf(fp, "%s\n", boot);
	if (fclose(fp) != 0) {
		fp = NULL;
		goto out;
	}
	fp = NULL;
	if (rename(tmp, path) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "kafka_mock: %s: %s\n", path, strerror(errno));
	if (fp != NULL)
		fclose(fp);
	if (tmp != NULL && rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* The partitions of topics[0, n) (parts each) lose their leader (down) or
 * get one again, spread over the brokers. */
static void
topics_set(rd_kafka_mock_cluster_t *mc, char **topics, int n, int parts,
    int nbrokers, int down)
{
	for (int t = 0; t < n; t++)
		for (int p = 0; p < parts; p++)
			rd_kafka_mock_partition_set_leader(mc, topics[t], p,
			    down ? -1 : 1 + p % nbrokers);
}

int
main(int argc, char **argv)
{
	char *outage[8];
	int noutage = 0, topics_down = 0;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk = NULL;
	rd_kafka_mock_cluster_t *mc = NULL;
	const char *readyfile = NULL, *boot;
	char errstr[512];
	int nbrokers = 1, parts = 4, ch, i, rc = 1;
	struct poker pk;
	struct sigaction sa;
	sigset_t block, old;

	while ((ch = getopt(argc, argv, "b:p:f:x:h")) != -1) {
		switch (ch) {
		case 'x':
			if (noutage == (int)(sizeof(outage) / sizeof(outage[0])))
				usage();
			outage[noutage++] = optarg;
			break;
		case 'b':
			nbrokers = parse_int(optarg, 1, 64);
			break;
		case 'p':
			parts = parse_int(optarg, 1, 100000);
			break;
		case 'f':
			readyfile = optarg;
			break;
		default:
			usage();
		}
	}

	/* Block our signals until we wait for them with sigsuspend(). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "log_level", "4", errstr,
	    sizeof(errstr)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "client.id", "kafka_mock", errstr,
	    sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "kafka_mock: %s\n", errstr);
		rd_kafka_conf_destroy(conf);
		goto out;
	}
	/*
	 * The librdkafka threads (and the mock brokers' threads) inherit the
	 * blocked mask, so signals are only ever taken by the main thread.
	 */
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (rk == NULL) {
		fprintf(stderr, "kafka_mock: rd_kafka_new: %s\n", errstr);
		rd_kafka_conf_destroy(conf);
		goto out;
	}
	conf = NULL;
	mc = rd_kafka_mock_cluster_new(rk, nbrokers);
	if (mc == NULL) {
		fprintf(stderr, "kafka_mock: cannot create mock cluster\n");
		goto out;
	}

	boot = rd_kafka_mock_cluster_bootstraps(mc);
	poker_start(&pk, boot);
	if (optind == argc) {
		for (i = 0; i < (int)(sizeof(default_topics) /
		    sizeof(default_topics[0])); i++)
			if (create_topic(mc, default_topics[i], parts) != 0) {
				poker_stop(&pk);
				goto out;
			}
	} else {
		for (i = optind; i < argc; i++)
			if (create_topic(mc, argv[i], parts) != 0) {
				poker_stop(&pk);
				goto out;
			}
	}

	poker_stop(&pk);
	printf("%s\n", boot);
	fflush(stdout);
	if (readyfile != NULL && write_readyfile(readyfile, boot) != 0)
		goto out;

	while (!got_stop) {
		sigsuspend(&old);
		if (got_down) {
			got_down = 0;
			poker_start(&pk, boot);
			rd_kafka_mock_broker_set_down(mc, -1);
			poker_stop(&pk);
			fprintf(stderr, "kafka_mock: brokers down\n");
		}
		if (got_up) {
			got_up = 0;
			rd_kafka_mock_broker_set_up(mc, -1);
			fprintf(stderr, "kafka_mock: brokers up\n");
		}
		if (got_hup) {
			got_hup = 0;
			topics_down = !topics_down;
			poker_start(&pk, boot);
			topics_set(mc, outage, noutage, parts, nbrokers,
			    topics_down);
			poker_stop(&pk);
			fprintf(stderr, "kafka_mock: topics %s\n",
			    topics_down ? "down" : "up");
		}
	}
	rc = 0;
out:
	if (mc != NULL)
		rd_kafka_mock_cluster_destroy(mc);
	if (rk != NULL)
		rd_kafka_destroy(rk);
	return rc;
}
