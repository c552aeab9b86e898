/*
 * util.c — allocation, dates and wall-clock time, clock, randomness, a small
 * string hash map and file helpers (see util.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		fatal("malloc");
	return p;
}

void *
xcalloc(size_t nmemb, size_t n)
{
	void *p = calloc(nmemb ? nmemb : 1, n ? n : 1);
	if (p == NULL)
		fatal("calloc");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		fatal("realloc");
	return q;
}

char *
xstrdup(const char *s)
{
	char *p;
	if (s == NULL)
		return NULL;
	p = strdup(s);
	if (p == NULL)
		fatal("strdup");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		fatal("asprintf");
	return s;
}

/* --- clock ------------------------------------------------------------- */

static int64_t (*clock_fn)(void);

int64_t
clock_now(void)
{
	if (clock_fn)
		return clock_fn();
	return (int64_t)time(NULL);
}

void clock_set(int64_t (*fn)(void)) { clock_fn = fn; }

int64_t
clock_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- civil dates (H. Hinnant's algorithms) ------------------------------ */

int32_t
days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + (int)doe - 719468);
}

void
civil_from_days(int32_t z, int *yy, int *mm, int *dd)
{
	z += 719468;
	int era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int y = (int)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	*yy = y + (m <= 2);
	*mm = (int)m;
	*dd = (int)d;
}

int
weekday_of_day(int32_t day)
{
	/* 1970-01-01 was a Thursday (3 with Monday = 0). */
	int w = (int)((day + 3) % 7);
	return w < 0 ? w + 7 : w;
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

static int
ymd_parse(const char *s, int *y, int *m, int *d)
{
	if (digits(s, 4, y) || s[4] != '-' || digits(s + 5, 2, m) || s[7] != '-' ||
	    digits(s + 8, 2, d))
		return -1;
	if (*y < 1900 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return -1;
	return 0;
}

int
date_parse(const char *s, int32_t *day)
{
	int y, m, d;
	if (s == NULL || strlen(s) != 10 || ymd_parse(s, &y, &m, &d))
		return -1;
	*day = days_from_civil(y, m, d);
	return 0;
}

void
date_format(int32_t day, char out[11])
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
}

int
rfc3339_parse(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	const char *p;

	if (s == NULL || strlen(s) < 20 || ymd_parse(s, &y, &mo, &d))
		return -1;
	if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
		return -1;
	if (h > 23 || mi > 59 || se > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		sign = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && !digits(p + 1, 2, &oh) &&
		   p[3] == ':' && !digits(p + 4, 2, &om) && oh <= 23 && om <= 59) {
		sign = *p == '+' ? 1 : -1;
	} else {
		return -1;
	}
	if (se == 60)
		se = 59;
	*t = (int64_t)days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
	     sign * (oh * 3600 + om * 60);
	return 0;
}

void
rfc3339_format_utc(int64_t t, char out[21])
{
	int64_t day = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t sec = t - day * 86400;
	int y, m, d;
	civil_from_days((int32_t)day, &y, &m, &d);
	snprintf(out, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)y % 10000u,
		 (unsigned)m % 100u, (unsigned)d % 100u, (unsigned)(sec / 3600) % 100u,
		 (unsigned)(sec / 60 % 60) % 100u, (unsigned)(sec % 60) % 100u);
}

/* --- wall clock ---------------------------------------------------------- */

static char tz_current[128] = "UTC";

int
tz_set(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (name == NULL || *name == '\0' || strlen(name) >= sizeof tz_current ||
	    strstr(name, "..") || name[0] == '/')
		return -1;
	if (strcmp(name, "UTC") != 0) {
		snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			return -1;
	}
	snprintf(tz_current, sizeof tz_current, "%s", name);
	setenv("TZ", name, 1);
	tzset();
	return 0;
}

const char *tz_name(void) { return tz_current; }

int64_t
wall_to_epoch(int32_t day, int minute)
{
	struct tm tm = { 0 };
	int y, m, d;
	time_t t;

	civil_from_days(day, &y, &m, &d);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = minute / 60;
	tm.tm_min = minute % 60;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	/* In a gap glibc may pick either offset: normalise to the later instant
	 * whose local time is past the requested one (the clocks jumped). */
	if (tm.tm_hour * 60 + tm.tm_min < minute % 1440 && tm.tm_mday == d)
		t += 3600;
	return (int64_t)t;
}

void
epoch_to_wall(int64_t t, int32_t *day, int *minute)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	if (day)
		*day = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (minute)
		*minute = tm.tm_hour * 60 + tm.tm_min;
}

void
wall_format(int64_t t, char out[17])
{
	int32_t day;
	int minute;
	char d[11];
	epoch_to_wall(t, &day, &minute);
	date_format(day, d);
	snprintf(out, 17, "%.10s %02u:%02u", d, (unsigned)minute / 60u % 100u,
		 (unsigned)minute % 60u);
}

/* --- answers of peers ------------------------------------------------------ */

/* 1 when the word has a capital letter: ASCII, or Latin-1's in UTF-8. */
static int
has_capital(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];
		if ((c >= 'A' && c <= 'Z') ||
		    (c == 0xc3 && i + 1 < n && (unsigned char)w[i + 1] >= 0x80 &&
		     (unsigned char)w[i + 1] <= 0x9e && (unsigned char)w[i + 1] != 0x97))
			return 1;
	}
	return 0;
}

/* 1 when the word's first letters (w, n octets: "Found." "HTTP/1.1") are
 * one of the common words of server answers, in any case, and no capital
 * follows. */
static int
common_word(const char *w, size_t n)
{
	static const char *const words[] = {
		"accepted", "api", "authorization", "bad", "conflict", "content", "do",
		"entity", "error", "failed", "failure", "forbidden", "found", "gateway", "http",
		"id", "internal", "invalid", "json", "large", "many", "message", "method",
		"missing", "not", "ok", "queued", "rejected", "request", "requests", "required",
		"sender", "server", "service", "sms", "smsc", "temporal", "temporary", "timeout",
		"too", "unauthorized", "unavailable", "unknown", "unprocessable", "url",
	};
	size_t a = 0, b;

	while (a < n && !isalpha((unsigned char)w[a]))
		a++;
	for (b = a; b < n && isalpha((unsigned char)w[b]); b++)
		;
	if (has_capital(w + b, n - b))      /* "Not-Martin" */
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strlen(words[i]) == b - a && strncasecmp(words[i], w + a, b - a) == 0)
			return 1;
	return 0;
}

/* Appends word w (n octets) to out at *o, digits as '#', controls gone, cut
 * after REDACT_WORD_MAX octets at a character boundary. 0, or -1 when it
 * does not fit whole (nothing appended). */
static int
redact_word(const char *w, size_t n, char *out, size_t outlen, size_t *o)
{
	char buf[REDACT_WORD_MAX + 1];
	size_t k = 0;

	for (size_t i = 0; i < n && k < REDACT_WORD_MAX; i++) {
		unsigned char c = (unsigned char)w[i];
		if (c < 0x20 || c == 0x7f)
			continue;
		buf[k++] = c >= '0' && c <= '9' ? '#' : (char)c;
	}
	if (k == REDACT_WORD_MAX && ((unsigned char)buf[k - 1] & 0x80)) {
		/* perhaps cut inside a character: its last one goes */
		while (k > 0 && ((unsigned char)buf[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0)
			k--;
	}
	if (k == 0)
		return 0;
	if (*o + (*o > 0) + k >= outlen)
		return -1;
	if (*o > 0)
		out[(*o)++] = ' ';
	memcpy(out + *o, buf, k);
	*o += k;
	out[*o] = '\0';
	return 0;
}

void
reason_redact(const char *in, char *out, size_t outlen)
{
	const char *p = in ? in : "";
	size_t o = 0, n;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (;;) {
		p += strspn(p, " \t");
		n = strcspn(p, " \t\r\n");
		if (n == 0)
			break;
		if (memchr(p, '@', n) == NULL && (!has_capital(p, n) || common_word(p, n)) &&
		    redact_word(p, n, out, outlen, &o) != 0)
			break;
		p += n;
	}
}

/* --- randomness ---------------------------------------------------------- */

static void
getrandom_all(unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fatal("getrandom");
		}
		p += r;
		n -= (size_t)r;
	}
}

/*
 * Bytes from the kernel's CSPRNG, read 512 at a time into a per-thread
 * pool: a feed token per student and event no longer costs a system call.
 * Each byte is handed out once and wiped.
 */
static void
random_bytes(void *buf, size_t n)
{
	static __thread unsigned char pool[512];
	static __thread size_t left;
	unsigned char *p = buf;

	while (n > 0) {
		size_t take;
		if (left == 0) {
			getrandom_all(pool, sizeof pool);
			left = sizeof pool;
		}
		take = n < left ? n : left;
		memcpy(p, pool + sizeof pool - left, take);
		explicit_bzero(pool + sizeof pool - left, take);
		left -= take;
		p += take;
		n -= take;
	}
}

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v0, v1, v2, v3)                                                         \
	do {                                                                             \
		v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32);           \
		v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2;                                 \
		v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0;                                 \
		v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32);           \
	} while (0)

static uint64_t
le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t
siphash24(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = le64(key, 8), k1 = le64(key + 8, 8), m;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i, 8);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	m = le64(in + i, len - i) | ((uint64_t)(len & 0xff) << 56);
	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

int
secret_eq(const char *a, const char *b)
{
	const char *s = a ? a : "";
	size_t n = strlen(b), slen = strnlen(s, n + 1);
	unsigned diff = a == NULL || slen != n;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned)(unsigned char)b[i] ^ (i < slen ? (unsigned char)s[i] : 0u);
	return diff == 0;
}

void
random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char buf[64];
	while (nbytes > 0) {
		size_t n = nbytes < sizeof buf ? nbytes : sizeof buf;
		random_bytes(buf, n);
		for (size_t i = 0; i < n; i++) {
			*out++ = hex[buf[i] >> 4];
			*out++ = hex[buf[i] & 15];
		}
		nbytes -= n;
	}
	*out = '\0';
}

uint64_t
random_u64(void)
{
	uint64_t v;
	random_bytes(&v, sizeof v);
	return v;
}

/* --- hash map: open addressing, linear probing, FNV-1a ------------------- */

struct hentry {
	char *key;
	void *value;
};

struct hmap {
	struct hentry *slots;
	size_t cap, count;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct hmap *
hmap_new(void)
{
	struct hmap *m = xcalloc(1, sizeof *m);
	m->cap = 64;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	return m;
}

void
hmap_free(struct hmap *m, void (*free_value)(void *))
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key) {
			free(m->slots[i].key);
			if (free_value)
				free_value(m->slots[i].value);
		}
	}
	free(m->slots);
	free(m);
}

static struct hentry *
hmap_find(const struct hmap *m, const char *key)
{
	size_t i = hash_str(key) & (m->cap - 1);
	for (;;) {
		struct hentry *e = &m->slots[i];
		if (e->key == NULL || strcmp(e->key, key) == 0)
			return e;
		i = (i + 1) & (m->cap - 1);
	}
}

void *
hmap_get(const struct hmap *m, const char *key)
{
	struct hentry *e = hmap_find(m, key);
	return e->key ? e->value : NULL;
}

void *
hmap_put(struct hmap *m, const char *key, void *value)
{
	struct hentry *e;
	void *old;

	if ((m->count + 1) * 4 > m->cap * 3) {
		struct hentry *old_slots = m->slots;
		size_t old_cap = m->cap;
		m->cap *= 2;
		m->slots = xcalloc(m->cap, sizeof *m->slots);
		for (size_t i = 0; i < old_cap; i++) {
			if (old_slots[i].key) {
				struct hentry *n = hmap_find(m, old_slots[i].key);
				*n = old_slots[i];
			}
		}
		free(old_slots);
	}
	e = hmap_find(m, key);
	if (e->key) {
		old = e->value;
		e->value = value;
		return old;
	}
	e->key = xstrdup(key);
	e->value = value;
	m->count++;
	return NULL;
}

size_t hmap_count(const struct hmap *m) { return m->count; }

void
hmap_each(const struct hmap *m, void (*fn)(const char *, void *, void *), void *arg)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			fn(m->slots[i].key, m->slots[i].value, arg);
}

/* --- growable string ------------------------------------------------------ */

void
strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* --- files ---------------------------------------------------------------- */

char *
file_read(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		int saved = errno;
		fclose(f);
		free(buf);
		errno = saved ? saved : EIO;
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

int
file_write_atomic(const char *path, const void *data, size_t len)
{
	return file_write_replace(path, data, len, 1);
}

/* Writes all of data to fd. 0 or -1. */
static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Safe against a hostile writer of the directory (contract section 6): the
 * directory itself is not followed when it is a symbolic link; the temp
 * file ".NAME.<random>" is made O_CREAT|O_EXCL|O_NOFOLLOW in it (never an
 * existing file or link); renameat() replaces NAME itself, a link there
 * included, never what a link points to.
 */
int
file_write_replace(const char *path, const void *data, size_t len, int sync)
{
	char dir[PATH_MAX], tmp[NAME_MAX + 1], rnd[17];
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	int dfd, fd = -1, saved;

	if ((size_t)(base - path) >= sizeof dir || strlen(base) + 19 > NAME_MAX || !base[0]) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if (dir[0] == '\0')
		snprintf(dir, sizeof dir, "/");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	random_hex(rnd, 8);
	snprintf(tmp, sizeof tmp, ".%s.%s", base, rnd);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	if (write_all(fd, data, len) != 0 || (sync && fsync(fd) != 0))
		goto fail_unlink;
	if (close(fd) != 0) {
		fd = -1;
		goto fail_unlink;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, base) != 0)
		goto fail_unlink;
	if (sync)
		(void)fsync(dfd);       /* the rename itself made durable */
	close(dfd);
	return 0;
fail_unlink:
	saved = errno;
	unlinkat(dfd, tmp, 0);
	errno = saved;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	close(dfd);
	errno = saved;
	return -1;
}

int
mkdir_p(const char *path, int mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof buf) {
		errno = EINVAL;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int
outbox_write(const char *dir, int64_t id, const char *ext, const void *data, size_t len)
{
	char *path;
	int rc;

	if (mkdir_p(dir, 0750) != 0 && errno != EEXIST) {
		log_warn("outbox %s", dir);
		return -1;
	}
	path = xasprintf("%s/%lld.%s", dir, (long long)id, ext);
	rc = file_write_atomic(path, data, len);
	if (rc != 0)
		log_warn("outbox: cannot write %s", path);
	free(path);
	return rc;
}
