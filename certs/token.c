/*
 * certs/token.c: join tokens (security.md N4).
 *
 * The text form, before base64url (RFC 4648 section 5, no padding):
 *
 *   triode-join-1\n
 *   name=node2\n
 *   address=10.0.0.1:7441\n        (1 to 8 of these)
 *   fingerprint=<64 hex>\n
 *   secret=<64 hex>\n
 *   expires=<unix seconds>\n
 *
 * The decoder takes the token as hostile: it caps the input length before
 * decoding, accepts only the canonical base64url of the bytes (so each
 * token has exactly one spelling), and parses the fields in a fixed order
 * with a cursor, checking every value, so that a duplicate, missing,
 * reordered or unknown field is refused just like a bad value.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "certs/certs_int.h"

#define TOKEN_VERSION   "triode-join-1"
#define SECRET_BYTES    32
#define HEX_LEN         64
#define MAX_TTL_SECONDS (366LL * 24 * 3600)
/* Longest text form: the sum of the longest lines (see the file header). */
#define TOKEN_TEXT_MAX                                                  \
	(sizeof TOKEN_VERSION + sizeof "name=" + CERTS_NAME_SIZE +      \
	 CERTS_TOKEN_MAX_ADDRESSES *                                    \
		 (sizeof "address=" + CERTS_ADDRESS_SIZE) +             \
	 sizeof "fingerprint=" + HEX_LEN + sizeof "secret=" + HEX_LEN + \
	 sizeof "expires=" + 21)

_Static_assert((TOKEN_TEXT_MAX + 2) / 3 * 4 < CERTS_TOKEN_ENCODED_SIZE,
	       "CERTS_TOKEN_ENCODED_SIZE must hold the longest token");

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool certs_name_is_valid(const char *name)
{
	size_t len = strnlen(name, CERTS_NAME_SIZE);

	if (len == 0 || len >= CERTS_NAME_SIZE) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
			return false;
		}
	}
	return true;
}

static bool is_lower_hex(const char *s, size_t len)
{
	if (strnlen(s, len + 1) != len) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f'))) {
			return false;
		}
	}
	return true;
}

/* One DNS label run: [A-Za-z0-9-] labels of 1 to 63, no '-' at the ends. */
static bool is_dns_name(const char *s, size_t len)
{
	size_t label = 0;

	if (len == 0) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-') {
				return false;
			}
			label = 0;
			continue;
		}
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');
		if (!alnum && !(c == '-' && label > 0)) {
			return false;
		}
		if (++label > 63) {
			return false;
		}
	}
	return label > 0 && s[len - 1] != '-';
}

/*
 * "host:port": host an IPv4 address, "[IPv6]" or a DNS name; port 1 to
 * 65535 in decimal without leading zeros.
 */
static bool is_valid_address(const char *addr)
{
	size_t len = strnlen(addr, CERTS_ADDRESS_SIZE);
	const char *colon;
	const char *port;
	char host[CERTS_ADDRESS_SIZE];
	unsigned char bin[16];
	size_t host_len;
	unsigned long value = 0;

	if (len == 0 || len >= CERTS_ADDRESS_SIZE) {
		return false;
	}
	colon = strrchr(addr, ':');
	if (colon == NULL) {
		return false;
	}
	port = colon + 1;
	if (port[0] < '1' || port[0] > '9' || strlen(port) > 5) {
		return false;
	}
	for (const char *p = port; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			return false;
		}
		value = value * 10 + (unsigned long)(*p - '0');
	}
	if (value > 65535) {
		return false;
	}
	host_len = (size_t)(colon - addr);
	if (host_len >= 2 && addr[0] == '[' && addr[host_len - 1] == ']') {
		memcpy(host, addr + 1, host_len - 2);
		host[host_len - 2] = '\0';
		return inet_pton(AF_INET6, host, bin) == 1;
	}
	memcpy(host, addr, host_len);
	host[host_len] = '\0';
	if (inet_pton(AF_INET, host, bin) == 1) {
		return true;
	}
	/* All digits and dots but not an IPv4 address: a typo, not a name. */
	if (strspn(host, "0123456789.") == host_len) {
		return false;
	}
	return is_dns_name(host, host_len);
}

/* Check every field of @t; the message names the first bad one. */
static int validate(const struct certs_token *t, char *errmsg)
{
	if (!certs_name_is_valid(t->name)) {
		tr_errmsg_printf(errmsg,
				 "token: invalid name (1 to 64 of "
				 "[A-Za-z0-9._-], starting with a letter or "
				 "digit)");
		return TR_EINVAL;
	}
	if (t->n_addresses == 0 || t->n_addresses > CERTS_TOKEN_MAX_ADDRESSES) {
		tr_errmsg_printf(errmsg, "token: needs 1 to %d addresses",
				 CERTS_TOKEN_MAX_ADDRESSES);
		return TR_EINVAL;
	}
	for (unsigned i = 0; i < t->n_addresses; i++) {
		if (!is_valid_address(t->addresses[i])) {
			tr_errmsg_printf(errmsg,
					 "token: address %u is not host:port",
					 i + 1);
			return TR_EINVAL;
		}
	}
	if (!is_lower_hex(t->fingerprint, HEX_LEN)) {
		tr_errmsg_printf(errmsg, "token: fingerprint is not 64 "
					 "lower-case hex digits");
		return TR_EINVAL;
	}
	if (!is_lower_hex(t->secret, HEX_LEN)) {
		tr_errmsg_printf(
			errmsg,
			"token: secret is not 64 lower-case hex digits");
		return TR_EINVAL;
	}
	if (t->expires_at <= 0) {
		tr_errmsg_printf(errmsg, "token: invalid expiry");
		return TR_EINVAL;
	}
	return TR_OK;
}

int certs_token_new(const char *name, const char *const *addresses, unsigned n,
		    const char *ca_fingerprint, int64_t ttl_seconds,
		    struct certs_token *out, char *errmsg)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char secret[SECRET_BYTES];
	int rv;

	memset(out, 0, sizeof *out);
	if (name == NULL || addresses == NULL || ca_fingerprint == NULL ||
	    n == 0 || n > CERTS_TOKEN_MAX_ADDRESSES) {
		tr_errmsg_printf(errmsg, "token: missing name, addresses or "
					 "fingerprint");
		return TR_EINVAL;
	}
	if (ttl_seconds <= 0 || ttl_seconds > MAX_TTL_SECONDS) {
		tr_errmsg_printf(errmsg,
				 "token: lifetime must be 1 s to 366 days");
		return TR_EINVAL;
	}
	/* Copies are bounded; validate() below refuses what was cut. */
	if (strnlen(name, CERTS_NAME_SIZE) >= CERTS_NAME_SIZE ||
	    strnlen(ca_fingerprint, CERTS_FINGERPRINT_LEN) >=
		    CERTS_FINGERPRINT_LEN) {
		tr_errmsg_printf(errmsg, "token: name or fingerprint too long");
		return TR_EINVAL;
	}
	strcpy(out->name, name);
	strcpy(out->fingerprint, ca_fingerprint);
	for (unsigned i = 0; i < n; i++) {
		if (addresses[i] == NULL ||
		    strnlen(addresses[i], CERTS_ADDRESS_SIZE) >=
			    CERTS_ADDRESS_SIZE) {
			memset(out, 0, sizeof *out);
			tr_errmsg_printf(errmsg,
					 "token: address %u is not host:port",
					 i + 1);
			return TR_EINVAL;
		}
		strcpy(out->addresses[i], addresses[i]);
	}
	out->n_addresses = n;
	if (RAND_bytes(secret, sizeof secret) != 1) {
		memset(out, 0, sizeof *out);
		return certs_ssl_error(errmsg, "token: RAND_bytes");
	}
	for (size_t i = 0; i < sizeof secret; i++) {
		out->secret[2 * i] = hex[secret[i] >> 4];
		out->secret[2 * i + 1] = hex[secret[i] & 0xf];
	}
	out->secret[HEX_LEN] = '\0';
	OPENSSL_cleanse(secret, sizeof secret);
	out->expires_at = (int64_t)time(NULL) + ttl_seconds;
	rv = validate(out, errmsg);
	if (rv != TR_OK) {
		OPENSSL_cleanse(out, sizeof *out);
	}
	return rv;
}

int certs_token_encode(const struct certs_token *t, char *out, size_t cap,
		       char *errmsg)
{
	char text[TOKEN_TEXT_MAX];
	size_t len = 0;
	size_t need;
	size_t o = 0;
	int rv;
	int n;

	rv = validate(t, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	/* Fields are validated, so their lengths are bounded: no truncation. */
	n = snprintf(text, sizeof text, "%s\nname=%s\n", TOKEN_VERSION,
		     t->name);
	len += (size_t)n;
	for (unsigned i = 0; i < t->n_addresses; i++) {
		n = snprintf(text + len, sizeof text - len, "address=%s\n",
			     t->addresses[i]);
		len += (size_t)n;
	}
	n = snprintf(text + len, sizeof text - len,
		     "fingerprint=%s\nsecret=%s\nexpires=%lld\n",
		     t->fingerprint, t->secret, (long long)t->expires_at);
	len += (size_t)n;

	need = len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1) + 1;
	if (cap < need) {
		OPENSSL_cleanse(text, sizeof text);
		tr_errmsg_printf(errmsg, "token: output buffer too small");
		return TR_ETOOBIG;
	}
	for (size_t i = 0; i < len; i += 3) {
		size_t left = len - i;
		uint32_t v = (uint32_t)(unsigned char)text[i] << 16;
		if (left > 1) {
			v |= (uint32_t)(unsigned char)text[i + 1] << 8;
		}
		if (left > 2) {
			v |= (uint32_t)(unsigned char)text[i + 2];
		}
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		if (left > 1) {
			out[o++] = b64url[(v >> 6) & 63];
		}
		if (left > 2) {
			out[o++] = b64url[v & 63];
		}
	}
	out[o] = '\0';
	OPENSSL_cleanse(text, sizeof text);
	return TR_OK;
}

static int b64url_value(char c)
{
	const char *p = c == '\0' ? NULL : strchr(b64url, c);
	return p == NULL ? -1 : (int)(p - b64url);
}

/*
 * Decode canonical unpadded base64url @in (@len characters) into @out
 * (@cap bytes); *@out_len is set.  False on a character outside the
 * alphabet, a length of 1 mod 4, non-zero unused bits or overflow.
 */
static bool b64url_decode(const char *in, size_t len, unsigned char *out,
			  size_t cap, size_t *out_len)
{
	size_t o = 0;

	if (len % 4 == 1) {
		return false;
	}
	for (size_t i = 0; i < len; i += 4) {
		size_t chunk = len - i < 4 ? len - i : 4;
		uint32_t v = 0;
		for (size_t j = 0; j < 4; j++) {
			int d = j < chunk ? b64url_value(in[i + j]) : 0;
			if (d < 0) {
				return false;
			}
			v = (v << 6) | (uint32_t)d;
		}
		size_t bytes = chunk - 1; /* 4 -> 3, 3 -> 2, 2 -> 1 */
		if (o + bytes > cap) {
			return false;
		}
		/* The unused low bits of a short final group must be zero. */
		if ((bytes == 1 && (v & 0xffff) != 0) ||
		    (bytes == 2 && (v & 0xff) != 0)) {
			return false;
		}
		out[o++] = (unsigned char)(v >> 16);
		if (bytes > 1) {
			out[o++] = (unsigned char)(v >> 8);
		}
		if (bytes > 2) {
			out[o++] = (unsigned char)v;
		}
	}
	*out_len = o;
	return true;
}

/* A read position in the decoded text. */
struct cur {
	const char *p;
	const char *end;
};

/*
 * Take the line "@key=value\n" into @out (@cap bytes, NUL added).  False
 * when the next line has another key, no '\n', a NUL or control byte, or a
 * value of @cap bytes or more.
 */
static bool take_field(struct cur *c, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key);
	const char *nl;
	size_t vlen;

	if ((size_t)(c->end - c->p) <= klen || memcmp(c->p, key, klen) != 0 ||
	    c->p[klen] != '=') {
		return false;
	}
	c->p += klen + 1;
	nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	if (nl == NULL) {
		return false;
	}
	vlen = (size_t)(nl - c->p);
	if (vlen >= cap) {
		return false;
	}
	for (size_t i = 0; i < vlen; i++) {
		if ((unsigned char)c->p[i] < 0x20 ||
		    (unsigned char)c->p[i] >= 0x7f) {
			return false;
		}
	}
	memcpy(out, c->p, vlen);
	out[vlen] = '\0';
	c->p = nl + 1;
	return true;
}

static bool next_is(const struct cur *c, const char *key)
{
	size_t klen = strlen(key);
	return (size_t)(c->end - c->p) > klen && memcmp(c->p, key, klen) == 0 &&
	       c->p[klen] == '=';
}

/* Decimal, no sign, no leading zero, 1 to 19 digits, > 0. */
static bool parse_expiry(const char *s, int64_t *out)
{
	size_t len = strlen(s);
	int64_t v = 0;

	if (len == 0 || len > 19 || s[0] == '0') {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		if (v > (INT64_MAX - (s[i] - '0')) / 10) {
			return false;
		}
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static int parse_text(const char *text, size_t len, struct certs_token *t,
		      char *errmsg)
{
	struct cur c = { text, text + len };
	char version[sizeof TOKEN_VERSION];
	char expires[24];
	const char *nl = memchr(c.p, '\n', len);

	if (nl == NULL || (size_t)(nl - c.p) != strlen(TOKEN_VERSION) ||
	    memcmp(c.p, TOKEN_VERSION, strlen(TOKEN_VERSION)) != 0) {
		size_t vlen = nl == NULL ? 0 : (size_t)(nl - c.p);
		/* "triode-join-N" with another number: name the version. */
		if (vlen > 12 && vlen < sizeof version + 4 &&
		    memcmp(c.p, "triode-join-", 12) == 0 &&
		    strspn(c.p + 12, "0123456789") == vlen - 12) {
			memcpy(version, c.p + 12, vlen - 12);
			version[vlen - 12] = '\0';
			tr_errmsg_printf(errmsg,
					 "token: unsupported version %s (this "
					 "node reads %s)",
					 version, TOKEN_VERSION);
		} else {
			tr_errmsg_printf(errmsg, "token: not a triode join "
						 "token");
		}
		return TR_EINVAL;
	}
	c.p = nl + 1;
	if (!take_field(&c, "name", t->name, sizeof t->name)) {
		tr_errmsg_printf(errmsg, "token: bad or missing name");
		return TR_EINVAL;
	}
	while (next_is(&c, "address")) {
		if (t->n_addresses == CERTS_TOKEN_MAX_ADDRESSES) {
			tr_errmsg_printf(errmsg,
					 "token: more than %d addresses",
					 CERTS_TOKEN_MAX_ADDRESSES);
			return TR_EINVAL;
		}
		if (!take_field(&c, "address", t->addresses[t->n_addresses],
				sizeof t->addresses[0])) {
			tr_errmsg_printf(errmsg, "token: bad address %u",
					 t->n_addresses + 1);
			return TR_EINVAL;
		}
		t->n_addresses++;
	}
	if (!take_field(&c, "fingerprint", t->fingerprint,
			sizeof t->fingerprint)) {
		tr_errmsg_printf(errmsg, "token: bad or missing fingerprint");
		return TR_EINVAL;
	}
	if (!take_field(&c, "secret", t->secret, sizeof t->secret)) {
		tr_errmsg_printf(errmsg, "token: bad or missing secret");
		return TR_EINVAL;
	}
	if (!take_field(&c, "expires", expires, sizeof expires) ||
	    !parse_expiry(expires, &t->expires_at)) {
		tr_errmsg_printf(errmsg, "token: bad or missing expiry");
		return TR_EINVAL;
	}
	if (c.p != c.end) {
		tr_errmsg_printf(errmsg, "token: unexpected data after expiry");
		return TR_EINVAL;
	}
	return validate(t, errmsg);
}

int certs_token_decode(const char *text, struct certs_token *t, char *errmsg)
{
	unsigned char raw[TOKEN_TEXT_MAX];
	size_t len;
	size_t raw_len = 0;
	int rv;

	memset(t, 0, sizeof *t);
	if (text == NULL) {
		tr_errmsg_printf(errmsg, "token: missing");
		return TR_EINVAL;
	}
	len = strnlen(text, CERTS_TOKEN_ENCODED_SIZE);
	if (len == 0) {
		tr_errmsg_printf(errmsg, "token: empty");
		return TR_EINVAL;
	}
	if (len >= CERTS_TOKEN_ENCODED_SIZE) {
		tr_errmsg_printf(errmsg, "token: longer than %d characters",
				 CERTS_TOKEN_ENCODED_SIZE - 1);
		return TR_EINVAL;
	}
	if (!b64url_decode(text, len, raw, sizeof raw, &raw_len)) {
		tr_errmsg_printf(errmsg, "token: not valid base64url (was it "
					 "cut or altered?)");
		return TR_EINVAL;
	}
	rv = parse_text((const char *)raw, raw_len, t, errmsg);
	OPENSSL_cleanse(raw, sizeof raw);
	if (rv != TR_OK) {
		OPENSSL_cleanse(t, sizeof *t);
	}
	return rv;
}

bool certs_token_is_expired(const struct certs_token *t, int64_t now)
{
	return t->expires_at <= now;
}

bool certs_token_secret_matches(const char *a, const char *b)
{
	if (a == NULL || b == NULL || strnlen(a, HEX_LEN + 1) != HEX_LEN ||
	    strnlen(b, HEX_LEN + 1) != HEX_LEN) {
		return false;
	}
	return CRYPTO_memcmp(a, b, HEX_LEN) == 0;
}

int certs_token_secret_hash(const char *secret, char out[CERTS_FINGERPRINT_LEN],
			    char *errmsg)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (secret == NULL || !is_lower_hex(secret, HEX_LEN)) {
		tr_errmsg_printf(
			errmsg,
			"token: secret is not 64 lower-case hex digits");
		return TR_EINVAL;
	}
	if (EVP_Digest(secret, HEX_LEN, md, &n, EVP_sha256(), NULL) != 1 ||
	    n != 32) {
		return certs_ssl_error(errmsg, "token: SHA-256");
	}
	for (unsigned int i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * n] = '\0';
	return TR_OK;
}
