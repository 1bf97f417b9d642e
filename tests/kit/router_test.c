/*
 * router_test.c -- pool and group routers with every routing logic
 * (akt/router.h).
 */
#include "kitutil.h"

/* A routee: for kit.Int it replies k_Ref{self, v}, or (aux == 1) tells the
 * probe in its init_arg k_Ref{self, (intptr) msg pointer}; aux == 2: never
 * replies but tells the probe it was asked; aux == 3: fails. */
typedef struct routee {
    akt_ref probe;
} routee;

static akt_err
routee_init(void *s, const void *arg)
{
    if (arg) {
        ((routee *)s)->probe = *(const akt_ref *)arg;
    }
    return AKT_OK;
}

static akt_err
routee_int(void *state, akt_ctx *ctx, const void *msg)
{
    routee *r = state;
    const k_Int *m = msg;
    switch (m->aux) {
    case 1:
        return akt_tell(r->probe,
            k_refmsg(akt_ctx_self(ctx), (int64_t)(intptr_t)msg), AKT_REF_NONE);
    case 2:
        return akt_tell(
            r->probe, k_refmsg(akt_ctx_self(ctx), m->v), AKT_REF_NONE);
    case 3:
        return AKT_EFAILED;
    }
    return akt_reply(ctx, k_refmsg(akt_ctx_self(ctx), m->v));
}

static const akt_handler routee_h[] = { { &k_int_type, routee_int } };
static const akt_behavior routee_b
    = { .name = "routee", .handlers = routee_h, .nhandlers = 1 };

static akt_props
routee_props(akt_ref *probe)
{
    return (akt_props) { .behavior = &routee_b,
        .state_size = sizeof(routee),
        .state_init = routee_init,
        .init_arg = probe };
}

/* send v through the router from the probe; return the routee that answered */
static akt_ref
via(akt_probe *p, akt_ref router, int64_t v)
{
    ck_assert_int_eq(
        akt_probe_send(p, router, k_int(&k_int_type, v, 0)), AKT_OK);
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(p, &k_ref_type, AKT_SEC(5), &m), AKT_OK);
    ck_assert_int_eq(((k_Ref *)m)->v, v);
    akt_ref r = ((k_Ref *)m)->ref;
    akt_msg_free(m);
    return r;
}

static int
index_of(akt_Routees *rs, akt_ref r)
{
    for (size_t i = 0; i < rs->len; i++) {
        if (akt_ref_equal(rs->refs[i], r)) {
            return (int)i;
        }
    }
    return -1;
}

typedef struct fixture {
    int64_t live0;
    akt_system *sys;
    akt_probe *p;
    akt_ref pr;
    akt_props rp;
    akt_ref router;
    akt_Routees *rs;
} fixture;

static void
up(fixture *f, const char *name, bool deterministic, akt_router_opts o)
{
    f->live0 = akti_msg_live();
    f->sys = k_system(
        name, deterministic, true, "akt.actor.default-dispatcher.workers = 3");
    ck_assert_int_eq(akt_probe_new(f->sys, NULL, &f->p), AKT_OK);
    f->pr = akt_probe_ref(f->p);
    f->rp = routee_props(&f->pr);
    if (o.paths == NULL) {
        o.routee_props = &f->rp;
    }
    ck_assert_int_eq(
        akt_router_spawn(f->sys, &o, "router", &f->router), AKT_OK);
    ck_assert_int_eq(akt_router_routees(f->router, AKT_SEC(5), &f->rs), AKT_OK);
}

static void
down(fixture *f)
{
    akt_msg_free(f->rs);
    akt_probe_free(f->p);
    k_teardown(f->sys, f->live0);
}

START_TEST(round_robin_takes_routees_in_turn)
{
    fixture f;
    up(&f, "rr", true,
        (akt_router_opts) { .logic = AKT_ROUTE_ROUND_ROBIN, .instances = 3 });
    ck_assert_uint_eq(f.rs->len, 3);
    for (int i = 0; i < 9; i++) {
        ck_assert_int_eq(index_of(f.rs, via(f.p, f.router, i)), i % 3);
    }
    down(&f);
}
END_TEST

START_TEST(random_spreads_over_every_routee)
{
    fixture f;
    up(&f, "rnd", true,
        (akt_router_opts) {
            .logic = AKT_ROUTE_RANDOM, .instances = 4, .seed = 42 });
    int count[4] = { 0 };
    for (int i = 0; i < 400; i++) {
        int k = index_of(f.rs, via(f.p, f.router, i));
        ck_assert_int_ge(k, 0);
        count[k]++;
    }
    for (int k = 0; k < 4; k++) {
        ck_assert_int_gt(count[k], 50); /* 100 expected each */
    }
    down(&f);
}
END_TEST

START_TEST(broadcast_sends_one_shared_message_to_every_routee)
{
    fixture f;
    up(&f, "bc", true,
        (akt_router_opts) { .logic = AKT_ROUTE_BROADCAST, .instances = 3 });
    int64_t live_before = akti_msg_live();
    void *msg = k_int(&k_int_type, 0, 1);
    k_tell(f.router, msg);
    bool seen[3] = { false };
    for (int i = 0; i < 3; i++) {
        void *m;
        ck_assert_int_eq(
            akt_probe_expect_type(f.p, &k_ref_type, AKT_SEC(5), &m), AKT_OK);
        ck_assert_int_eq(
            ((k_Ref *)m)->v, (int64_t)(intptr_t)msg); /* the same message */
        int k = index_of(f.rs, ((k_Ref *)m)->ref);
        ck_assert(!seen[k]);
        seen[k] = true;
        akt_msg_free(m);
    }
    ck_assert_int_eq(
        akti_msg_live(), live_before); /* and it is gone once each saw it */
    down(&f);
}
END_TEST

START_TEST(a_broadcast_reaches_every_routee_whatever_the_logic)
{
    fixture f;
    up(&f, "bc2", true,
        (akt_router_opts) { .logic = AKT_ROUTE_ROUND_ROBIN, .instances = 3 });
    void *msg = k_int(&k_int_type, 0, 1);
    ck_assert_int_eq(akt_router_broadcast(f.router, msg, AKT_REF_NONE), AKT_OK);
    for (int i = 0; i < 3; i++) {
        void *m;
        ck_assert_int_eq(
            akt_probe_expect_type(f.p, &k_ref_type, AKT_SEC(5), &m), AKT_OK);
        ck_assert_int_eq(((k_Ref *)m)->v, (int64_t)(intptr_t)msg);
        akt_msg_free(m);
    }
    down(&f);
}
END_TEST

static uint64_t
key_of(const void *msg, void *arg)
{
    return (uint64_t)((const k_Int *)msg)->v;
}

START_TEST(
    consistent_hashing_sends_a_key_to_the_same_routee_and_resizing_moves_few)
{
    fixture f;
    up(&f, "ch", true,
        (akt_router_opts) { .logic = AKT_ROUTE_CONSISTENT_HASH,
            .instances = 5,
            .hash_key = key_of,
            .virtual_nodes = 50 });
    akt_ref first[200];
    int count[5] = { 0 };
    for (int k = 0; k < 200; k++) {
        first[k] = via(f.p, f.router, k);
        count[index_of(f.rs, first[k])]++;
        ck_assert(akt_ref_equal(via(f.p, f.router, k), first[k]));
    }
    for (int i = 0; i < 5; i++) {
        ck_assert_int_gt(count[i], 10); /* 40 expected each */
    }
    ck_assert_int_eq(akt_router_resize(f.router, 1), AKT_OK);
    int moved = 0;
    for (int k = 0; k < 200; k++) {
        moved += !akt_ref_equal(via(f.p, f.router, k), first[k]);
    }
    ck_assert_int_gt(moved, 0);
    ck_assert_int_lt(
        moved, 80); /* ~1/6 expected; modulo hashing would move ~5/6 */
    down(&f);
}
END_TEST

/* routees that block on a latch, to fill mailboxes */
static pthread_mutex_t lmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lcv = PTHREAD_COND_INITIALIZER;
static int lopen;
static _Atomic int nblocked;

static akt_err
blocker(void *state, akt_ctx *ctx, const void *msg)
{
    const k_Int *m = msg;
    if (m->aux == 9) {
        pthread_mutex_lock(&lmu);
        atomic_fetch_add(&nblocked, 1);
        while (!lopen) {
            pthread_cond_wait(&lcv, &lmu);
        }
        pthread_mutex_unlock(&lmu);
        return AKT_OK;
    }
    return routee_int(state, ctx, msg);
}

static const akt_handler blocker_h[] = { { &k_int_type, blocker } };
static const akt_behavior blocker_b
    = { .name = "blocker", .handlers = blocker_h, .nhandlers = 1 };

START_TEST(smallest_mailbox_prefers_an_idle_routee_with_an_empty_mailbox)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system(
        "sm", false, false, "akt.actor.default-dispatcher.workers = 4");
    lopen = 0;
    atomic_store(&nblocked, 0);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_props rp = { .behavior = &blocker_b,
        .state_size = sizeof(routee),
        .state_init = routee_init,
        .init_arg = &pr };
    akt_router_opts o = {
        .logic = AKT_ROUTE_SMALLEST_MAILBOX, .routee_props = &rp, .instances = 3
    };
    akt_ref router;
    ck_assert_int_eq(akt_router_spawn(sys, &o, "router", &router), AKT_OK);
    akt_Routees *rs;
    ck_assert_int_eq(akt_router_routees(router, AKT_SEC(5), &rs), AKT_OK);
    /* routees 0 and 1: busy (blocked) with a message waiting behind */
    for (int i = 0; i < 2; i++) {
        k_tell(rs->refs[i], k_int(&k_int_type, 0, 9));
        k_tell(rs->refs[i], k_int(&k_int_type, 0, 0));
    }
    int64_t dl = k_now() + AKT_SEC(10);
    while (atomic_load(&nblocked) < 2 && k_now() < dl) {
        sched_yield();
    }
    ck_assert_int_eq(atomic_load(&nblocked), 2);
    for (int i = 1; i <= 20; i++) {
        ck_assert_int_eq(index_of(rs, via(p, router, i)), 2);
    }
    pthread_mutex_lock(&lmu);
    lopen = 1;
    pthread_cond_broadcast(&lcv);
    pthread_mutex_unlock(&lmu);
    /* the two queued messages reply to no one (dead letters): fine */
    akt_msg_free(rs);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(scatter_gather_returns_the_first_reply_only)
{
    /* group router: one silent routee, two that answer */
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("sg", true, true, NULL);
    akt_probe *p, *asked;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    ck_assert_int_eq(akt_probe_new(sys, NULL, &asked), AKT_OK);
    akt_ref ar = akt_probe_ref(asked);
    akt_props rp = routee_props(&ar);
    akt_ref r[3];
    ck_assert_int_eq(akt_spawn(sys, &rp, "a", &r[0]), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &rp, "b", &r[1]), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &rp, "c", &r[2]), AKT_OK);
    const char *paths[] = { "/user/a", "/user/b", "/user/c" };
    akt_router_opts o = { .logic = AKT_ROUTE_SCATTER_GATHER,
        .paths = paths,
        .npaths = 3,
        .within_ns = AKT_SEC(2) };
    akt_ref router;
    ck_assert_int_eq(akt_router_spawn(sys, &o, "sg", &router), AKT_OK);
    ck_assert_int_eq(
        akt_probe_send(p, router, k_int(&k_int_type, 7, 0)), AKT_OK);
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(p, &k_ref_type, AKT_SEC(5), &m), AKT_OK);
    ck_assert(akt_ref_equal(
        ((k_Ref *)m)->ref, r[0])); /* deterministic: a answers first */
    akt_msg_free(m);
    ck_assert_int_eq(
        akt_probe_expect_no_msg(p, 0), AKT_OK); /* b's and c's are dropped */
    /* nobody answers: the sender gets AKT_ETIMEDOUT after `within` */
    ck_assert_int_eq(
        akt_probe_send(p, router, k_int(&k_int_type, 7, 2)), AKT_OK);
    ck_assert_int_eq(akt_probe_receive_n(asked, 3, AKT_SEC(1), NULL), AKT_OK);
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(2)), AKT_OK);
    ck_assert_int_eq(
        akt_probe_expect_type(p, &akt_status_type, AKT_SEC(5), &m), AKT_OK);
    ck_assert_int_eq(((akt_Status *)m)->code, AKT_ETIMEDOUT);
    akt_msg_free(m);
    akt_probe_free(asked);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(tail_chopping_asks_the_next_routee_every_interval)
{
    fixture f;
    up(&f, "tc", true,
        (akt_router_opts) { .logic = AKT_ROUTE_TAIL_CHOPPING,
            .instances = 3,
            .interval_ns = AKT_SEC(1),
            .within_ns = AKT_SEC(10),
            .seed = 7 });
    akt_probe *req;
    ck_assert_int_eq(akt_probe_new(f.sys, NULL, &req), AKT_OK);
    /* silent routees (aux 2 tells f.p "asked") */
    ck_assert_int_eq(
        akt_probe_send(req, f.router, k_int(&k_int_type, 5, 2)), AKT_OK);
    bool asked[3] = { false };
    for (int step = 0; step < 3; step++) {
        void *m;
        ck_assert_int_eq(
            akt_probe_expect_type(f.p, &k_ref_type, AKT_SEC(1), &m), AKT_OK);
        int k = index_of(f.rs, ((k_Ref *)m)->ref);
        ck_assert(!asked[k]);
        asked[k] = true;
        akt_msg_free(m);
        ck_assert_int_eq(
            akt_probe_expect_no_msg(f.p, 0), AKT_OK); /* one at a time */
        ck_assert_int_eq(akt_testkit_advance(f.sys, AKT_SEC(1)), AKT_OK);
    }
    ck_assert_int_eq(akt_probe_expect_no_msg(req, 0), AKT_OK);
    ck_assert_int_eq(
        akt_testkit_advance(f.sys, AKT_SEC(7)), AKT_OK); /* within passes */
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(req, &akt_status_type, AKT_SEC(1), &m), AKT_OK);
    ck_assert_int_eq(((akt_Status *)m)->code, AKT_ETIMEDOUT);
    akt_msg_free(m);
    /* answering routees: the first one asked answers, nobody else is asked */
    ck_assert_int_eq(
        akt_probe_send(req, f.router, k_int(&k_int_type, 6, 0)), AKT_OK);
    ck_assert_int_eq(
        akt_probe_expect_type(req, &k_ref_type, AKT_SEC(1), NULL), AKT_OK);
    ck_assert_int_eq(akt_testkit_advance(f.sys, AKT_SEC(5)), AKT_OK);
    ck_assert_int_eq(akt_probe_expect_no_msg(req, 0), AKT_OK);
    akt_probe_free(req);
    down(&f);
}
END_TEST

START_TEST(a_pool_resizes_within_its_bounds)
{
    fixture f;
    up(&f, "rs", true,
        (akt_router_opts) { .logic = AKT_ROUTE_ROUND_ROBIN,
            .instances = 2,
            .lower_bound = 1,
            .upper_bound = 4 });
    akt_Routees *rs;
    ck_assert_int_eq(akt_router_resize(f.router, 5), AKT_OK);
    ck_assert_int_eq(akt_router_routees(f.router, AKT_SEC(5), &rs), AKT_OK);
    ck_assert_uint_eq(rs->len, 4);
    akt_msg_free(rs);
    ck_assert_int_eq(akt_router_resize(f.router, -10), AKT_OK);
    ck_assert_int_eq(akt_router_routees(f.router, AKT_SEC(5), &rs), AKT_OK);
    ck_assert_uint_eq(rs->len, 1);
    akt_msg_free(rs);
    akt_system_stats_t st;
    akt_system_stats(f.sys, &st);
    ck_assert_int_eq(
        st.live_actors, 3); /* probe, router, one routee: the rest stopped */
    down(&f);
}
END_TEST

START_TEST(an_auto_resizing_pool_grows_under_pressure_and_shrinks_when_idle)
{
    int64_t live0 = akti_msg_live();
    /* more workers than routees can block, so the router always runs */
    akt_system *sys = k_system(
        "ars", false, false, "akt.actor.default-dispatcher.workers = 8");
    lopen = 0;
    atomic_store(&nblocked, 0);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_props rp = { .behavior = &blocker_b,
        .state_size = sizeof(routee),
        .state_init = routee_init,
        .init_arg = &pr };
    akt_router_opts o = { .logic = AKT_ROUTE_ROUND_ROBIN,
        .routee_props = &rp,
        .instances = 2,
        .lower_bound = 1,
        .upper_bound = 5,
        .resize_every = 1 };
    akt_ref router;
    ck_assert_int_eq(akt_router_spawn(sys, &o, "router", &router), AKT_OK);
    /* every routee blocks on its message: all busy, so the pool grows */
    for (int i = 0; i < 12; i++) {
        k_tell(router, k_int(&k_int_type, i, 9));
    }
    akt_Routees *rs;
    ck_assert_int_eq(akt_router_routees(router, AKT_SEC(5), &rs), AKT_OK);
    ck_assert_uint_eq(rs->len, 5);
    akt_msg_free(rs);
    pthread_mutex_lock(&lmu);
    lopen = 1;
    pthread_cond_broadcast(&lcv);
    pthread_mutex_unlock(&lmu);
    /* one request at a time, answered before the next: mostly idle */
    for (int i = 0; i < 20; i++) {
        via(p, router, 100 + i);
    }
    ck_assert_int_eq(akt_router_routees(router, AKT_SEC(5), &rs), AKT_OK);
    ck_assert_uint_le(rs->len, 2);
    ck_assert_uint_ge(rs->len, 1);
    akt_msg_free(rs);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

static akt_directive
stop_it(akt_err reason, akt_ref child, void *arg)
{
    return AKT_STOP;
}

START_TEST(a_pool_supervises_its_routees_and_stops_when_none_is_left)
{
    akt_supervisor_strategy sup
        = { .kind = AKT_ONE_FOR_ONE, .decider = stop_it };
    fixture f;
    up(&f, "sup", true,
        (akt_router_opts) { .logic = AKT_ROUTE_ROUND_ROBIN,
            .instances = 2,
            .supervisor = &sup });
    ck_assert_int_eq(akt_probe_watch(f.p, f.router), AKT_OK);
    k_tell(f.router,
        k_int(&k_int_type, 0, 3)); /* routee 0 fails: stopped, removed */
    akt_Routees *rs;
    ck_assert_int_eq(akt_router_routees(f.router, AKT_SEC(5), &rs), AKT_OK);
    ck_assert_uint_eq(rs->len, 1);
    ck_assert(akt_ref_equal(rs->refs[0], f.rs->refs[1]));
    akt_msg_free(rs);
    k_tell(f.router, k_int(&k_int_type, 0, 3));
    ck_assert_int_eq(
        akt_probe_expect_terminated(f.p, f.router, AKT_SEC(5)), AKT_OK);
    down(&f);
}
END_TEST

START_TEST(a_group_router_routes_by_path_and_finds_a_replacement)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("grp", true, true, NULL);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_props rp = routee_props(&pr);
    akt_ref a, b;
    ck_assert_int_eq(akt_spawn(sys, &rp, "ga", &a), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &rp, "gb", &b), AKT_OK);
    const char *paths[] = { "/user/ga", "akt://grp/user/gb" };
    akt_router_opts o
        = { .logic = AKT_ROUTE_ROUND_ROBIN, .paths = paths, .npaths = 2 };
    akt_ref router;
    ck_assert_int_eq(akt_router_spawn(sys, &o, NULL, &router), AKT_OK);
    ck_assert(akt_ref_equal(via(p, router, 1), a));
    ck_assert(akt_ref_equal(via(p, router, 2), b));
    ck_assert_int_eq(akt_stop(a), AKT_OK);
    akt_ref a2;
    ck_assert_int_eq(
        akt_spawn(sys, &rp, "ga", &a2), AKT_OK); /* same path, new actor */
    ck_assert(akt_ref_equal(via(p, router, 3), a2));
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(router_spawn_rejects_bad_options)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("bad", true, true, NULL);
    akt_ref r;
    akt_router_opts none = { .logic = AKT_ROUTE_ROUND_ROBIN };
    ck_assert_int_eq(akt_router_spawn(sys, &none, NULL, &r), AKT_EINVAL);
    akt_props rp = routee_props(NULL);
    akt_router_opts nokey = {
        .logic = AKT_ROUTE_CONSISTENT_HASH, .routee_props = &rp, .instances = 2
    };
    ck_assert_int_eq(akt_router_spawn(sys, &nokey, NULL, &r), AKT_EINVAL);
    k_teardown(sys, live0);
}
END_TEST

static Suite *
router_suite(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("kit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, round_robin_takes_routees_in_turn);
    tcase_add_test(tc, random_spreads_over_every_routee);
    tcase_add_test(tc, broadcast_sends_one_shared_message_to_every_routee);
    tcase_add_test(tc, a_broadcast_reaches_every_routee_whatever_the_logic);
    tcase_add_test(tc,
        consistent_hashing_sends_a_key_to_the_same_routee_and_resizing_moves_few);
    tcase_add_test(
        tc, smallest_mailbox_prefers_an_idle_routee_with_an_empty_mailbox);
    tcase_add_test(tc, scatter_gather_returns_the_first_reply_only);
    tcase_add_test(tc, tail_chopping_asks_the_next_routee_every_interval);
    tcase_add_test(tc, a_pool_resizes_within_its_bounds);
    tcase_add_test(
        tc, an_auto_resizing_pool_grows_under_pressure_and_shrinks_when_idle);
    tcase_add_test(
        tc, a_pool_supervises_its_routees_and_stops_when_none_is_left);
    tcase_add_test(tc, a_group_router_routes_by_path_and_finds_a_replacement);
    tcase_add_test(tc, router_spawn_rejects_bad_options);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(router_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
