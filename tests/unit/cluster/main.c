/*
 * tests/unit/cluster/main.c: runs the codec tests, then the client tests
 * against in-process dqlite nodes, then the cluster port (proxy, dialer,
 * Raft over mutual TLS).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/base.h"
#include "unit/cluster/suites.h"

int main(void)
{
	tr_log_init();
	int failed = test_proto_run();
	failed += test_client_run();
	failed += test_proxy_run();
	failed += test_local_run();
	return failed;
}
