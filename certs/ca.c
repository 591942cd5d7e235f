/*
 * certs/ca.c: the cluster CA and the certificates it issues (OpenSSL 3).
 *
 * certs_bootstrap() fills a node's certs directory: a self-signed cluster
 * CA, a node certificate for the cluster port and a server certificate for
 * the PostgreSQL listener, each with its own EC P-256 key.  Every file is
 * written to "<name>.tmp" (O_EXCL, final mode), fsynced and renamed into
 * place, key before certificate, and the directory is fsynced at the end.
 * A crash therefore leaves at worst a key without its certificate, which the
 * next call replaces together with a new certificate.
 *
 * certs_fingerprint_file() hashes the DER form of a PEM certificate, the
 * value a join token pins (DESIGN.md section 6).
 *
 * The file and certificate helpers (certs__*) are shared with csr.c, which
 * issues certificates for joiners with the same profile as bootstrap.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs/certs_int.h"

#define CA_DAYS          3650L
#define LEAF_DAYS        3640L /* a little inside the CA's lifetime */
/* Back-date notBefore so a peer whose clock is a little behind accepts. */
#define BACKDATE_SECONDS 3600L
#define MAX_HOST_LEN     253 /* longest DNS name */
#define MAX_NAME_LEN     64  /* ub_common_name */

int certs_ssl_error(char *errmsg, const char *what)
{
	char line[160];
	unsigned long e;
	size_t used;

	tr_errmsg_printf(errmsg, "%s", what);
	used = strlen(errmsg);
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, line, sizeof line);
		if (used + 2 + strlen(line) < TR_ERRMSG_SIZE) {
			snprintf(errmsg + used, TR_ERRMSG_SIZE - used, ": %s",
				 line);
			used = strlen(errmsg);
		}
	}
	ERR_clear_error();
	return TR_ETLS;
}

int certs__path(char *out, size_t cap, const char *dir, const char *name,
		char *errmsg)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= cap) {
		tr_errmsg_printf(errmsg, "certs: path too long for %s", name);
		return TR_EINVAL;
	}
	return TR_OK;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/*
 * A host name or address safe to place in a SAN configuration string:
 * letters, digits, '.', '-' and ':' (IPv6) only, so it cannot inject more
 * entries with ','.
 */
bool certs__is_valid_host(const char *host)
{
	size_t len = strlen(host);
	if (len == 0 || len > MAX_HOST_LEN) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		char c = host[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-' ||
			  c == ':';
		if (!ok) {
			return false;
		}
	}
	return true;
}

static bool is_ip_address(const char *host)
{
	unsigned char addr[16];
	return inet_pton(AF_INET, host, addr) == 1 ||
	       inet_pton(AF_INET6, host, addr) == 1;
}

/* Write @len bytes to @path atomically with @mode (see the file header). */
int certs__write_file_atomic(const char *path, const void *data, size_t len,
			     mode_t mode, char *errmsg)
{
	char tmp[CERTS_PATH_MAX];
	const unsigned char *p = data;
	int fd;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		tr_errmsg_printf(errmsg, "%s: path too long", path);
		return TR_EINVAL;
	}
	/* A leftover from a crash; O_EXCL below must not trip over it. */
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		tr_errmsg_printf(errmsg, "open %s: %s", tmp, strerror(errno));
		return TR_EIO;
	}
	/* The umask must not widen or narrow the intended mode. */
	if (fchmod(fd, mode) != 0) {
		tr_errmsg_printf(errmsg, "chmod %s: %s", tmp, strerror(errno));
		goto err_after_open;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			tr_errmsg_printf(errmsg, "write %s: %s", tmp,
					 strerror(errno));
			goto err_after_open;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0) {
		tr_errmsg_printf(errmsg, "fsync %s: %s", tmp, strerror(errno));
		goto err_after_open;
	}
	if (close(fd) != 0) {
		tr_errmsg_printf(errmsg, "close %s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
		return TR_EIO;
	}
	if (rename(tmp, path) != 0) {
		tr_errmsg_printf(errmsg, "rename %s: %s", tmp, strerror(errno));
		(void)unlink(tmp);
		return TR_EIO;
	}
	return TR_OK;

err_after_open:
	close(fd);
	(void)unlink(tmp);
	return TR_EIO;
}

/* PEM-encode through a memory BIO, then write atomically. */
int certs__write_pem(const char *path, EVP_PKEY *key, X509 *cert, char *errmsg)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int rv;

	if (bio == NULL) {
		return certs_ssl_error(errmsg, "BIO_new");
	}
	if (key != NULL) {
		rv = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
					      NULL);
	} else {
		rv = PEM_write_bio_X509(bio, cert);
	}
	if (rv != 1) {
		BIO_free(bio);
		return certs_ssl_error(errmsg, "PEM encode");
	}
	len = BIO_get_mem_data(bio, &data);
	rv = certs__write_file_atomic(path, data, (size_t)len,
				      key != NULL ? 0600 : 0644, errmsg);
	BIO_free(bio);
	return rv;
}

int certs__read_cert(const char *path, X509 **out, char *errmsg)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		tr_errmsg_printf(errmsg, "open %s: %s", path, strerror(errno));
		return TR_EIO;
	}
	*out = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (*out == NULL) {
		certs_ssl_error(errmsg, "read certificate");
		tr_errmsg_wrapf(errmsg, "%s", path);
		return TR_ETLS;
	}
	return TR_OK;
}

int certs__read_key(const char *path, EVP_PKEY **out, char *errmsg)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		tr_errmsg_printf(errmsg, "open %s: %s", path, strerror(errno));
		return TR_EIO;
	}
	*out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (*out == NULL) {
		certs_ssl_error(errmsg, "read private key");
		tr_errmsg_wrapf(errmsg, "%s", path);
		return TR_ETLS;
	}
	return TR_OK;
}

int certs__new_key(EVP_PKEY **out, char *errmsg)
{
	*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (*out == NULL) {
		return certs_ssl_error(errmsg, "EC P-256 key generation");
	}
	return TR_OK;
}

static bool add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	bool ok;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL) {
		return false;
	}
	ok = X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/*
 * A random serial of 63 bits, never zero: positive as DER requires, and
 * small enough to be stored as a SQLite INTEGER (the members table keys
 * revocation on it, see certs_peer_identity()).  63 bits make a collision
 * among a cluster's few certificates vanishingly unlikely.
 */
static bool set_random_serial(X509 *cert)
{
	unsigned char b[8];
	uint64_t v;

	do {
		if (RAND_bytes(b, sizeof b) != 1) {
			return false;
		}
		v = 0;
		for (size_t i = 0; i < sizeof b; i++) {
			v = (v << 8) | b[i];
		}
		v &= INT64_MAX;
	} while (v == 0);
	return ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), v) == 1;
}

/*
 * A certificate for @key with subject O=triode, OU=@ou, CN=@cn, valid for
 * @days, signed by @issuer_key (self-signed when @issuer is NULL).  The
 * extensions are added by the caller before signing, so this only builds
 * the skeleton.
 */
static X509 *new_cert_skeleton(EVP_PKEY *key, const char *ou, const char *cn,
			       long days, X509 *issuer)
{
	X509 *cert = X509_new();
	X509_NAME *name;

	if (cert == NULL) {
		return NULL;
	}
	name = X509_get_subject_name(cert);
	if (X509_set_version(cert, X509_VERSION_3) != 1 ||
	    !set_random_serial(cert) ||
	    X509_gmtime_adj(X509_getm_notBefore(cert), -BACKDATE_SECONDS) ==
		    NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, 0, NULL) ==
		    NULL ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
				       (const unsigned char *)"triode", -1, -1,
				       0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_UTF8,
				       (const unsigned char *)ou, -1, -1,
				       0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1,
				       0) != 1 ||
	    X509_set_issuer_name(cert, issuer != NULL
					       ? X509_get_subject_name(issuer)
					       : name) != 1 ||
	    X509_set_pubkey(cert, key) != 1) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

static int new_ca(EVP_PKEY *key, X509 **out, char *errmsg)
{
	X509 *cert = new_cert_skeleton(key, "ca", "triode cluster CA", CA_DAYS,
				       NULL);
	if (cert == NULL ||
	    !add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE") ||
	    !add_ext(cert, cert, NID_key_usage,
		     "critical,keyCertSign,cRLSign") ||
	    !add_ext(cert, cert, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, cert, NID_authority_key_identifier,
		     "keyid:always") ||
	    X509_sign(cert, key, EVP_sha256()) == 0) {
		X509_free(cert);
		return certs_ssl_error(errmsg, "create CA certificate");
	}
	*out = cert;
	return TR_OK;
}

int certs__new_leaf(enum certs__leaf_kind kind, EVP_PKEY *key, const char *cn,
		    const char *host, X509 *ca, EVP_PKEY *ca_key, X509 **out,
		    char *errmsg)
{
	char san[2 * MAX_HOST_LEN + 64];
	const char *ou = kind == CERTS__LEAF_NODE ? "node" : "postgres";
	const char *eku = kind == CERTS__LEAF_NODE ? "serverAuth,clientAuth"
						   : "serverAuth";
	X509 *cert;

	/* The always-present loopback names, then @host unless a duplicate. */
	snprintf(san, sizeof san, "DNS:localhost,IP:127.0.0.1,IP:::1");
	if (host != NULL && strcmp(host, "localhost") != 0 &&
	    strcmp(host, "127.0.0.1") != 0 && strcmp(host, "::1") != 0) {
		size_t used = strlen(san);
		snprintf(san + used, sizeof san - used, ",%s:%s",
			 is_ip_address(host) ? "IP" : "DNS", host);
	}

	cert = new_cert_skeleton(key, ou, cn, LEAF_DAYS, ca);
	/* A leaf issued late in the CA's life must not outlive it. */
	if (cert != NULL &&
	    ASN1_TIME_compare(X509_get0_notAfter(cert),
			      X509_get0_notAfter(ca)) > 0 &&
	    X509_set1_notAfter(cert, X509_get0_notAfter(ca)) != 1) {
		X509_free(cert);
		cert = NULL;
	}
	if (cert == NULL ||
	    !add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(cert, ca, NID_key_usage, "critical,digitalSignature") ||
	    !add_ext(cert, ca, NID_ext_key_usage, eku) ||
	    !add_ext(cert, ca, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, ca, NID_authority_key_identifier, "keyid:always") ||
	    !add_ext(cert, ca, NID_subject_alt_name, san) ||
	    X509_sign(cert, ca_key, EVP_sha256()) == 0) {
		X509_free(cert);
		return certs_ssl_error(errmsg,
				       kind == CERTS__LEAF_NODE
					       ? "create node certificate"
					       : "create server certificate");
	}
	*out = cert;
	return TR_OK;
}

/*
 * Make sure @dir/<base>.crt and <base>.key exist, issuing them from the CA
 * when the certificate is missing.  A certificate without its key is an
 * error (we cannot recreate the key and must not silently replace an
 * identity); a key without its certificate is the remains of an interrupted
 * bootstrap and is replaced.
 */
static int ensure_leaf(const char *dir, const char *base,
		       enum certs__leaf_kind kind, const char *cn,
		       const char *host, X509 *ca, EVP_PKEY *ca_key,
		       char *errmsg)
{
	char crt_path[CERTS_PATH_MAX];
	char key_path[CERTS_PATH_MAX];
	char name[32];
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int rv;

	snprintf(name, sizeof name, "%s.crt", base);
	rv = certs__path(crt_path, sizeof crt_path, dir, name, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	snprintf(name, sizeof name, "%s.key", base);
	rv = certs__path(key_path, sizeof key_path, dir, name, errmsg);
	if (rv != TR_OK) {
		return rv;
	}

	if (file_exists(crt_path)) {
		if (!file_exists(key_path)) {
			tr_errmsg_printf(errmsg,
					 "%s exists but %s is missing; remove "
					 "the certificate to reissue it",
					 crt_path, key_path);
			return TR_EINVAL;
		}
		return TR_OK;
	}
	if (ca_key == NULL) {
		tr_errmsg_printf(errmsg,
				 "%s is missing and this node has no ca.key "
				 "to issue it",
				 crt_path);
		return TR_EINVAL;
	}
	rv = certs__new_key(&key, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	rv = certs__new_leaf(kind, key, cn, host, ca, ca_key, &cert, errmsg);
	if (rv != TR_OK) {
		goto out;
	}
	rv = certs__write_pem(key_path, key, NULL, errmsg);
	if (rv != TR_OK) {
		goto out;
	}
	rv = certs__write_pem(crt_path, NULL, cert, errmsg);
out:
	X509_free(cert);
	EVP_PKEY_free(key);
	return rv;
}

/*
 * Load the CA, creating it when neither ca.crt nor ca.key exists.  On
 * return *@ca is set; *@ca_key is NULL on a node that holds only ca.crt.
 */
static int ensure_ca(const char *dir, X509 **ca, EVP_PKEY **ca_key,
		     char *errmsg)
{
	char crt_path[CERTS_PATH_MAX];
	char key_path[CERTS_PATH_MAX];
	bool have_crt;
	int rv;

	*ca = NULL;
	*ca_key = NULL;
	rv = certs__path(crt_path, sizeof crt_path, dir, "ca.crt", errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	rv = certs__path(key_path, sizeof key_path, dir, "ca.key", errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	have_crt = file_exists(crt_path);

	if (!have_crt) {
		/* Also covers a ca.key left by an interrupted bootstrap. */
		rv = certs__new_key(ca_key, errmsg);
		if (rv != TR_OK) {
			return rv;
		}
		rv = new_ca(*ca_key, ca, errmsg);
		if (rv == TR_OK) {
			rv = certs__write_pem(key_path, *ca_key, NULL, errmsg);
		}
		if (rv == TR_OK) {
			rv = certs__write_pem(crt_path, NULL, *ca, errmsg);
		}
		goto out;
	}

	rv = certs__read_cert(crt_path, ca, errmsg);
	if (rv != TR_OK || !file_exists(key_path)) {
		goto out;
	}
	rv = certs__read_key(key_path, ca_key, errmsg);
	if (rv == TR_OK && X509_check_private_key(*ca, *ca_key) != 1) {
		rv = certs_ssl_error(errmsg, "ca.key does not match ca.crt");
	}
out:
	if (rv != TR_OK) {
		X509_free(*ca);
		EVP_PKEY_free(*ca_key);
		*ca = NULL;
		*ca_key = NULL;
	}
	return rv;
}

int certs__fsync_dir(const char *dir, char *errmsg)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		tr_errmsg_printf(errmsg, "fsync %s: %s", dir, strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		return TR_EIO;
	}
	close(fd);
	return TR_OK;
}

int certs__ensure_dir(const char *dir, char *errmsg)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		tr_errmsg_printf(errmsg, "mkdir %s: %s", dir, strerror(errno));
		return TR_EIO;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		tr_errmsg_printf(errmsg, "%s: not a directory", dir);
		return TR_EINVAL;
	}
	/* Key material lives here: nobody else may list or enter it. */
	if ((st.st_mode & 077) != 0 && chmod(dir, 0700) != 0) {
		tr_errmsg_printf(errmsg, "chmod %s: %s", dir, strerror(errno));
		return TR_EIO;
	}
	return TR_OK;
}

int certs_bootstrap(const char *dir, const char *node_name, const char *host,
		    char *errmsg)
{
	X509 *ca = NULL;
	EVP_PKEY *ca_key = NULL;
	int rv;

	if (dir == NULL || strlen(dir) + 16 >= CERTS_PATH_MAX) {
		tr_errmsg_printf(errmsg, "certs: directory path too long");
		return TR_EINVAL;
	}
	if (node_name == NULL || node_name[0] == '\0' ||
	    strlen(node_name) > MAX_NAME_LEN) {
		tr_errmsg_printf(errmsg,
				 "certs: node name must have 1 to %d "
				 "bytes",
				 MAX_NAME_LEN);
		return TR_EINVAL;
	}
	if (host != NULL && !certs__is_valid_host(host)) {
		tr_errmsg_printf(errmsg,
				 "certs: invalid host \"%.64s\" (letters, "
				 "digits, '.', '-', ':' only)",
				 host);
		return TR_EINVAL;
	}

	rv = certs__ensure_dir(dir, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	rv = ensure_ca(dir, &ca, &ca_key, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	rv = ensure_leaf(dir, "node", CERTS__LEAF_NODE, node_name, host, ca,
			 ca_key, errmsg);
	if (rv == TR_OK) {
		rv = ensure_leaf(dir, "server", CERTS__LEAF_SERVER,
				 host != NULL ? host : "localhost", host, ca,
				 ca_key, errmsg);
	}
	if (rv == TR_OK) {
		rv = certs__fsync_dir(dir, errmsg);
	}
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return rv;
}

int certs__fingerprint(X509 *cert, char out[CERTS_FINGERPRINT_LEN],
		       char *errmsg)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	/* X509_digest hashes the DER encoding, as `openssl x509 -fingerprint`
	 * does. */
	if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32) {
		return certs_ssl_error(errmsg, "SHA-256 fingerprint");
	}
	for (unsigned int i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * n] = '\0';
	return TR_OK;
}

bool certs__has_ou(X509 *cert, const char *ou)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int count = 0;
	bool found = false;

	/* Exactly one OU, equal to @ou: a name with two OUs is not ours. */
	for (int i = -1; (i = X509_NAME_get_index_by_NID(
				  name, NID_organizationalUnitName, i)) >= 0;) {
		ASN1_STRING *v = X509_NAME_ENTRY_get_data(
			X509_NAME_get_entry(name, i));
		count++;
		found = (size_t)ASN1_STRING_length(v) == strlen(ou) &&
			memcmp(ASN1_STRING_get0_data(v), ou, strlen(ou)) == 0;
	}
	return count == 1 && found;
}

int certs_fingerprint_file(const char *path, char out[CERTS_FINGERPRINT_LEN],
			   char *errmsg)
{
	X509 *cert;
	int rv;

	rv = certs__read_cert(path, &cert, errmsg);
	if (rv != TR_OK) {
		return rv;
	}
	rv = certs__fingerprint(cert, out, errmsg);
	X509_free(cert);
	return rv;
}
