/*
 * tests/unit/cluster/suites.h: the cmocka groups of unit_cluster.
 */
#ifndef TESTS_UNIT_CLUSTER_SUITES_H
#define TESTS_UNIT_CLUSTER_SUITES_H

int test_proto_run(void);
int test_client_run(void);
int test_proxy_run(void);
int test_local_run(void);

#endif /* TESTS_UNIT_CLUSTER_SUITES_H */
