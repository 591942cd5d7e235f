/*
 * server/admin.c: requests on the cluster port's admin channel.
 *
 * Each request and answer is an admin message (admin_msg.c) whose "type"
 * field names the request; answers carry "status" ("ok" or "error") and,
 * for errors, "message".  Joiners (no certificate) may only send "join";
 * members may send anything.
 *
 *   ping       -> name, schema (the version this binary brings)
 *   schema     db -> (): DDL committed on db: its mirror is stale
 *   dbsessions db, force ("0"/"1") -> sessions: how many sessions here
 *              use db (DROP DATABASE; force ends the idle ones first)
 */
#include <stdio.h>
#include <string.h>

#include "server/server_int.h"

void server_admin_answer_error(struct cluster_admin_request *req,
			       const char *message)
{
	struct server_admin_msg m;
	struct tr_buf out;
	server_admin_msg_init(&m);
	tr_buf_init(&out, CLUSTER_ADMIN_MAX_LEN);
	if (server_admin_msg_add_str(&m, "status", "error") == TR_OK &&
	    server_admin_msg_add_str(&m, "message", message) == TR_OK) {
		server_admin_msg_encode(&m, &out);
	}
	if (tr_buf_err(&out) == TR_OK && out.len > 0) {
		cluster_admin_reply(req, out.data, out.len);
	} else {
		cluster_admin_reply(req, NULL, 0);
	}
	tr_buf_close(&out);
}

void server_admin_answer(struct cluster_admin_request *req,
			 struct server_admin_msg *m)
{
	struct tr_buf out;
	tr_buf_init(&out, CLUSTER_ADMIN_MAX_LEN);
	if (server_admin_msg_add_str(m, "status", "ok") != TR_OK) {
		server_admin_answer_error(req, "answer too large");
		return;
	}
	server_admin_msg_encode(m, &out);
	if (tr_buf_err(&out) != TR_OK) {
		tr_buf_close(&out);
		server_admin_answer_error(req, "answer too large");
		return;
	}
	cluster_admin_reply(req, out.data, out.len);
	tr_buf_close(&out);
}

static void handle_ping(struct server *srv, struct cluster_admin_request *req)
{
	struct server_admin_msg m;
	char schema[16];
	snprintf(schema, sizeof schema, "%d", server_internal_version());
	server_admin_msg_init(&m);
	if (server_admin_msg_add_str(&m, "name", srv->opts.name) != TR_OK ||
	    server_admin_msg_add_str(&m, "schema", schema) != TR_OK) {
		server_admin_answer_error(req, "answer too large");
		return;
	}
	server_admin_answer(req, &m);
}

void server_admin_request(void *arg, struct cluster_admin_request *req,
			  const uint8_t *msg, size_t len,
			  enum cluster_peer_kind kind, const char *name)
{
	struct server *srv = arg;
	struct server_admin_msg m;
	char type[32];
	TR_UNUSED(name);
	if (server_admin_msg_decode(&m, msg, len) != TR_OK ||
	    server_admin_msg_get_str(&m, "type", type, sizeof type) != TR_OK) {
		server_admin_answer_error(req, "malformed request");
		return;
	}
	if (srv->stopping) {
		server_admin_answer_error(req, "the node is stopping");
		return;
	}
	if (strcmp(type, "join") == 0) {
		server_join_handle(srv, req, &m);
		return;
	}
	if (kind != CLUSTER_PEER_MEMBER) {
		server_admin_answer_error(req, "not a member");
		return;
	}
	if (strcmp(type, "ping") == 0) {
		handle_ping(srv, req);
		return;
	}
	if (strcmp(type, "schema") == 0) {
		server_schema_handle(srv, req, &m);
		return;
	}
	if (strcmp(type, "dbsessions") == 0) {
		server_dbsessions_handle(srv, req, &m);
		return;
	}
	server_admin_answer_error(req, "unknown request");
}
