/*
 * fuzz_config.c — libFuzzer harness for the relance.conf parser and
 * validator (config_load, contract section 7). The input is written to a
 * temporary file that config_load() reads; every error message must have
 * the "FILE:LINE: reason" form.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void
on_error(const char *msg, void *arg)
{
	size_t n = strlen(path);
	(void)arg;
	/* Errors name the file (at least "FILE: reason"). */
	if (strncmp(msg, path, n) != 0 || msg[n] != ':')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c;
	FILE *f;

	if (path[0] == '\0')
		snprintf(path, sizeof path, "/tmp/relance-fuzz-config.%ld.conf", (long)getpid());
	f = fopen(path, "w");
	if (f == NULL)
		return 0;
	if (size)
		fwrite(data, 1, size, f);
	fclose(f);
	c = config_load(path, on_error, NULL);
	config_free(c);
	unlink(path);
	return 0;
}
