/*
 * event_priv.h — limits and the text check shared by event.c (parsing) and
 * event_valid.c (validators); not for other modules.
 */
#ifndef RELANCE_EVENT_PRIV_H
#define RELANCE_EVENT_PRIV_H

#include <stddef.h>

#define EVENT_MAX_SIZE	(64 * 1024)

#define MAX_ID		64	/* student, adviser ids */
#define MAX_NAME	100
#define MAX_LABEL	200
#define MAX_SHORT	64
#define MAX_EMAIL	254
#define MAX_UID		255

/*
 * Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF). Returns 0, or -1
 * for invalid UTF-8, or -2 for a control character when ctl is set. *ncp
 * gets the number of code points.
 */
int event_text_check(const unsigned char *s, size_t len, int ctl, size_t *ncp);

#endif
