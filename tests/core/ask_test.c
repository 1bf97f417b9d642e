/*
 * ask_test.c -- ask and futures: replies, error replies (with reason
 * texts), timeouts that leak nothing, on_complete exactly once, pipe_to,
 * asks inside the runtime, asks from many plain threads at once, a
 * thread whose replies were slow (the adaptive wait spin), the busy waits
 * at their bounds, and misuse.
 */
#include "testutil.h"

static akt_err
echo_int(void *state, akt_ctx *ctx, const void *msg)
{
    const t_Int *m = msg;
    if (m->v == -2) {
        return akt_reply_error_text(ctx, AKT_ERANGE, "balance %d < %d", 12, 30);
    }
    if (m->v == -3) {
        /* 200 two-byte characters: over AKT_STATUS_TEXT_MAX */
        char big[401];
        for (int i = 0; i < 200; i++) {
            memcpy(big + 2 * i, "\xc3\xa9", 2); /* U+00E9 */
        }
        big[400] = '\0';
        return akt_reply_error_text(ctx, AKT_ERANGE, "%s", big);
    }
    if (m->v == -4) {
        return akt_reply_error_text(ctx, AKT_ERANGE, "%s", "\xff ok \xe9");
    }
    if (m->v < 0) {
        return akt_reply_error(ctx, AKT_ERANGE);
    }
    if (m->v == 777778) {
        return akt_ctx_fail(ctx, AKT_EIO, "disk %s", "on fire");
    }
    if (m->v == 999999) {
        return AKT_OK; /* never answers */
    }
    if (m->v == 777777) {
        return AKT_EIO; /* fails without answering */
    }
    if (m->v == 888888) {
        /* answers, then fails: the answer stands */
        akt_err rc = akt_reply(ctx, t_int(1));
        return rc == AKT_OK ? AKT_EIO : rc;
    }
    return akt_reply(ctx, t_int(m->v + 1));
}
static const akt_handler echo_handlers[] = { { &t_int_type, echo_int } };
static const akt_behavior echo_beh = { "echo", echo_handlers, 1, NULL };
static const akt_props echo_props = { .behavior = &echo_beh };

static akt_system *
sys_mk(const char *name)
{
    return t_system(name,
        "akt.actor.default-dispatcher.workers=2;akt.actor.dead-letters.log=off;"
        "akt.scheduler.tick=2ms");
}

START_TEST(ask_completes_with_the_reply)
{
    akt_system *sys = sys_mk("ask");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    for (int i = 0; i < 1000; i++) {
        akt_future *f;
        ck_assert_int_eq(akt_ask(a, t_int(i), AKT_SEC(10), &f), AKT_OK);
        void *r = NULL;
        ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), &r), AKT_OK);
        ck_assert_int_eq(((t_Int *)r)->v, i + 1);
        ck_assert(akt_future_is_done(f));
        akt_msg_free(r);
        akt_future_release(f);
    }
    akt_system_stats_t st;
    akt_system_stats(sys, &st);
    ck_assert_int_eq(st.live_futures, 0);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(reply_error_completes_the_future_with_that_code)
{
    akt_system *sys = sys_mk("askerr");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(-1), AKT_SEC(10), &f), AKT_OK);
    void *r = (void *)1;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), &r), AKT_ERANGE);
    akt_future_release(f);
    t_teardown(sys, 0);
}
END_TEST

/* the error text of an ask of v to a; the code must be want */
static void
ask_error_text(akt_ref a, int64_t v, akt_err want, char *text, size_t len)
{
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(v), AKT_SEC(60), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), NULL), want);
    snprintf(text, len, "%s", akt_future_error_text(f));
    akt_future_release(f);
}

/* proves: the asker reads the reason of akt_reply_error_text with the code;
 * the text is cut to AKT_STATUS_TEXT_MAX bytes before a whole character
 * and ill-formed UTF-8 becomes '?'; a handler that fails without answering
 * gives its akt_ctx_fail text; a reply without text, a success and a
 * pending future read as "" */
START_TEST(reply_error_text_reaches_the_asker_with_the_code)
{
    akt_system *sys = sys_mk("asktext");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    char text[512];
    ask_error_text(a, -2, AKT_ERANGE, text, sizeof text);
    ck_assert_str_eq(text, "balance 12 < 30");
    ask_error_text(a, -3, AKT_ERANGE, text, sizeof text);
    ck_assert_uint_eq(strlen(text), 254); /* 127 whole characters */
    ck_assert_int_eq(AKT_STATUS_TEXT_MAX, 255);
    ck_assert(memcmp(text + 252, "\xc3\xa9", 2) == 0);
    ask_error_text(a, -4, AKT_ERANGE, text, sizeof text);
    ck_assert_str_eq(text, "? ok ?");
    ask_error_text(a, -1, AKT_ERANGE, text, sizeof text);
    ck_assert_str_eq(text, "");
    ask_error_text(a, 777778, AKT_EIO, text, sizeof text);
    ck_assert_str_eq(text, "disk on fire");
    ask_error_text(a, 5, AKT_OK, text, sizeof text);
    ck_assert_str_eq(text, "");
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(999999), AKT_SEC(60), &f), AKT_OK);
    ck_assert_str_eq(akt_future_error_text(f), ""); /* not complete */
    akt_future_release(f);
    ck_assert_str_eq(akt_future_error_text(NULL), "");
    t_teardown(sys, 0);
}
END_TEST

/* proves: an ask whose handler fails completes at once with the failure's
 * code (not after its 60 s timeout), an answer sent before a failure
 * stands, and the restarted actor answers the next ask */
START_TEST(ask_whose_handler_fails_completes_with_the_failure)
{
    akt_system *sys = sys_mk("askfail");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(777777), AKT_SEC(60), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), NULL), AKT_EIO);
    akt_future_release(f);
    ck_assert_int_eq(akt_ask(a, t_int(888888), AKT_SEC(60), &f), AKT_OK);
    void *r = NULL;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), &r), AKT_OK);
    ck_assert_int_eq(((t_Int *)r)->v, 1);
    akt_msg_free(r);
    akt_future_release(f);
    ck_assert_int_eq(akt_ask(a, t_int(41), AKT_SEC(60), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), &r), AKT_OK);
    ck_assert_int_eq(((t_Int *)r)->v, 42);
    akt_msg_free(r);
    akt_future_release(f);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(ask_that_times_out_completes_with_etimedout_and_leaks_nothing)
{
    akt_system *sys = sys_mk("askto");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    for (int i = 0; i < 50; i++) {
        akt_future *f;
        ck_assert_int_eq(akt_ask(a, t_int(999999), AKT_MS(5), &f), AKT_OK);
        ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_ETIMEDOUT);
        ck_assert(akt_future_is_done(f));
        akt_future_release(f);
    }
    /* released before it times out: the timer still cleans up */
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(999999), AKT_MS(5), &f), AKT_OK);
    akt_future_release(f);
    ck_assert_int_eq(akt_ask(a, t_int(999999), AKT_MS(5), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_ETIMEDOUT);
    akt_future_release(f);
    /* the released future goes when its timer fires on the timer thread:
     * round trips until then, bounded by 10 s of them (a count of round
     * trips was not: a loaded machine ran 1000 before the timer thread got
     * a core, and live_futures was still 1) */
    akt_system_stats_t st;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        akt_system_stats(sys, &st);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (st.live_futures == 0 || t1.tv_sec - t0.tv_sec > 10) {
            break;
        }
        ck_assert_int_eq(
            akt_ask(a, t_int(1), AKT_SEC(1), &f), AKT_OK); /* a round trip */
        akt_future_wait(f, AKT_SEC(10), NULL);
        akt_future_release(f);
    }
    ck_assert_int_eq(st.live_futures, 0);
    t_teardown(sys, 0);
}
END_TEST

/* Proves that a thread whose waits outlasted the spin (here: asks that
 * time out, as slow as remote replies) and so spins only briefly, still
 * gets every later reply, right and in order, whether the short spin, the
 * full probe spin or the futex catches it, round after round. */
START_TEST(a_thread_with_slow_replies_still_gets_every_fast_reply)
{
    akt_system *sys = sys_mk("askslow");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 6; i++) { /* more than SPIN_MISS_LIMIT */
            akt_future *f;
            ck_assert_int_eq(akt_ask(a, t_int(999999), AKT_MS(2), &f), AKT_OK);
            ck_assert_int_eq(
                akt_future_wait(f, AKT_SEC(10), NULL), AKT_ETIMEDOUT);
            akt_future_release(f);
        }
        for (int i = 0; i < 200; i++) { /* more than SPIN_PROBE */
            akt_future *f;
            ck_assert_int_eq(akt_ask(a, t_int(i), AKT_SEC(10), &f), AKT_OK);
            void *r = NULL;
            ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), &r), AKT_OK);
            ck_assert_int_eq(((t_Int *)r)->v, i + 1);
            akt_msg_free(r);
            akt_future_release(f);
        }
    }
    t_teardown(sys, 0);
}
END_TEST

START_TEST(wait_with_short_timeout_leaves_the_future_pending)
{
    akt_system *sys = sys_mk("waitto");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(999999), AKT_SEC(30), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_MS(1), NULL), AKT_ETIMEDOUT);
    ck_assert(!akt_future_is_done(f));
    akt_future_release(f);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(ask_misuse_gives_einval)
{
    akt_system *sys = sys_mk("askbad");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    akt_future *f;
    t_Int *m = t_int(1);
    ck_assert_int_eq(akt_ask(a, m, 0, &f), AKT_EINVAL);
    ck_assert_int_eq(akt_ask(a, m, -5, &f), AKT_EINVAL);
    ck_assert_int_eq(akt_ask(AKT_REF_NONE, m, AKT_SEC(1), &f), AKT_EINVAL);
    ck_assert_int_eq(akt_ask(a, NULL, AKT_SEC(1), &f), AKT_EINVAL);
    ck_assert_int_eq(akt_future_wait(NULL, 0, NULL), AKT_EINVAL);
    akt_msg_free(m);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(ask_to_a_stopped_actor_fails_fast_with_estopped)
{
    akt_system *sys = sys_mk("askdead");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    akt_stop(a);
    t_await_stop(a);
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(1), AKT_SEC(30), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_ESTOPPED);
    akt_future_release(f);
    ck_assert_uint_eq(akt_system_dead_letters(sys), 1);
    t_teardown(sys, 0);
}
END_TEST

/* a pre_start that waits until the test has queued its asks (gate), then
 * fails with a reason text */
static t_latch gate_started = T_LATCH_INIT, gate_open = T_LATCH_INIT;

static akt_err
gated_bad_start(void *state, akt_ctx *ctx)
{
    (void)state;
    t_latch_add(&gate_started, 1);
    if (!t_latch_wait(&gate_open, 1, 30000)) {
        return akt_ctx_fail(ctx, AKT_ETIMEDOUT, "the test never opened");
    }
    return akt_ctx_fail(ctx, AKT_EIO, "no disk in %s", "/dev/sdz");
}
static const akt_lifecycle gated_bad_life = { .pre_start = gated_bad_start };

/* Asks queued to an actor whose first start then fails (the default
 * strategy stops it) fail with AKT_ESTOPPED and a text that carries the
 * start's reason -- not a bare "stopped": the asker learns why without
 * reading the log. Each ask is queued while pre_start is held, so all of
 * them are in the mailbox of the incarnation that fails. */
START_TEST(asks_queued_to_an_actor_whose_start_fails_carry_the_reason)
{
    akt_system *sys = sys_mk("askstartfail");
    akt_props p = { .behavior = &echo_beh, .lifecycle = &gated_bad_life };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "e", &a), AKT_OK);
    ck_assert(t_latch_wait(&gate_started, 1, 30000));
    akt_future *f[3];
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(akt_ask(a, t_int(i), AKT_SEC(30), &f[i]), AKT_OK);
    }
    t_latch_add(&gate_open, 1);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(
            akt_future_wait(f[i], AKT_SEC(10), NULL), AKT_ESTOPPED);
        ck_assert_str_eq(akt_future_error_text(f[i]),
            "the actor stopped: its start failed: no disk in /dev/sdz");
        akt_future_release(f[i]);
    }
    /* an ask after the stop (nothing queued to the failed incarnation)
     * is the plain AKT_ESTOPPED, as before */
    t_await_stop(a);
    akt_future *late;
    ck_assert_int_eq(akt_ask(a, t_int(9), AKT_SEC(30), &late), AKT_OK);
    ck_assert_int_eq(akt_future_wait(late, AKT_SEC(10), NULL), AKT_ESTOPPED);
    ck_assert_str_eq(akt_future_error_text(late), "");
    akt_future_release(late);
    t_teardown(sys, 0);
}
END_TEST

typedef struct cb_rec {
    t_latch calls;
    _Atomic int finis;
    _Atomic int64_t v;
    _Atomic int status;
} cb_rec;

static void
on_done(akt_err st, const void *reply, void *arg)
{
    cb_rec *c = arg;
    atomic_store(&c->status, st);
    if (reply) {
        atomic_store(&c->v, ((const t_Int *)reply)->v);
    }
    t_latch_add(&c->calls, 1);
}

static void
on_fini(void *arg)
{
    atomic_fetch_add(&((cb_rec *)arg)->finis, 1);
    t_latch_add(&((cb_rec *)arg)->calls, 100); /* after the callback */
}

START_TEST(on_complete_runs_exactly_once_then_fini)
{
    akt_system *sys = sys_mk("oncomp");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    static cb_rec c = { .calls = T_LATCH_INIT };
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(41), AKT_SEC(10), &f), AKT_OK);
    ck_assert_int_eq(akt_future_on_complete(f, on_done, &c, on_fini), AKT_OK);
    ck_assert_int_eq(
        akt_future_on_complete(f, on_done, &c, on_fini), AKT_EBUSY);
    ck_assert(t_latch_wait(&c.calls, 101, 10000)); /* cb once, then fini */
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_OK);
    ck_assert_int_eq(atomic_load(&c.v), 42);
    ck_assert_int_eq(atomic_load(&c.finis), 1);
    ck_assert_int_eq(t_latch_get(&c.calls), 101);
    akt_future_release(f);
    /* registering on a completed future calls at once */
    static cb_rec c2 = { .calls = T_LATCH_INIT };
    ck_assert_int_eq(akt_ask(a, t_int(1), AKT_SEC(10), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_OK);
    ck_assert_int_eq(akt_future_on_complete(f, on_done, &c2, on_fini), AKT_OK);
    ck_assert_int_eq(t_latch_get(&c2.calls), 101); /* ran at once */
    ck_assert_int_eq(atomic_load(&c2.v), 2);
    akt_future_release(f);
    /* timeouts reach the callback too */
    static cb_rec c3 = { .calls = T_LATCH_INIT };
    ck_assert_int_eq(akt_ask(a, t_int(999999), AKT_MS(5), &f), AKT_OK);
    ck_assert_int_eq(akt_future_on_complete(f, on_done, &c3, NULL), AKT_OK);
    akt_future_release(f); /* the callback still runs */
    ck_assert(t_latch_wait(&c3.calls, 1, 10000));
    ck_assert_int_eq(atomic_load(&c3.status), AKT_ETIMEDOUT);
    ck_assert_int_eq(t_latch_get(&c3.calls), 1);
    t_teardown(sys, 0);
}
END_TEST

/* sink: records what it receives */
typedef struct sink_rec {
    t_latch got;
    _Atomic int64_t v;
    _Atomic int status;
    char text[AKT_STATUS_TEXT_MAX + 1]; /* written before got counts up */
} sink_rec;

static akt_err
sink_int(void *state, akt_ctx *ctx, const void *msg)
{
    sink_rec *s = (sink_rec *)akt_ctx_behavior_arg(ctx);
    atomic_store(&s->v, ((const t_Int *)msg)->v);
    t_latch_add(&s->got, 1);
    return AKT_OK;
}

static akt_err
sink_status(void *state, akt_ctx *ctx, const void *msg)
{
    sink_rec *s = (sink_rec *)akt_ctx_behavior_arg(ctx);
    const akt_Status *st = msg;
    atomic_store(&s->status, st->code);
    snprintf(s->text, sizeof s->text, "%s", st->text.len ? st->text.ptr : "");
    t_latch_add(&s->got, 1);
    return AKT_OK;
}
static const akt_handler sink_handlers[]
    = { { &t_int_type, sink_int }, { &akt_status_type, sink_status } };
static const akt_behavior sink_beh = { "sink", sink_handlers, 2, NULL };

START_TEST(pipe_to_delivers_the_reply_or_a_status_to_an_actor)
{
    akt_system *sys = sys_mk("pipe");
    static sink_rec s = { .got = T_LATCH_INIT };
    akt_props sp = { .behavior = &sink_beh, .behavior_arg = &s };
    akt_ref a, sink;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &sp, "s", &sink), AKT_OK);
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(6), AKT_SEC(10), &f), AKT_OK);
    ck_assert_int_eq(akt_future_pipe_to(f, sink), AKT_OK);
    akt_future_release(f);
    ck_assert(t_latch_wait(&s.got, 1, 10000));
    ck_assert_int_eq(atomic_load(&s.v), 7);
    ck_assert_int_eq(akt_ask(a, t_int(-1), AKT_SEC(10), &f), AKT_OK);
    ck_assert_int_eq(akt_future_pipe_to(f, sink), AKT_OK);
    akt_future_release(f);
    ck_assert(t_latch_wait(&s.got, 2, 10000));
    ck_assert_int_eq(atomic_load(&s.status), AKT_ERANGE);
    ck_assert_str_eq(s.text, "");
    /* a failure with a reason: the Status carries its text */
    ck_assert_int_eq(akt_ask(a, t_int(-2), AKT_SEC(10), &f), AKT_OK);
    ck_assert_int_eq(akt_future_pipe_to(f, sink), AKT_OK);
    akt_future_release(f);
    ck_assert(t_latch_wait(&s.got, 3, 10000));
    ck_assert_int_eq(atomic_load(&s.status), AKT_ERANGE);
    ck_assert_str_eq(s.text, "balance 12 < 30");
    t_teardown(sys, 0);
}
END_TEST

/* proves: an actor that sends a request gets the error reply as an
 * akt.Status with the code and the text */
START_TEST(an_actor_sender_gets_the_error_text_in_a_status)
{
    akt_system *sys = sys_mk("statusmsg");
    static sink_rec s = { .got = T_LATCH_INIT };
    akt_props sp = { .behavior = &sink_beh, .behavior_arg = &s };
    akt_ref a, sink;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &sp, "s", &sink), AKT_OK);
    ck_assert_int_eq(akt_tell(a, t_int(-2), sink), AKT_OK);
    ck_assert(t_latch_wait(&s.got, 1, 10000));
    ck_assert_int_eq(atomic_load(&s.status), AKT_ERANGE);
    ck_assert_str_eq(s.text, "balance 12 < 30");
    t_teardown(sys, 0);
}
END_TEST

/* asker: on Int n, asks the echo (its behaviour arg) and on completion
 * tells itself the answer; counts down n round trips, then replies. */
typedef struct asker_state {
    akt_ref echo;
    akt_ref main;
    akt_ref self;
    int64_t left;
    akt_system *sys;
} asker_state;

static akt_err asker_int(void *state, akt_ctx *ctx, const void *msg);
static akt_err asker_reply(void *state, akt_ctx *ctx, const void *msg);

static void
asker_cb(akt_err st, const void *reply, void *arg)
{
    asker_state *s = arg;
    t_Int *m = akt_msg_new(&t_ctl_type, 0);
    m->v = st == AKT_OK ? ((const t_Int *)reply)->v : -1;
    akt_tell(s->self, m, AKT_REF_NONE);
}

static akt_err
asker_next(asker_state *s)
{
    akt_future *f;
    akt_err rc = akt_ask(s->echo, t_int(s->left), AKT_SEC(10), &f);
    if (rc != AKT_OK) {
        return rc;
    }
    rc = akt_future_on_complete(f, asker_cb, s, NULL);
    akt_future_release(f);
    return rc;
}

static akt_err
asker_int(void *state, akt_ctx *ctx, const void *msg)
{
    asker_state *s = state;
    s->echo = *(const akt_ref *)akt_ctx_behavior_arg(ctx);
    s->main = akt_ctx_sender(ctx);
    s->self = akt_ctx_self(ctx);
    s->left = ((const t_Int *)msg)->v;
    return asker_next(s);
}

static akt_err
asker_reply(void *state, akt_ctx *ctx, const void *msg)
{
    asker_state *s = state;
    if (((const t_Int *)msg)->v != s->left + 1) {
        return akt_ctx_fail(ctx, AKT_EINTERNAL, "bad reply");
    }
    if (--s->left == 0) {
        return akt_tell(s->main, t_int(42), akt_ctx_self(ctx));
    }
    return asker_next(s);
}
static const akt_handler asker_handlers[]
    = { { &t_int_type, asker_int }, { &t_ctl_type, asker_reply } };
static const akt_behavior asker_beh = { "asker", asker_handlers, 2, NULL };

START_TEST(actors_ask_each_other_inside_the_runtime)
{
    akt_system *sys = sys_mk("inside");
    static akt_ref echo;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &echo), AKT_OK);
    akt_props ap = { .behavior = &asker_beh,
        .behavior_arg = &echo,
        .state_size = sizeof(asker_state) };
    akt_ref asker;
    ck_assert_int_eq(akt_spawn(sys, &ap, "asker", &asker), AKT_OK);
    akt_future *f;
    ck_assert_int_eq(akt_ask(asker, t_int(10000), AKT_SEC(30), &f), AKT_OK);
    void *r;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), &r), AKT_OK);
    ck_assert_int_eq(((t_Int *)r)->v, 42);
    akt_msg_free(r);
    akt_future_release(f);
    t_teardown(sys, 0);
}
END_TEST

#define ASK_THREADS     4
#define ASKS_PER_THREAD 5000

/* what an asking thread does: n asks to a, one at a time, each checked */
typedef struct {
    akt_ref a;
    int n;
} ask_job;

static void *
asking_thread(void *arg)
{
    const ask_job *job = arg;
    for (int i = 0; i < job->n; i++) {
        akt_future *f;
        if (akt_ask(job->a, t_int(i), AKT_SEC(30), &f) != AKT_OK) {
            return (void *)1;
        }
        void *r = NULL;
        akt_err rc = akt_future_wait(f, AKT_SEC(30), &r);
        bool ok = rc == AKT_OK && ((t_Int *)r)->v == i + 1;
        akt_msg_free(r);
        akt_future_release(f);
        if (!ok) {
            return (void *)2;
        }
    }
    return NULL;
}

/* run_askers -- ASK_THREADS threads, n asks each, to a; all must succeed */
static void
run_askers(akt_ref a, int n)
{
    ask_job job = { a, n };
    pthread_t th[ASK_THREADS];
    for (int i = 0; i < ASK_THREADS; i++) {
        pthread_create(&th[i], NULL, asking_thread, &job);
    }
    for (int i = 0; i < ASK_THREADS; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        ck_assert_ptr_null(rv);
    }
}

START_TEST(many_plain_threads_ask_concurrently_and_each_gets_its_own_reply)
{
    akt_system *sys = sys_mk("manyask");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    run_askers(a, ASKS_PER_THREAD);
    t_teardown(sys, 0);
}
END_TEST

#define BUSY_ASKS 1000

/* The busy waits of akt.actor.ask-busy-wait and
 * akt.actor.default-dispatcher.busy-wait, at none, a remote round trip's
 * length and their longest (10 ms). */
static const char *const busy_waits[] = {
    "akt.actor.ask-busy-wait=0;akt.actor.default-dispatcher.busy-wait=0",
    "akt.actor.ask-busy-wait=100us;"
    "akt.actor.default-dispatcher.busy-wait=100us",
    "akt.actor.ask-busy-wait=10ms;akt.actor.default-dispatcher.busy-wait=10ms",
};

/* Proves that the busy waits change no result, whatever their length:
 * asks from four plain threads at once (each waiting thread busy-waiting,
 * the idle workers busy-waiting between messages) all get their own
 * replies; a wait whose timeout is shorter than the busy wait still times
 * out and leaves the future pending; and the system stops with its
 * workers in a busy wait (they leave it). */
START_TEST(busy_waits_of_any_length_change_no_result)
{
    char conf[256];
    snprintf(conf, sizeof conf,
        "akt.actor.default-dispatcher.workers=2;"
        "akt.actor.dead-letters.log=off;%s",
        busy_waits[_i]);
    akt_system *sys = t_system("busywait", conf);
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    run_askers(a, BUSY_ASKS);
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(999999), AKT_SEC(30), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_MS(1), NULL), AKT_ETIMEDOUT);
    ck_assert(!akt_future_is_done(f));
    ck_assert_int_eq(akt_future_wait(f, 0, NULL), AKT_ETIMEDOUT);
    akt_future_release(f);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(reply_to_a_completed_future_is_a_dead_letter)
{
    akt_system *sys = sys_mk("late");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(1), AKT_SEC(10), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_OK);
    extern akt_ref akti_future_ref(akt_future *);
    akt_ref fr = akti_future_ref(f);
    uint64_t d0 = akt_system_dead_letters(sys);
    ck_assert_int_eq(akt_tell(fr, t_int(5), AKT_REF_NONE), AKT_OK);
    ck_assert_uint_eq(akt_system_dead_letters(sys), d0 + 1);
    akt_future_release(f);
    /* and to the released one (its cell may be reused) */
    ck_assert_int_eq(akt_tell(fr, t_int(5), AKT_REF_NONE), AKT_OK);
    ck_assert_uint_eq(akt_system_dead_letters(sys), d0 + 2);
    t_teardown(sys, 0);
}
END_TEST

Suite *
ask_suite(void)
{
    Suite *s = suite_create("ask");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, ask_completes_with_the_reply);
    tcase_add_test(tc, reply_error_completes_the_future_with_that_code);
    tcase_add_test(tc, reply_error_text_reaches_the_asker_with_the_code);
    tcase_add_test(tc, ask_whose_handler_fails_completes_with_the_failure);
    tcase_add_test(
        tc, ask_that_times_out_completes_with_etimedout_and_leaks_nothing);
    tcase_add_test(tc, a_thread_with_slow_replies_still_gets_every_fast_reply);
    tcase_add_test(tc, wait_with_short_timeout_leaves_the_future_pending);
    tcase_add_test(tc, ask_misuse_gives_einval);
    tcase_add_test(tc, ask_to_a_stopped_actor_fails_fast_with_estopped);
    tcase_add_test(
        tc, asks_queued_to_an_actor_whose_start_fails_carry_the_reason);
    tcase_add_test(tc, on_complete_runs_exactly_once_then_fini);
    tcase_add_test(tc, pipe_to_delivers_the_reply_or_a_status_to_an_actor);
    tcase_add_test(tc, an_actor_sender_gets_the_error_text_in_a_status);
    tcase_add_test(tc, actors_ask_each_other_inside_the_runtime);
    tcase_add_test(
        tc, many_plain_threads_ask_concurrently_and_each_gets_its_own_reply);
    tcase_add_test(tc, reply_to_a_completed_future_is_a_dead_letter);
    tcase_add_loop_test(tc, busy_waits_of_any_length_change_no_result, 0,
        (int)(sizeof busy_waits / sizeof busy_waits[0]));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(ask_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
