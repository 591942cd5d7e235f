/*
 * server/main.c: the `triode` command line (DESIGN.md §7).
 *
 *   triode serve [--data-dir DIR] [--listen HOST:PORT]
 *                [--cluster-address HOST:PORT] [--name NAME] [--join TOKEN]
 *   triode version
 *
 * Exit status 0 on success; errors go to stderr in one line.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <dqlite.h>
#include <sqlite3.h>

#include "server/server_int.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: triode serve [--data-dir DIR] [--listen HOST:PORT]\n"
		"                    [--cluster-address HOST:PORT] [--name NAME]"
		" [--join TOKEN]\n"
		"       triode version\n");
}

/* "--flag VALUE" or "--flag=VALUE" at argv[*i]; advances *i. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
	size_t n = strlen(flag);
	const char *a = argv[*i];
	if (strncmp(a, flag, n) != 0) {
		return NULL;
	}
	if (a[n] == '=') {
		return a + n + 1;
	}
	if (a[n] == '\0' && *i + 1 < argc) {
		(*i)++;
		return argv[*i];
	}
	return NULL;
}

static int cmd_serve(int argc, char **argv)
{
	static char hostname[64];
	struct server_options opts = {
		.data_dir = "./triode-data",
		.listen = "127.0.0.1:5432",
		.cluster_address = "127.0.0.1:7432",
		.name = NULL,
		.join = NULL,
	};
	for (int i = 2; i < argc; i++) {
		const char *v;
		if ((v = flag_value(argc, argv, &i, "--data-dir")) != NULL) {
			opts.data_dir = v;
		} else if ((v = flag_value(argc, argv, &i, "--listen")) !=
			   NULL) {
			opts.listen = v;
		} else if ((v = flag_value(argc, argv, &i,
					   "--cluster-address")) != NULL) {
			opts.cluster_address = v;
		} else if ((v = flag_value(argc, argv, &i, "--name")) != NULL) {
			opts.name = v;
		} else if ((v = flag_value(argc, argv, &i, "--join")) != NULL) {
			opts.join = v;
		} else {
			fprintf(stderr,
				"triode serve: unknown argument \"%s\"\n",
				argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (opts.name == NULL) {
		if (gethostname(hostname, sizeof hostname) != 0 ||
		    hostname[0] == '\0') {
			snprintf(hostname, sizeof hostname, "node1");
		}
		hostname[sizeof hostname - 1] = '\0';
		opts.name = hostname;
	}
	return server_serve(&opts);
}

int main(int argc, char **argv)
{
	tr_log_init();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "version") == 0) {
		printf("triode %s (PostgreSQL protocol 3.0, server_version "
		       "15.0; dqlite %d, SQLite %s)\n",
		       TRIODE_VERSION, dqlite_version_number(),
		       sqlite3_libversion());
		return 0;
	}
	if (strcmp(argv[1], "serve") == 0) {
		return cmd_serve(argc, argv);
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "triode: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
