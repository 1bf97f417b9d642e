/*
 * delivery_test.c -- at-least-once delivery from a persistent actor
 * (akt_persistent_deliver / _confirm, def->delivery), on the LMDB journal
 * and virtual time (akt.scheduler.clock = virtual: the test moves the
 * clock, nothing sleeps). The sender persists Sent(n) and, in apply,
 * delivers Msg(id, n) to a receiver; the receiver's confirmation is
 * persisted as Confirmed(id), applied as akt_persistent_confirm.
 * Proves: a confirmed delivery is never resent; an unconfirmed one is
 * resent every interval and warned about after warn_after attempts;
 * max_unconfirmed refuses more; unconfirmed deliveries survive a restart
 * (recovery records them, they are resent right after it) and a snapshot
 * (akt_persistent_delivery_snapshot / _restore), with ids going on; a
 * damaged delivery snapshot is refused.
 */
#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akt/akt.h"
#include "akt/persistence.h"
#include "akt/timers.h"
#include "latch.h"

typedef struct td_Pair {
    int64_t a; /* id */
    int64_t b; /* n */
} td_Pair;
typedef struct td_Snap {
    akt_bytes deliveries;
    int64_t sent;
} td_Snap;

static const akt_field pair_fields[] = {
    { .name = "a",
        .number = 1,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(td_Pair, a),
        .has_offset = AKT_NO_OFFSET },
    { .name = "b",
        .number = 2,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(td_Pair, b),
        .has_offset = AKT_NO_OFFSET },
};
static const akt_field snap_fields[] = {
    { .name = "deliveries",
        .number = 1,
        .kind = AKT_KIND_BYTES,
        .offset = offsetof(td_Snap, deliveries),
        .has_offset = AKT_NO_OFFSET },
    { .name = "sent",
        .number = 2,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(td_Snap, sent),
        .has_offset = AKT_NO_OFFSET },
};
#define PAIR(var, nm)                                                          \
    static akt_type var = { .abi = AKT_GEN_ABI,                                \
        .flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE,                            \
        .name = nm,                                                            \
        .size = sizeof(td_Pair),                                               \
        .align = _Alignof(td_Pair),                                            \
        .fields = pair_fields,                                                 \
        .nfields = 2 }
PAIR(send_type, "td.Send"); /* command: b = n; a = 1: snapshot, 2: direct */
PAIR(confirm_type, "td.Confirm"); /* command and receiver's answer: a = id */
PAIR(sent_type, "td.Sent"); /* event: b = n */
PAIR(confirmed_type, "td.Confirmed"); /* event: a = id */
PAIR(msg_type, "td.Msg"); /* the delivered message: a = id, b = n */
static akt_type snap_type = { .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE,
    .name = "td.Snap",
    .size = sizeof(td_Snap),
    .align = _Alignof(td_Snap),
    .fields = snap_fields,
    .nfields = 2 };

static td_Pair *
pair(const akt_type *t, int64_t a, int64_t b)
{
    td_Pair *p = akt_msg_new(t, 0);
    p->a = a;
    p->b = b;
    return p;
}

/* --- the receiver: records what it gets, confirms when told to ----------- */

#define MAXR 256
static t_latch receipts = T_LATCH_INIT;
static pthread_mutex_t rmu = PTHREAD_MUTEX_INITIALIZER;
static int64_t got_id[MAXR], got_n[MAXR];
static _Atomic bool confirming;

static akt_err
on_msg(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    const td_Pair *m = msg;
    pthread_mutex_lock(&rmu);
    int64_t i = t_latch_get(&receipts);
    if (i < MAXR) {
        got_id[i] = m->a;
        got_n[i] = m->b;
    }
    pthread_mutex_unlock(&rmu);
    t_latch_add(&receipts, 1);
    if (atomic_load(&confirming)) {
        return akt_reply(ctx, pair(&confirm_type, m->a, 0));
    }
    return AKT_OK;
}

static const akt_handler recv_handlers[] = { { &msg_type, on_msg } };
static const akt_behavior recv_behavior
    = { .name = "receiver", .handlers = recv_handlers, .nhandlers = 1 };

/* --- the sender ------------------------------------------------------------
 */

typedef struct sender {
    int64_t sent;
} sender;

static akt_ref receiver;
static t_latch warnings = T_LATCH_INIT, confirmations = T_LATCH_INIT;
static uint64_t warned_id;
static akt_err last_direct = AKT_OK;
static akt_err last_restore = AKT_OK;

static void *
make_msg(uint64_t id, void *arg)
{
    return pair(&msg_type, (int64_t)id, *(int64_t *)arg);
}

static void
apply(void *state, const void *event)
{
    sender *s = state;
    const td_Pair *e = event;
    if (akt_msg_type(event) == &sent_type) {
        s->sent++;
        int64_t n = e->b;
        ck_assert_int_eq(
            akt_persistent_deliver(receiver, make_msg, &n, NULL), AKT_OK);
    } else if (akt_persistent_confirm((uint64_t)e->a)) {
        t_latch_add(&confirmations, 1);
    }
}

static void
snapshot_offer(void *state, uint64_t seq, const void *snapshot)
{
    (void)seq;
    const td_Snap *sn = snapshot;
    ((sender *)state)->sent = sn->sent;
    ck_assert_int_eq(
        akt_persistent_delivery_restore(sn->deliveries.ptr, sn->deliveries.len),
        AKT_OK);
}

static void
warned(void *state, akt_ctx *ctx, const uint64_t *ids, size_t n)
{
    (void)state;
    (void)ctx;
    ck_assert_uint_eq(n, 1);
    warned_id = ids[0];
    t_latch_add(&warnings, 1);
}

static t_latch handled = T_LATCH_INIT;

static akt_err
on_send(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    const td_Pair *c = msg;
    akt_err rc = AKT_OK;
    if (c->a == 1) { /* snapshot: the unconfirmed deliveries inside */
        akt_buf b;
        akt_buf_init(&b);
        ck_assert_int_eq(akt_persistent_delivery_snapshot(&b), AKT_OK);
        td_Snap *sn = akt_msg_new(&snap_type, b.len);
        sn->sent = ((sender *)state)->sent;
        ck_assert_int_eq(
            akt_arena_bytes(akt_msg_arena(sn), b.data, b.len, &sn->deliveries),
            AKT_OK);
        rc = akt_persistent_save_snapshot(ctx, sn);
        akt_msg_free(sn);
        akt_buf_free(&b);
    } else if (c->a == 2) { /* deliver from a handler, not persisted */
        int64_t n = c->b;
        last_direct = akt_persistent_deliver(receiver, make_msg, &n, NULL);
    } else if (c->a == 3) { /* damaged delivery snapshot bytes */
        static const uint8_t junk[24] = { 'D', 1 };
        last_restore = akt_persistent_delivery_restore(junk, sizeof junk);
    } else {
        rc = akt_persist(ctx, pair(&sent_type, 0, c->b), NULL, NULL);
    }
    t_latch_add(&handled, 1);
    return rc;
}

static akt_err
on_confirm(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    const td_Pair *c = msg;
    return akt_persist(ctx, pair(&confirmed_type, c->a, 0), NULL, NULL);
}

#define INTERVAL AKT_SEC(1)
static akt_delivery_options dopts
    = { .redeliver_interval_ns = INTERVAL, .warn_after = 3 };
static const akt_handler send_handlers[]
    = { { &send_type, on_send }, { &confirm_type, on_confirm } };
static const akt_persistent_def sender_def = {
    .name = "sender",
    .id_prefix = "sender-",
    .state_size = sizeof(sender),
    .commands = send_handlers,
    .ncommands = 2,
    .apply = apply,
    .snapshot_offer = snapshot_offer,
    .delivery = &dopts,
    .unconfirmed_warning = warned,
};

/* --- fixture ------------------------------------------------------------- */

static char dir[64];
static akt_registry *reg;
static akt_system *sys;
static akt_ref snd;

/* extra configuration: persistence then comes from akt_persistence_start */
static const char *extra_conf;

static void
start(void)
{
    char conf[1024];
    snprintf(conf, sizeof conf,
        "akt.scheduler.clock = virtual\n"
        "akt.persistence.journal.lmdb.dir = \"%s/journal\"\n"
        "akt.persistence.snapshot-store.lmdb.dir = \"%s/snapshots\"\n%s",
        dir, dir, extra_conf ? extra_conf : "");
    akt_config *cfg;
    ck_assert_int_eq(
        akt_config_parse_string(conf, strlen(conf), "test", &cfg, NULL),
        AKT_OK);
    ck_assert_int_eq(akt_system_create("d", cfg, &sys), AKT_OK);
    akt_config_release(cfg);
    if (extra_conf) {
        akt_config_error err = { .message = "" };
        ck_assert_msg(
            akt_persistence_start(sys, reg, &err) == AKT_OK, "%s", err.message);
    } else {
        char jd[96], sd[96];
        snprintf(jd, sizeof jd, "%s/journal", dir);
        snprintf(sd, sizeof sd, "%s/snapshots", dir);
        akt_journal *j;
        akt_snapshot_store *s;
        ck_assert_int_eq(akt_journal_open_lmdb(
                             &(akt_lmdb_options) { .dir = jd }, reg, &j, NULL),
            AKT_OK);
        ck_assert_int_eq(akt_snapshot_store_open_lmdb(
                             &(akt_lmdb_options) { .dir = sd }, reg, &s, NULL),
            AKT_OK);
        ck_assert_int_eq(akt_persistence_start_with(sys, j, s), AKT_OK);
    }
    akt_props rp = { .behavior = &recv_behavior };
    ck_assert_int_eq(akt_spawn(sys, &rp, "receiver", &receiver), AKT_OK);
    akt_props sp;
    ck_assert_int_eq(akt_persistent_props(&sender_def, &sp), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &sp, "1", &snd), AKT_OK);
}

static void
setup(void)
{
    const akt_type *ts[] = { &send_type, &confirm_type, &sent_type,
        &confirmed_type, &msg_type, &snap_type };
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    for (size_t i = 0; i < 6; i++) {
        ((akt_type *)ts[i])->id = akt_type_id(ts[i]->name);
        ck_assert_int_eq(akt_registry_add(reg, ts[i]), AKT_OK);
    }
    snprintf(dir, sizeof dir, "/tmp/akt-dlv-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    start();
}

static void
teardown(void)
{
    akt_system_free(sys);
    akt_registry_free(reg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void
send_cmd(int64_t a, int64_t n)
{
    int64_t before = t_latch_get(&handled);
    ck_assert_int_eq(
        akt_tell(snd, pair(&send_type, a, n), AKT_REF_NONE), AKT_OK);
    ck_assert(t_latch_wait(&handled, before + 1, 20000));
}

/* move virtual time by one interval; the tick runs on the sender */
static void
advance(void)
{
    ck_assert_int_eq(akt_scheduler_advance(sys, INTERVAL), AKT_OK);
}

/* --- tests --------------------------------------------------------------- */

START_TEST(a_confirmed_delivery_is_never_resent)
{
    atomic_store(&confirming, true);
    send_cmd(0, 7);
    ck_assert(t_latch_wait(&receipts, 1, 20000));
    ck_assert(t_latch_wait(&confirmations, 1, 20000));
    for (int i = 0; i < 5; i++) {
        advance();
    }
    send_cmd(0, 8); /* a marker: everything before it was handled */
    ck_assert(t_latch_wait(&receipts, 2, 20000));
    ck_assert_int_eq(t_latch_get(&receipts), 2);
    ck_assert_int_eq(got_n[0], 7);
    ck_assert_int_eq(got_id[0], 1);
    ck_assert_int_eq(got_n[1], 8);
    ck_assert_int_eq(got_id[1], 2);
}
END_TEST

START_TEST(an_unconfirmed_delivery_is_resent_every_interval_and_warned_about)
{
    send_cmd(0, 5);
    ck_assert(t_latch_wait(&receipts, 1, 20000));
    for (int k = 1; k <= 3; k++) {
        advance();
        ck_assert(t_latch_wait(&receipts, 1 + k, 20000));
    }
    /* attempt 3 (warn_after) named it once */
    ck_assert(t_latch_wait(&warnings, 1, 20000));
    ck_assert_uint_eq(warned_id, 1);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(got_id[i], 1);
        ck_assert_int_eq(got_n[i], 5);
    }
    /* a confirmation (from anyone) stops it */
    ck_assert_int_eq(
        akt_tell(snd, pair(&confirm_type, 1, 0), AKT_REF_NONE), AKT_OK);
    ck_assert(t_latch_wait(&confirmations, 1, 20000));
    advance();
    advance();
    send_cmd(0, 6);
    ck_assert(t_latch_wait(&receipts, 5, 20000));
    ck_assert_int_eq(got_n[4], 6);
    ck_assert_int_eq(t_latch_get(&warnings), 1);
}
END_TEST

START_TEST(max_unconfirmed_refuses_more)
{
    teardown(); /* every thread of the fixture's system is gone */
    dopts.max_unconfirmed = 2; /* this process only (a forked case) */
    setup();
    send_cmd(2, 1);
    send_cmd(2, 2);
    ck_assert_int_eq(last_direct, AKT_OK);
    send_cmd(2, 3);
    ck_assert_int_eq(last_direct, AKT_EFULL);
    ck_assert(t_latch_wait(&receipts, 2, 20000));
}
END_TEST

/* what an actor's akt_delivery_options leave at zero comes from
 * akt.persistence.at-least-once-delivery.* (here max-unconfirmed-messages
 * = 2, the actor's max_unconfirmed 0) */
START_TEST(options_left_at_zero_come_from_the_configuration)
{
    teardown();
    ck_assert_uint_eq(dopts.max_unconfirmed, 0);
    extra_conf = "akt.persistence.at-least-once-delivery."
                 "max-unconfirmed-messages = 2\n";
    setup();
    send_cmd(2, 1);
    send_cmd(2, 2);
    ck_assert_int_eq(last_direct, AKT_OK);
    send_cmd(2, 3);
    ck_assert_int_eq(last_direct, AKT_EFULL);
    ck_assert(t_latch_wait(&receipts, 2, 20000));
}
END_TEST

START_TEST(unconfirmed_deliveries_are_resent_right_after_a_restart)
{
    send_cmd(0, 1);
    send_cmd(0, 2);
    ck_assert(t_latch_wait(&receipts, 2, 20000));
    ck_assert_int_eq(
        akt_tell(snd, pair(&confirm_type, 1, 0), AKT_REF_NONE), AKT_OK);
    ck_assert(t_latch_wait(&confirmations, 1, 20000));
    akt_system_free(sys);
    start(); /* recovery: Sent 1, Sent 2, Confirmed 1 -> 2 is unconfirmed */
    ck_assert(t_latch_wait(&receipts, 3, 20000)); /* no time moved */
    ck_assert_int_eq(got_id[2], 2);
    ck_assert_int_eq(got_n[2], 2);
    send_cmd(0, 3); /* ids go on */
    ck_assert(t_latch_wait(&receipts, 4, 20000));
    ck_assert_int_eq(got_id[3], 3);
}
END_TEST

START_TEST(unconfirmed_deliveries_survive_in_a_snapshot)
{
    send_cmd(0, 10);
    send_cmd(0, 11);
    ck_assert(t_latch_wait(&receipts, 2, 20000));
    send_cmd(1, 0); /* snapshot at 2: deliveries 1 and 2 unconfirmed */
    ck_assert_int_eq(
        akt_tell(snd, pair(&confirm_type, 1, 0), AKT_REF_NONE), AKT_OK);
    ck_assert(t_latch_wait(&confirmations, 1, 20000));
    akt_system_free(sys);
    start(); /* the snapshot's set, then Confirmed 1 replayed */
    ck_assert(t_latch_wait(&receipts, 3, 20000));
    ck_assert_int_eq(got_id[2], 2);
    ck_assert_int_eq(got_n[2], 11);
    send_cmd(0, 12);
    ck_assert(t_latch_wait(&receipts, 4, 20000));
    ck_assert_int_eq(got_id[3], 3);
    send_cmd(3, 0);
    ck_assert_int_eq(last_restore, AKT_EPROTO);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("persist_delivery");
    TCase *tc = tcase_create("delivery");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_confirmed_delivery_is_never_resent);
    tcase_add_test(
        tc, an_unconfirmed_delivery_is_resent_every_interval_and_warned_about);
    tcase_add_test(tc, max_unconfirmed_refuses_more);
    tcase_add_test(tc, options_left_at_zero_come_from_the_configuration);
    tcase_add_test(tc, unconfirmed_deliveries_are_resent_right_after_a_restart);
    tcase_add_test(tc, unconfirmed_deliveries_survive_in_a_snapshot);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
