/*
 * link.c — personal link codes and page tokens (link.h): HMAC-SHA256 and
 * SHA-256 by nettle, base64url by nettle's base64url encoder (the padding
 * of a 16-byte input, "==", is dropped). Pure: no I/O, no store.
 *
 *   code  = base64url(HMAC-SHA256(key, "relance-link\0" uid)[0..16))
 *   hash  = hex(SHA-256(code))
 *   token = base64url(HMAC-SHA256(key, "relance-token\0" code "\0"
 *                     decimal(sequence))[0..16))
 * The two HMAC inputs start with different labels, so a token is never a
 * code and a code never a token.
 */
#include <stdio.h>
#include <string.h>

#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

#include "link.h"

#define LINK_BITS_BYTES 16      /* 128 bits: 22 base64url characters */

static const char code_label[] = "relance-link";    /* with its NUL */
static const char token_label[] = "relance-token";  /* with its NUL */

/* base64url of 16 bytes, without padding: 22 characters and a NUL. */
static void
b64url16(const uint8_t in[LINK_BITS_BYTES], char out[LINK_CODE_LEN + 1])
{
	struct base64_encode_ctx ctx;
	char buf[BASE64_ENCODE_LENGTH(LINK_BITS_BYTES) + BASE64_ENCODE_FINAL_LENGTH + 1];
	size_t n;

	base64url_encode_init(&ctx);
	n = base64_encode_update(&ctx, buf, LINK_BITS_BYTES, in);
	n += base64_encode_final(&ctx, buf + n);
	(void)n;
	memcpy(out, buf, LINK_CODE_LEN);
	out[LINK_CODE_LEN] = '\0';
}

void
link_code(const uint8_t key[LINK_KEY_LEN], const char *uid, char out[LINK_CODE_LEN + 1])
{
	struct hmac_sha256_ctx h;
	uint8_t mac[SHA256_DIGEST_SIZE];

	hmac_sha256_set_key(&h, LINK_KEY_LEN, key);
	hmac_sha256_update(&h, sizeof code_label, (const uint8_t *)code_label);
	hmac_sha256_update(&h, strlen(uid), (const uint8_t *)uid);
	hmac_sha256_digest(&h, sizeof mac, mac);
	b64url16(mac, out);
}

void
link_code_hash(const char *code, char out[LINK_HASH_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&h);
	sha256_update(&h, strlen(code), (const uint8_t *)code);
	sha256_digest(&h, sizeof d, d);
	for (size_t i = 0; i < sizeof d; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[LINK_HASH_LEN] = '\0';
}

static int
b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int
link_code_shape(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < LINK_CODE_LEN; i++)
		if (!b64url_char(s[i]))
			return 0;
	/* The 22nd character carries 2 bits: the other 4 are zero. */
	if (strchr("AQgw", s[LINK_CODE_LEN - 1]) == NULL)
		return 0;
	return s[LINK_CODE_LEN] == '\0';
}

void
link_token(const uint8_t key[LINK_KEY_LEN], const char *code, int sequence,
	   char out[LINK_TOKEN_LEN + 1])
{
	struct hmac_sha256_ctx h;
	uint8_t mac[SHA256_DIGEST_SIZE];
	char seq[16];

	snprintf(seq, sizeof seq, "%d", sequence);
	hmac_sha256_set_key(&h, LINK_KEY_LEN, key);
	hmac_sha256_update(&h, sizeof token_label, (const uint8_t *)token_label);
	hmac_sha256_update(&h, strlen(code) + 1, (const uint8_t *)code);
	hmac_sha256_update(&h, strlen(seq), (const uint8_t *)seq);
	hmac_sha256_digest(&h, sizeof mac, mac);
	b64url16(mac, out);
}

int
link_token_ok(const uint8_t key[LINK_KEY_LEN], const char *code, int sequence, const char *token)
{
	char want[LINK_TOKEN_LEN + 1];
	int ok;

	if (token == NULL || code == NULL || strlen(token) != LINK_TOKEN_LEN)
		return 0;
	link_token(key, code, sequence, want);
	ok = memeql_sec(want, token, LINK_TOKEN_LEN);
	return ok ? 1 : 0;
}
