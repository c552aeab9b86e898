/*
 * loop.h — the daemon's single event loop: epoll over file descriptors,
 * one-shot timers (timerfd), signals (signalfd) and a before-sleep hook.
 * In the spirit of Redis's ae.c. Callbacks run on the loop's thread.
 */
#ifndef RELANCE_LOOP_H
#define RELANCE_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct loop;
struct loop_timer;

typedef void (*loop_fd_fn)(int fd, uint32_t events, void *arg);
typedef void (*loop_fn)(void *arg);
typedef void (*loop_signal_fn)(int sig, void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* events: EPOLLIN, EPOLLOUT ... 0 or -1. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *arg);
int loop_mod_fd(struct loop *l, int fd, uint32_t events);
void loop_del_fd(struct loop *l, int fd);

struct loop_timer *loop_timer_new(struct loop *l, loop_fn fn, void *arg);
/* Fires once after ms milliseconds (0: at the next turn); re-arming
 * replaces the previous deadline. */
void loop_timer_set(struct loop_timer *t, int64_t ms);
void loop_timer_stop(struct loop_timer *t);
void loop_timer_free(struct loop_timer *t);

/* Blocks the signals and delivers them through the loop. */
int loop_signals(struct loop *l, const int *sigs, int n, loop_signal_fn fn, void *arg);
void loop_before_sleep(struct loop *l, loop_fn fn, void *arg);

/* Runs until loop_stop(). 0, or -1 if epoll fails. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
