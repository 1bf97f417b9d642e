/*
 * actor_test.c -- the actor system: creation, guardians, spawning, names,
 * paths, lookup, tell ordering, lifecycle, stop/poison-pill, become,
 * dead letters, dispatchers chosen by props, and misuse.
 */
#include <sys/syscall.h>
#include <unistd.h>

#include "testutil.h"

#include "akt/testkit.h"

static int64_t live0;

static void
setup(void)
{
    live0 = 0;
}

/* --- behaviours -------------------------------------------------------- */

/* echo: replies v + 1 */
static akt_err
echo_int(void *state, akt_ctx *ctx, const void *msg)
{
    const t_Int *m = msg;
    return akt_reply(ctx, t_int(m->v + 1));
}
static const akt_handler echo_handlers[] = { { &t_int_type, echo_int } };
static const akt_behavior echo_beh = { "echo", echo_handlers, 1, NULL };
static const akt_props echo_props = { .behavior = &echo_beh };

/* recorder: appends each v to a shared array, checks order per producer */
typedef struct rec_shared {
    t_latch latch;
    int64_t last[16];
    _Atomic int64_t out_of_order;
    pid_t tids[4];
} rec_shared;

static akt_err
rec_int(void *state, akt_ctx *ctx, const void *msg)
{
    const t_Int *m = msg;
    rec_shared *sh = (rec_shared *)akt_ctx_behavior_arg(ctx);
    if (m->v != sh->last[m->from] + 1) {
        atomic_fetch_add(&sh->out_of_order, 1);
    }
    sh->last[m->from] = m->v;
    sh->tids[0] = (pid_t)syscall(SYS_gettid);
    t_latch_add(&sh->latch, 1);
    return AKT_OK;
}
static const akt_handler rec_handlers[] = { { &t_int_type, rec_int } };
static const akt_behavior rec_beh = { "rec", rec_handlers, 1, NULL };

static akt_system *
sys_default(const char *name)
{
    return t_system(name, "akt.actor.default-dispatcher.workers=2");
}

/* --- system ------------------------------------------------------------- */

START_TEST(system_create_makes_user_and_system_guardians)
{
    akt_system *sys = sys_default("s1");
    akt_ref r;
    ck_assert_int_eq(akt_lookup(sys, "/user", &r), AKT_OK);
    ck_assert_int_eq(akt_lookup(sys, "/system", &r), AKT_OK);
    ck_assert_int_eq(akt_lookup(sys, "akt://s1/user", &r), AKT_OK);
    ck_assert_int_eq(akt_lookup(sys, "akt://other/user", &r), AKT_ENOENT);
    ck_assert_str_eq(akt_system_name(sys), "s1");
    ck_assert_ptr_nonnull(akt_system_config(sys));
    t_teardown(sys, live0);
}
END_TEST

START_TEST(system_with_bad_name_is_rejected)
{
    akt_system *sys = NULL;
    ck_assert_int_eq(akt_system_create("bad name", NULL, &sys), AKT_EINVAL);
    ck_assert_int_eq(akt_system_create("", NULL, &sys), AKT_EINVAL);
    ck_assert_int_eq(akt_system_create(NULL, NULL, &sys), AKT_EINVAL);
    ck_assert_ptr_null(sys);
}
END_TEST

START_TEST(system_with_null_config_loads_the_reference)
{
    akt_system *sys = NULL;
    ck_assert_int_eq(akt_system_create("refcfg", NULL, &sys), AKT_OK);
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(1), AKT_SEC(10), &f), AKT_OK);
    void *r = NULL;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), &r), AKT_OK);
    ck_assert_int_eq(((t_Int *)r)->v, 2);
    akt_msg_free(r);
    akt_future_release(f);
    t_teardown(sys, live0);
}
END_TEST

START_TEST(terminate_twice_returns_eclosed)
{
    akt_system *sys = sys_default("twice");
    ck_assert_int_eq(akt_system_terminate(sys), AKT_OK);
    ck_assert_int_eq(akt_system_terminate(sys), AKT_ECLOSED);
    ck_assert_int_eq(akt_system_await_termination(sys, AKT_SEC(10)), AKT_OK);
    ck_assert_int_eq(akt_system_await_termination(sys, AKT_SEC(10)), AKT_OK);
    akt_system_free(sys);
}
END_TEST

START_TEST(use_after_terminate_gives_eclosed)
{
    akt_system *sys = sys_default("after");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "a", &a), AKT_OK);
    ck_assert_int_eq(akt_system_terminate(sys), AKT_OK);
    ck_assert_int_eq(akt_system_await_termination(sys, AKT_SEC(10)), AKT_OK);
    akt_ref b;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "b", &b), AKT_ECLOSED);
    t_Int *m = t_int(1);
    ck_assert_int_eq(akt_tell(a, m, AKT_REF_NONE), AKT_ECLOSED);
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, m, AKT_SEC(1), &f), AKT_ECLOSED);
    ck_assert_int_eq(akt_stop(a), AKT_ECLOSED);
    akt_msg_free(m); /* not consumed on error */
    akt_system_free(sys);
    ck_assert_int_eq(akti_msg_live(), 0);
}
END_TEST

static bool
one_dead_letter(void *sys)
{
    return akt_system_dead_letters(sys) >= 1;
}

START_TEST(two_systems_in_one_process_do_not_interfere)
{
    akt_system *s1 = sys_default("one");
    akt_system *s2 = sys_default("two");
    akt_ref a1, a2;
    ck_assert_int_eq(akt_spawn(s1, &echo_props, "same", &a1), AKT_OK);
    ck_assert_int_eq(akt_spawn(s2, &echo_props, "same", &a2), AKT_OK);
    ck_assert(!akt_ref_equal(a1, a2));
    ck_assert_ptr_eq(akt_ref_system(a1), s1);
    /* an unhandled message in s1 is a dead letter of s1 only */
    void *p = akt_msg_new(&t_ctl_type, 0);
    ck_assert_int_eq(akt_tell(a1, p, AKT_REF_NONE), AKT_OK);
    akt_stop(a1);
    t_await_stop(a1);
    /* the stop (a system message) may run first; then the message is left
     * in the mailbox and becomes a dead letter when the mailbox is drained,
     * which can finish just after the stop is observable */
    ck_assert_int_eq(
        akt_testkit_await(one_dead_letter, s1, AKT_SEC(10)), AKT_OK);
    ck_assert_uint_eq(akt_system_dead_letters(s1), 1);
    ck_assert_uint_eq(akt_system_dead_letters(s2), 0);
    /* s2 still works after s1 is gone */
    t_teardown(s1, 0);
    akt_future *f;
    ck_assert_int_eq(akt_ask(a2, t_int(41), AKT_SEC(10), &f), AKT_OK);
    void *r;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), &r), AKT_OK);
    ck_assert_int_eq(((t_Int *)r)->v, 42);
    akt_msg_free(r);
    akt_future_release(f);
    t_teardown(s2, live0);
}
END_TEST

/* --- spawning, names, paths -------------------------------------------- */

START_TEST(named_actor_has_its_path_under_user)
{
    akt_system *sys = sys_default("paths");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "alice", &a), AKT_OK);
    char buf[128];
    ck_assert_int_eq(akt_ref_path(a, buf, sizeof buf), AKT_OK);
    ck_assert_str_eq(buf, "akt://paths/user/alice");
    akt_ref b;
    ck_assert_int_eq(akt_lookup(sys, "/user/alice", &b), AKT_OK);
    ck_assert(akt_ref_equal(a, b));
    ck_assert_int_eq(akt_lookup(sys, "akt://paths/user/alice", &b), AKT_OK);
    ck_assert(akt_ref_equal(a, b));
    ck_assert_int_eq(akt_ref_path(a, buf, 8), AKT_ERANGE);
    t_teardown(sys, live0);
}
END_TEST

START_TEST(duplicate_name_is_eexist)
{
    akt_system *sys = sys_default("dup");
    akt_ref a, b;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "x", &a), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "x", &b), AKT_EEXIST);
    akt_system_stats_t st;
    akt_system_stats(sys, &st);
    ck_assert_int_eq(st.live_actors, 1);
    t_teardown(sys, live0);
}
END_TEST

START_TEST(auto_names_are_unique_and_resolvable)
{
    akt_system *sys = sys_default("auto");
    akt_ref a, b;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, NULL, &a), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &echo_props, NULL, &b), AKT_OK);
    char pa[128], pb[128];
    ck_assert_int_eq(akt_ref_path(a, pa, sizeof pa), AKT_OK);
    ck_assert_int_eq(akt_ref_path(b, pb, sizeof pb), AKT_OK);
    ck_assert_str_ne(pa, pb);
    ck_assert_ptr_nonnull(strstr(pa, "/user/$"));
    akt_ref r;
    ck_assert_int_eq(akt_lookup(sys, pa, &r), AKT_OK);
    ck_assert(akt_ref_equal(r, a));
    ck_assert_int_eq(akt_lookup(sys, pb, &r), AKT_OK);
    ck_assert(akt_ref_equal(r, b));
    t_teardown(sys, live0);
}
END_TEST

START_TEST(bad_props_or_names_are_einval)
{
    akt_system *sys = sys_default("badprops");
    akt_ref a;
    akt_props none = { 0 };
    ck_assert_int_eq(akt_spawn(sys, &none, "a", &a), AKT_EINVAL);
    ck_assert_int_eq(akt_spawn(sys, NULL, "a", &a), AKT_EINVAL);
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "$a", &a), AKT_EINVAL);
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "a/b", &a), AKT_EINVAL);
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "", &a), AKT_EINVAL);
    akt_props nodisp = { .behavior = &echo_beh, .dispatcher = "no-such" };
    ck_assert_int_eq(akt_spawn(sys, &nodisp, "a", &a), AKT_EINVAL);
    akt_mailbox_opts prio = { .kind = AKT_MAILBOX_PRIORITY };
    akt_props noprio = { .behavior = &echo_beh, .mailbox = &prio };
    ck_assert_int_eq(akt_spawn(sys, &noprio, "a", &a), AKT_EINVAL);
    ck_assert_int_eq(akt_spawn(NULL, &echo_props, "a", &a), AKT_EINVAL);
    akt_system_stats_t st;
    akt_system_stats(sys, &st);
    ck_assert_int_eq(st.live_actors, 0);
    t_teardown(sys, live0);
}
END_TEST

START_TEST(lookup_of_missing_path_is_enoent)
{
    akt_system *sys = sys_default("look");
    akt_ref r;
    ck_assert_int_eq(akt_lookup(sys, "/user/nobody", &r), AKT_ENOENT);
    ck_assert_int_eq(akt_lookup(sys, "/user/$zzzz", &r), AKT_ENOENT);
    ck_assert_int_eq(akt_lookup(sys, "user", &r), AKT_EINVAL);
    ck_assert_int_eq(akt_lookup(sys, NULL, &r), AKT_EINVAL);
    t_teardown(sys, live0);
}
END_TEST

/* --- tell ------------------------------------------------------------- */

START_TEST(tell_to_none_ref_or_null_message_is_einval)
{
    akt_system *sys = sys_default("misuse");
    t_Int *m = t_int(1);
    ck_assert_int_eq(akt_tell(AKT_REF_NONE, m, AKT_REF_NONE), AKT_EINVAL);
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "a", &a), AKT_OK);
    ck_assert_int_eq(akt_tell(a, NULL, AKT_REF_NONE), AKT_EINVAL);
    akt_msg_free(m);
    ck_assert_int_eq(akt_stop(AKT_REF_NONE), AKT_EINVAL);
    ck_assert_int_eq(akt_kill(AKT_REF_NONE), AKT_EINVAL);
    ck_assert_int_eq(akt_poison_pill(AKT_REF_NONE), AKT_EINVAL);
    t_teardown(sys, live0);
}
END_TEST

START_TEST(tell_keeps_fifo_order_for_one_sender)
{
    akt_system *sys = sys_default("fifo");
    static rec_shared sh = { .latch = T_LATCH_INIT };
    memset(sh.last, 0, sizeof sh.last);
    akt_props p = { .behavior = &rec_beh, .behavior_arg = &sh };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "rec", &a), AKT_OK);
    const int n = 100000;
    for (int i = 1; i <= n; i++) {
        t_Int *m = t_int(i);
        ck_assert_int_eq(akt_tell(a, m, AKT_REF_NONE), AKT_OK);
    }
    ck_assert(t_latch_wait(&sh.latch, n, 30000));
    ck_assert_int_eq(atomic_load(&sh.out_of_order), 0);
    ck_assert_int_eq(sh.last[0], n);
    t_teardown(sys, live0);
}
END_TEST

START_TEST(tell_to_stopped_actor_is_a_dead_letter)
{
    akt_system *sys = sys_default("stale");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "a", &a), AKT_OK);
    ck_assert_int_eq(akt_stop(a), AKT_OK);
    t_await_stop(a);
    uint64_t d0 = akt_system_dead_letters(sys);
    ck_assert_int_eq(akt_tell(a, t_int(1), AKT_REF_NONE), AKT_OK);
    ck_assert_uint_eq(akt_system_dead_letters(sys), d0 + 1);
    ck_assert_int_eq(akt_stop(a), AKT_ESTOPPED);
    ck_assert_int_eq(akt_kill(a), AKT_ESTOPPED);
    ck_assert_int_eq(akt_poison_pill(a), AKT_ESTOPPED);
    t_teardown(sys, live0);
}
END_TEST

typedef struct dl_seen {
    pthread_mutex_t mu;
    int n;
    int64_t last_v;
    akt_err last_reason;
    akt_ref last_to;
    int finis;
} dl_seen;

static void
dl_observer(akt_ref to, const void *msg, akt_err reason, void *arg)
{
    dl_seen *s = arg;
    pthread_mutex_lock(&s->mu);
    s->n++;
    if (akt_msg_type(msg) == &t_int_type) {
        s->last_v = ((const t_Int *)msg)->v;
    }
    s->last_reason = reason;
    s->last_to = to;
    pthread_mutex_unlock(&s->mu);
}

static void
dl_fini(void *arg)
{
    ((dl_seen *)arg)->finis++;
}

START_TEST(stale_ref_never_reaches_same_named_successor)
{
    akt_system *sys = sys_default("succ");
    static dl_seen seen = { .mu = PTHREAD_MUTEX_INITIALIZER };
    ck_assert_int_eq(
        akt_system_on_dead_letter(sys, dl_observer, &seen, dl_fini), AKT_OK);
    static rec_shared sh = { .latch = T_LATCH_INIT };
    akt_props p = { .behavior = &rec_beh, .behavior_arg = &sh };
    akt_ref old, fresh;
    ck_assert_int_eq(akt_spawn(sys, &p, "worker", &old), AKT_OK);
    ck_assert_int_eq(akt_stop(old), AKT_OK);
    t_await_stop(old);
    ck_assert_int_eq(akt_spawn(sys, &p, "worker", &fresh), AKT_OK);
    ck_assert(!akt_ref_equal(old, fresh));
    t_Int *m = t_int(77);
    ck_assert_int_eq(akt_tell(old, m, AKT_REF_NONE), AKT_OK);
    pthread_mutex_lock(&seen.mu);
    ck_assert_int_eq(seen.n, 1);
    ck_assert_int_eq(seen.last_v, 77);
    ck_assert_int_eq(seen.last_reason, AKT_ESTOPPED);
    ck_assert(akt_ref_equal(seen.last_to, old));
    pthread_mutex_unlock(&seen.mu);
    /* the successor got nothing; it does get what is sent to it */
    ck_assert_int_eq(t_latch_get(&sh.latch), 0);
    t_Int *m2 = t_int(1);
    ck_assert_int_eq(akt_tell(fresh, m2, AKT_REF_NONE), AKT_OK);
    ck_assert(t_latch_wait(&sh.latch, 1, 10000));
    akt_ref looked;
    ck_assert_int_eq(akt_lookup(sys, "/user/worker", &looked), AKT_OK);
    ck_assert(akt_ref_equal(looked, fresh));
    t_teardown(sys, live0);
    ck_assert_int_eq(seen.finis, 1);
}
END_TEST

START_TEST(unhandled_message_goes_to_dead_letters)
{
    akt_system *sys = sys_default("unh");
    static dl_seen seen = { .mu = PTHREAD_MUTEX_INITIALIZER };
    akt_system_on_dead_letter(sys, dl_observer, &seen, NULL);
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "a", &a), AKT_OK);
    ck_assert_int_eq(akt_tell(a, t_ctl(5), AKT_REF_NONE), AKT_OK);
    /* an ask behind it completes, so the ctl message was processed */
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(1), AKT_SEC(10), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_OK);
    akt_future_release(f);
    pthread_mutex_lock(&seen.mu);
    ck_assert_int_eq(seen.n, 1);
    ck_assert_int_eq(seen.last_reason, AKT_EUNHANDLED);
    pthread_mutex_unlock(&seen.mu);
    t_teardown(sys, live0);
}
END_TEST

/* --- lifecycle ------------------------------------------------------------ */

typedef struct life_log {
    pthread_mutex_t mu;
    char buf[512];
} life_log;
static life_log lg = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
log_add(const char *s)
{
    pthread_mutex_lock(&lg.mu);
    strncat(lg.buf, s, sizeof(lg.buf) - strlen(lg.buf) - 1);
    pthread_mutex_unlock(&lg.mu);
}

typedef struct named_state {
    const char *tag;
} named_state;

static akt_err
ls_init(void *state, const void *arg)
{
    ((named_state *)state)->tag = arg;
    return AKT_OK;
}

static akt_err
ls_pre_start(void *state, akt_ctx *ctx)
{
    char b[32];
    snprintf(b, sizeof b, "start:%s,", ((named_state *)state)->tag);
    log_add(b);
    return AKT_OK;
}

static void
ls_post_stop(void *state, akt_ctx *ctx)
{
    char b[32];
    snprintf(b, sizeof b, "stop:%s,", ((named_state *)state)->tag);
    log_add(b);
}

static const akt_lifecycle ls_life
    = { .pre_start = ls_pre_start, .post_stop = ls_post_stop };

/* parent: on Int spawns a child tagged "child" and replies its ref */
static akt_err
parent_int(void *state, akt_ctx *ctx, const void *msg)
{
    static const akt_props child = { .behavior = &echo_beh,
        .lifecycle = &ls_life,
        .state_size = sizeof(named_state),
        .state_init = ls_init,
        .init_arg = "child" };
    akt_ref c;
    akt_err rc = akt_ctx_spawn(ctx, &child, "kid", &c);
    if (rc != AKT_OK) {
        return rc;
    }
    akt_ref c2;
    ck_assert_int_eq(akt_ctx_spawn(ctx, &child, "kid", &c2), AKT_EEXIST);
    t_Int *r = t_int(0);
    return akt_reply(ctx, r);
}
static const akt_handler parent_handlers[] = { { &t_int_type, parent_int } };
static const akt_behavior parent_beh = { "parent", parent_handlers, 1, NULL };

START_TEST(children_stop_before_parent_post_stop)
{
    akt_system *sys = sys_default("life");
    lg.buf[0] = '\0';
    akt_props pp = { .behavior = &parent_beh,
        .lifecycle = &ls_life,
        .state_size = sizeof(named_state),
        .state_init = ls_init,
        .init_arg = "parent" };
    akt_ref p;
    ck_assert_int_eq(akt_spawn(sys, &pp, "p", &p), AKT_OK);
    akt_future *f;
    ck_assert_int_eq(akt_ask(p, t_int(0), AKT_SEC(10), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_OK);
    akt_future_release(f);
    akt_ref kid;
    ck_assert_int_eq(akt_lookup(sys, "/user/p/kid", &kid), AKT_OK);
    char path[64];
    akt_ref_path(kid, path, sizeof path);
    ck_assert_str_eq(path, "akt://life/user/p/kid");
    ck_assert_int_eq(akt_stop(p), AKT_OK);
    t_await_stop(p);
    ck_assert_str_eq(
        lg.buf, "start:parent,start:child,stop:child,stop:parent,");
    ck_assert_int_eq(akt_lookup(sys, "/user/p/kid", &kid), AKT_ENOENT);
    t_teardown(sys, live0);
}
END_TEST

/* Each actor gets its own spawn init_arg, while actors spawned from one
 * props with many different init arguments share one props record: the
 * records a system keeps until it is freed do not grow with the init
 * arguments. */
enum { IA_N = 200 };
static t_latch ia_started = T_LATCH_INIT;
static _Atomic int ia_seen[IA_N];
static int ia_args[IA_N];

static akt_err
ia_init(void *state, const void *init_arg)
{
    const int *arg = init_arg;
    *(const int **)state = arg;
    atomic_fetch_add(&ia_seen[*arg], 1);
    t_latch_add(&ia_started, 1);
    return AKT_OK;
}

size_t akti_props_count(akt_system *sys);

START_TEST(distinct_init_args_share_one_props_record)
{
    akt_system *sys = sys_default("initargs");
    akt_props p = { .behavior = &echo_beh,
        .state_size = sizeof(const int *),
        .state_init = ia_init };
    akt_ref first;
    p.init_arg = &ia_args[0];
    ia_args[0] = 0;
    ck_assert_int_eq(akt_spawn(sys, &p, NULL, &first), AKT_OK);
    ck_assert(t_latch_wait(&ia_started, 1, 10000));
    size_t records = akti_props_count(sys);
    for (int i = 1; i < IA_N; i++) {
        ia_args[i] = i;
        p.init_arg = &ia_args[i];
        akt_ref r;
        ck_assert_int_eq(akt_spawn(sys, &p, NULL, &r), AKT_OK);
    }
    ck_assert(t_latch_wait(&ia_started, IA_N, 10000));
    for (int i = 0; i < IA_N; i++) {
        ck_assert_int_eq(atomic_load(&ia_seen[i]), 1); /* its own argument */
    }
    ck_assert_uint_eq(akti_props_count(sys), records);
    t_teardown(sys, live0);
}
END_TEST

/* props.init_fini runs once, with the actor's init_arg, when the actor is
 * gone for good: not on a restart (the restarted actor gets the same
 * init_arg again), once after the stop, or at akt_system_free for one
 * still running; never after a failed spawn. */
static t_latch if_starts = T_LATCH_INIT;
static t_latch if_finis = T_LATCH_INIT;

static akt_err
if_init(void *state, const void *init_arg)
{
    (void)state;
    ck_assert_int_eq(*(const int *)init_arg, 42);
    t_latch_add(&if_starts, 1);
    return AKT_OK;
}

static void
if_fini(const void *init_arg)
{
    ck_assert_int_eq(*(const int *)init_arg, 42);
    free((void *)init_arg);
    t_latch_add(&if_finis, 1);
}

static akt_err
if_on_int(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    (void)ctx;
    return ((const t_Int *)msg)->v == 1 ? AKT_EFAILED : AKT_OK;
}

static const akt_handler if_handlers[] = { { &t_int_type, if_on_int } };
static const akt_behavior if_beh = { "initfini", if_handlers, 1, NULL };

START_TEST(init_fini_runs_once_when_the_actor_is_gone)
{
    akt_system *sys = sys_default("initfini");
    int *arg = malloc(sizeof *arg);
    ck_assert_ptr_nonnull(arg);
    *arg = 42;
    akt_props p = { .behavior = &if_beh,
        .state_size = sizeof(int),
        .state_init = if_init,
        .init_arg = arg,
        .init_fini = if_fini };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "a", &a), AKT_OK);
    ck_assert_int_eq(akt_tell(a, t_int(1), AKT_REF_NONE), AKT_OK); /* fails */
    ck_assert(t_latch_wait(&if_starts, 2, 10000)); /* restarted */
    ck_assert_int_eq(t_latch_get(&if_finis), 0);
    ck_assert_int_eq(akt_stop(a), AKT_OK);
    ck_assert(t_latch_wait(&if_finis, 1, 10000));
    /* one still running when the system is freed: fini then */
    int *arg2 = malloc(sizeof *arg2);
    ck_assert_ptr_nonnull(arg2);
    *arg2 = 42;
    p.init_arg = arg2;
    ck_assert_int_eq(akt_spawn(sys, &p, "b", &a), AKT_OK);
    ck_assert(t_latch_wait(&if_starts, 3, 10000));
    t_teardown(sys, live0);
    ck_assert_int_eq(t_latch_get(&if_finis), 2);
    /* a failed spawn leaves init_arg to the caller: no fini */
    akt_system *sys2 = sys_default("initfini2");
    int kept = 42;
    p.init_arg = &kept;
    ck_assert_int_eq(akt_spawn(sys2, &p, "bad name!", &a), AKT_EINVAL);
    t_teardown(sys2, live0);
    ck_assert_int_eq(t_latch_get(&if_finis), 2);
}
END_TEST

START_TEST(poison_pill_stops_after_queued_messages)
{
    akt_system *sys = sys_default("poison");
    static rec_shared sh = { .latch = T_LATCH_INIT };
    akt_props p = { .behavior = &rec_beh, .behavior_arg = &sh };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "a", &a), AKT_OK);
    for (int i = 1; i <= 100; i++) {
        ck_assert_int_eq(akt_tell(a, t_int(i), AKT_REF_NONE), AKT_OK);
    }
    ck_assert_int_eq(akt_poison_pill(a), AKT_OK);
    t_await_stop(a);
    ck_assert_int_eq(t_latch_get(&sh.latch), 100);
    ck_assert_int_eq(sh.last[0], 100);
    t_teardown(sys, live0);
}
END_TEST

/* stopping self from a handler: stop after the current message */
static akt_err
stopper_int(void *state, akt_ctx *ctx, const void *msg)
{
    akt_err rc = akt_ctx_stop(ctx, akt_ctx_self(ctx));
    if (rc != AKT_OK) {
        return rc;
    }
    return akt_reply(ctx, t_int(1));
}
static const akt_handler stopper_handlers[] = { { &t_int_type, stopper_int } };
static const akt_behavior stopper_beh
    = { "stopper", stopper_handlers, 1, NULL };

START_TEST(stop_self_takes_effect_after_the_current_message)
{
    akt_system *sys = sys_default("selfstop");
    akt_props p = { .behavior = &stopper_beh };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "a", &a), AKT_OK);
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(0), AKT_SEC(10), &f), AKT_OK);
    ck_assert_int_eq(akt_tell(a, t_int(0), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_OK);
    akt_future_release(f);
    t_await_stop(a);
    /* the second message was not processed: it is a dead letter */
    ck_assert_uint_ge(akt_system_dead_letters(sys), 1);
    t_teardown(sys, live0);
}
END_TEST

/* --- become -------------------------------------------------------------- */

static akt_err beh_b_int(void *state, akt_ctx *ctx, const void *msg);
static const akt_handler beh_b_handlers[] = { { &t_int_type, beh_b_int } };
static const akt_behavior beh_b = { "b", beh_b_handlers, 1, NULL };

/* a: replies 100+v; v==1 -> become b (stacked), v==2 -> become b (discard) */
static akt_err
beh_a_int(void *state, akt_ctx *ctx, const void *msg)
{
    const t_Int *m = msg;
    if (m->v == 1) {
        ck_assert_int_eq(akt_ctx_become(ctx, &beh_b, NULL, false), AKT_OK);
    } else if (m->v == 2) {
        ck_assert_int_eq(akt_ctx_become(ctx, &beh_b, NULL, true), AKT_OK);
    }
    return akt_reply(ctx, t_int(100 + m->v));
}
/* b: replies 200+v; v==3 -> unbecome */
static akt_err
beh_b_int(void *state, akt_ctx *ctx, const void *msg)
{
    const t_Int *m = msg;
    if (m->v == 3) {
        ck_assert_int_eq(akt_ctx_unbecome(ctx), AKT_OK);
    }
    return akt_reply(ctx, t_int(200 + m->v));
}
static const akt_handler beh_a_handlers[] = { { &t_int_type, beh_a_int } };
static const akt_behavior beh_a = { "a", beh_a_handlers, 1, NULL };

static int64_t
ask_v(akt_ref a, int64_t v)
{
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(v), AKT_SEC(10), &f), AKT_OK);
    void *r = NULL;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), &r), AKT_OK);
    int64_t out = ((t_Int *)r)->v;
    akt_msg_free(r);
    akt_future_release(f);
    return out;
}

START_TEST(become_and_unbecome_swap_the_behaviour)
{
    akt_system *sys = sys_default("become");
    akt_props p = { .behavior = &beh_a };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "a", &a), AKT_OK);
    ck_assert_int_eq(ask_v(a, 0), 100);
    ck_assert_int_eq(ask_v(a, 1), 101); /* push b */
    ck_assert_int_eq(ask_v(a, 0), 200);
    ck_assert_int_eq(ask_v(a, 3), 203); /* pop back to a */
    ck_assert_int_eq(ask_v(a, 0), 100);
    ck_assert_int_eq(ask_v(a, 2), 102); /* replace with b */
    ck_assert_int_eq(ask_v(a, 0), 200);
    ck_assert_int_eq(ask_v(a, 3), 203); /* empty stack: initial behaviour */
    ck_assert_int_eq(ask_v(a, 0), 100);
    t_teardown(sys, live0);
}
END_TEST

/* --- dispatchers by props ------------------------------------------------- */

START_TEST(calling_thread_dispatcher_runs_on_the_senders_thread)
{
    akt_system *sys = sys_default("calling");
    static rec_shared sh = { .latch = T_LATCH_INIT };
    akt_props p = { .behavior = &rec_beh,
        .behavior_arg = &sh,
        .dispatcher = "calling-thread" };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "a", &a), AKT_OK);
    for (int i = 1; i <= 10; i++) {
        ck_assert_int_eq(akt_tell(a, t_int(i), AKT_REF_NONE), AKT_OK);
        /* deterministic: processed before tell returned */
        ck_assert_int_eq(t_latch_get(&sh.latch), i);
    }
    ck_assert_int_eq(sh.tids[0], (pid_t)syscall(SYS_gettid));
    t_teardown(sys, live0);
}
END_TEST

START_TEST(pinned_dispatcher_gives_the_actor_its_own_thread)
{
    akt_system *sys = sys_default("pinned");
    static rec_shared sh = { .latch = T_LATCH_INIT };
    akt_props p
        = { .behavior = &rec_beh, .behavior_arg = &sh, .dispatcher = "pinned" };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "a", &a), AKT_OK);
    for (int i = 1; i <= 1000; i++) {
        ck_assert_int_eq(akt_tell(a, t_int(i), AKT_REF_NONE), AKT_OK);
    }
    ck_assert(t_latch_wait(&sh.latch, 1000, 10000));
    ck_assert_int_eq(atomic_load(&sh.out_of_order), 0);
    ck_assert_int_ne(sh.tids[0], (pid_t)syscall(SYS_gettid));
    akt_stop(a);
    t_await_stop(a);
    t_teardown(sys, live0);
}
END_TEST

/* blocker: blocks its thread until released */
static t_latch block_gate = T_LATCH_INIT;
static akt_err
blocker_int(void *state, akt_ctx *ctx, const void *msg)
{
    ck_assert(t_latch_wait(&block_gate, 1, 30000));
    return AKT_OK;
}
static const akt_handler blocker_handlers[] = { { &t_int_type, blocker_int } };
static const akt_behavior blocker_beh
    = { "blocker", blocker_handlers, 1, NULL };

START_TEST(blocking_dispatcher_keeps_blocked_handlers_off_the_default_pool)
{
    akt_system *sys = t_system("blocking",
        "akt.actor.default-dispatcher.workers=1;akt.actor.blocking-dispatcher."
        "workers=4");
    akt_props bp = { .behavior = &blocker_beh, .dispatcher = "blocking" };
    akt_ref b[4];
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(akt_spawn(sys, &bp, NULL, &b[i]), AKT_OK);
        ck_assert_int_eq(akt_tell(b[i], t_int(0), AKT_REF_NONE), AKT_OK);
    }
    /* the only default worker is free: an echo answers while 4 block */
    akt_ref e;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &e), AKT_OK);
    ck_assert_int_eq(ask_v(e, 1), 2);
    t_latch_add(&block_gate, 1);
    t_teardown(sys, live0);
}
END_TEST

/* forwarder: forwards Int to the ref in its behaviour arg; stops a
 * non-child on Ctl (must fail with EINVAL) */
static akt_err
fwd_int(void *state, akt_ctx *ctx, const void *msg)
{
    return akt_forward(ctx, *(const akt_ref *)akt_ctx_behavior_arg(ctx));
}

static akt_err
fwd_ctl(void *state, akt_ctx *ctx, const void *msg)
{
    akt_ref other = *(const akt_ref *)akt_ctx_behavior_arg(ctx);
    akt_err rc = akt_ctx_stop(ctx, other); /* not a child */
    akt_err rc2 = akt_ctx_watch(ctx, akt_ctx_self(ctx)); /* itself */
    akt_ref parent = akt_ctx_parent(ctx);
    char path[64];
    akt_ref_path(parent, path, sizeof path);
    bool parent_ok = strcmp(path, "akt://fwd/user") == 0;
    bool sys_ok = akt_ctx_system(ctx) == akt_ref_system(other);
    return akt_reply(ctx,
        t_int(rc == AKT_EINVAL && rc2 == AKT_EINVAL && parent_ok && sys_ok));
}
static const akt_handler fwd_handlers[]
    = { { &t_int_type, fwd_int }, { &t_ctl_type, fwd_ctl } };
static const akt_behavior fwd_beh = { "fwd", fwd_handlers, 2, NULL };

START_TEST(forward_keeps_the_original_sender)
{
    akt_system *sys = sys_default("fwd");
    static akt_ref echo;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "echo", &echo), AKT_OK);
    akt_props fp = { .behavior = &fwd_beh, .behavior_arg = &echo };
    akt_ref f;
    ck_assert_int_eq(akt_spawn(sys, &fp, "f", &f), AKT_OK);
    /* the echo answers the asker directly */
    ck_assert_int_eq(ask_v(f, 9), 10);
    akt_future *fu;
    ck_assert_int_eq(akt_ask(f, t_ctl(0), AKT_SEC(10), &fu), AKT_OK);
    void *r;
    ck_assert_int_eq(akt_future_wait(fu, AKT_SEC(10), &r), AKT_OK);
    ck_assert_int_eq(((t_Int *)r)->v, 1);
    akt_msg_free(r);
    akt_future_release(fu);
    t_teardown(sys, live0);
}
END_TEST

static akt_err
replier_int(void *state, akt_ctx *ctx, const void *msg)
{
    /* no sender: the reply is freed, nothing sent, no dead letter */
    return akt_reply(ctx, t_int(1));
}
static const akt_handler replier_handlers[] = { { &t_int_type, replier_int } };
static const akt_behavior replier_beh
    = { "replier", replier_handlers, 1, NULL };

START_TEST(reply_without_a_sender_is_a_quiet_no_op)
{
    akt_system *sys = sys_default("nosender");
    akt_props p = { .behavior = &replier_beh };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "a", &a), AKT_OK);
    ck_assert_int_eq(akt_tell(a, t_int(0), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(akt_poison_pill(a), AKT_OK);
    t_await_stop(a);
    ck_assert_uint_eq(akt_system_dead_letters(sys), 0);
    t_teardown(sys, live0);
}
END_TEST

START_TEST(system_actors_live_under_the_system_guardian)
{
    akt_system *sys = sys_default("sysg");
    akt_ref a, b;
    ck_assert_int_eq(
        akt_system_spawn_system(sys, &echo_props, "svc", &a), AKT_OK);
    ck_assert_int_eq(akt_lookup(sys, "/system/svc", &b), AKT_OK);
    ck_assert(akt_ref_equal(a, b));
    ck_assert_int_eq(ask_v(a, 1), 2);
    t_teardown(sys, live0);
}
END_TEST

static void *
spawn_loop(void *arg)
{
    akt_system *sys = arg;
    for (;;) {
        akt_ref r;
        akt_err rc = akt_spawn(sys, &echo_props, NULL, &r);
        if (rc == AKT_ECLOSED) {
            return NULL;
        }
        if (rc != AKT_OK) {
            return (void *)1;
        }
    }
}

START_TEST(spawning_while_terminating_never_hangs)
{
    for (int round = 0; round < 20; round++) {
        akt_system *sys = sys_default("race");
        pthread_t th;
        pthread_create(&th, NULL, spawn_loop, sys);
        for (int i = 0; i < 50; i++) {
            akt_ref r;
            if (akt_spawn(sys, &echo_props, NULL, &r) != AKT_OK) {
                break;
            }
        }
        ck_assert_int_eq(akt_system_terminate(sys), AKT_OK);
        ck_assert_int_eq(
            akt_system_await_termination(sys, AKT_SEC(30)), AKT_OK);
        void *rv;
        pthread_join(th, &rv);
        ck_assert_ptr_null(rv);
        akt_system_stats_t st;
        akt_system_stats(sys, &st);
        ck_assert_int_eq(st.live_actors, 0);
        akt_system_free(sys);
    }
}
END_TEST

Suite *
actor_suite(void)
{
    Suite *s = suite_create("actor");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, system_create_makes_user_and_system_guardians);
    tcase_add_test(tc, system_with_bad_name_is_rejected);
    tcase_add_test(tc, system_with_null_config_loads_the_reference);
    tcase_add_test(tc, terminate_twice_returns_eclosed);
    tcase_add_test(tc, use_after_terminate_gives_eclosed);
    tcase_add_test(tc, two_systems_in_one_process_do_not_interfere);
    tcase_add_test(tc, named_actor_has_its_path_under_user);
    tcase_add_test(tc, duplicate_name_is_eexist);
    tcase_add_test(tc, auto_names_are_unique_and_resolvable);
    tcase_add_test(tc, bad_props_or_names_are_einval);
    tcase_add_test(tc, lookup_of_missing_path_is_enoent);
    tcase_add_test(tc, tell_to_none_ref_or_null_message_is_einval);
    tcase_add_test(tc, tell_keeps_fifo_order_for_one_sender);
    tcase_add_test(tc, tell_to_stopped_actor_is_a_dead_letter);
    tcase_add_test(tc, stale_ref_never_reaches_same_named_successor);
    tcase_add_test(tc, unhandled_message_goes_to_dead_letters);
    tcase_add_test(tc, children_stop_before_parent_post_stop);
    tcase_add_test(tc, distinct_init_args_share_one_props_record);
    tcase_add_test(tc, init_fini_runs_once_when_the_actor_is_gone);
    tcase_add_test(tc, poison_pill_stops_after_queued_messages);
    tcase_add_test(tc, stop_self_takes_effect_after_the_current_message);
    tcase_add_test(tc, become_and_unbecome_swap_the_behaviour);
    tcase_add_test(tc, calling_thread_dispatcher_runs_on_the_senders_thread);
    tcase_add_test(tc, pinned_dispatcher_gives_the_actor_its_own_thread);
    tcase_add_test(
        tc, blocking_dispatcher_keeps_blocked_handlers_off_the_default_pool);
    tcase_add_test(tc, forward_keeps_the_original_sender);
    tcase_add_test(tc, reply_without_a_sender_is_a_quiet_no_op);
    tcase_add_test(tc, system_actors_live_under_the_system_guardian);
    tcase_add_test(tc, spawning_while_terminating_never_hangs);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(actor_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
