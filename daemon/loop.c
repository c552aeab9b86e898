/*
 * loop.c — epoll event loop with timerfd timers and a signalfd (loop.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "util.h"

struct watch {
	int fd;
	loop_fd_fn fn;
	void *arg;
	struct watch *next;
};

struct loop_timer {
	struct loop *loop;
	int fd;
	loop_fn fn;
	void *arg;
};

struct loop {
	int ep;
	bool stop;
	struct watch *watches;
	struct watch *dead;         /* removed during a turn, freed after it */
	loop_fn before_sleep;
	void *before_arg;
	int sigfd;
	loop_signal_fn sig_fn;
	void *sig_arg;
};

static void free_dead(struct loop *l);

struct loop *
loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof *l);
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0)
		fatal("epoll_create1");
	l->sigfd = -1;
	return l;
}

void
loop_free(struct loop *l)
{
	struct watch *w, *n;
	if (l == NULL)
		return;
	for (w = l->watches; w; w = n) {
		n = w->next;
		free(w);
	}
	free_dead(l);
	if (l->sigfd >= 0)
		close(l->sigfd);
	close(l->ep);
	free(l);
}

static struct watch *
find_watch(struct loop *l, int fd, struct watch ***prevp)
{
	struct watch **pp = &l->watches;
	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->fd == fd) {
			if (prevp)
				*prevp = pp;
			return *pp;
		}
	}
	return NULL;
}

int
loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *arg)
{
	struct watch *w = xcalloc(1, sizeof *w);
	struct epoll_event ev = { .events = events };

	w->fd = fd;
	w->fn = fn;
	w->arg = arg;
	ev.data.ptr = w;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		log_warn("epoll_ctl add %d", fd);
		free(w);
		return -1;
	}
	w->next = l->watches;
	l->watches = w;
	return 0;
}

int
loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct watch *w = find_watch(l, fd, NULL);
	struct epoll_event ev = { .events = events };
	if (w == NULL)
		return -1;
	ev.data.ptr = w;
	return epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev);
}

void
loop_del_fd(struct loop *l, int fd)
{
	struct watch **pp = NULL, *w = find_watch(l, fd, &pp);
	if (w == NULL)
		return;
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	*pp = w->next;
	/* Events of this turn may still point at it: free it after the turn. */
	w->fn = NULL;
	w->next = l->dead;
	l->dead = w;
}

static void
free_dead(struct loop *l)
{
	while (l->dead) {
		struct watch *w = l->dead;
		l->dead = w->next;
		free(w);
	}
}

static void
timer_ready(int fd, uint32_t events, void *arg)
{
	struct loop_timer *t = arg;
	uint64_t n;
	(void)events;
	if (read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
		log_warn("timerfd read");
	t->fn(t->arg);
}

struct loop_timer *
loop_timer_new(struct loop *l, loop_fn fn, void *arg)
{
	struct loop_timer *t = xcalloc(1, sizeof *t);
	t->loop = l;
	t->fn = fn;
	t->arg = arg;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->fd < 0)
		fatal("timerfd_create");
	if (loop_add_fd(l, t->fd, EPOLLIN, timer_ready, t))
		fatalx("cannot watch a timer");
	return t;
}

void
loop_timer_set(struct loop_timer *t, int64_t ms)
{
	struct itimerspec its = { 0 };
	if (ms <= 0) {
		its.it_value.tv_nsec = 1; /* as soon as possible, but armed */
	} else {
		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = (ms % 1000) * 1000000;
	}
	if (timerfd_settime(t->fd, 0, &its, NULL) != 0)
		log_warn("timerfd_settime");
}

void
loop_timer_stop(struct loop_timer *t)
{
	struct itimerspec its = { 0 };
	timerfd_settime(t->fd, 0, &its, NULL);
}

void
loop_timer_free(struct loop_timer *t)
{
	if (t == NULL)
		return;
	loop_del_fd(t->loop, t->fd);
	close(t->fd);
	free(t);
}

static void
signal_ready(int fd, uint32_t events, void *arg)
{
	struct loop *l = arg;
	struct signalfd_siginfo si;
	(void)events;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
		l->sig_fn((int)si.ssi_signo, l->sig_arg);
}

int
loop_signals(struct loop *l, const int *sigs, int n, loop_signal_fn fn, void *arg)
{
	sigset_t set;
	sigemptyset(&set);
	for (int i = 0; i < n; i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0)
		return -1;
	l->sig_fn = fn;
	l->sig_arg = arg;
	return loop_add_fd(l, l->sigfd, EPOLLIN, signal_ready, l);
}

void
loop_before_sleep(struct loop *l, loop_fn fn, void *arg)
{
	l->before_sleep = fn;
	l->before_arg = arg;
}

int
loop_run(struct loop *l)
{
	struct epoll_event evs[64];
	l->stop = false;
	while (!l->stop) {
		int n;
		if (l->before_sleep)
			l->before_sleep(l->before_arg);
		if (l->stop)
			break;
		n = epoll_wait(l->ep, evs, (int)ARRAY_SIZE(evs), -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			return -1;
		}
		for (int i = 0; i < n && !l->stop; i++) {
			struct watch *w = evs[i].data.ptr;
			if (w->fn)
				w->fn(w->fd, evs[i].events, w->arg);
		}
		free_dead(l);
	}
	return 0;
}

void loop_stop(struct loop *l) { l->stop = true; }
