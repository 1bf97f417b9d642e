/*
 * events_test.c -- the event stream, logging and dead letters
 * (akt/events.h).
 */
#include <regex.h>
#include <unistd.h>

#include "kitutil.h"

START_TEST(subscribers_get_published_messages_of_their_type_only)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("ev1", true, true, NULL);
    akt_probe *a, *all;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &a), AKT_OK);
    ck_assert_int_eq(akt_probe_new(sys, NULL, &all), AKT_OK);
    ck_assert_int_eq(
        akt_events_subscribe(sys, akt_probe_ref(a), &k_int_type), AKT_OK);
    ck_assert_int_eq(akt_events_subscribe(sys, akt_probe_ref(a), &k_int_type),
        AKT_OK); /* once */
    ck_assert_int_eq(
        akt_events_subscribe(sys, akt_probe_ref(all), NULL), AKT_OK);
    ck_assert_uint_eq(akt_events_subscriber_count(sys, &k_int_type), 1);
    ck_assert_int_eq(akt_events_publish(sys, k_int(&k_int_type, 1, 0)), AKT_OK);
    ck_assert_int_eq(
        akt_events_publish(sys, k_int(&k_other_type, 2, 0)), AKT_OK);
    k_expect_int(a, &k_int_type, 1);
    ck_assert_int_eq(akt_probe_expect_no_msg(a, 0), AKT_OK);
    k_expect_int(all, &k_int_type, 1);
    k_expect_int(all, &k_other_type, 2);
    ck_assert_int_eq(
        akt_events_unsubscribe(sys, akt_probe_ref(a), &k_int_type), AKT_OK);
    ck_assert_int_eq(
        akt_events_unsubscribe(sys, akt_probe_ref(a), &k_int_type), AKT_ENOENT);
    ck_assert_int_eq(akt_events_publish(sys, k_int(&k_int_type, 3, 0)), AKT_OK);
    ck_assert_int_eq(akt_probe_expect_no_msg(a, 0), AKT_OK);
    k_expect_int(all, &k_int_type, 3);
    akt_probe_free(a);
    akt_probe_free(all);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(publish_shares_one_message_between_subscribers)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("ev2", true, true, NULL);
    akt_probe *p[3];
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(akt_probe_new(sys, NULL, &p[i]), AKT_OK);
        ck_assert_int_eq(
            akt_events_subscribe(sys, akt_probe_ref(p[i]), &k_int_type),
            AKT_OK);
    }
    void *msg = k_int(&k_int_type, 5, 0);
    ck_assert_int_eq(akt_events_publish(sys, msg), AKT_OK);
    for (int i = 0; i < 3; i++) {
        void *m;
        ck_assert_int_eq(akt_probe_receive(p[i], AKT_SEC(1), &m, NULL), AKT_OK);
        ck_assert_ptr_eq(m, msg); /* the same message, not a copy */
        akt_msg_free(m);
    }
    for (int i = 0; i < 3; i++) {
        akt_probe_free(p[i]);
    }
    k_teardown(sys, live0);
}
END_TEST

START_TEST(a_subscriber_is_unsubscribed_when_it_stops)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("ev3", true, true, NULL);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    ck_assert_int_eq(
        akt_events_subscribe(sys, akt_probe_ref(p), &k_int_type), AKT_OK);
    ck_assert_int_eq(
        akt_events_subscribe(sys, akt_probe_ref(p), &k_other_type), AKT_OK);
    ck_assert_uint_eq(akt_events_subscriber_count(sys, &k_int_type), 1);
    ck_assert_int_eq(akt_stop(akt_probe_ref(p)), AKT_OK);
    /* deterministic: the stream's watcher already saw the Terminated */
    ck_assert_uint_eq(akt_events_subscriber_count(sys, &k_int_type), 0);
    ck_assert_uint_eq(akt_events_subscriber_count(sys, &k_other_type), 0);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(auto_unsubscribe_with_the_pool_dispatcher)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system(
        "ev3p", false, false, "akt.actor.default-dispatcher.workers = 2");
    akt_probe *p, *w;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    ck_assert_int_eq(akt_probe_new(sys, NULL, &w), AKT_OK);
    ck_assert_int_eq(
        akt_events_subscribe(sys, akt_probe_ref(p), &k_int_type), AKT_OK);
    akt_ref unsub;
    ck_assert_int_eq(
        akt_lookup(sys, "/system/eventStreamUnsubscriber", &unsub), AKT_OK);
    ck_assert_int_eq(akt_probe_watch(w, akt_probe_ref(p)), AKT_OK);
    ck_assert_int_eq(akt_stop(akt_probe_ref(p)), AKT_OK);
    ck_assert_int_eq(
        akt_probe_expect_terminated(w, akt_probe_ref(p), AKT_SEC(5)), AKT_OK);
    /* publishing never reaches a stopped subscriber (stale refs are dropped
     * at once, the watcher removes the rest) */
    uint64_t dl0 = akt_system_dead_letters(sys);
    ck_assert_int_eq(akt_events_publish(sys, k_int(&k_int_type, 1, 0)), AKT_OK);
    ck_assert_uint_eq(akt_system_dead_letters(sys), dl0);
    ck_assert_uint_eq(akt_events_subscriber_count(sys, &k_int_type), 0);
    akt_probe_free(p);
    akt_probe_free(w);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(dead_letters_and_unhandled_messages_are_published)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys
        = k_system("ev4", true, true, "akt.actor.dead-letters.log = off");
    akt_probe *ev, *victim;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &ev), AKT_OK);
    ck_assert_int_eq(akt_probe_new(sys, NULL, &victim), AKT_OK);
    ck_assert_int_eq(
        akt_events_subscribe(sys, akt_probe_ref(ev), &akt_dead_letter_type),
        AKT_OK);
    ck_assert_int_eq(akt_events_subscribe(
                         sys, akt_probe_ref(ev), &akt_unhandled_message_type),
        AKT_OK);
    akt_ref dead = akt_probe_ref(victim);
    ck_assert_int_eq(akt_stop(dead), AKT_OK);
    k_tell(dead, k_int(&k_int_type, 9, 0));
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(ev, &akt_dead_letter_type, AKT_SEC(1), &m),
        AKT_OK);
    akt_DeadLetter *d = m;
    ck_assert(akt_ref_equal(d->recipient, dead));
    ck_assert_int_eq(d->reason, AKT_ESTOPPED);
    ck_assert_int_eq(((const k_Int *)d->message)->v, 9);
    akt_msg_free(m);
    /* an actor with no handler for the type */
    static const akt_behavior none = { .name = "none" };
    akt_props props = { .behavior = &none };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &props, "deaf", &a), AKT_OK);
    k_tell(a, k_int(&k_other_type, 3, 0));
    ck_assert_int_eq(
        akt_probe_expect_type(ev, &akt_unhandled_message_type, AKT_SEC(1), &m),
        AKT_OK);
    ck_assert(akt_ref_equal(((akt_UnhandledMessage *)m)->recipient, a));
    akt_msg_free(m);
    akt_probe_free(ev);
    akt_probe_free(victim);
    k_teardown(sys, live0);
}
END_TEST

/* a sink that keeps the formatted lines */
typedef struct lines {
    pthread_mutex_t mu;
    char buf[64][512];
    int n;
    int finis;
} lines;

static void
keep_line(const akt_LogEvent *ev, void *arg)
{
    lines *l = arg;
    pthread_mutex_lock(&l->mu);
    if (l->n < 64) {
        akt_log_format(ev, l->buf[l->n++], 512);
    }
    pthread_mutex_unlock(&l->mu);
}

static void
lines_fini(void *arg)
{
    ((lines *)arg)->finis++;
}

static akt_err
chatty(void *s, akt_ctx *ctx, const void *msg)
{
    akt_ctx_log(
        ctx, AKT_LOG_WARNING, "got %lld", (long long)((const k_Int *)msg)->v);
    akt_ctx_log(
        ctx, AKT_LOG_DEBUG, "debug %lld", (long long)((const k_Int *)msg)->v);
    return AKT_OK;
}
static const akt_behavior chatty_b = { .name = "chatty", .unhandled = chatty };

START_TEST(log_lines_carry_level_actor_path_and_timestamp)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("ev5", true, true, "akt.loglevel = info");
    static lines l;
    memset(&l, 0, sizeof(l));
    pthread_mutex_init(&l.mu, NULL);
    ck_assert_int_eq(akt_log_set_sink(sys, keep_line, &l, lines_fini), AKT_OK);
    akt_probe *sub;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &sub), AKT_OK);
    ck_assert_int_eq(
        akt_events_subscribe(sys, akt_probe_ref(sub), &akt_log_event_type),
        AKT_OK);
    akt_props props = { .behavior = &chatty_b };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &props, "chatty", &a), AKT_OK);
    k_tell(a, k_int(&k_int_type, 42, 0));
    ck_assert_int_eq(l.n, 1); /* debug is below info */
    regex_t re;
    ck_assert_int_eq(
        regcomp(&re,
            "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}"
            "Z WARN  \\[akt://ev5/user/chatty\\] got 42$",
            REG_EXTENDED | REG_NOSUB),
        0);
    ck_assert_msg(
        regexec(&re, l.buf[0], 0, NULL, 0) == 0, "line: %s", l.buf[0]);
    regfree(&re);
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(sub, &akt_log_event_type, AKT_SEC(1), &m),
        AKT_OK);
    akt_LogEvent *ev = m;
    ck_assert_int_eq(ev->level, AKT_LOG_WARNING);
    ck_assert(akt_ref_equal(ev->source, a));
    ck_assert_str_eq(ev->text.ptr, "got 42");
    akt_msg_free(m);
    akt_log_set_level(sys, AKT_LOG_DEBUG);
    ck_assert_int_eq(akt_log_level_of(sys), AKT_LOG_DEBUG);
    k_tell(a, k_int(&k_int_type, 1, 0));
    ck_assert_int_eq(l.n, 3);
    ck_assert_ptr_nonnull(
        strstr(l.buf[2], "DEBUG [akt://ev5/user/chatty] debug 1"));
    akt_log(sys, AKT_LOG_ERROR, AKT_REF_NONE, "system %d", 7);
    ck_assert_ptr_nonnull(strstr(l.buf[3], "ERROR [akt://ev5] system 7"));
    ck_assert_int_eq(akt_log_set_sink(sys, NULL, NULL, NULL), AKT_OK);
    ck_assert_int_eq(l.finis, 1);
    akt_probe_free(sub);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(the_default_logger_writes_lines_to_stderr)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("ev6", true, true, NULL);
    char path[] = "/tmp/akt-kit-log-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    akt_log(sys, AKT_LOG_WARNING, AKT_REF_NONE, "to stderr");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char buf[512] = { 0 };
    ck_assert_int_gt(pread(fd, buf, sizeof(buf) - 1, 0), 0);
    close(fd);
    unlink(path);
    ck_assert_ptr_nonnull(strstr(buf, "WARN  [akt://ev6] to stderr\n"));
    k_teardown(sys, live0);
}
END_TEST

START_TEST(dead_letter_logging_is_rate_limited)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("ev7", true, true,
        "akt.actor.dead-letters { log = on, log-max = 3, log-suspend = 1h }");
    static lines l;
    memset(&l, 0, sizeof(l));
    pthread_mutex_init(&l.mu, NULL);
    ck_assert_int_eq(akt_log_set_sink(sys, keep_line, &l, NULL), AKT_OK);
    akt_probe *ev, *victim;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &ev), AKT_OK);
    ck_assert_int_eq(akt_probe_new(sys, NULL, &victim), AKT_OK);
    ck_assert_int_eq(
        akt_events_subscribe(sys, akt_probe_ref(ev), &akt_dead_letter_type),
        AKT_OK);
    akt_ref dead = akt_probe_ref(victim);
    ck_assert_int_eq(akt_stop(dead), AKT_OK);
    uint64_t dl0 = akt_system_dead_letters(sys);
    for (int i = 0; i < 10; i++) {
        k_tell(dead, k_int(&k_int_type, i, 0));
    }
    ck_assert_uint_eq(akt_system_dead_letters(sys), dl0 + 10);
    ck_assert_int_eq(l.n, 3); /* logged: only log-max */
    ck_assert_ptr_nonnull(strstr(l.buf[2], "not logged for a while"));
    ck_assert_ptr_nonnull(strstr(l.buf[0], "dead letter"));
    ck_assert_ptr_nonnull(strstr(l.buf[0], "kit.Int (ESTOPPED)"));
    ck_assert_int_eq(akt_probe_receive_n(ev, 10, AKT_SEC(1), NULL),
        AKT_OK); /* all published */
    akt_probe_free(ev);
    akt_probe_free(victim);
    k_teardown(sys, live0);
}
END_TEST

typedef struct pub_arg {
    akt_system *sys;
    int n;
} pub_arg;

static void *
publisher(void *arg)
{
    pub_arg *a = arg;
    for (int i = 0; i < a->n; i++) {
        akt_events_publish(a->sys, k_int(&k_int_type, i, 0));
    }
    return NULL;
}

START_TEST(publishing_races_subscribers_that_come_and_go)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("evrace", false, false,
        "akt.actor.default-dispatcher.workers = 4\nakt.actor.dead-letters.log "
        "= off");
    pub_arg a = { sys, 2000 };
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        pthread_create(&th[i], NULL, publisher, &a);
    }
    for (int round = 0; round < 50; round++) {
        akt_probe *p;
        ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
        ck_assert_int_eq(akt_events_subscribe(sys, akt_probe_ref(p),
                             round % 2 ? NULL : &k_int_type),
            AKT_OK);
        if (round % 3 == 0) {
            akt_events_unsubscribe(sys, akt_probe_ref(p), NULL);
        }
        akt_probe_free(p); /* stops it: the stream forgets it */
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
    }
    k_teardown(sys, live0);
}
END_TEST

START_TEST(event_calls_reject_bad_arguments)
{
    ck_assert_int_eq(
        akt_events_subscribe(NULL, AKT_REF_NONE, NULL), AKT_EINVAL);
    ck_assert_int_eq(akt_events_publish(NULL, NULL), AKT_EINVAL);
    ck_assert_str_eq(akt_log_level_name(AKT_LOG_INFO), "INFO");
}
END_TEST

static Suite *
events_suite(void)
{
    Suite *s = suite_create("events");
    TCase *tc = tcase_create("kit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, subscribers_get_published_messages_of_their_type_only);
    tcase_add_test(tc, publish_shares_one_message_between_subscribers);
    tcase_add_test(tc, a_subscriber_is_unsubscribed_when_it_stops);
    tcase_add_test(tc, auto_unsubscribe_with_the_pool_dispatcher);
    tcase_add_test(tc, dead_letters_and_unhandled_messages_are_published);
    tcase_add_test(tc, log_lines_carry_level_actor_path_and_timestamp);
    tcase_add_test(tc, the_default_logger_writes_lines_to_stderr);
    tcase_add_test(tc, dead_letter_logging_is_rate_limited);
    tcase_add_test(tc, publishing_races_subscribers_that_come_and_go);
    tcase_add_test(tc, event_calls_reject_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(events_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
