/*
 * dispatch_state.h — what the dispatcher reads from the store for one
 * reminder at send time (its student, appointment, adviser, today's count,
 * a digest's messages) and the message it builds from that once the policy
 * says it goes (dispatch_msg.h). Called by dispatch.c only.
 */
#ifndef RELANCE_DISPATCH_STATE_H
#define RELANCE_DISPATCH_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct config;
struct msg;
struct reply;
struct templates;

#define DIGEST_MAX 100          /* students' messages one digest email lists at most */

/* What the dispatcher reads for one reminder before asking the policy. */
struct send_state {
	struct student s;
	struct appt a;
	int have_student, have_appt;
	struct appt *all;           /* alerts without an appointment: the student's */
	size_t nall;
	char *aname, *aemail;       /* the adviser's contact */
	struct digest_message *msgs; /* digests: the adviser's unmailed messages */
	size_t nmsgs;
	int sent_today;
	int superseded;             /* a later reminder of its appointment and channel is due */
};

/* Reads what the verdict on r needs into x (zeroed by the caller): 0, or
 * -1 on a store error. Free with send_state_clear() in every case. */
int send_state_load(struct store *st, const struct config *cfg, const struct reminder *r,
		    int64_t now, struct send_state *x);
void send_state_clear(struct send_state *x);
/* The message of r, which goes, from what send_state_load() read; reply
 * (may be NULL) gives the personal link. */
void send_state_build(const struct config *cfg, const struct templates *tpl, const struct reply *reply,
		      const struct reminder *r, struct send_state *x, int64_t now, struct msg *m);

#endif
