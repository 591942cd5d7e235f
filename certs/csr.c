/*
 * certs/csr.c: certificates for a joining node, by certificate signing
 * request (DESIGN.md section 6: private keys never travel).
 *
 *   joiner:  certs_node_request / certs_server_request
 *              new key written to the certs dir, CSR PEM returned
 *   member:  certs_sign_node_csr / certs_sign_server_csr
 *              checks the CSR's self-signature and key type, takes nothing
 *              else from it, issues a leaf as certs_bootstrap() would
 *   joiner:  certs_install_node / certs_install_server
 *              checks pin, chain, key match and kind before writing
 *
 * plus the CA key hand-over (certs_export_ca_key, certs_install_ca_key);
 * certs.h explains why every member holds ca.key.
 *
 * Every PEM input comes from the network and is bounded by CERTS_PEM_MAX
 * before OpenSSL sees it.  Failures that are the peer's (a bad CSR, a
 * certificate that does not match) are TR_EINVAL; OpenSSL's error queue is
 * always left empty.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "certs/certs_int.h"

static const char *kind_base(enum certs__leaf_kind kind)
{
	return kind == CERTS__LEAF_NODE ? "node" : "server";
}

static const char *kind_ou(enum certs__leaf_kind kind)
{
	return kind == CERTS__LEAF_NODE ? "node" : "postgres";
}

/* "@dir/@base@suffix" into @out. */
static int kind_path(char *out, size_t cap, const char *dir,
		     enum certs__leaf_kind kind, const char *suffix,
		     char *errmsg)
{
	char name[32];
	snprintf(name, sizeof name, "%s%s", kind_base(kind), suffix);
	return certs__path(out, cap, dir, name, errmsg);
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Fail with TR_EINVAL for the peer's mistake; the queue is emptied. */
static int invalid(char *errmsg, const char *what)
{
	ERR_clear_error();
	tr_errmsg_printf(errmsg, "%s", what);
	return TR_EINVAL;
}

/* A memory BIO over @pem after checking its length. */
static int pem_bio(const char *pem, const char *what, BIO **out, char *errmsg)
{
	size_t len;

	if (pem == NULL) {
		tr_errmsg_printf(errmsg, "%s: missing", what);
		return TR_EINVAL;
	}
	len = strnlen(pem, CERTS_PEM_MAX + 1);
	if (len > CERTS_PEM_MAX) {
		tr_errmsg_printf(errmsg, "%s: longer than %d bytes", what,
				 CERTS_PEM_MAX);
		return TR_ETOOBIG;
	}
	*out = BIO_new_mem_buf(pem, (int)len);
	if (*out == NULL) {
		return certs_ssl_error(errmsg, "BIO_new_mem_buf");
	}
	return TR_OK;
}

static int parse_cert(const char *pem, const char *what, X509 **out,
		      char *errmsg)
{
	BIO *bio;
	int rv = pem_bio(pem, what, &bio, errmsg);

	if (rv != TR_OK) {
		return rv;
	}
	*out = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (*out == NULL) {
		ERR_clear_error();
		tr_errmsg_printf(errmsg, "%s: not a PEM certificate", what);
		return TR_EINVAL;
	}
	return TR_OK;
}

/* The memory BIO's contents as a NUL-terminated tr_malloc'd string. */
static int bio_string(BIO *bio, char **out, char *errmsg)
{
	char *data;
	long len = BIO_get_mem_data(bio, &data);

	if (len <= 0) {
		return certs_ssl_error(errmsg, "PEM encode");
	}
	*out = tr_strndup(data, (size_t)len);
	if (*out == NULL) {
		tr_errmsg_printf(errmsg, "out of memory");
		return TR_ENOMEM;
	}
	return TR_OK;
}

static int cert_to_pem(X509 *cert, char **out, char *errmsg)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int rv;

	if (bio == NULL || PEM_write_bio_X509(bio, cert) != 1) {
		BIO_free(bio);
		return certs_ssl_error(errmsg, "PEM encode certificate");
	}
	rv = bio_string(bio, out, errmsg);
	BIO_free(bio);
	return rv;
}

/*
 * New key at @dir/<base>.key and a CSR for it with subject O=triode,
 * CN=@cn.  The key is on disk (fsynced) before the CSR is returned, so a
 * certificate issued for the CSR always finds its key.
 */
static int request(const char *dir, enum certs__leaf_kind kind, const char *cn,
		   char **csr_pem, char *errmsg)
{
	char crt_path[CERTS_PATH_MAX];
	char key_path[CERTS_PATH_MAX];
	EVP_PKEY *key = NULL;
	X509_REQ *req = NULL;
	X509_NAME *name;
	BIO *bio = NULL;
	int rv;

	*csr_pem = NULL;
	if (dir == NULL || strlen(dir) + 16 >= CERTS_PATH_MAX) {
		tr_errmsg_printf(errmsg, "certs: directory path too long");
		return TR_EINVAL;
	}
	rv = kind_path(crt_path, sizeof crt_path, dir, kind, ".crt", errmsg);
	if (rv == TR_OK) {
		rv = kind_path(key_path, sizeof key_path, dir, kind, ".key",
			       errmsg);
	}
	if (rv != TR_OK) {
		return rv;
	}
	rv = certs__ensure_dir(dir, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	if (file_exists(crt_path)) {
		tr_errmsg_printf(errmsg,
				 "%s exists: this node already has a "
				 "certificate",
				 crt_path);
		return TR_EINVAL;
	}
	rv = certs__new_key(&key, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	req = X509_REQ_new();
	if (req == NULL || X509_REQ_set_version(req, 0) != 1) {
		rv = certs_ssl_error(errmsg, "X509_REQ_new");
		goto out;
	}
	name = X509_REQ_get_subject_name(req);
	if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
				       (const unsigned char *)"triode", -1, -1,
				       0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1,
				       0) != 1 ||
	    X509_REQ_set_pubkey(req, key) != 1 ||
	    X509_REQ_sign(req, key, EVP_sha256()) == 0) {
		rv = certs_ssl_error(errmsg, "create CSR");
		goto out;
	}
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_X509_REQ(bio, req) != 1) {
		rv = certs_ssl_error(errmsg, "PEM encode CSR");
		goto out;
	}
	rv = certs__write_pem(key_path, key, NULL, errmsg);
	if (rv == TR_OK) {
		rv = certs__fsync_dir(dir, errmsg);
	}
	if (rv == TR_OK) {
		rv = bio_string(bio, csr_pem, errmsg);
	}
out:
	BIO_free(bio);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	return rv;
}

int certs_node_request(const char *dir, const char *name, char **csr_pem,
		       char *errmsg)
{
	*csr_pem = NULL;
	if (name == NULL || !certs_name_is_valid(name)) {
		tr_errmsg_printf(errmsg,
				 "certs: invalid node name (1 to 64 of "
				 "[A-Za-z0-9._-], starting with a letter or "
				 "digit)");
		return TR_EINVAL;
	}
	return request(dir, CERTS__LEAF_NODE, name, csr_pem, errmsg);
}

int certs_server_request(const char *dir, const char *host, char **csr_pem,
			 char *errmsg)
{
	*csr_pem = NULL;
	if (host != NULL && !certs__is_valid_host(host)) {
		tr_errmsg_printf(errmsg, "certs: invalid host");
		return TR_EINVAL;
	}
	return request(dir, CERTS__LEAF_SERVER,
		       host != NULL ? host : "localhost", csr_pem, errmsg);
}

/*
 * Parse @csr_pem, check its self-signature and that its key is EC P-256;
 * *@out is the CSR's public key (caller frees).
 */
static int csr_public_key(const char *csr_pem, EVP_PKEY **out, char *errmsg)
{
	X509_REQ *req;
	EVP_PKEY *pub;
	BIO *bio;
	char group[32];
	int rv = pem_bio(csr_pem, "CSR", &bio, errmsg);

	if (rv != TR_OK) {
		return rv;
	}
	req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (req == NULL) {
		return invalid(errmsg, "CSR: not a PEM certificate request");
	}
	pub = X509_REQ_get0_pubkey(req);
	if (pub == NULL) {
		X509_REQ_free(req);
		return invalid(errmsg, "CSR: no usable public key");
	}
	/* Proof of possession: the requester holds the private key. */
	if (X509_REQ_verify(req, pub) != 1) {
		X509_REQ_free(req);
		return invalid(errmsg, "CSR: signature does not verify");
	}
	if (!EVP_PKEY_is_a(pub, "EC") ||
	    EVP_PKEY_get_group_name(pub, group, sizeof group, NULL) != 1 ||
	    strcmp(group, "prime256v1") != 0) {
		X509_REQ_free(req);
		return invalid(errmsg, "CSR: key is not EC P-256");
	}
	if (EVP_PKEY_up_ref(pub) != 1) {
		X509_REQ_free(req);
		return certs_ssl_error(errmsg, "EVP_PKEY_up_ref");
	}
	X509_REQ_free(req);
	*out = pub;
	return TR_OK;
}

/* ca.crt and ca.key of @ca_dir, checked to match. */
static int load_ca(const char *ca_dir, X509 **ca, EVP_PKEY **ca_key,
		   char *errmsg)
{
	char path[CERTS_PATH_MAX];
	int rv;

	*ca = NULL;
	*ca_key = NULL;
	rv = certs__path(path, sizeof path, ca_dir, "ca.crt", errmsg);
	if (rv == TR_OK) {
		rv = certs__read_cert(path, ca, errmsg);
	}
	if (rv == TR_OK) {
		rv = certs__path(path, sizeof path, ca_dir, "ca.key", errmsg);
	}
	if (rv == TR_OK) {
		rv = certs__read_key(path, ca_key, errmsg);
	}
	if (rv == TR_OK && X509_check_private_key(*ca, *ca_key) != 1) {
		rv = certs_ssl_error(errmsg, "ca.key does not match ca.crt");
	}
	if (rv != TR_OK) {
		X509_free(*ca);
		EVP_PKEY_free(*ca_key);
		*ca = NULL;
		*ca_key = NULL;
	}
	return rv;
}

static int sign(const char *ca_dir, enum certs__leaf_kind kind,
		const char *csr_pem, const char *cn, const char *host,
		char **cert_pem, uint64_t *serial, char *errmsg)
{
	EVP_PKEY *pub = NULL;
	EVP_PKEY *ca_key = NULL;
	X509 *ca = NULL;
	X509 *cert = NULL;
	uint64_t value;
	int rv;

	*cert_pem = NULL;
	if (ca_dir == NULL || strlen(ca_dir) + 16 >= CERTS_PATH_MAX) {
		tr_errmsg_printf(errmsg, "certs: directory path too long");
		return TR_EINVAL;
	}
	if (host != NULL && !certs__is_valid_host(host)) {
		tr_errmsg_printf(errmsg, "certs: invalid host");
		return TR_EINVAL;
	}
	rv = csr_public_key(csr_pem, &pub, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	rv = load_ca(ca_dir, &ca, &ca_key, errmsg);
	if (rv != TR_OK) {
		goto out;
	}
	rv = certs__new_leaf(kind, pub, cn, host, ca, ca_key, &cert, errmsg);
	if (rv != TR_OK) {
		goto out;
	}
	if (ASN1_INTEGER_get_uint64(&value, X509_get0_serialNumber(cert)) !=
	    1) {
		rv = certs_ssl_error(errmsg, "read serial");
		goto out;
	}
	rv = cert_to_pem(cert, cert_pem, errmsg);
	if (rv == TR_OK) {
		*serial = value;
	}
out:
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(pub);
	return rv;
}

int certs_sign_node_csr(const char *ca_dir, const char *csr_pem,
			const char *name, const char *host, char **cert_pem,
			uint64_t *serial, char *errmsg)
{
	*cert_pem = NULL;
	if (name == NULL || !certs_name_is_valid(name)) {
		tr_errmsg_printf(errmsg, "certs: invalid node name");
		return TR_EINVAL;
	}
	return sign(ca_dir, CERTS__LEAF_NODE, csr_pem, name, host, cert_pem,
		    serial, errmsg);
}

int certs_sign_server_csr(const char *ca_dir, const char *csr_pem,
			  const char *host, char **cert_pem, uint64_t *serial,
			  char *errmsg)
{
	return sign(ca_dir, CERTS__LEAF_SERVER, csr_pem,
		    host != NULL ? host : "localhost", host, cert_pem, serial,
		    errmsg);
}

/* True when @cert chains to @ca alone for TLS use @purpose. */
static bool chains_to(X509 *cert, X509 *ca, int purpose)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	bool ok = false;

	if (store != NULL && ctx != NULL &&
	    X509_STORE_add_cert(store, ca) == 1 &&
	    X509_STORE_CTX_init(ctx, store, cert, NULL) == 1 &&
	    X509_STORE_CTX_set_purpose(ctx, purpose) == 1) {
		ok = X509_verify_cert(ctx) == 1;
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return ok;
}

/*
 * Every check of certs_install_node/_server, before anything is written:
 * the CA is a self-signed CA with the pinned fingerprint, the leaf is of
 * @kind, matches the local key and chains to the CA for its purposes, and
 * any ca.crt already in @dir is this CA.
 */
static int check_install(const char *dir, enum certs__leaf_kind kind, X509 *ca,
			 X509 *cert, const char *ca_fingerprint, bool *have_ca,
			 char *errmsg)
{
	char path[CERTS_PATH_MAX];
	char fp[CERTS_FINGERPRINT_LEN];
	EVP_PKEY *key = NULL;
	X509 *existing = NULL;
	bool ok;
	int rv;

	if (X509_check_ca(ca) == 0 || X509_self_signed(ca, 1) != 1) {
		return invalid(errmsg, "install: the CA certificate is not a "
				       "self-signed CA");
	}
	if (ca_fingerprint != NULL) {
		rv = certs__fingerprint(ca, fp, errmsg);
		if (rv != TR_OK) {
			return rv;
		}
		if (strcmp(fp, ca_fingerprint) != 0) {
			return invalid(errmsg, "install: the CA does not have "
					       "the pinned fingerprint");
		}
	}
	if (!certs__has_ou(cert, kind_ou(kind))) {
		return invalid(errmsg, kind == CERTS__LEAF_NODE
					       ? "install: not a node "
						 "certificate"
					       : "install: not a PostgreSQL "
						 "server certificate");
	}
	ok = chains_to(cert, ca, X509_PURPOSE_SSL_SERVER) &&
	     (kind != CERTS__LEAF_NODE ||
	      chains_to(cert, ca, X509_PURPOSE_SSL_CLIENT));
	if (!ok) {
		return invalid(errmsg, "install: the certificate does not "
				       "verify against the CA");
	}
	rv = kind_path(path, sizeof path, dir, kind, ".key", errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	rv = certs__read_key(path, &key, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	ok = X509_check_private_key(cert, key) == 1;
	EVP_PKEY_free(key);
	if (!ok) {
		return invalid(errmsg, "install: the certificate is not for "
				       "this node's key");
	}
	rv = certs__path(path, sizeof path, dir, "ca.crt", errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	*have_ca = file_exists(path);
	if (*have_ca) {
		rv = certs__read_cert(path, &existing, errmsg);
		if (rv != TR_OK) {
			return rv;
		}
		ok = X509_cmp(existing, ca) == 0;
		X509_free(existing);
		if (!ok) {
			return invalid(errmsg, "install: ca.crt already holds "
					       "another CA");
		}
	}
	return TR_OK;
}

static int install(const char *dir, enum certs__leaf_kind kind,
		   const char *ca_pem, const char *cert_pem,
		   const char *ca_fingerprint, char *errmsg)
{
	char path[CERTS_PATH_MAX];
	X509 *ca = NULL;
	X509 *cert = NULL;
	bool have_ca = false;
	int rv;

	if (dir == NULL || strlen(dir) + 16 >= CERTS_PATH_MAX) {
		tr_errmsg_printf(errmsg, "certs: directory path too long");
		return TR_EINVAL;
	}
	rv = parse_cert(ca_pem, "CA certificate", &ca, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	rv = parse_cert(cert_pem, "certificate", &cert, errmsg);
	if (rv == TR_OK) {
		rv = check_install(dir, kind, ca, cert, ca_fingerprint,
				   &have_ca, errmsg);
	}
	if (rv == TR_OK && !have_ca) {
		rv = certs__path(path, sizeof path, dir, "ca.crt", errmsg);
		if (rv == TR_OK) {
			rv = certs__write_pem(path, NULL, ca, errmsg);
		}
	}
	if (rv == TR_OK) {
		rv = kind_path(path, sizeof path, dir, kind, ".crt", errmsg);
	}
	if (rv == TR_OK) {
		rv = certs__write_pem(path, NULL, cert, errmsg);
	}
	if (rv == TR_OK) {
		rv = certs__fsync_dir(dir, errmsg);
	}
	X509_free(cert);
	X509_free(ca);
	return rv;
}

int certs_install_node(const char *dir, const char *ca_pem,
		       const char *cert_pem, const char *ca_fingerprint,
		       char *errmsg)
{
	return install(dir, CERTS__LEAF_NODE, ca_pem, cert_pem, ca_fingerprint,
		       errmsg);
}

int certs_install_server(const char *dir, const char *ca_pem,
			 const char *cert_pem, const char *ca_fingerprint,
			 char *errmsg)
{
	return install(dir, CERTS__LEAF_SERVER, ca_pem, cert_pem,
		       ca_fingerprint, errmsg);
}

int certs_export_ca_key(const char *dir, char **key_pem, char *errmsg)
{
	char path[CERTS_PATH_MAX];
	EVP_PKEY *key = NULL;
	BIO *bio;
	int rv;

	*key_pem = NULL;
	rv = certs__path(path, sizeof path, dir, "ca.key", errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	if (!file_exists(path)) {
		tr_errmsg_printf(errmsg, "%s: this node holds no CA key", path);
		return TR_ENOTFOUND;
	}
	rv = certs__read_key(path, &key, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0,
						    NULL, NULL) != 1) {
		rv = certs_ssl_error(errmsg, "PEM encode CA key");
	} else {
		rv = bio_string(bio, key_pem, errmsg);
	}
	/* Wipe the encoded copy before the BIO's memory is released. */
	if (bio != NULL) {
		char *data;
		long len = BIO_get_mem_data(bio, &data);
		if (len > 0) {
			OPENSSL_cleanse(data, (size_t)len);
		}
	}
	BIO_free(bio);
	EVP_PKEY_free(key);
	return rv;
}

int certs_install_ca_key(const char *dir, const char *key_pem, char *errmsg)
{
	char path[CERTS_PATH_MAX];
	EVP_PKEY *key = NULL;
	X509 *ca = NULL;
	BIO *bio;
	bool ok;
	int rv;

	rv = pem_bio(key_pem, "CA key", &bio, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (key == NULL) {
		return invalid(errmsg, "CA key: not a PEM private key");
	}
	rv = certs__path(path, sizeof path, dir, "ca.crt", errmsg);
	if (rv == TR_OK) {
		rv = certs__read_cert(path, &ca, errmsg);
	}
	if (rv != TR_OK) {
		goto out;
	}
	ok = X509_check_private_key(ca, key) == 1;
	if (!ok) {
		rv = invalid(errmsg, "CA key: does not match ca.crt");
		goto out;
	}
	rv = certs__path(path, sizeof path, dir, "ca.key", errmsg);
	if (rv == TR_OK) {
		rv = certs__write_pem(path, key, NULL, errmsg);
	}
	if (rv == TR_OK) {
		rv = certs__fsync_dir(dir, errmsg);
	}
out:
	X509_free(ca);
	EVP_PKEY_free(key);
	return rv;
}
