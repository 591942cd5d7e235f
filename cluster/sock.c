/*
 * cluster/sock.c: small socket and OpenSSL helpers shared by the client,
 * the node's connect function, the cluster-port proxy and the dialer.
 */
#define _GNU_SOURCE /* SOCK_NONBLOCK, SOCK_CLOEXEC, TCP_USER_TIMEOUT */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/err.h>

#include "cluster/cluster_int.h"

int cluster__parse_ipv4(const char *address, int default_port,
			struct sockaddr_in *out, char *errmsg)
{
	char host[INET_ADDRSTRLEN];
	int port = default_port;

	const char *colon = strrchr(address, ':');
	size_t host_len = colon != NULL ? (size_t)(colon - address)
					: strlen(address);
	if (host_len == 0 || host_len >= sizeof host) {
		tr_errmsg_printf(errmsg, "bad address %s", address);
		return TR_EINVAL;
	}
	memcpy(host, address, host_len);
	host[host_len] = '\0';
	if (colon != NULL) {
		char *end;
		long p = strtol(colon + 1, &end, 10);
		if (*end != '\0' || end == colon + 1 || p <= 0 || p > 65535) {
			tr_errmsg_printf(errmsg, "bad port in %s", address);
			return TR_EINVAL;
		}
		port = (int)p;
	}
	if (port <= 0) {
		tr_errmsg_printf(errmsg, "no port in %s", address);
		return TR_EINVAL;
	}
	memset(out, 0, sizeof *out);
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &out->sin_addr) != 1) {
		tr_errmsg_printf(errmsg, "bad IPv4 address %s", address);
		return TR_EINVAL;
	}
	return TR_OK;
}

int cluster__connect_abstract(const char *name, int *fd_out, char *errmsg)
{
	struct sockaddr_un sun;
	size_t len = strlen(name);
	if (len == 0 || len > sizeof sun.sun_path - 1) {
		tr_errmsg_printf(errmsg, "bad abstract socket name");
		return TR_EINVAL;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	sun.sun_path[0] = '\0'; /* abstract namespace */
	memcpy(sun.sun_path + 1, name, len);
	socklen_t sun_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
					1 + len);

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		tr_errmsg_printf(errmsg, "socket: %s", strerror(errno));
		return TR_EIO;
	}
	if (connect(fd, (struct sockaddr *)&sun, sun_len) != 0) {
		tr_errmsg_printf(errmsg, "connect to @%s: %s", name,
				 strerror(errno));
		close(fd);
		return TR_EIO;
	}
	*fd_out = fd;
	return TR_OK;
}

void cluster__tcp_tune(int fd)
{
	int one = 1;
	int idle = CLUSTER__KEEPALIVE_S;
	int probes = CLUSTER__KEEPALIVE_PROBES;
	unsigned user_timeout = CLUSTER__USER_TIMEOUT_MS;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof idle);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout,
			 sizeof user_timeout);
}

int cluster__ssl_error(char *errmsg, const char *what)
{
	char reason[160] = "";
	unsigned long e;
	/* Keep the first (deepest) error: it names the cause. */
	while ((e = ERR_get_error()) != 0) {
		if (reason[0] == '\0') {
			ERR_error_string_n(e, reason, sizeof reason);
		}
	}
	tr_errmsg_printf(errmsg, "%s: %s", what,
			 reason[0] != '\0' ? reason : "failed");
	return TR_ETLS;
}
