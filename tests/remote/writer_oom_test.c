/*
 * writer_oom_test.c -- a remoting writer thread that cannot allocate its
 * batch buffers when it starts (calloc is wrapped: on the writer threads,
 * named akt-rm-w*, the first two callocs fail) works a frame at a time
 * from its stack instead of aborting, and delivers everything, in order.
 * (transport_tx.c's writers called abort() there.)
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "remote/peer_proc.h"
#include "remote/transport.h"

/* --- the injector: the first two callocs of each writer thread fail --- */

void *__real_calloc(size_t n, size_t m);
static _Atomic bool armed;
static _Atomic long refused;
static _Thread_local int writer_callocs;

void *
__wrap_calloc(size_t n, size_t m)
{
    if (atomic_load_explicit(&armed, memory_order_relaxed)) {
        char name[16] = "";
        pthread_getname_np(pthread_self(), name, sizeof name);
        if (strncmp(name, "akt-rm-w", 8) == 0 && writer_callocs++ < 2) {
            atomic_fetch_add(&refused, 1);
            return NULL;
        }
    }
    return __real_calloc(n, m);
}

/* --- a node that counts what it gets, in order ---------------------------- */

typedef struct node {
    akti_tp *tp;
    pthread_mutex_t mu;
    uint64_t got[AKTI_CH_COUNT];
    uint64_t next[AKTI_CH_COUNT];
    uint64_t order_errors;
} node;

static size_t
n_on_envelope(
    void *arg, const akti_peer *from, int ch, const akti_envelope *env)
{
    node *n = arg;
    pthread_mutex_lock(&n->mu);
    if (env->payload_len == 8) {
        uint64_t v;
        memcpy(&v, env->payload, 8);
        if (v != n->next[ch]) {
            n->order_errors++;
        }
        n->next[ch] = v + 1;
    }
    n->got[ch]++;
    pthread_mutex_unlock(&n->mu);
    (void)from;
    return 0;
}

static void
n_on_peer(void *arg, const akti_peer *p, akti_peer_event ev, const char *why)
{
    (void)arg;
    (void)p;
    (void)ev;
    (void)why;
}

static const akti_tp_callbacks node_cbs
    = { .on_envelope = n_on_envelope, .on_peer = n_on_peer };

static void
node_start(node *n, const char *name, const char *url)
{
    memset(n, 0, sizeof(*n));
    pthread_mutex_init(&n->mu, NULL);
    akti_tp_opts o;
    akti_tp_opts_default(&o);
    o.system_name = name;
    o.listen_url = url;
    o.cookie = "c";
    o.cb = &node_cbs;
    o.cb_arg = n;
    o.handshake_timeout_ns = 3000000000LL;
    o.handshake_retry_ns = 100000000LL;
    /* a queue deep enough for the whole burst: no counted drop */
    o.outbound_queue_size = 4096;
    ck_assert_int_eq(akti_tp_start(&o, &n->tp), AKT_OK);
}

static uint64_t
got(node *n, int ch)
{
    pthread_mutex_lock(&n->mu);
    uint64_t v = n->got[ch];
    pthread_mutex_unlock(&n->mu);
    return v;
}

static akt_err
send_u64(akti_assoc *a, uint64_t v, bool system, uint64_t uid)
{
    akti_envelope e
        = { "/user/sink", 10, "/user/src", 9, 42, (const uint8_t *)&v, 8 };
    return akti_assoc_send(a, &e, system, uid);
}

/* Proves that writers whose batch buffers cannot be allocated at thread
 * start deliver every ordinary and system message, in order, one frame
 * at a time, instead of aborting. */
START_TEST(writers_that_cannot_allocate_at_start_still_deliver_everything)
{
    node a, b;
    node_start(&b, "b", "inproc://akt-woom-b");
    atomic_store(&armed, true); /* a's writers start with the association */
    node_start(&a, "a", "inproc://akt-woom-a");
    akti_assoc *ab;
    ck_assert_int_eq(
        akti_tp_assoc(a.tp, "inproc://akt-woom-b", "b", &ab), AKT_OK);
    uint64_t uid = 0;
    ck_assert_int_eq(akti_assoc_wait_up(ab, UP_GUARD_NS, &uid), AKT_OK);
    const uint64_t N = 2000, S = 200;
    for (uint64_t i = 0; i < N; i++) {
        ck_assert_int_eq(send_u64(ab, i, false, uid), AKT_OK);
        if (i < S) {
            ck_assert_int_eq(send_u64(ab, i, true, uid), AKT_OK);
        }
    }
    PP_WAIT_UNTIL(
        got(&b, AKTI_CH_ORDINARY) >= N && got(&b, AKTI_CH_CONTROL) >= S, 10000);
    atomic_store(&armed, false);
    ck_assert_uint_eq(got(&b, AKTI_CH_ORDINARY), N);
    ck_assert_uint_eq(got(&b, AKTI_CH_CONTROL), S);
    ck_assert_uint_eq(b.order_errors, 0);
    /* the writers did start without their buffers (b's too, answering) */
    ck_assert_int_ge(atomic_load(&refused), 2);
    akti_tp_free(a.tp);
    akti_tp_free(b.tp);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("remote_writer_oom");
    TCase *tc = tcase_create("oom");
    tcase_set_timeout(tc, 60);
    tcase_add_test(
        tc, writers_that_cannot_allocate_at_start_still_deliver_everything);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
