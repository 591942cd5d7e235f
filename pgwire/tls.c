/*
 * pgwire/tls.c: TLS transport over OpenSSL memory BIOs.
 *
 * The socket stays in libuv's hands: ciphertext from read_cb is written into
 * the read BIO, SSL_do_handshake/SSL_read turn it into plaintext appended to
 * the connection's input buffer, and SSL_write puts ciphertext into the
 * write BIO, which the connection drains into uv_write (STYLE.md "TLS").
 * The SSL_CTX is shared and borrowed; each connection pins TLS 1.2 as the
 * minimum on its own SSL object.
 *
 * Failure modes: any OpenSSL error is drained from the error queue into
 * @errmsg and reported as TR_ETLS; a close_notify from the peer is
 * TR_ECLOSED (an orderly end).
 */
#include <string.h>

#include <openssl/err.h>

#include "pgwire/pgwire_int.h"

/* Drain OpenSSL's error queue into @errmsg (and clear it). */
static void tls_errmsg(char *errmsg, const char *what)
{
	char text[160] = "unknown error";
	unsigned long e;
	bool first = true;
	while ((e = ERR_get_error()) != 0) {
		if (first) {
			ERR_error_string_n(e, text, sizeof text);
			first = false;
		}
	}
	tr_errmsg_printf(errmsg, "%s: %s", what, text);
}

int pgwire__tls_start(struct pgwire_tls *t, SSL_CTX *ctx, char *errmsg)
{
	memset(t, 0, sizeof *t);
	ERR_clear_error();
	t->ssl = SSL_new(ctx);
	if (t->ssl == NULL) {
		tls_errmsg(errmsg, "SSL_new");
		return TR_ETLS;
	}
	if (SSL_set_min_proto_version(t->ssl, TLS1_2_VERSION) != 1) {
		tls_errmsg(errmsg, "SSL_set_min_proto_version");
		goto err_after_ssl_new;
	}
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (t->rbio == NULL || t->wbio == NULL) {
		BIO_free(t->rbio);
		BIO_free(t->wbio);
		tls_errmsg(errmsg, "BIO_new");
		goto err_after_ssl_new;
	}
	/* An empty read BIO means "want read", not EOF. */
	BIO_set_mem_eof_return(t->rbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio); /* ssl owns both now */
	SSL_set_accept_state(t->ssl);
	return TR_OK;

err_after_ssl_new:
	SSL_free(t->ssl);
	t->ssl = NULL;
	return TR_ETLS;
}

void pgwire__tls_close(struct pgwire_tls *t)
{
	if (t->ssl != NULL) {
		SSL_free(t->ssl);
	}
	memset(t, 0, sizeof *t);
}

int pgwire__tls_feed(struct pgwire_tls *t, const void *p, size_t n,
		     struct tr_buf *in, char *errmsg)
{
	ERR_clear_error();
	if (n > 0 && BIO_write(t->rbio, p, (int)n) != (int)n) {
		tls_errmsg(errmsg, "BIO_write");
		return TR_ETLS;
	}
	if (!t->handshaken) {
		int r = SSL_do_handshake(t->ssl);
		if (r != 1) {
			int e = SSL_get_error(t->ssl, r);
			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE) {
				return TR_OK;
			}
			tls_errmsg(errmsg, "TLS handshake");
			return TR_ETLS;
		}
		t->handshaken = true;
	}
	for (;;) {
		uint8_t *dst;
		size_t got = 0;
		if (!tr_buf_reserve(in, 16384)) {
			return tr_buf_err(in);
		}
		dst = in->data + in->len;
		int r = SSL_read_ex(t->ssl, dst, 16384, &got);
		if (r == 1) {
			in->len += got;
			continue;
		}
		int e = SSL_get_error(t->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			return TR_OK;
		}
		if (e == SSL_ERROR_ZERO_RETURN) {
			return TR_ECLOSED;
		}
		tls_errmsg(errmsg, "TLS read");
		return TR_ETLS;
	}
}

int pgwire__tls_encrypt(struct pgwire_tls *t, const void *p, size_t n,
			char *errmsg)
{
	size_t done = 0;
	ERR_clear_error();
	/* The write BIO grows as needed, so SSL_write never wants I/O here. */
	while (done < n) {
		size_t w = 0;
		if (SSL_write_ex(t->ssl, (const uint8_t *)p + done, n - done,
				 &w) != 1) {
			tls_errmsg(errmsg, "TLS write");
			return TR_ETLS;
		}
		done += w;
	}
	return TR_OK;
}

size_t pgwire__tls_pending(const struct pgwire_tls *t)
{
	return t->wbio != NULL ? BIO_ctrl_pending(t->wbio) : 0;
}

size_t pgwire__tls_drain(struct pgwire_tls *t, uint8_t *out, size_t n)
{
	int r = BIO_read(t->wbio, out, (int)(n > INT32_MAX ? INT32_MAX : n));
	return r > 0 ? (size_t)r : 0;
}
