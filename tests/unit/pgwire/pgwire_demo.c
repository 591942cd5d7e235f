/*
 * tests/unit/pgwire/pgwire_demo.c: manual tool, not run by CTest.  Starts
 * pgwire with the fake executor (user "u", password "pencil") and a
 * throwaway self-signed certificate, for trying real clients:
 *
 *   pgwire_demo 54329 &
 *   PGPASSWORD=pencil psql "host=127.0.0.1 port=54329 user=u dbname=d \
 *       sslmode=require" -c 'select 1'
 *
 * The extended query protocol (psql 15 has no \bind; psycopg 3 uses
 * Parse/Bind/Describe/Execute/Sync for every execute with parameters,
 * and named statements with prepare=True); the fake executor echoes
 * the parameters (see fixture.h):
 *
 *   /usr/bin/python3 -c "import psycopg; c=psycopg.connect('host=127.0.0.1 \
 *       port=54329 user=u password=pencil dbname=d sslmode=disable'); \
 *       print(c.execute('select %s', (1,)).fetchall())"
 *   -> [(1,)]
 *
 * COPY (see fixture.h): the fake executor treats the SQL "copy-in" as
 * COPY FROM STDIN and "copy-out" as COPY TO STDOUT, so psql's \copy
 * cannot name them; feed the commands themselves:
 *
 *   printf 'a\tb\nc\td\n' | PGPASSWORD=pencil psql "host=127.0.0.1 \
 *       port=54329 user=u dbname=d" -c 'copy-in'        -> COPY 2
 *   PGPASSWORD=pencil psql ... -c 'copy-out'             -> 1 2 3
 */
#include <stdlib.h>

#include "fixture.h"

int main(int argc, char **argv)
{
	static struct fake_exec fx;
	uv_loop_t *loop = uv_default_loop();
	struct pgwire_server *server;
	tr_log_init();
	fx.loop = loop;
	if (pgwire_scram_verifier_make("pencil", fx.verifier,
				       sizeof fx.verifier) != TR_OK) {
		return 1;
	}
	SSL_CTX *ctx = fixture_tls_ctx();
	struct pgwire_config cfg = {
		.host = "127.0.0.1",
		.port = argc > 1 ? atoi(argv[1]) : 54329,
		.tls = ctx,
		.tls_required = argc > 2 && argv[2][0] == 'r',
		.exec = &fake_ops,
		.exec_data = &fx,
	};
	if (pgwire_server_new(loop, &cfg, &server) != TR_OK ||
	    pgwire_server_start(server) != TR_OK) {
		fprintf(stderr, "start failed\n");
		return 1;
	}
	fprintf(stderr, "listening on %d\n", pgwire_server_port(server));
	uv_run(loop, UV_RUN_DEFAULT);
	return 0;
}
