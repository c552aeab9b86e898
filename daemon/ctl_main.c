/*
 * ctl_main.c — relancectl: the command line (contract section 7).
 *
 *   relancectl [-c FILE] COMMAND [ARGS] [--json]
 *
 * Options may appear anywhere on the line ("--" ends them). The
 * configuration names the store; the commands are in ctl.c. Exit codes:
 * 0 done, 1 the thing asked for does not exist (or the action was refused),
 * 2 bad usage, 3 configuration or store failure.
 *
 * What it prints goes through an escaping stream (esc_open): C0 controls
 * but newline and tab, DEL and invalid UTF-8 as \xNN, C1 controls and
 * Unicode format characters (bidi overrides and isolates, zero-width
 * characters, BOM: event_is_format_char()) as \uXXXX, so no stored text
 * can move or hide what the terminal shows.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "event.h"
#include "ctl.h"
#include "log.h"
#include "util.h"

#define DEFAULT_CONFIG "/etc/relance/relance.conf"

/* The escaping stream: a partial UTF-8 sequence waits for the next write. */
struct esc {
	FILE *to;
	unsigned char pend[4];
	size_t npend;
};

static void
esc_cp(FILE *to, uint32_t cp)
{
	if (cp > 0xffff)        /* as a UTF-16 pair, valid in JSON strings too */
		fprintf(to, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
			0xdc00 + ((cp - 0x10000) & 0x3ff));
	else
		fprintf(to, "\\u%04x", cp);
}

/* Length of the UTF-8 sequence led by b at p (n octets there): 1 to 4, 0
 * when more octets are needed, -1 when invalid. *cp gets the code point. */
static int
utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	int need = p[0] >= 0xc2 && p[0] <= 0xdf ? 1 : p[0] >= 0xe0 && p[0] <= 0xef ? 2
		 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 3 : -1;

	if (need < 0)
		return -1;
	*cp = p[0] & (0x3f >> need);
	for (int k = 1; k <= need; k++) {
		if ((size_t)k >= n)
			return 0;
		if ((p[k] & 0xc0) != 0x80)
			return -1;
		*cp = *cp << 6 | (p[k] & 0x3f);
	}
	return need + 1;
}

static ssize_t
esc_write(void *cookie, const char *buf, size_t size)
{
	struct esc *e = cookie;
	unsigned char *p = xmalloc(e->npend + size + 1);
	size_t n = e->npend + size, i = 0;

	memcpy(p, e->pend, e->npend);
	memcpy(p + e->npend, buf, size);
	e->npend = 0;
	while (i < n) {
		uint32_t cp = p[i];
		int len = cp < 0x80 ? 1 : utf8_seq(p + i, n - i, &cp);

		if (len == 0) {         /* the rest comes with the next write */
			memcpy(e->pend, p + i, n - i);
			e->npend = n - i;
			break;
		}
		if (len < 0 || (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7f) {
			fprintf(e->to, "\\x%02x", p[i]);
			len = 1;
		} else if ((cp >= 0x80 && cp <= 0x9f) || event_is_format_char(cp)) {
			esc_cp(e->to, cp);
		} else {
			fwrite(p + i, 1, (size_t)len, e->to);
		}
		i += (size_t)len;
	}
	free(p);
	return (ssize_t)size;
}

static int
esc_close(void *cookie)
{
	struct esc *e = cookie;
	int rc;

	for (size_t i = 0; i < e->npend; i++)
		fprintf(e->to, "\\x%02x", e->pend[i]);
	rc = fflush(e->to);
	free(e);
	return rc == 0 ? 0 : EOF;
}

/* A stream writing to "to" with what could fool a terminal escaped; "to"
 * itself when one cannot be made. */
static FILE *
esc_open(FILE *to, int mode)
{
	static const cookie_io_functions_t io = { NULL, esc_write, NULL, esc_close };
	struct esc *e = xcalloc(1, sizeof *e);
	FILE *f;

	e->to = to;
	if ((f = fopencookie(e, "w", io)) == NULL) {
		free(e);
		return to;
	}
	setvbuf(f, NULL, mode, BUFSIZ);
	return f;
}

static void
print_error(const char *msg, void *arg)
{
	(void)arg;
	fprintf(stderr, "relancectl: %s\n", msg);
}

int
main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG;
	struct ctl_opts o = { 0 };
	struct config *cfg = NULL;
	char **args = xcalloc((size_t)argc + 1, sizeof *args);
	int nargs = 0, rc;
	bool opts = true;

	log_set_prefix(0);
	log_set_level(LOG_LVL_WARNING);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!opts || a[0] != '-' || a[1] == '\0') {
			args[nargs++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			opts = false;
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "relancectl: %s needs a file name\n", a);
				rc = CTL_USAGE;
				goto usage;
			}
			path = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			path = a + 9;
		} else if (strncmp(a, "-c", 2) == 0) {
			path = a + 2;
		} else if (strcmp(a, "--json") == 0) {
			o.json = true;
		} else if (strcmp(a, "--payload") == 0) {
			o.payload = true;
		} else if (strcmp(a, "--pending") == 0) {
			o.pending = true;
		} else if (strcmp(a, "--failed") == 0) {
			o.failed = true;
		} else if (strcmp(a, "--skipped") == 0) {
			o.skipped = true;
		} else if (strcmp(a, "--csv") == 0) {
			o.csv = true;
		} else if (strcmp(a, "--since") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "relancectl: --since needs a duration or a date\n");
				rc = CTL_USAGE;
				goto usage;
			}
			o.since = argv[++i];
		} else if (strncmp(a, "--since=", 8) == 0) {
			o.since = a + 8;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			ctl_usage(stdout);
			rc = CTL_OK;
			goto out;
		} else {
			fprintf(stderr, "relancectl: unknown option %s\n", a);
			rc = CTL_USAGE;
			goto usage;
		}
	}
	/* Bad usage is said (exit 2) before the configuration is read. */
	if ((rc = ctl_usage_check(nargs, args, &o, stderr)) != CTL_OK)
		goto out;
	cfg = config_load(path, print_error, NULL);
	if (cfg == NULL) {
		fprintf(stderr, "relancectl: cannot use the configuration %s\n", path);
		rc = CTL_FAIL;
		goto out;
	}
	{
		FILE *out = esc_open(stdout, _IOFBF), *err = esc_open(stderr, _IONBF);
		rc = ctl_run(cfg, nargs, args, &o, out, err);
		if (err != stderr)
			fclose(err);
		if (out != stdout && fclose(out) != 0 && rc == CTL_OK)
			rc = CTL_FAIL;
	}
	goto out;
usage:
	ctl_usage(stderr);
out:
	config_free(cfg);
	free(args);
	if (fflush(stdout) != 0 && rc == CTL_OK)
		rc = CTL_FAIL;
	return rc;
}
