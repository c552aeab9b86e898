/*
 * ctl_main.c — relancectl: the command line (contract section 7).
 *
 *   relancectl [-c FILE] COMMAND [ARGS] [--json]
 *
 * Options may appear anywhere on the line ("--" ends them). The
 * configuration names the store; the commands are in ctl.c. Exit codes:
 * 0 done, 1 the thing asked for does not exist (or the action was refused),
 * 2 bad usage, 3 configuration or store failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "log.h"
#include "util.h"

#define DEFAULT_CONFIG "/etc/relance/relance.conf"

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
	if (nargs == 0) {
		fprintf(stderr, "relancectl: no command\n");
		rc = CTL_USAGE;
		goto usage;
	}
	cfg = config_load(path, print_error, NULL);
	if (cfg == NULL) {
		fprintf(stderr, "relancectl: cannot use the configuration %s\n", path);
		rc = CTL_FAIL;
		goto out;
	}
	rc = ctl_run(cfg, nargs, args, &o, stdout, stderr);
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
