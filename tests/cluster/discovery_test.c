/*
 * discovery_test.c -- seed discovery on a real etcd (started here on
 * loopback, never mocked; skipped, 77, without /usr/bin/etcd): nodes in
 * their own processes (cluster_node.c) register under a prefix with an
 * etcd lease and find each other; the registration of a killed node goes
 * with its lease; a node started later finds and joins the running
 * cluster; what is under the prefix but no address is skipped. Every wait
 * is for an event: the nodes' event lines, an etcd watch.
 */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>

#include "akt/akt.h"
#include "akt/cluster.h"
#include "etcd_fixture.h"
#include "remote/peer_proc.h"

#define PROFILE                                                                \
    "akt.cluster { gossip-interval = 250ms, gossip-time-to-live = 1s,"         \
    " leader-actions-interval = 250ms,"                                        \
    " unreachable-nodes-reaper-interval = 250ms, seed-node-timeout = 1s,"      \
    " retry-unsuccessful-join-after = 2s, allow-weakly-up-members = 2s,"       \
    " run-coordinated-shutdown-when-down = off,"                               \
    " failure-detector { heartbeat-interval = 250ms,"                          \
    " acceptable-heartbeat-pause = 1500ms, expected-response-after = 500ms }," \
    " split-brain-resolver { stable-after = 3s } }"

#define NODES 4

static etcd_fixture etcd;

typedef struct member {
    peer_proc p;
    char up[NODES], removed[NODES];
    char discovered[64];
} member;

static member m[NODES];

static void
start_etcd(void)
{
    ck_assert_msg(etcd_start(&etcd, 20000), "etcd did not come up");
}

static void
stop_etcd(void)
{
    etcd_stop(&etcd);
}

static void
start(int i)
{
    char name[16];
    snprintf(name, sizeof name, "d%d", i);
    char *argv[] = { CLUSTER_NODE_BIN, name, PROFILE, NULL };
    ck_assert_msg(
        pp_start(&m[i].p, argv, 10000) == 0, "node %d did not start", i);
    memset(m[i].up, 0, NODES);
    memset(m[i].removed, 0, NODES);
    m[i].discovered[0] = '\0';
}

/* node i with the test profile and extra configuration text after it */
static void
start_with(int i, const char *extra)
{
    char name[16];
    static char conf[2048];
    snprintf(name, sizeof name, "d%d", i);
    snprintf(conf, sizeof conf, "%s\n%s", PROFILE, extra);
    char *argv[] = { CLUSTER_NODE_BIN, name, conf, NULL };
    ck_assert_msg(
        pp_start(&m[i].p, argv, 10000) == 0, "node %d did not start", i);
    memset(m[i].up, 0, NODES);
    memset(m[i].removed, 0, NODES);
    m[i].discovered[0] = '\0';
}

static void
discover(int i, const char *prefix, int required)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "discover %s %s %d\n", etcd.endpoint,
        prefix, required);
    ck_assert(write(m[i].p.in_fd, buf, (size_t)n) == n);
}

static int
who(const char *addr)
{
    for (int k = 0; k < NODES; k++) {
        if (m[k].p.address[0] != '\0' && strcmp(m[k].p.address, addr) == 0) {
            return k;
        }
    }
    return -1;
}

/* read what node i printed for up to ms; returns when cond(arg) holds */
static bool
pump_until(int i, int ms, bool (*cond)(void *), void *arg)
{
    long long end = pp_now_ms() + ms;
    while (!cond(arg)) {
        long long left = end - pp_now_ms();
        if (left <= 0 || pp_read_line(&m[i].p, (int)left) != 0) {
            return cond(arg);
        }
        char ev[64], addr[512], status[32];
        unsigned long long uid;
        if (sscanf(m[i].p.line, "DISCOVERED %63[^\n]", m[i].discovered) == 1) {
            continue;
        }
        if (sscanf(
                m[i].p.line, "EV %63s %511s %llx %31s", ev, addr, &uid, status)
            != 4) {
            continue;
        }
        int k = who(addr);
        if (k >= 0 && strcmp(ev, "MemberUp") == 0) {
            m[i].up[k] = 1;
        } else if (k >= 0 && strcmp(ev, "MemberRemoved") == 0) {
            m[i].removed[k] = 1;
        }
    }
    return true;
}

static int want[NODES];

static bool
up_set(void *arg)
{
    int i = *(int *)arg;
    for (int k = 0; k < NODES; k++) {
        if (want[k] && !m[i].up[k]) {
            return false;
        }
    }
    return true;
}

static bool
removed(void *arg)
{
    int *ia = arg;
    return m[ia[0]].removed[ia[1]] != 0;
}

/* the number of keys under prefix/ in etcd right now */
static int
registered(const char *prefix)
{
    char from[128], to[128], f64[256], t64[256], body[600];
    static char resp[1 << 16];
    snprintf(from, sizeof from, "%s/", prefix);
    snprintf(to, sizeof to, "%s0", prefix);
    etcd_b64(from, f64);
    etcd_b64(to, t64);
    snprintf(body, sizeof body,
        "{\"key\":\"%s\",\"range_end\":\"%s\",\"count_only\":true}", f64, t64);
    ck_assert(etcd_post(&etcd, "/v3/kv/range", body, resp, sizeof resp));
    const char *c = strstr(resp, "\"count\":\"");
    return c != NULL ? atoi(c + 9) : 0;
}

/* Proves: three processes started together, each told only the etcd
 * endpoint and a prefix (required contacts 3), register, see the same
 * three addresses and form one cluster (each reports all three Up; the
 * lowest address started it). A killed node's registration goes with its
 * lease (an etcd watch sees the DELETE, ttl 2 s) while the cluster removes
 * it. A fourth process started later (required contacts 1) finds the
 * running cluster through etcd and joins it, not a cluster of its own:
 * the survivors report it Up and it reports them Up. */
START_TEST(nodes_find_each_other_through_etcd)
{
    const char *prefix = "akt/disc-test";
    for (int i = 0; i < 3; i++) {
        start(i);
    }
    for (int i = 0; i < 3; i++) {
        discover(i, prefix, 3);
    }
    memset(want, 0, sizeof want);
    want[0] = want[1] = want[2] = 1;
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(pump_until(i, 30000, up_set, &i),
            "node %d did not see all three Up (discover: %s)", i,
            m[i].discovered);
        ck_assert_str_eq(m[i].discovered, "success");
    }
    ck_assert_int_eq(registered(prefix), 3);

    /* the killed node's registration goes when etcd expires its lease */
    int w = etcd_watch(&etcd, prefix, true, 30000);
    ck_assert_int_ge(w, 0);
    long long t0 = pp_now_ms();
    pp_kill(&m[2].p);
    ck_assert_msg(etcd_watch_until(w, "\"DELETE\"", 1),
        "the killed node's registration did not expire");
    close(w);
    fprintf(stderr, "registration of the killed node gone after %lld ms\n",
        pp_now_ms() - t0);
    ck_assert_int_eq(registered(prefix), 2);
    for (int i = 0; i < 2; i++) {
        int arg[2] = { i, 2 };
        ck_assert_msg(pump_until(i, 30000, removed, arg),
            "node %d did not remove the killed node", i);
    }

    /* a later node joins the running cluster through etcd */
    start(3);
    discover(3, prefix, 1);
    memset(want, 0, sizeof want);
    want[0] = want[1] = want[3] = 1;
    for (int i = 0; i < NODES; i++) {
        if (i == 2) {
            continue;
        }
        ck_assert_msg(pump_until(i, 30000, up_set, &i),
            "node %d did not see the late node in the cluster", i);
    }
    ck_assert_str_eq(m[3].discovered, "success");
    for (int i = 0; i < NODES; i++) {
        if (i == 2) {
            continue;
        }
        ck_assert(write(m[i].p.in_fd, "quit\n", 5) == 5);
        ck_assert_int_eq(pp_stop(&m[i].p, 10000), 0);
    }
    /* a node that quits deregisters (its lease revoked, the key gone) */
    ck_assert_int_eq(registered(prefix), 0);
}
END_TEST

/* Proves: discovery from configuration alone -- three processes whose
 * configuration says akt.cluster.discovery { method = etcd, etcd {
 * endpoints = [a port where no etcd listens, the test's etcd], prefix,
 * ttl = 2s, required-contact-points = 3 } } and which are told nothing
 * else (no join, no discover command): akt_cluster_start registers each
 * (after the dead endpoint did not answer) and they form one cluster, each
 * reporting all three Up; three keys are registered; quitting deregisters
 * them (none left). */
START_TEST(configured_discovery_joins_through_etcd)
{
    const char *prefix = "akt/conf-disc-test";
    int dead = etcd_free_port();
    ck_assert_int_gt(dead, 0);
    char extra[1024];
    snprintf(extra, sizeof extra,
        "akt.cluster.discovery { method = etcd, etcd {"
        " endpoints = [\"http://127.0.0.1:%d\", \"%s\"], prefix = \"%s\","
        " ttl = 2s, required-contact-points = 3 } }",
        dead, etcd.endpoint, prefix);
    for (int i = 0; i < 3; i++) {
        start_with(i, extra);
    }
    memset(want, 0, sizeof want);
    want[0] = want[1] = want[2] = 1;
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(pump_until(i, 30000, up_set, &i),
            "node %d did not see all three Up", i);
    }
    ck_assert_int_eq(registered(prefix), 3);
    for (int i = 0; i < 3; i++) {
        ck_assert(write(m[i].p.in_fd, "quit\n", 5) == 5);
        ck_assert_int_eq(pp_stop(&m[i].p, 10000), 0);
    }
    ck_assert_int_eq(registered(prefix), 0);
}
END_TEST

/* Proves: what is under the prefix but is no akt address (another
 * program's key, garbage) is skipped and counted, never returned to
 * join; a registration of this process is listed, sorted with the rest;
 * bad arguments are EINVAL; an etcd that is not there is EPEER, not a
 * hang. */
START_TEST(list_skips_what_is_no_address_and_errors_are_clear)
{
    char resp[4096], k64[256], v64[256], body[700];
    etcd_b64("akt/list-test/junk", k64);
    etcd_b64("not an address", v64);
    snprintf(body, sizeof body, "{\"key\":\"%s\",\"value\":\"%s\"}", k64, v64);
    ck_assert(etcd_post(&etcd, "/v3/kv/put", body, resp, sizeof resp));
    akt_discovery *d;
    ck_assert_int_eq(
        akt_discovery_etcd_new(etcd.endpoint, "akt/list-test", AKT_SEC(5), &d),
        AKT_OK);
    ck_assert_int_eq(akt_discovery_register(d, "akt://b@127.0.0.1:2"), AKT_OK);
    ck_assert_int_eq(
        akt_discovery_register(d, "akt://b@127.0.0.1:2"), AKT_ESTATE);
    etcd_b64("akt/list-test/akt://a@127.0.0.1:1", k64);
    etcd_b64("akt://a@127.0.0.1:1", v64);
    snprintf(body, sizeof body, "{\"key\":\"%s\",\"value\":\"%s\"}", k64, v64);
    ck_assert(etcd_post(&etcd, "/v3/kv/put", body, resp, sizeof resp));
    char(*out)[AKT_DISCOVERY_ADDR_LEN] = calloc(8, AKT_DISCOVERY_ADDR_LEN);
    size_t n = 0, skipped = 0;
    ck_assert_int_eq(akt_discovery_list(d, out, 8, &n, &skipped), AKT_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(skipped, 1);
    ck_assert_str_eq(out[0], "akt://a@127.0.0.1:1");
    ck_assert_str_eq(out[1], "akt://b@127.0.0.1:2");
    ck_assert_int_eq(akt_discovery_deregister(d), AKT_OK);
    ck_assert_int_eq(akt_discovery_list(d, out, 8, &n, NULL), AKT_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(akt_discovery_register(d, "no address"), AKT_EINVAL);
    akt_discovery_free(d);

    ck_assert_int_eq(
        akt_discovery_etcd_new(etcd.endpoint, "", AKT_SEC(5), &d), AKT_EINVAL);
    ck_assert_int_eq(
        akt_discovery_etcd_new("tcp://x:1", "p", AKT_SEC(5), &d), AKT_EINVAL);
    ck_assert_int_eq(
        akt_discovery_etcd_new(etcd.endpoint, "p", AKT_MS(10), &d), AKT_EINVAL);
    char dead[64];
    snprintf(dead, sizeof dead, "http://127.0.0.1:%d", etcd_free_port());
    ck_assert_int_eq(akt_discovery_etcd_new(dead, "p", AKT_SEC(5), &d), AKT_OK);
    long long t0 = pp_now_ms();
    ck_assert_int_eq(
        akt_discovery_register(d, "akt://a@127.0.0.1:1"), AKT_EPEER);
    ck_assert_int_eq(akt_discovery_list(d, out, 8, &n, NULL), AKT_EPEER);
    ck_assert_int_lt(pp_now_ms() - t0, 10000);
    akt_discovery_free(d);
    free(out);
}
END_TEST

static void
teardown(void)
{
    for (int i = 0; i < NODES; i++) {
        pp_kill(&m[i].p);
    }
}

int
main(void)
{
    Suite *s = suite_create("cluster_discovery");
    TCase *tc = tcase_create("etcd");
    tcase_add_unchecked_fixture(tc, start_etcd, stop_etcd);
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 150);
    tcase_add_test(tc, list_skips_what_is_no_address_and_errors_are_clear);
    tcase_add_test(tc, nodes_find_each_other_through_etcd);
    tcase_add_test(tc, configured_discovery_joins_through_etcd);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
