/*
 * tests/unit/cluster/test_local.c: local.db, the node-local database.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster/cluster.h"
#include "unit/cluster/suites.h"

struct fixture {
	char dir[64];
	char path[96];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (f == NULL) {
		return -1;
	}
	snprintf(f->dir, sizeof f->dir, "/tmp/triode-local-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/local.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0) {
		return -1;
	}
	free(f);
	return 0;
}

static void test_local_creates_private_file_and_applies_updates(void **state)
{
	struct fixture *f = *state;
	struct cluster_local *l;
	char errmsg[TR_ERRMSG_SIZE];
	struct stat st;
	assert_int_equal(cluster_local_open(f->path, &l, errmsg), TR_OK);
	assert_int_equal(cluster_local_schema_version(l), 2);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	cluster_local_close(l);
	/* Opening again applies nothing new. */
	assert_int_equal(cluster_local_open(f->path, &l, errmsg), TR_OK);
	assert_int_equal(cluster_local_schema_version(l), 2);
	cluster_local_close(l);
}

static void test_local_config_round_trip(void **state)
{
	struct fixture *f = *state;
	struct cluster_local *l;
	char errmsg[TR_ERRMSG_SIZE];
	char value[16];
	assert_int_equal(cluster_local_open(f->path, &l, errmsg), TR_OK);
	assert_int_equal(cluster_local_get(l, "name", value, sizeof value),
			 TR_ENOTFOUND);
	assert_int_equal(cluster_local_set(l, "name", "node1"), TR_OK);
	assert_int_equal(cluster_local_set(l, "name", "node2"), TR_OK);
	assert_int_equal(cluster_local_get(l, "name", value, sizeof value),
			 TR_OK);
	assert_string_equal(value, "node2");
	/* Too small a buffer is refused, never truncated. */
	assert_int_equal(cluster_local_get(l, "name", value, 3), TR_ETOOBIG);
	cluster_local_close(l);
}

static void test_local_members_replace_and_persist(void **state)
{
	struct fixture *f = *state;
	struct cluster_local *l;
	char errmsg[TR_ERRMSG_SIZE];
	struct cluster_member in[2] = {
		{ .id = 1,
		  .name = "n1",
		  .address = "127.0.0.1:7441",
		  .pg_address = "127.0.0.1:5441",
		  .serial = 11,
		  .role = CLUSTER_VOTER },
		{ .id = 7,
		  .name = "n7",
		  .address = "127.0.0.1:7447",
		  .pg_address = "127.0.0.1:5447",
		  .serial = UINT64_C(1) << 62,
		  .role = CLUSTER_SPARE },
	};
	struct cluster_member out[4];
	unsigned n;
	assert_int_equal(cluster_local_open(f->path, &l, errmsg), TR_OK);
	assert_int_equal(cluster_local_members_set(l, in, 2), TR_OK);
	cluster_local_close(l);
	assert_int_equal(cluster_local_open(f->path, &l, errmsg), TR_OK);
	assert_int_equal(cluster_local_members_get(l, out, 4, &n), TR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].id, 7);
	assert_string_equal(out[1].name, "n7");
	assert_string_equal(out[1].pg_address, "127.0.0.1:5447");
	assert_true(out[1].serial == UINT64_C(1) << 62);
	assert_int_equal(out[1].role, CLUSTER_SPARE);
	/* More members than room: refused, not silently cut. */
	assert_int_equal(cluster_local_members_get(l, out, 1, &n), TR_ETOOBIG);
	/* A failing replacement (duplicate name) leaves the old list. */
	struct cluster_member dup[2] = { in[0], in[0] };
	dup[1].id = 9;
	assert_int_not_equal(cluster_local_members_set(l, dup, 2), TR_OK);
	assert_int_equal(cluster_local_members_get(l, out, 4, &n), TR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(cluster_local_members_set(l, in, 1), TR_OK);
	assert_int_equal(cluster_local_members_get(l, out, 4, &n), TR_OK);
	assert_int_equal(n, 1);
	cluster_local_close(l);
}

int test_local_run(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_local_creates_private_file_and_applies_updates,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_config_round_trip,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_local_members_replace_and_persist, setup,
			teardown),
	};
	return cmocka_run_group_tests_name("local", tests, NULL, NULL);
}
