/*
 * cluster/leader.c: leader discovery (../shared/dqlite-protocol.md §5).
 *
 *   ASK seed[i] --LEADER = seed[i]--------------------------> FOUND
 *      |        --LEADER = other--> CONFIRM other --same----> FOUND
 *      |        --unknown/error--+       |--differs/error--+
 *      |                         v                         v
 *      +<---- backoff (50 ms doubling to 200 ms) after a full round of seeds
 *
 *   any state --overall timeout--> GAVE UP (TR_ENOTLEADER)
 *
 * Suspension points: each client's connect, its LEADER answer, the backoff
 * timer and the overall timer.  One client at a time is open; a finished
 * one is closed and counted until its close callback, and the finder frees
 * itself only when its timers and every client are closed.
 *
 * The comparison of the answered address with the dialled one is a plain
 * string compare, as in go-dqlite: the address a node was created with
 * must be the address clients dial.  The optional map function turns that
 * address into what is actually dialled (the local node's abstract
 * socket, say), so the comparison stays on the public address.
 */
#define _POSIX_C_SOURCE 200809L /* uv.h needs the POSIX types */

#include <string.h>

#include "cluster/cluster_int.h"

/* Between rounds over the seeds.  Capped low: an election takes 0.75-1.5 s
 * with triode's Raft timing, and a doubling backoff up to 1 s found the new
 * leader only at about 1.5 s every time (measured); rounds are a few
 * local round trips, and all waiters of a node share one lookup. */
#define BACKOFF_FIRST_MS 50
#define BACKOFF_MAX_MS   200
#define ATTEMPT_MAX_MS   2000

struct leader_find {
	uv_loop_t *loop; /* borrowed */
	char **seeds;    /* owned copies */
	unsigned n_seeds;
	unsigned next;              /* next seed of the round */
	cluster_address_map_fn map; /* may be NULL */
	void *map_arg;
	SSL_CTX *tls; /* borrowed: TLS for "host:port", or NULL */
	cluster_servers_cb cb;
	void *arg;
	uv_timer_t deadline;           /* overall timeout */
	uv_timer_t backoff;            /* between rounds */
	unsigned delay_ms;             /* next backoff */
	unsigned attempt_ms;           /* per-client timeouts */
	struct cluster_client *client; /* current attempt, or NULL */
	char *dialled;                 /* owned: unmapped address asked */
	bool confirming;               /* asking the named leader itself */
	bool done;                     /* callback called */
	unsigned n_open;               /* timers and clients not closed */
	struct tr_queue link;          /* in finds, until it reports */
};

/* Lookups in flight, for cluster_leader_find_cancel_all() (shutdown).
 * Only ever touched from the loop that runs them. */
static struct tr_queue finds = { &finds, &finds };

static void try_next_seed(struct leader_find *f);
static void dial(struct leader_find *f);

static void maybe_free(struct leader_find *f)
{
	if (f->n_open > 0) {
		return;
	}
	for (unsigned i = 0; i < f->n_seeds; i++) {
		tr_free(f->seeds[i]);
	}
	tr_free(f->seeds);
	tr_free(f->dialled);
	tr_free(f);
}

static void client_closed(struct cluster_client *c, void *arg)
{
	struct leader_find *f = arg;
	TR_UNUSED(c);
	f->n_open--;
	maybe_free(f);
}

static void timer_closed(uv_handle_t *h)
{
	struct leader_find *f = h->data;
	f->n_open--;
	maybe_free(f);
}

static void drop_client(struct leader_find *f)
{
	if (f->client != NULL) {
		cluster_client_close(f->client, client_closed, f);
		f->client = NULL;
	}
}

/* Report once, then tear everything down. */
static void report(struct leader_find *f, int rc, uint64_t id,
		   const char *address)
{
	struct cluster_result res = { .rc = rc, .message = tr_strerror(rc) };
	struct cluster_server_info s = { .id = id,
					 .address = address,
					 .role = CLUSTER_VOTER };
	f->done = true;
	tr_queue_remove(&f->link);
	f->cb(NULL, f->arg, &res, rc == TR_OK ? 1 : 0, &s);
	drop_client(f);
	uv_close((uv_handle_t *)&f->deadline, timer_closed);
	uv_close((uv_handle_t *)&f->backoff, timer_closed);
}

static void on_leader(struct cluster_client *c, void *arg,
		      const struct cluster_result *res, unsigned n,
		      const struct cluster_server_info *servers)
{
	struct leader_find *f = arg;
	if (f->done || c != f->client) {
		return; /* a dropped client's late cancellation */
	}
	if (res->rc != TR_OK || n == 0) {
		drop_client(f);
		try_next_seed(f);
		return;
	}
	if (strcmp(servers[0].address, f->dialled) == 0) {
		report(f, TR_OK, servers[0].id, servers[0].address);
		return;
	}
	if (f->confirming) {
		/* The named leader names someone else: start over. */
		drop_client(f);
		try_next_seed(f);
		return;
	}
	char *other = tr_strdup(servers[0].address);
	drop_client(f);
	if (other == NULL) {
		try_next_seed(f);
		return;
	}
	tr_free(f->dialled);
	f->dialled = other;
	f->confirming = true;
	dial(f);
}

static void on_connect(struct cluster_client *c, void *arg,
		       const struct cluster_result *res)
{
	struct leader_find *f = arg;
	if (f->done || c != f->client) {
		return;
	}
	if (res->rc != TR_OK ||
	    cluster_client_leader(c, on_leader, f) != TR_OK) {
		drop_client(f);
		try_next_seed(f);
	}
}

/* Dial f->dialled (through the map) and ask it for the leader. */
static void dial(struct leader_find *f)
{
	struct cluster_client_config cfg = {
		.connect_timeout_ms = f->attempt_ms,
		.request_timeout_ms = f->attempt_ms,
		.tls = f->tls,
	};
	const char *address = f->dialled;
	if (f->map != NULL) {
		const char *mapped = f->map(f->map_arg, f->dialled);
		if (mapped != NULL) {
			address = mapped;
		}
	}
	if (cluster_client_new(f->loop, &cfg, &f->client) != TR_OK) {
		f->client = NULL;
		try_next_seed(f);
		return;
	}
	f->n_open++;
	if (cluster_client_connect(f->client, address, on_connect, f) !=
	    TR_OK) {
		tr_debug("cluster", "leader: %s: %s", address,
			 cluster_client_errmsg(f->client));
		drop_client(f);
		try_next_seed(f);
	}
}

static void backoff_cb(uv_timer_t *t)
{
	struct leader_find *f = t->data;
	if (!f->done) {
		try_next_seed(f);
	}
}

/*
 * Ask the next seed; after a full round, wait and start a new one.  Only
 * timers and client callbacks lead here, except for the first call, and
 * nothing here calls the finder's own callback.
 */
static void try_next_seed(struct leader_find *f)
{
	if (f->next >= f->n_seeds) {
		f->next = 0;
		uv_timer_start(&f->backoff, backoff_cb, f->delay_ms, 0);
		f->delay_ms = f->delay_ms * 2 > BACKOFF_MAX_MS
				      ? BACKOFF_MAX_MS
				      : f->delay_ms * 2;
		return;
	}
	char *seed = tr_strdup(f->seeds[f->next++]);
	if (seed == NULL) {
		uv_timer_start(&f->backoff, backoff_cb, f->delay_ms, 0);
		return;
	}
	tr_free(f->dialled);
	f->dialled = seed;
	f->confirming = false;
	dial(f);
}

static void deadline_cb(uv_timer_t *t)
{
	struct leader_find *f = t->data;
	if (!f->done) {
		report(f, TR_ENOTLEADER, 0, "");
	}
}

int cluster_leader_find(uv_loop_t *loop, const char *const *seeds,
			unsigned n_seeds, unsigned timeout_ms,
			cluster_address_map_fn map, void *map_arg, SSL_CTX *tls,
			cluster_servers_cb cb, void *arg)
{
	if (n_seeds == 0 || seeds == NULL || cb == NULL || timeout_ms == 0) {
		return TR_EINVAL;
	}
	struct leader_find *f = tr_calloc(1, sizeof *f);
	if (f == NULL) {
		return TR_ENOMEM;
	}
	f->seeds = tr_calloc(n_seeds, sizeof *f->seeds);
	if (f->seeds == NULL) {
		tr_free(f);
		return TR_ENOMEM;
	}
	f->n_seeds = n_seeds;
	for (unsigned i = 0; i < n_seeds; i++) {
		f->seeds[i] = seeds[i] != NULL ? tr_strdup(seeds[i]) : NULL;
		if (f->seeds[i] == NULL) {
			maybe_free(f);
			return seeds[i] == NULL ? TR_EINVAL : TR_ENOMEM;
		}
	}
	f->loop = loop;
	tr_queue_push(&finds, &f->link);
	f->map = map;
	f->map_arg = map_arg;
	f->tls = tls;
	f->cb = cb;
	f->arg = arg;
	f->delay_ms = BACKOFF_FIRST_MS;
	f->attempt_ms = timeout_ms < ATTEMPT_MAX_MS ? timeout_ms
						    : ATTEMPT_MAX_MS;
	uv_timer_init(loop, &f->deadline);
	uv_timer_init(loop, &f->backoff);
	f->deadline.data = f;
	f->backoff.data = f;
	f->n_open = 2;
	uv_timer_start(&f->deadline, deadline_cb, timeout_ms, 0);
	try_next_seed(f);
	return TR_OK;
}

void cluster_leader_find_cancel_all(void)
{
	while (!tr_queue_empty(&finds)) {
		struct tr_queue *q = tr_queue_head(&finds);
		struct leader_find *f = TR_QUEUE_DATA(q, struct leader_find,
						      link);
		report(f, TR_ECANCELED, 0, "");
	}
}
