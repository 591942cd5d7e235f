/*
 * certs/certs_int.h: declarations shared by the files of certs/ and its
 * unit tests; nobody else includes this.
 */
#ifndef CERTS_CERTS_INT_H
#define CERTS_CERTS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certs/certs.h"

/* Longest path we build for a file in a certs directory, NUL included. */
#define CERTS_PATH_MAX 4096

/*
 * Write "@dir/@name" into @out (@cap bytes).  TR_EINVAL, with @errmsg set,
 * when it does not fit.
 */
TR_MUSTCHECK int certs__path(char *out, size_t cap, const char *dir,
			     const char *name, char *errmsg);

/* The two kinds of leaf certificate the cluster CA issues. */
enum certs__leaf_kind {
	CERTS__LEAF_NODE,   /* OU=node, serverAuth + clientAuth */
	CERTS__LEAF_SERVER, /* OU=postgres, serverAuth only */
};

/* Letters, digits, '.', '-', ':' only, 1 to 253 bytes (ca.c). */
bool certs__is_valid_host(const char *host);

/*
 * Create @dir 0700 if missing; tighten it to 0700 if looser.  TR_EIO,
 * TR_EINVAL (not a directory).
 */
TR_MUSTCHECK int certs__ensure_dir(const char *dir, char *errmsg);

/* Write @len bytes to @path: temp file with @mode, fsync, rename. */
TR_MUSTCHECK int certs__write_file_atomic(const char *path, const void *data,
					  size_t len, mode_t mode,
					  char *errmsg);

/* PEM-encode @key (0600) or, when @key is NULL, @cert (0644) atomically. */
TR_MUSTCHECK int certs__write_pem(const char *path, EVP_PKEY *key, X509 *cert,
				  char *errmsg);

/* Read the first PEM certificate / private key from @path. */
TR_MUSTCHECK int certs__read_cert(const char *path, X509 **out, char *errmsg);
TR_MUSTCHECK int certs__read_key(const char *path, EVP_PKEY **out,
				 char *errmsg);

/* A fresh EC P-256 key. */
TR_MUSTCHECK int certs__new_key(EVP_PKEY **out, char *errmsg);

/*
 * A leaf certificate of @kind for the public key @key, CN=@cn, SANs for
 * @host (may be NULL) and the loopback names, signed by @ca / @ca_key, with
 * a random 63-bit serial and a notAfter no later than the CA's.
 */
TR_MUSTCHECK int certs__new_leaf(enum certs__leaf_kind kind, EVP_PKEY *key,
				 const char *cn, const char *host, X509 *ca,
				 EVP_PKEY *ca_key, X509 **out, char *errmsg);

/* fsync the directory @dir so renames inside it are durable. */
TR_MUSTCHECK int certs__fsync_dir(const char *dir, char *errmsg);

/* SHA-256 of @cert's DER form as 64 lower-case hex digits. */
TR_MUSTCHECK int certs__fingerprint(X509 *cert, char out[CERTS_FINGERPRINT_LEN],
				    char *errmsg);

/* True when @cert's subject has exactly one OU and it equals @ou. */
bool certs__has_ou(X509 *cert, const char *ou);

#endif /* CERTS_CERTS_INT_H */
