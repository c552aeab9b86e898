/*
 * sdnotify.h — the systemd notification protocol (sd_notify(3)): READY,
 * STATUS, RELOADING, STOPPING, WATCHDOG. A no-op without NOTIFY_SOCKET;
 * failures are logged once.
 */
#ifndef RELANCE_SDNOTIFY_H
#define RELANCE_SDNOTIFY_H

#include <stdint.h>

void sdnotify_ready(const char *status);
void sdnotify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sdnotify_reloading(void);
void sdnotify_stopping(void);
void sdnotify_watchdog(void);
/* Watchdog interval in ms (0: no watchdog asked for). */
int64_t sdnotify_watchdog_ms(void);

#endif
