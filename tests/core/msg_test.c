/*
 * msg_test.c -- messages (core/msg.c): refcounts, arenas, dup/equal, the
 * per-thread pool across threads (a producer thread allocates, a consumer
 * thread frees), the live-message counter, and allocation failure: the Nth
 * malloc fails for N = 1, 2, ... until a run completes (SQLite's
 * discipline), and nothing crashes or leaks.
 */
#include <pthread.h>
#include <sched.h>

#include "testutil.h"

/* --- allocation failure injection (linked with --wrap=malloc etc.) ------ */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void akti_msg_cache_flush(void);

/* only the thread under test sees failures (Check allocates too) */
static _Atomic long fail_at; /* 0: never */
static _Atomic long nallocs;
static _Thread_local bool inject;

static bool
should_fail(void)
{
    long at = atomic_load(&fail_at);
    return inject && at > 0 && atomic_fetch_add(&nallocs, 1) + 1 == at;
}

void *
__wrap_malloc(size_t n)
{
    if (should_fail()) {
        if (getenv("T_DEBUG")) {
            fprintf(stderr, "fail malloc(%zu) from %p\n", n,
                __builtin_return_address(0));
        }
        return NULL;
    }
    return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t m)
{
    return should_fail() ? NULL : __real_calloc(n, m);
}

void *
__wrap_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __real_realloc(p, n);
}

/* --- a message type with a string and a list in its arena --------------- */

typedef struct t_Text {
    akt_str s;
    struct {
        int32_t *items;
        size_t len;
    } nums;
} t_Text;

static akt_err
text_copy(void *dst, const void *src, akt_arena *a)
{
    t_Text *d = dst;
    const t_Text *s = src;
    akt_err rc = akt_arena_str(a, s->s.ptr, s->s.len, &d->s);
    if (rc != AKT_OK) {
        return rc;
    }
    d->nums.items = akt_arena_alloc(
        a, s->nums.len * sizeof(int32_t) + 1, _Alignof(int32_t));
    if (d->nums.items == NULL) {
        return AKT_ENOMEM;
    }
    memcpy(d->nums.items, s->nums.items, s->nums.len * sizeof(int32_t));
    d->nums.len = s->nums.len;
    return AKT_OK;
}

static bool
text_equal(const void *a, const void *b)
{
    const t_Text *x = a, *y = b;
    return x->s.len == y->s.len && memcmp(x->s.ptr, y->s.ptr, x->s.len) == 0
        && x->nums.len == y->nums.len
        && memcmp(x->nums.items, y->nums.items, x->nums.len * sizeof(int32_t))
        == 0;
}

static const akt_type t_text_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "test.Text",
    .id = 0x4444,
    .size = sizeof(t_Text),
    .align = _Alignof(t_Text),
    .copy = text_copy,
    .equal = text_equal,
};

/* build a text message whose arena overflows into chained blocks */
static akt_err
make_text(size_t len, t_Text **out)
{
    t_Text *m = akt_msg_new(&t_text_type, 16);
    if (m == NULL) {
        return AKT_ENOMEM;
    }
    char *buf = __real_malloc(len);
    memset(buf, 'x', len);
    akt_err rc = akt_arena_str(akt_msg_arena(m), buf, len, &m->s);
    free(buf);
    if (rc == AKT_OK) {
        m->nums.items = akt_arena_alloc(
            akt_msg_arena(m), 100 * sizeof(int32_t), _Alignof(int32_t));
        if (m->nums.items == NULL) {
            rc = AKT_ENOMEM;
        } else {
            for (int i = 0; i < 100; i++) {
                m->nums.items[i] = i;
            }
            m->nums.len = 100;
        }
    }
    if (rc != AKT_OK) {
        akt_msg_free(m);
        return rc;
    }
    *out = m;
    return AKT_OK;
}

START_TEST(refcounts_free_the_message_with_the_last_reference)
{
    int64_t live0 = akti_msg_live();
    t_Int *m = t_int(3);
    ck_assert_int_eq(akti_msg_live(), live0 + 1);
    ck_assert_ptr_eq(akt_msg_retain(m), m);
    akt_msg_free(m);
    ck_assert_int_eq(akti_msg_live(), live0 + 1);
    ck_assert_int_eq(m->v, 3);
    akt_msg_free(m);
    ck_assert_int_eq(akti_msg_live(), live0);
    akt_msg_free(NULL);
    ck_assert_ptr_null(akt_msg_retain(NULL));
    ck_assert_ptr_eq(akt_msg_type(NULL), NULL);
}
END_TEST

START_TEST(arena_overflow_chains_blocks_and_dup_copies_deeply)
{
    t_Text *m = NULL;
    ck_assert_int_eq(make_text(5000, &m), AKT_OK);
    ck_assert_uint_eq(m->s.len, 5000);
    ck_assert_int_eq(m->s.ptr[4999], 'x');
    ck_assert_int_eq(m->s.ptr[5000], '\0');
    t_Text *d = akt_msg_dup(m);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_ne(d->s.ptr, m->s.ptr);
    ck_assert(akt_msg_equal(m, d));
    d->nums.items[7] = -1;
    ck_assert(!akt_msg_equal(m, d));
    ck_assert_ptr_eq(akt_msg_type(d), &t_text_type);
    akt_msg_free(d);
    akt_msg_free(m);
    ck_assert_ptr_null(akt_arena_alloc(NULL, 8, 8));
    ck_assert_ptr_null(akt_msg_new(NULL, 0));
}
END_TEST

#define XFER 200000
typedef struct xfer {
    _Atomic(t_Int *) slot[64];
    _Atomic int done;
} xfer;

static void *
consumer(void *arg)
{
    xfer *x = arg;
    long got = 0;
    while (got < XFER) {
        long before = got;
        for (int i = 0; i < 64; i++) {
            t_Int *m = atomic_exchange(&x->slot[i], NULL);
            if (m) {
                ck_assert_int_eq(m->v, 7);
                akt_msg_free(m);
                got++;
            }
        }
        if (got == before) {
            sched_yield(); /* nothing to take: let the producer run */
        }
    }
    return NULL;
}

START_TEST(pool_blocks_flow_from_a_freeing_thread_back_to_an_allocating_one)
{
    static xfer x;
    memset(&x, 0, sizeof x);
    int64_t live0 = akti_msg_live();
    pthread_t th;
    pthread_create(&th, NULL, consumer, &x);
    long sent = 0;
    while (sent < XFER) {
        long before = sent;
        for (int i = 0; i < 64 && sent < XFER; i++) {
            if (atomic_load(&x.slot[i]) == NULL) {
                t_Int *m = akt_msg_new(&t_int_type, 0);
                ck_assert_ptr_nonnull(m);
                m->v = 7;
                atomic_store(&x.slot[i], m);
                sent++;
            }
        }
        if (sent == before) {
            sched_yield(); /* every slot full: let the consumer run */
        }
    }
    pthread_join(th, NULL);
    ck_assert_int_eq(akti_msg_live(), live0);
}
END_TEST

/* one round: make, dup, compare, free; count failures */
static akt_err
round_trip(void)
{
    t_Text *m = NULL;
    akt_err rc = make_text(3000, &m);
    if (rc != AKT_OK) {
        return rc;
    }
    t_Text *d = akt_msg_dup(m);
    if (d == NULL) {
        akt_msg_free(m);
        return AKT_ENOMEM;
    }
    bool eq = akt_msg_equal(m, d);
    akt_msg_free(d);
    akt_msg_free(m);
    return eq ? AKT_OK : AKT_EINTERNAL;
}

static void *
fresh_thread_round(void *arg)
{
    /* a fresh thread has an empty pool cache: its first message mallocs */
    akt_err *out = arg;
    inject = true;
    *out = round_trip();
    inject = false;
    akti_msg_cache_flush();
    return NULL;
}

START_TEST(every_failed_allocation_is_reported_and_nothing_leaks)
{
    int64_t live0 = akti_msg_live();
    bool completed = false;
    for (long n = 1; n < 200 && !completed; n++) {
        atomic_store(&nallocs, 0);
        atomic_store(&fail_at, n);
        akt_err rc = AKT_EINTERNAL;
        pthread_t th;
        ck_assert_int_eq(pthread_create(&th, NULL, fresh_thread_round, &rc), 0);
        pthread_join(th, NULL);
        atomic_store(&fail_at, 0);
        ck_assert_msg(rc == AKT_OK || rc == AKT_ENOMEM, "n=%ld rc=%d", n, rc);
        ck_assert_msg(akti_msg_live() == live0, "n=%ld: %lld live", n,
            (long long)(akti_msg_live() - live0));
        completed = rc == AKT_OK && atomic_load(&nallocs) < n;
    }
    ck_assert(completed);
}
END_TEST

Suite *
msg_suite(void)
{
    Suite *s = suite_create("msg");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, refcounts_free_the_message_with_the_last_reference);
    tcase_add_test(tc, arena_overflow_chains_blocks_and_dup_copies_deeply);
    tcase_add_test(
        tc, pool_blocks_flow_from_a_freeing_thread_back_to_an_allocating_one);
    tcase_add_test(tc, every_failed_allocation_is_reported_and_nothing_leaks);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(msg_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
