/*
 * server/writeq.c: the per-database write lock, handed over first come
 * first served.
 *
 * dqlite 1.11 has exactly one writer per database and answers any other
 * with SQLITE_BUSY at once (dqlite-protocol.md §6), so without this queue
 * concurrent PostgreSQL sessions would see spurious errors.  A session
 * takes the lock before the first write of its transaction and releases it
 * when the transaction ends; waiting is bounded by the session's timer.
 */
#include "server/server_int.h"

void server_writeq_init(struct server_writeq *q)
{
	q->held = false;
	tr_queue_init(&q->waiters);
}

bool server_writeq_acquire(struct server_writeq *q,
			   struct server_writeq_waiter *w, server_writeq_cb cb)
{
	TR_PRE(!w->waiting);
	if (!q->held) {
		q->held = true;
		return true;
	}
	w->cb = cb;
	w->waiting = true;
	tr_queue_push(&q->waiters, &w->link);
	return false;
}

void server_writeq_cancel(struct server_writeq_waiter *w)
{
	if (!w->waiting) {
		return;
	}
	tr_queue_remove(&w->link);
	w->waiting = false;
}

void server_writeq_release(struct server_writeq *q)
{
	TR_PRE(q->held);
	struct tr_queue *head = tr_queue_head(&q->waiters);
	if (head == NULL) {
		q->held = false;
		return;
	}
	/* Hand over without unlocking, so nobody can jump the queue. */
	struct server_writeq_waiter *w = TR_QUEUE_DATA(
		head, struct server_writeq_waiter, link);
	tr_queue_remove(&w->link);
	w->waiting = false;
	w->cb(w);
}
