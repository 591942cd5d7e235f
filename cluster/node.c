/*
 * cluster/node.c: the embedded dqlite node.
 *
 * dqlite runs its own libuv loop on its own thread (dqlite_node_start).  We
 * bind it to an abstract Unix socket picked by dqlite ("@"), which 1.11.1
 * only accepts from this very process (SO_PEERCRED), so nothing outside can
 * reach it: other nodes come in through the cluster port's mTLS proxy.  The
 * node's *address* is the public cluster address, the string Raft peers and
 * LEADER answers use.
 *
 * With a TLS context in the config, outgoing Raft connections go through
 * connect_tls(): dqlite calls it on libuv's thread pool with a peer's
 * public address, and it hands back one end of a socketpair whose other
 * end a pump thread copies to a mutual-TLS connection to the peer's
 * cluster port (cluster_dial_tls, dqlite-protocol.md §7; it also sets the
 * TCP_NODELAY that dqlite's own connect lacks, §8.2).
 *
 * Failure modes: everything here is start-up, so failures are fail-fast
 * with a message; dqlite's own asserts abort the process (see
 * dqlite-protocol.md §9: the gateway must never send what trips them).
 */
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC, uv.h needs POSIX */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <dqlite.h>

#include "cluster/cluster.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 1000

struct cluster_node {
	dqlite_node *dqlite;  /* owned */
	uint64_t id;
	char *address;        /* owned: public cluster address */
	char *bind_address;   /* owned: "@..." abstract socket */
	SSL_CTX *tls;         /* one reference owned, or NULL */
	unsigned connect_timeout_ms;
};

/*
 * dqlite's connect function (thread pool): dial @address with mutual TLS.
 * dqlite then writes its protocol word and CONNECT itself.  Any non-zero
 * return is "no connection" to raft, which retries on its own schedule, so
 * failures are only logged at debug level (a peer that is down would
 * otherwise flood the log).
 */
static int connect_tls(void *arg, const char *address, int *fd)
{
	struct cluster_node *n = arg;
	char errmsg[TR_ERRMSG_SIZE];
	int rv = cluster_dial_tls(address, n->tls, NULL, n->connect_timeout_ms,
				  fd, errmsg);
	if (rv != TR_OK) {
		tr_debug("node", "raft connect to %s: %s", address, errmsg);
		return DQLITE_ERROR;
	}
	return 0;
}

int cluster_node_start(const struct cluster_node_config *cfg,
		       struct cluster_node **out, char *errmsg)
{
	struct cluster_node *n;
	int rv;

	if (mkdir(cfg->dir, 0700) != 0 && errno != EEXIST) {
		tr_errmsg_printf(errmsg, "create %s: %s", cfg->dir,
				 strerror(errno));
		return TR_EIO;
	}
	n = tr_calloc(1, sizeof *n);
	if (n == NULL) {
		return TR_ENOMEM;
	}
	n->id = cfg->id;
	n->connect_timeout_ms = cfg->connect_timeout_ms != 0
					? cfg->connect_timeout_ms
					: DEFAULT_CONNECT_TIMEOUT_MS;
	if (cfg->tls != NULL) {
		SSL_CTX_up_ref(cfg->tls);
		n->tls = cfg->tls;
	}
	n->address = tr_strdup(cfg->address);
	if (n->address == NULL) {
		rv = TR_ENOMEM;
		goto err_after_alloc;
	}
	rv = dqlite_node_create(cfg->id, cfg->address, cfg->dir, &n->dqlite);
	if (rv != 0) {
		tr_errmsg_printf(errmsg, "dqlite node: %s",
				 n->dqlite != NULL
					 ? dqlite_node_errmsg(n->dqlite)
					 : "create failed");
		rv = TR_EINTERNAL;
		goto err_after_create;
	}
	rv = dqlite_node_set_bind_address(n->dqlite, "@");
	if (rv != 0) {
		tr_errmsg_printf(errmsg, "dqlite bind: %s",
				 dqlite_node_errmsg(n->dqlite));
		rv = TR_EIO;
		goto err_after_create;
	}
	if (cfg->network_latency_ms > 0) {
		rv = dqlite_node_set_network_latency_ms(
			n->dqlite, cfg->network_latency_ms);
		if (rv != 0) {
			tr_errmsg_printf(errmsg, "dqlite latency: %s",
					 dqlite_node_errmsg(n->dqlite));
			rv = TR_EINVAL;
			goto err_after_create;
		}
	}
	if (n->tls != NULL) {
		rv = dqlite_node_set_connect_func(n->dqlite, connect_tls, n);
		if (rv != 0) {
			tr_errmsg_printf(errmsg, "dqlite connect func: %s",
					 dqlite_node_errmsg(n->dqlite));
			rv = TR_EINVAL;
			goto err_after_create;
		}
	}
	/* Smaller snapshots and trailing log than dqlite's defaults keep the
	 * resident memory of a busy node down (dqlite-protocol.md §8.4). */
	rv = dqlite_node_set_snapshot_params(n->dqlite, 1024, 2048);
	if (rv != 0) {
		tr_errmsg_printf(errmsg, "dqlite snapshot params: %s",
				 dqlite_node_errmsg(n->dqlite));
		rv = TR_EINVAL;
		goto err_after_create;
	}
	n->bind_address = tr_strdup(dqlite_node_get_bind_address(n->dqlite));
	if (n->bind_address == NULL) {
		rv = TR_ENOMEM;
		goto err_after_create;
	}
	rv = dqlite_node_start(n->dqlite);
	if (rv != 0) {
		tr_errmsg_printf(errmsg, "dqlite start: %s",
				 dqlite_node_errmsg(n->dqlite));
		rv = TR_EIO;
		goto err_after_create;
	}
	tr_info("node", "dqlite node %llu started: address %s, bind %s%s",
		(unsigned long long)n->id, n->address, n->bind_address,
		n->tls != NULL ? ", raft over mutual TLS" : "");
	*out = n;
	return TR_OK;

err_after_create:
	if (n->dqlite != NULL) {
		dqlite_node_destroy(n->dqlite);
	}
err_after_alloc:
	SSL_CTX_free(n->tls);
	tr_free(n->bind_address);
	tr_free(n->address);
	tr_free(n);
	return rv;
}

const char *cluster_node_bind_address(const struct cluster_node *n)
{
	return n->bind_address;
}

const char *cluster_node_address(const struct cluster_node *n)
{
	return n->address;
}

uint64_t cluster_node_id(const struct cluster_node *n)
{
	return n->id;
}

void cluster_node_stop(struct cluster_node *n)
{
	if (n == NULL) {
		return;
	}
	int rv = dqlite_node_stop(n->dqlite);
	if (rv != 0) {
		tr_warn("node", "dqlite stop: %s",
			dqlite_node_errmsg(n->dqlite));
	}
	dqlite_node_destroy(n->dqlite);
	/* Pump threads of raft connections hold no reference to the context
	 * (an SSL keeps its own), so it can go now. */
	SSL_CTX_free(n->tls);
	tr_free(n->bind_address);
	tr_free(n->address);
	tr_free(n);
}
