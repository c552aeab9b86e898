/*
 * feed.c — relance's calendar feeds (contract section 3): rendering,
 * caching and writing them as files. Served over HTTP by web_feeds.c.
 *
 * A token (128 random bits, hex, made by the store) is the only identity of
 * a feed: an unknown or revoked token is a plain 404. Feed bodies are
 * deterministic, cached in memory per token and valid while the store's
 * change counter (meta 'rev') does not move; their strong ETag is a hash of
 * the body.
 *
 * Files: feed_pass() runs in the writer thread (feed_writer_start), with its
 * own store connection, so ingest never waits for file writes and the
 * second core does them; libical rendering is serialised by one mutex. It collects the owners of appointments changed since the last
 * pass (appointments.rev), writes each feed at most once per refresh, at
 * most FEED_FILES_PER_PASS files per call, atomically (temp + fsync +
 * rename); the rev it has written up to is kept in meta 'feeds_rev' so a
 * restart resumes. A periodic sweep removes files of revoked tokens and
 * writes feeds whose file is missing (new token, lost file).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "feed.h"
#include "ical.h"
#include "log.h"
#include "schedule.h"
#include "store.h"
#include "util.h"

#define FEED_FILES_PER_PASS 200
#define CHECKPOINT_MS 500     /* the writer thread checkpoints the WAL this often */
#define FEED_CACHE_MAX 1024

struct dirty {
	int kind;
	char id[];                  /* one allocation: freed with free() */
};

struct feed {
	const struct config *cfg;
	struct store *st;
	struct hmap *cache;         /* "k:token" -> struct feed_doc */
	struct hmap *dirty;         /* "k:id" -> struct dirty */
	struct hmap *written;       /* "k:id" -> int64_t * (mono ms of the last write) */
	int64_t scanned_rev;        /* changes up to this rev are in dirty or written */
	int64_t saved_rev;          /* meta 'feeds_rev' */
	int loaded;
	int64_t next_sweep_ms;
	int budget;                 /* files per pass */
	const int *abort;           /* the writer's stop flag: a pass ends early */
	int no_cache;               /* the writer renders without caching */
};

/* libical keeps process-wide state (built-in zones): one renderer at a time. */
static pthread_mutex_t render_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const kind_names[] = { NULL, "adviser", "student", "establishment" };

const char *
feed_kind_name(int kind)
{
	return kind >= 1 && kind <= 3 ? kind_names[kind] : NULL;
}

int
feed_kind_parse(const char *name)
{
	for (int k = 1; k <= 3; k++)
		if (name && strcmp(name, kind_names[k]) == 0)
			return k;
	return 0;
}

char *
feed_url(const struct config *cfg, int kind, const char *token)
{
	const char *base = cfg->calendar.base_url ? cfg->calendar.base_url : "";
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	return xasprintf("%.*s/feeds/%s/%s.ics", (int)n, base, feed_kind_name(kind), token);
}

int64_t
feed_pass_interval_ms(const struct config *cfg)
{
	int64_t r = cfg->calendar.refresh > 0 ? cfg->calendar.refresh : 60;
	return (r < 5 ? r : 5) * 1000;
}

static void
cached_free(void *p)
{
	struct feed_doc *c = p;
	if (c)
		free(c->body);
	free(c);
}

/* ---- rendering ------------------------------------------------------------------ */

/* Rows collected from the store, owning their strings. */
struct rows {
	struct ical_appt *a;
	size_t n, cap;
	char **strs;
	size_t nstrs, capstrs;
	int64_t last_modified;
};

static const char *
keep(struct rows *r, const char *s)
{
	char *c;
	if (s == NULL)
		return NULL;
	if (r->nstrs == r->capstrs) {
		r->capstrs = r->capstrs ? 2 * r->capstrs : 64;
		r->strs = xrealloc(r->strs, r->capstrs * sizeof *r->strs);
	}
	c = xstrdup(s);
	r->strs[r->nstrs++] = c;
	return c;
}

static struct ical_appt *
rows_add(struct rows *r)
{
	struct ical_appt *a;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		r->a = xrealloc(r->a, r->cap * sizeof *r->a);
	}
	a = &r->a[r->n++];
	memset(a, 0, sizeof *a);
	return a;
}

static void
rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->nstrs; i++)
		free(r->strs[i]);
	free(r->strs);
	free(r->a);
}

/* The store's feed kinds are the calendar's (the store includes no ical.h). */
_Static_assert(STORE_FEED_ADVISER == (int)ICAL_FEED_ADVISER &&
	       STORE_FEED_STUDENT == (int)ICAL_FEED_STUDENT &&
	       STORE_FEED_ESTABLISHMENT == (int)ICAL_FEED_ESTABLISHMENT, "feed kinds");

static void
collect_appt(const struct feed_row *src, void *arg)
{
	struct rows *r = arg;
	struct ical_appt *a = rows_add(r);

	*a = (struct ical_appt){
		.uid = keep(r, src->uid), .kind = src->kind, .status = src->status,
		.sequence = src->sequence, .starts_at = src->starts_at, .ends_at = src->ends_at,
		.created_at = src->created_at, .updated_at = src->updated_at,
		.locale = keep(r, src->locale), .situation = src->situation,
		.student_given_name = keep(r, src->student_given_name),
		.student_family_name = keep(r, src->student_family_name),
		.student_id = keep(r, src->student_id), .adviser_id = keep(r, src->adviser_id),
		.adviser_name = keep(r, src->adviser_name), .adviser_email = keep(r, src->adviser_email),
		.answer = src->answer, .student_email = keep(r, src->student_email),
	};
	if (a->updated_at > r->last_modified)
		r->last_modified = a->updated_at;
}

struct fill_ctx {
	struct dropins *d;
};

static void
collect_fill(const char *window_key, int64_t start, int booked, void *arg)
{
	struct fill_ctx *c = arg;
	dropins_add(c->d, window_key, start, booked);
}

struct slot_ctx {
	struct rows *r;
	const struct config *cfg;
	const char *key_hash;
	int64_t stamp;
};

static void
collect_slot(int64_t start, int64_t end, int booked, int capacity, void *arg)
{
	struct slot_ctx *c = arg;
	struct ical_appt *a = rows_add(c->r);
	char *uid = xasprintf("dropin-%s-%lld@%s", c->key_hash, (long long)start,
			      c->cfg->calendar.domain ? c->cfg->calendar.domain : "relance");

	a->uid = keep(c->r, uid);
	free(uid);
	a->kind = KIND_DROPIN;
	a->status = APPT_CONFIRMED;
	a->starts_at = start;
	a->ends_at = end;
	a->created_at = c->stamp;
	a->updated_at = c->stamp;
	/* Increases with every booking change of the window (minutes since
	 * 2026-01-01). */
	a->sequence = c->stamp > 1767225600 ? (int)((c->stamp - 1767225600) / 60) : 0;
	a->booked = booked;
	a->capacity = capacity;
	a->locale = "fr";
}

static uint64_t
fnv1a(const char *s, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Drop-in slots of the windows that apply to an establishment. */
static int
establishment_rows(struct feed *f, const char *uai, struct rows *r)
{
	const struct config *cfg = f->cfg;
	struct fill_ctx fc;
	int rc = 0;

	if (cfg->dropin.nwindows == 0)
		return 0;
	fc.d = dropins_new(cfg);
	if (store_each_dropin_fill(f->st, collect_fill, &fc) != 0) {
		dropins_free(fc.d);
		return -1;
	}
	for (size_t i = 0; i < cfg->dropin.nwindows; i++) {
		const struct dropin_window *w = &cfg->dropin.windows[i];
		struct slot_ctx sc;
		char hash[17];

		if (strcmp(w->uai, "*") != 0 && strcmp(w->uai, uai) != 0)
			continue;
		sc.stamp = store_feed_dropin_stamp(f->st, w->key);
		if (sc.stamp < 0) {
			rc = -1;
			break;
		}
		if (sc.stamp == 0)  /* no booking yet: a fixed date, so the body is stable */
			sc.stamp = wall_to_epoch(w->first_day - 30, 0);
		if (sc.stamp > r->last_modified)
			r->last_modified = sc.stamp;
		snprintf(hash, sizeof hash, "%016llx",
			 (unsigned long long)fnv1a(w->key, strlen(w->key), 0xcbf29ce484222325ULL));
		sc.r = r;
		sc.cfg = cfg;
		sc.key_hash = hash;
		dropins_each_slot(fc.d, (int)i, collect_slot, &sc);
	}
	dropins_free(fc.d);
	return rc;
}

int
feed_get(struct feed *f, int kind, const char *token, int64_t now, const struct feed_doc **out,
	 char *owner_id, size_t owner_len)
{
	struct feed_owner o;
	struct rows r;
	struct feed_doc *c;
	char key[FEED_TOKEN_MAX + 4], *name = NULL;
	int64_t rev;
	int found, rc = -1;
	uint64_t h1, h2;

	memset(&r, 0, sizeof r);
	found = store_feed_owner(f->st, kind, token, &o);
	if (found <= 0)
		return found;
	if (owner_id)
		snprintf(owner_id, owner_len, "%s", o.id);
	rev = store_rev(f->st);
	if (rev < 0)
		goto out;
	snprintf(key, sizeof key, "%d:%s", kind, token);
	c = hmap_get(f->cache, key);
	if (c && c->rev == rev) {
		*out = c;
		rc = 1;
		goto out;
	}
	if (kind == ICAL_FEED_ESTABLISHMENT) {
		if (establishment_rows(f, o.id, &r))
			goto out;
		name = xasprintf("Permanences Avenir Pro — %s", o.name ? o.name : o.id);
	} else {
		if (store_feed_each_appt(f->st, kind, o.id, now - ICAL_CANCELLED_KEEP,
					 now - f->cfg->calendar.keep_past, collect_appt, &r))
			goto out;
		if (kind == ICAL_FEED_ADVISER)
			name = xasprintf("Avenir Pro — %s", o.name ? o.name : o.id);
		else
			name = xstrdup(strcmp(o.locale, "en") == 0 ? "My Avenir Pro appointments"
								    : "Mes rendez-vous Avenir Pro");
	}
	if (f->no_cache) {
		/* The writer's one-slot scratch entry. */
		if (c == NULL) {
			hmap_free(f->cache, cached_free);
			f->cache = hmap_new();
		}
	}
	if (c == NULL) {
		if (hmap_count(f->cache) >= FEED_CACHE_MAX) {
			hmap_free(f->cache, cached_free);
			f->cache = hmap_new();
		}
		c = xcalloc(1, sizeof *c);
		hmap_put(f->cache, key, c);
	}
	free(c->body);
	pthread_mutex_lock(&render_mu);
	c->body = ical_render_feed(f->cfg, kind, name, r.a, r.n, now, &c->len);
	pthread_mutex_unlock(&render_mu);
	if (c->body == NULL) {
		c->len = 0;
		c->rev = -1;
		goto out;
	}
	h1 = fnv1a(c->body, c->len, 0xcbf29ce484222325ULL);
	h2 = fnv1a(c->body, c->len, 0x84222325cbf29ce4ULL ^ (uint64_t)c->len);
	snprintf(c->etag, sizeof c->etag, "\"%016llx%016llx\"", (unsigned long long)h1,
		 (unsigned long long)h2);
	c->last_modified = r.last_modified;
	c->rev = rev;
	*out = c;
	rc = 1;
out:
	free(name);
	rows_free(&r);
	feed_owner_clear(&o);
	return rc;
}

/* ---- files --------------------------------------------------------------------------- */

static void
mark(struct feed *f, int kind, const char *id)
{
	char *key;
	struct dirty *d;

	if (id == NULL || id[0] == '\0')
		return;
	key = xasprintf("%d:%s", kind, id);
	if (hmap_get(f->dirty, key) == NULL) {
		d = xcalloc(1, sizeof *d + strlen(id) + 1);
		d->kind = kind;
		strcpy(d->id, id);
		hmap_put(f->dirty, key, d);
	}
	free(key);
}

struct changed_ctx {
	struct feed *f;
	int all_establishments;
};

static void
on_changed(const char *student_id, const char *adviser_id, const char *uai, int kind,
	   const char *window_key, void *arg)
{
	struct changed_ctx *c = arg;
	mark(c->f, ICAL_FEED_STUDENT, student_id);
	mark(c->f, ICAL_FEED_ADVISER, adviser_id);
	if (kind != KIND_DROPIN)
		return;
	mark(c->f, ICAL_FEED_ESTABLISHMENT, uai);
	for (size_t i = 0; window_key && i < c->f->cfg->dropin.nwindows; i++) {
		const struct dropin_window *w = &c->f->cfg->dropin.windows[i];
		if (strcmp(w->key, window_key) == 0 && strcmp(w->uai, "*") == 0)
			c->all_establishments = 1;
	}
}

static void
on_owner_estab(int kind, const char *id, const char *token, void *arg)
{
	struct feed *f = arg;
	if (kind == ICAL_FEED_ESTABLISHMENT)
		mark(f, kind, id);
}

static char *
file_path(const struct feed *f, int kind, const char *token)
{
	return xasprintf("%s/%s/%s.ics", f->cfg->calendar.feeds_dir, feed_kind_name(kind), token);
}

/*
 * Files of the feeds whose token is gone are removed: only regular .ics
 * files of feeds_dir/KIND itself, through descriptors (openat, fdopendir,
 * unlinkat); KIND when it is a symbolic link is not followed (logged), so
 * the sweep never leaves feeds_dir.
 */
static int
sweep_dir(struct feed *f, int kind)
{
	int top = open(f->cfg->calendar.feeds_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;
	struct dirent *de;
	struct stat sb;
	DIR *d;
	int rc = 0;

	fd = top < 0 ? -1 : openat(top, feed_kind_name(kind), O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				   O_CLOEXEC);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		log_warnx("feeds: %s/%s is not a directory (a link?): not swept",
			  f->cfg->calendar.feeds_dir, feed_kind_name(kind));
	if (top >= 0)
		close(top);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		char token[FEED_TOKEN_MAX + 1];
		size_t n = strlen(de->d_name);
		struct feed_owner o;
		int found;

		if (n <= 4 || n - 4 > FEED_TOKEN_MAX || strcmp(de->d_name + n - 4, ".ics") != 0 ||
		    de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
			continue;
		memcpy(token, de->d_name, n - 4);
		token[n - 4] = '\0';
		found = store_feed_owner(f->st, kind, token, &o);
		feed_owner_clear(&o);
		if (found < 0) {
			rc = -1;
			break;
		}
		if (found)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			log_info("feeds: removed the file of a revoked %s feed", feed_kind_name(kind));
		else if (errno != ENOENT)
			log_warn("feeds: %s/%s", feed_kind_name(kind), de->d_name);
	}
	closedir(d);
	return rc;
}

static void
on_owner_missing(int kind, const char *id, const char *token, void *arg)
{
	struct feed *f = arg;
	char *path = file_path(f, kind, token);
	struct stat sb;
	/* a link or anything but a file in its place: written again */
	if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		mark(f, kind, id);
	free(path);
}

static int
sweep(struct feed *f)
{
	for (int k = 1; k <= 3; k++)
		if (sweep_dir(f, k))
			return -1;
	return store_feed_each_owner(f->st, on_owner_missing, f);
}

struct write_ctx {
	struct feed *f;
	int64_t now, now_ms, refresh_ms;
	struct hmap *left;
	int written, budget, due_left, err;
};

static void
write_one(const char *key, void *value, void *arg)
{
	struct write_ctx *w = arg;
	struct feed *f = w->f;
	struct dirty *d = value;
	int64_t *last = hmap_get(f->written, key);
	const struct feed_doc *c = NULL;
	char token[65], *path = NULL;
	int rc;

	if (f->abort && __atomic_load_n(f->abort, __ATOMIC_RELAXED)) {
		hmap_put(w->left, key, d);   /* stopping: left for the next start */
		return;
	}
	if (w->err || w->written >= w->budget || (last && w->now_ms - *last < w->refresh_ms)) {
		if (!w->err && w->written >= w->budget && !(last && w->now_ms - *last < w->refresh_ms))
			w->due_left = 1;
		hmap_put(w->left, key, d);
		return;
	}
	rc = store_feed_token(f->st, d->kind, d->id, token);
	if (rc > 0)
		rc = feed_get(f, d->kind, token, w->now, &c, NULL, 0);
	if (rc < 0) {
		w->err = 1;
		hmap_put(w->left, key, d);
		return;
	}
	if (rc > 0) {
		path = file_path(f, d->kind, token);
		rc = file_write_replace(path, c->body, c->len, 0);
		if (rc != 0 && (errno == ELOOP || errno == ENOTDIR)) {
			/* a link planted for its directory: this feed only is not
			 * written (never through the link), the others go on */
			log_warnx("feeds: %s: its directory is a symbolic link, not written", path);
		} else if (rc != 0) {
			log_warn("feeds: cannot write %s", path);
			w->err = 1;
			free(path);
			hmap_put(w->left, key, d);
			return;
		}
		free(path);
		w->written++;
		if (last == NULL) {
			last = xmalloc(sizeof *last);
			hmap_put(f->written, key, last);
		}
		*last = w->now_ms;
	}
	free(d);
}

int
feed_pass(struct feed *f, int64_t now)
{
	const struct config *cfg = f->cfg;
	struct changed_ctx cc = { f, 0 };
	struct write_ctx w;
	int64_t rev, now_ms = clock_mono_ms();
	struct hmap *old;

	if (cfg->calendar.feeds_dir == NULL || cfg->calendar.feeds_dir[0] == '\0')
		return 0;
	if (!f->loaded) {
		int64_t v = store_feed_meta_get(f->st, "feeds_rev");
		if (v < 0)
			return -1;
		for (int k = 1; k <= 3; k++) {
			char *dir = xasprintf("%s/%s", cfg->calendar.feeds_dir, feed_kind_name(k));
			if (mkdir_p(dir, 0755) != 0)
				log_warn("feeds: %s", dir);
			free(dir);
		}
		f->scanned_rev = f->saved_rev = v;
		f->loaded = 1;
	}
	rev = store_rev(f->st);
	if (rev < 0)
		return -1;
	if (rev > f->scanned_rev) {
		if (store_feed_changed(f->st, f->scanned_rev, on_changed, &cc) != 0)
			return -1;
		if (cc.all_establishments && store_feed_each_owner(f->st, on_owner_estab, f) != 0)
			return -1;
		f->scanned_rev = rev;
	}
	if (now_ms >= f->next_sweep_ms) {
		int64_t every = cfg->calendar.refresh * 5 * 1000;
		if (every < 5000)
			every = 5000;
		if (every > 300000)
			every = 300000;
		f->next_sweep_ms = now_ms + every;
		if (sweep(f) != 0)
			return -1;
	}
	memset(&w, 0, sizeof w);
	if (hmap_count(f->dirty) == 0)
		goto done;
	w.f = f;
	w.now = now;
	w.now_ms = now_ms;
	w.refresh_ms = cfg->calendar.refresh * 1000;
	w.budget = f->budget;
	w.left = hmap_new();
	old = f->dirty;
	hmap_each(old, write_one, &w);
	hmap_free(old, NULL);
	f->dirty = w.left;
	if (w.written)
		log_debug("feeds: %d files written, %zu waiting", w.written, hmap_count(f->dirty));
	if (w.err)
		return -1;
done:
	/* Everything up to scanned_rev is on disk: a restart may resume there.
	 * One syncfs for the files of the pass (an fsync per file would stall
	 * the store's own journal commits). */
	if (hmap_count(f->dirty) == 0 && f->saved_rev != f->scanned_rev) {
		int dfd = open(cfg->calendar.feeds_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || syncfs(dfd) != 0) {
			log_warn("feeds: cannot sync %s", cfg->calendar.feeds_dir);
			if (dfd >= 0)
				close(dfd);
			return -1;
		}
		close(dfd);
		if (store_feed_meta_set(f->st, "feeds_rev", f->scanned_rev) != 0)
			return -1;
		f->saved_rev = f->scanned_rev;
	}
	return w.due_left ? 1 : 0;
}

/* ---- life cycle --------------------------------------------------------------------- */

struct feed *
feed_new(const struct config *cfg, struct store *st)
{
	struct feed *f = xmalloc(sizeof *f);
	*f = (struct feed){ .cfg = cfg, .st = st, .cache = hmap_new(), .dirty = hmap_new(),
			    .written = hmap_new(), .budget = FEED_FILES_PER_PASS };
	return f;
}

void
feed_reconfigure(struct feed *f, const struct config *cfg)
{
	f->cfg = cfg;
	/* Texts, zone, windows or refresh may have changed. */
	hmap_free(f->cache, cached_free);
	f->cache = hmap_new();
	f->loaded = 0;
	f->next_sweep_ms = 0;
}

size_t
feed_cached_count(const struct feed *f)
{
	return hmap_count(f->cache);
}

size_t
feed_pending_count(const struct feed *f)
{
	return hmap_count(f->dirty);
}

void
feed_free(struct feed *f)
{
	if (f == NULL)
		return;
	hmap_free(f->cache, cached_free);
	hmap_free(f->dirty, free);
	hmap_free(f->written, free);
	free(f);
}

/* ---- the writer thread ------------------------------------------------------------ */

struct feed_writer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	const struct config *cfg;
	struct store *st;
	struct feed *f;
};

static void *
writer_main(void *arg)
{
	struct feed_writer *w = arg;
	int failing = 0;

	int64_t next_pass = 0;

	/* Feeds are best effort within refresh; ingest comes first. The
	 * shipped unit forbids setpriority (SystemCallFilter=~@resources):
	 * nothing to warn about, the writer just keeps the normal priority. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), 10) != 0)
		log_info("feeds: the file writer keeps the normal priority (setpriority: %s)",
			 strerror(errno));
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		struct timespec ts;
		int64_t wait_ms = CHECKPOINT_MS, now_ms;
		int rc;

		pthread_mutex_unlock(&w->mu);
		/* The WAL checkpoints happen here, on the second core, so the
		 * ingest commits rarely find frames left to copy. */
		store_checkpoint(w->st);
		now_ms = clock_mono_ms();
		if (now_ms >= next_pass) {
			rc = feed_pass(w->f, clock_now());
			if (rc < 0 && !failing)
				log_err("feeds: file pass failed; retried at the next one");
			failing = rc < 0;
			next_pass = clock_mono_ms() + (rc > 0 ? 50 : feed_pass_interval_ms(w->cfg));
		}
		if (next_pass - clock_mono_ms() < wait_ms)
			wait_ms = next_pass - clock_mono_ms();
		if (wait_ms < 1)
			wait_ms = 1;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait_ms / 1000;
		ts.tv_nsec += (wait_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&w->mu);
		if (!w->stop)
			pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* What feed_writer_start() made, the thread aside. */
static void
writer_free(struct feed_writer *w)
{
	feed_free(w->f);
	store_close(w->st);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

void
feed_writer_stop(struct feed_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	__atomic_store_n(&w->stop, 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	writer_free(w);
}

struct feed_writer *
feed_writer_start(const struct config *cfg, char *err, size_t errlen)
{
	struct feed_writer *w = xcalloc(1, sizeof *w);

	w->cfg = cfg;
	w->st = store_open(cfg->store.path, false, err, errlen);
	if (w->st == NULL) {
		free(w);
		return NULL;
	}
	store_set_cache_kb(w->st, 4096);   /* it mostly reads recent rows */
	w->f = feed_new(cfg, w->st);
	w->f->budget = INT_MAX;
	w->f->no_cache = 1;
	w->f->abort = &w->stop;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) == 0)
		return w;
	snprintf(err, errlen, "cannot start the feed writer thread");
	writer_free(w);
	return NULL;
}
