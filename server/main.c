/*
 * server/main.c: the `triode` command line (DESIGN.md §7).
 *
 *   triode serve [--data-dir DIR] [--listen HOST:PORT]
 *                [--cluster-address HOST:PORT] [--name NAME] [--join TOKEN]
 *   triode cluster list [--data-dir DIR] [--format table|json]
 *   triode cluster add NAME [--data-dir DIR]      (join token: last line)
 *   triode cluster remove NAME [--force] [--data-dir DIR]
 *   triode cluster exclude NAME [--data-dir DIR]
 *   triode version
 *
 * Exit status 0 on success; errors go to stderr in one line.  `cluster`
 * commands talk to the running node through DATA/control.sock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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
		"       triode cluster list [--data-dir DIR] [--format "
		"table|json]\n"
		"       triode cluster add NAME [--data-dir DIR]\n"
		"       triode cluster remove NAME [--force] [--data-dir DIR]\n"
		"       triode cluster exclude NAME [--data-dir DIR]\n"
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
	return server_serve(&opts);
}

/*
 * Send one request line to the node's control socket and relay the answer:
 * output lines to stdout, the final "ERROR text" to stderr.  Returns the
 * exit status.
 */
static int control_request(const char *data_dir, const char *request)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int n = snprintf(addr.sun_path, sizeof addr.sun_path, "%s/control.sock",
			 data_dir);
	if (n < 0 || (size_t)n >= sizeof addr.sun_path) {
		fprintf(stderr, "triode: data directory path too long\n");
		return 1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
		fprintf(stderr,
			"triode: cannot reach the node at %s: %s (is `triode "
			"serve --data-dir %s` running?)\n",
			addr.sun_path, strerror(errno), data_dir);
		if (fd >= 0) {
			close(fd);
		}
		return 1;
	}
	size_t len = strlen(request);
	if (write(fd, request, len) != (ssize_t)len) {
		fprintf(stderr, "triode: control socket: %s\n",
			strerror(errno));
		close(fd);
		return 1;
	}
	/* The answer is small (a member list); read it all, bounded. */
	size_t cap = 1 << 20;
	char *answer = malloc(cap + 1);
	size_t got = 0;
	ssize_t r;
	if (answer == NULL) {
		close(fd);
		return 1;
	}
	while (got < cap && (r = read(fd, answer + got, cap - got)) > 0) {
		got += (size_t)r;
	}
	close(fd);
	answer[got] = '\0';
	/* The last line is the status. */
	if (got > 0 && answer[got - 1] == '\n') {
		answer[--got] = '\0';
	}
	char *status = strrchr(answer, '\n');
	status = status != NULL ? status + 1 : answer;
	int rc = 1;
	if (strcmp(status, "OK") == 0) {
		fwrite(answer, 1, (size_t)(status - answer), stdout);
		rc = 0;
	} else if (strncmp(status, "ERROR ", 6) == 0) {
		fprintf(stderr, "triode: %s\n", status + 6);
	} else {
		fprintf(stderr, "triode: the node gave no answer\n");
	}
	free(answer);
	return rc;
}

static int cmd_cluster(int argc, char **argv)
{
	const char *data_dir = "./triode-data";
	const char *format = "table";
	bool force = false;
	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	const char *sub = argv[2];
	const char *name = NULL; /* the one positional argument, if any */
	for (int i = 3; i < argc; i++) {
		const char *v;
		if (argv[i][0] != '-' && name == NULL) {
			name = argv[i];
		} else if ((v = flag_value(argc, argv, &i, "--data-dir")) !=
			   NULL) {
			data_dir = v;
		} else if ((v = flag_value(argc, argv, &i, "--format")) !=
			   NULL) {
			format = v;
		} else if (strcmp(argv[i], "--force") == 0) {
			force = true;
		} else {
			fprintf(stderr,
				"triode cluster: unknown argument \"%s\"\n",
				argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (strcmp(sub, "list") == 0) {
		if (name != NULL) {
			fprintf(stderr,
				"triode cluster list: unexpected "
				"argument \"%s\"\n",
				name);
			return 2;
		}
		if (strcmp(format, "table") != 0 &&
		    strcmp(format, "json") != 0) {
			fprintf(stderr,
				"triode cluster list: --format is table or "
				"json\n");
			return 2;
		}
		return control_request(data_dir, strcmp(format, "json") == 0
							 ? "list\tjson\n"
							 : "list\n");
	}
	if (force && strcmp(sub, "remove") != 0) {
		fprintf(stderr, "triode cluster %s: --force is for remove\n",
			sub);
		return 2;
	}
	if (strcmp(sub, "add") == 0 || strcmp(sub, "exclude") == 0 ||
	    strcmp(sub, "remove") == 0) {
		if (name == NULL) {
			fprintf(stderr, "triode cluster %s: name a member\n",
				sub);
			return 2;
		}
		char request[256];
		int n = snprintf(request, sizeof request, "%s\t%s%s\n", sub,
				 name, force ? "\tforce" : "");
		if (n < 0 || (size_t)n >= sizeof request ||
		    strpbrk(name, "\t\n") != NULL) {
			fprintf(stderr, "triode cluster %s: bad name\n", sub);
			return 2;
		}
		return control_request(data_dir, request);
	}
	fprintf(stderr, "triode cluster: unknown command \"%s\"\n", sub);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	tr_log_init();
	/* PostgreSQL functions SQLite lacks, on every SQLite connection this
	 * process opens, the dqlite node's included (so the leader runs
	 * them).  Before anything opens a database. */
	sql_functions_register_auto();
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
	if (strcmp(argv[1], "cluster") == 0) {
		return cmd_cluster(argc, argv);
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "triode: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
