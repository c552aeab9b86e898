/*
 * hold_pack.c — the headers of a held Kafka message as one blob (hold.h),
 * so that a held event can be parsed again (binary mode: ce_* headers) and
 * dead-lettered with its original headers. Pure: no I/O.
 *
 * Layout, per header: name length (2 bytes, big-endian), the name and a
 * NUL (so the unpacked name is a C string), then the value length (4
 * bytes, big-endian; 0xffffffff for a header without value) and the value.
 */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "hold.h"
#include "util.h"

#define NO_VALUE 0xffffffffu

static unsigned char *
put_be(unsigned char *p, uint32_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		*p++ = (unsigned char)(v >> (8 * i));
	return p;
}

static uint32_t
get_be(const unsigned char *p, int bytes)
{
	uint32_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

void *
hold_headers_pack(const struct event_header *hdrs, size_t n, size_t *len)
{
	size_t total = 0;
	unsigned char *buf, *p;

	for (size_t i = 0; i < n; i++)
		total += 2 + strnlen(hdrs[i].name, 0xfffe) + 1 + 4 + (hdrs[i].value ? hdrs[i].len : 0);
	*len = total;
	if (total == 0)
		return NULL;
	buf = p = xmalloc(total);
	for (size_t i = 0; i < n; i++) {
		size_t nl = strnlen(hdrs[i].name, 0xfffe);
		p = put_be(p, (uint32_t)nl, 2);
		memcpy(p, hdrs[i].name, nl);
		p += nl;
		*p++ = '\0';
		p = put_be(p, hdrs[i].value ? (uint32_t)hdrs[i].len : NO_VALUE, 4);
		if (hdrs[i].value) {
			memcpy(p, hdrs[i].value, hdrs[i].len);
			p += hdrs[i].len;
		}
	}
	return buf;
}

int
hold_headers_unpack(const void *buf, size_t len, struct event_header *out, size_t max)
{
	const unsigned char *p = buf, *end;
	size_t n = 0;

	if (len == 0)
		return 0;
	end = p + len;
	while (p < end) {
		size_t nl, vl;
		if (n == max || end - p < 2)
			return -1;
		nl = get_be(p, 2);
		p += 2;
		if ((size_t)(end - p) < nl + 1 + 4 || p[nl] != '\0' || memchr(p, '\0', nl) != NULL)
			return -1;
		out[n].name = (const char *)p;
		p += nl + 1;
		vl = get_be(p, 4);
		p += 4;
		if (vl == NO_VALUE) {
			out[n].value = NULL;
			out[n].len = 0;
		} else {
			if ((size_t)(end - p) < vl)
				return -1;
			out[n].value = p;
			out[n].len = vl;
			p += vl;
		}
		n++;
	}
	return (int)n;
}
