/*
 * settings_reader_test.c -- the settings reader (config/settings_reader.h)
 * and its three users: the core's settings (akti_settings_read), the kit's
 * (akti_kit_settings_read) and remoting's (akt_remote_start). A bad
 * setting fails naming its origin, the key and what was expected; a
 * missing key keeps its default; reference.conf reads without error and
 * every key in it goes through the reader.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt.h"
#include "akt/remote.h"
#include "cluster/cluster_impl.h"
#include "config/cfg.h"
#include "config/settings_reader.h"
#include "kit/kit.h"
#include "persist/persist_impl.h"

/* --- helpers -------------------------------------------------------------- */

static akt_config *
parse(const char *text)
{
    akt_config *cfg = NULL;
    akt_config_error err;
    ck_assert_msg(
        akt_config_parse_string(text, strlen(text), "app.conf", &cfg, &err)
            == AKT_OK,
        "%s", err.message);
    return cfg;
}

static akt_config *
reference(void)
{
    akt_config *ref = NULL;
    ck_assert_int_eq(akt_config_reference(&ref, NULL), AKT_OK);
    return ref;
}

/* a log sink that keeps the text of the last line */
typedef struct last_line {
    pthread_mutex_t mu;
    char text[1024];
} last_line;

static void
keep_last(const akt_LogEvent *ev, void *arg)
{
    last_line *l = arg;
    pthread_mutex_lock(&l->mu);
    snprintf(l->text, sizeof l->text, "%.*s", (int)ev->text.len, ev->text.ptr);
    pthread_mutex_unlock(&l->mu);
}

/* remote_start -- akt_remote_start on a system made from the reference,
 * with opts.config = cfg; *line gets the error it logged ("" if none).
 * listen: opts.listen_url (NULL: from the configuration). */
static akt_err
remote_start(akt_config *cfg, const char *listen, char *line, size_t n)
{
    akt_config *ref = reference();
    akt_system *sys = NULL;
    ck_assert_int_eq(akt_system_create("rs", ref, &sys), AKT_OK);
    static last_line l;
    memset(&l, 0, sizeof l);
    pthread_mutex_init(&l.mu, NULL);
    ck_assert_int_eq(akt_log_set_sink(sys, keep_last, &l, NULL), AKT_OK);
    akt_registry *reg = NULL;
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    akt_remote_options o
        = { .listen_url = listen, .registry = reg, .config = cfg };
    akt_err rc = akt_remote_start(sys, &o);
    if (rc == AKT_OK) {
        ck_assert_int_eq(akt_remote_stop(sys), AKT_OK);
    }
    akt_system_free(sys);
    akt_registry_free(reg);
    akt_config_release(ref);
    snprintf(line, n, "%s", l.text);
    return rc;
}

/* --- bad settings ----------------------------------------------------------
 * One line of app.conf each, read by the part that owns the key; the
 * message is exact: origin (file:line:col of the value), key, the whole
 * rule, and the value as written. */

typedef enum { CORE, KIT, REMOTE, PERSIST, CLUSTER } part;

static const struct bad {
    part who;
    const char *conf;
    akt_err rc;
    const char *message;
} bad[] = {
    /* core: names */
    { CORE, "akt.actor.default-mailbox.type = bunded", AKT_EINVAL,
        "app.conf:1:34: error: akt.actor.default-mailbox.type: expected one "
        "of unbounded, bounded, control-aware, got \"bunded\"" },
    { CORE, "akt.loglevel = verbose", AKT_EINVAL,
        "app.conf:1:16: error: akt.loglevel: expected one of off, error, "
        "warning, info, debug, got \"verbose\"" },
    { CORE, "akt.actor.default-dispatcher.type = round-robin", AKT_EINVAL,
        "app.conf:1:37: error: akt.actor.default-dispatcher.type: expected "
        "one of work-stealing, calling-thread, got \"round-robin\"" },
    { CORE, "akt.actor.default-mailbox.overflow = sometimes", AKT_EINVAL,
        "app.conf:1:38: error: akt.actor.default-mailbox.overflow: expected "
        "one of drop-new, drop-head, fail, block, got \"sometimes\"" },
    { CORE, "akt.scheduler.clock = 3", AKT_EINVAL,
        "app.conf:1:23: error: akt.scheduler.clock: expected one of "
        "monotonic, virtual, got 3" },
    /* core: types */
    { CORE, "akt.actor.default-dispatcher.throughput = fast", AKT_ETYPE,
        "app.conf:1:43: error: akt.actor.default-dispatcher.throughput: "
        "expected a whole number from 1 to 1000000, got \"fast\"" },
    { CORE, "akt.actor.default-dispatcher.workers = 2.5", AKT_ETYPE,
        "app.conf:1:40: error: akt.actor.default-dispatcher.workers: "
        "expected a whole number from 0 to 256, got 2.5" },
    { CORE, "akt.actor.ask-timeout = soon", AKT_ETYPE,
        "app.conf:1:25: error: akt.actor.ask-timeout: expected a duration of "
        "at least 1ns, got \"soon\"" },
    { CORE, "akt.actor.dead-letters.log = maybe", AKT_ETYPE,
        "app.conf:1:30: error: akt.actor.dead-letters.log: expected on or "
        "off (true/false, yes/no), got \"maybe\"" },
    { CORE, "akt.scheduler.wheel-size = [1, 2]", AKT_ETYPE,
        "app.conf:1:28: error: akt.scheduler.wheel-size: expected a whole "
        "number from 1 to 1048576, got a list" },
    { CORE, "akt.actor.default-mailbox.capacity { a = 1 }", AKT_ETYPE,
        "app.conf:1:36: error: akt.actor.default-mailbox.capacity: expected "
        "a whole number from 1 to 4294967295, got an object" },
    { CORE, "akt.codec.max-length = lots", AKT_ETYPE,
        "app.conf:1:24: error: akt.codec.max-length: expected a size of at "
        "least 1 byte, got \"lots\"" },
    { CORE, "akt.loglevel = [info]", AKT_ETYPE,
        "app.conf:1:16: error: akt.loglevel: expected one of off, error, "
        "warning, info, debug, got a list" },
    /* core: ranges */
    { CORE, "akt.actor.default-dispatcher.throughput = 0", AKT_ERANGE,
        "app.conf:1:43: error: akt.actor.default-dispatcher.throughput: "
        "expected a whole number from 1 to 1000000, got 0" },
    { CORE, "akt.actor.default-dispatcher.workers = 300", AKT_ERANGE,
        "app.conf:1:40: error: akt.actor.default-dispatcher.workers: "
        "expected a whole number from 0 to 256, got 300" },
    { CORE, "akt.actor.ask-timeout = 0", AKT_ERANGE,
        "app.conf:1:25: error: akt.actor.ask-timeout: expected a duration of "
        "at least 1ns, got 0" },
    { CORE, "akt.actor.ask-busy-wait = 11s", AKT_ERANGE,
        "app.conf:1:27: error: akt.actor.ask-busy-wait: expected a duration "
        "from 0ns to 10ms, got \"11s\"" },
    { CORE, "akt.actor.default-dispatcher.busy-wait = fast", AKT_ETYPE,
        "app.conf:1:42: error: akt.actor.default-dispatcher.busy-wait: "
        "expected a duration from 0ns to 10ms, got \"fast\"" },
    { CORE, "akt.actor.default-mailbox.block-timeout = -5ms", AKT_ERANGE,
        "app.conf:1:43: error: akt.actor.default-mailbox.block-timeout: "
        "expected a duration of at least 0ns, got \"-5ms\"" },
    { CORE, "akt.actor.supervision.max-restarts = 3000000000", AKT_ERANGE,
        "app.conf:1:38: error: akt.actor.supervision.max-restarts: expected "
        "a whole number of at most 2147483647, got 3000000000" },
    { CORE, "akt.codec.max-depth = 513", AKT_ERANGE,
        "app.conf:1:23: error: akt.codec.max-depth: expected a whole number "
        "from 1 to 512, got 513" },
    { CORE, "akt.codec.max-length = 0", AKT_ERANGE,
        "app.conf:1:24: error: akt.codec.max-length: expected a size of at "
        "least 1 byte, got 0" },
    { CORE, "akt.scheduler.tick = 1000000 days", AKT_ERANGE,
        "app.conf:1:22: error: akt.scheduler.tick: expected a duration of at "
        "least 1ns, got \"1000000 days\"" },
    /* kit */
    { KIT, "akt.actor.stash-capacity = 0", AKT_ERANGE,
        "app.conf:1:28: error: akt.actor.stash-capacity: expected a whole "
        "number from 1 to 4294967295, got 0" },
    { KIT, "akt.router.virtual-nodes = 1001", AKT_ERANGE,
        "app.conf:1:28: error: akt.router.virtual-nodes: expected a whole "
        "number from 1 to 1000, got 1001" },
    { KIT, "akt.router.within = 0s", AKT_ERANGE,
        "app.conf:1:21: error: akt.router.within: expected a duration of at "
        "least 1ns, got \"0s\"" },
    { KIT, "akt.actor.dead-letters.log-suspend = never", AKT_ETYPE,
        "app.conf:1:38: error: akt.actor.dead-letters.log-suspend: expected "
        "a duration of at least 0ns, got \"never\"" },
    { KIT, "akt.coordinated-shutdown.run-by-signal = sometimes", AKT_ETYPE,
        "app.conf:1:42: error: akt.coordinated-shutdown.run-by-signal: "
        "expected on or off (true/false, yes/no), got \"sometimes\"" },
    { KIT,
        "akt.coordinated-shutdown.phases.service-requests-done.timeout = -1s",
        AKT_ERANGE,
        "app.conf:1:65: error: "
        "akt.coordinated-shutdown.phases.service-requests-done.timeout: "
        "expected a duration of at least 0ns, got \"-1s\"" },
    /* kit: akt.gpu, read when the system is created */
    { KIT, "akt.gpu.placement = gpus", AKT_EINVAL,
        "app.conf:1:21: error: akt.gpu.placement: expected one of cpu, gpu, "
        "auto, got \"gpus\"" },
    { KIT, "akt.gpu.max-batch = 0", AKT_ERANGE,
        "app.conf:1:21: error: akt.gpu.max-batch: expected a whole number "
        "from 1 to 16777216, got 0" },
    { KIT, "akt.gpu.max-delay = 100ns", AKT_ERANGE,
        "app.conf:1:21: error: akt.gpu.max-delay: expected a duration from "
        "1us to 10s, got \"100ns\"" },
    { KIT, "akt.gpu.executor = gpu", AKT_EINVAL,
        "app.conf:1:20: error: akt.gpu.executor: expected one of cuda, cpu, "
        "got \"gpu\"" },
    { KIT, "akt.gpu.persistent-max-batch = 70000", AKT_ERANGE,
        "app.conf:1:32: error: akt.gpu.persistent-max-batch: expected a "
        "whole number from 0 to 65536, got 70000" },
    { KIT, "akt.gpu.kernel-cache.max-size = 10", AKT_ERANGE,
        "app.conf:1:33: error: akt.gpu.kernel-cache.max-size: expected a "
        "size from 1 MiB to 1 TiB, got 10" },
    /* remote */
    { REMOTE, "akt.remote.lane-busy-poll = 11ms", AKT_ERANGE,
        "app.conf:1:29: error: akt.remote.lane-busy-poll: expected a duration "
        "from 0ns to 10ms, got \"11ms\"" },
    { REMOTE, "akt.remote.lane-busy-poll = -1us", AKT_ERANGE,
        "app.conf:1:29: error: akt.remote.lane-busy-poll: expected a duration "
        "from 0ns to 10ms, got \"-1us\"" },
    { REMOTE, "akt.remote.lane-busy-poll = busy", AKT_ETYPE,
        "app.conf:1:29: error: akt.remote.lane-busy-poll: expected a duration "
        "from 0ns to 10ms, got \"busy\"" },
    { REMOTE, "akt.remote.overflow = sometimes", AKT_EINVAL,
        "app.conf:1:23: error: akt.remote.overflow: expected one of "
        "drop-new, drop-head, fail, block, got \"sometimes\"" },
    { REMOTE, "akt.remote.failure-detector.threshold = 0", AKT_ERANGE,
        "app.conf:1:41: error: akt.remote.failure-detector.threshold: "
        "expected a number above 0, got 0" },
    { REMOTE, "akt.remote.failure-detector.threshold = high", AKT_ETYPE,
        "app.conf:1:41: error: akt.remote.failure-detector.threshold: "
        "expected a number of at least 0, got \"high\"" },
    { REMOTE, "akt.remote.failure-detector.heartbeat-interval = 0", AKT_ERANGE,
        "app.conf:1:50: error: akt.remote.failure-detector.heartbeat-interval: "
        "expected a duration of at least 1ns, got 0" },
    { REMOTE, "akt.remote.outbound-queue-size = -1", AKT_ERANGE,
        "app.conf:1:34: error: akt.remote.outbound-queue-size: expected a "
        "whole number from 1 to 4294967295, got -1" },
    { REMOTE, "akt.remote.max-frame-size = 1000", AKT_ERANGE,
        "app.conf:1:29: error: akt.remote.max-frame-size: expected a size of "
        "at least 4 KiB, got 1000" },
    { REMOTE, "akt.remote.max-message-size = lots", AKT_ETYPE,
        "app.conf:1:31: error: akt.remote.max-message-size: expected a size "
        "of at least 1 byte, got \"lots\"" },
    { REMOTE, "akt.remote.tls.verify-peer = perhaps", AKT_ETYPE,
        "app.conf:1:30: error: akt.remote.tls.verify-peer: expected on or off "
        "(true/false, yes/no), got \"perhaps\"" },
    { REMOTE, "akt.remote.cookie = [a, b]", AKT_ETYPE,
        "app.conf:1:21: error: akt.remote.cookie: expected a string, got a "
        "list" },
    { REMOTE, "akt.remote.listen = \"\"", AKT_EINVAL,
        "app.conf:1:21: error: akt.remote.listen: expected a URL to listen on "
        "(tcp://host:port, ipc:///path, inproc://name), got \"\"" },
    /* cluster */
    { CLUSTER, "akt.cluster.seed-nodes = [\"tcp://h:1\"]", AKT_EINVAL,
        "app.conf:1:26: error: akt.cluster.seed-nodes: expected addresses "
        "like \"akt://sys@host:port\", got a list" },
    { CLUSTER, "akt.cluster.split-brain-resolver.active-strategy = majority",
        AKT_EINVAL,
        "app.conf:1:52: error: akt.cluster.split-brain-resolver.active-"
        "strategy: expected one of keep-majority, static-quorum, "
        "keep-oldest, down-all, lease-majority, got \"majority\"" },
    { CLUSTER, "akt.cluster.failure-detector.threshold = 0", AKT_ERANGE,
        "app.conf:1:42: error: akt.cluster.failure-detector.threshold: "
        "expected a number from 0.5 to 1000, got 0" },
    { CLUSTER,
        "akt.cluster.split-brain-resolver { active-strategy = static-quorum "
        "}",
        AKT_ERANGE,
        "reference.conf:0:0: error: akt.cluster.split-brain-resolver.quorum-"
        "size: expected a quorum above 0 (static-quorum needs one), got 0" },
};

START_TEST(a_bad_setting_fails_naming_origin_key_and_rule)
{
    const struct bad *b = &bad[_i];
    akt_config *cfg = parse(b->conf);
    akt_config_error err;
    memset(&err, 0, sizeof err);
    akt_err rc;
    if (b->who == REMOTE) {
        /* akt_remote_start has no error out-parameter: the log says it */
        char line[1024], want[1024];
        bool listen_row = strstr(b->conf, "listen") != NULL;
        rc = remote_start(
            cfg, listen_row ? NULL : "inproc://set-reader", line, sizeof line);
        snprintf(want, sizeof want, "remoting not started: %s", b->message);
        ck_assert_str_eq(line, want);
    } else {
        if (b->who == CORE) {
            akti_settings s;
            memset(&s, 0x5a, sizeof s);
            rc = akti_settings_read(cfg, &s, &err);
            ck_assert_int_eq(((unsigned char *)&s)[0], 0x5a); /* untouched */
        } else if (b->who == CLUSTER) {
            akt_config *ref = reference(), *full = NULL;
            ck_assert_int_eq(
                akt_config_with_fallback(cfg, ref, &full, NULL), AKT_OK);
            akti_cluster_conf c;
            rc = akti_cluster_conf_read(full, &c, &err);
            akt_config_release(full);
            akt_config_release(ref);
        } else {
            kit_settings s;
            rc = akti_kit_settings_read(cfg, &s, &err);
        }
        if (strncmp(b->message, "reference.conf", 14) == 0) {
            /* a rule between two keys: the one named is the default's */
            ck_assert_ptr_nonnull(strstr(err.message, strchr(b->message, ' ')));
        } else {
            ck_assert_str_eq(err.message, b->message);
            ck_assert_str_eq(err.file, "app.conf");
            ck_assert_int_eq(err.line, 1);
        }
    }
    ck_assert_msg(rc == b->rc, "%s: rc %s, expected %s", b->conf,
        akt_err_name(rc), akt_err_name(b->rc));
    akt_config_release(cfg);
}
END_TEST

/* the first bad key in reading order is the one reported, and the reader
 * reads nothing after it */
START_TEST(only_the_first_error_is_reported)
{
    akt_config *cfg = parse("akt.loglevel = loud\n"
                            "akt.actor.default-dispatcher.workers = -1\n");
    akt_config_error err;
    ck_assert_int_eq(
        akti_settings_read(cfg, &(akti_settings) { 0 }, &err), AKT_ERANGE);
    ck_assert_str_eq(err.message,
        "app.conf:2:40: error: akt.actor.default-dispatcher.workers: "
        "expected a whole number from 0 to 256, got -1");
    akti_setreader r = { .cfg = cfg, .rc = AKT_OK, .err = &err };
    int level = 7;
    int64_t workers = 7;
    akti_set_int(&r, "akt.actor.default-dispatcher.workers", &workers, 0, 9);
    akti_set_enum(
        &r, "akt.loglevel", &level, (const char *const[]) { "off", "on" }, 2);
    ck_assert_int_eq(r.rc, AKT_ERANGE);
    ck_assert_int_eq(workers, 7);
    ck_assert_int_eq(level, 7);
    ck_assert_ptr_nonnull(strstr(err.message, "workers"));
    akt_config_release(cfg);
}
END_TEST

/* the origin is wherever the value came from: a value set in code */
START_TEST(a_value_set_in_code_is_named_as_set_in_code)
{
    akt_config *ref = reference(), *cfg = NULL;
    ck_assert_int_eq(akt_config_override(ref, "akt.actor.default-mailbox.type",
                         "\"Bunded\"", &cfg, NULL),
        AKT_OK);
    akt_config_error err;
    ck_assert_int_eq(
        akti_settings_read(cfg, &(akti_settings) { 0 }, &err), AKT_EINVAL);
    const char *origin
        = akt_config_origin(cfg, "akt.actor.default-mailbox.type");
    ck_assert_ptr_nonnull(origin);
    ck_assert_msg(strncmp(err.message, origin, strlen(origin)) == 0,
        "%s does not start with %s", err.message, origin);
    ck_assert_ptr_nonnull(strstr(err.message,
        "akt.actor.default-mailbox.type: expected one of unbounded, bounded, "
        "control-aware, got \"Bunded\""));
    akt_config_release(cfg);
    akt_config_release(ref);
}
END_TEST

/* --- defaults ------------------------------------------------------------- */

START_TEST(names_match_whatever_their_case)
{
    akt_config *cfg = parse("akt.loglevel = DEBUG\n"
                            "akt.actor.default-mailbox.type = Bounded\n"
                            "akt.remote.overflow = Drop-Head\n");
    akti_settings s;
    ck_assert_int_eq(akti_settings_read(cfg, &s, NULL), AKT_OK);
    ck_assert_int_eq(s.loglevel, 4);
    ck_assert_int_eq(s.mailbox_kind, AKT_MAILBOX_BOUNDED);
    char line[1024];
    ck_assert_int_eq(
        remote_start(cfg, "inproc://set-reader-case", line, sizeof line),
        AKT_OK);
    akt_config_release(cfg);
}
END_TEST

START_TEST(a_missing_key_keeps_its_default)
{
    /* no config at all, and a config that has other keys only */
    akti_settings none, other;
    ck_assert_int_eq(akti_settings_read(NULL, &none, NULL), AKT_OK);
    akt_config *cfg = parse("akt.actor.default-dispatcher.throughput = 5\n"
                            "unrelated { key = [1, 2] }\n");
    ck_assert_int_eq(akti_settings_read(cfg, &other, NULL), AKT_OK);
    ck_assert_int_eq(other.throughput, 5);
    other.throughput = none.throughput;
    ck_assert(memcmp(&none, &other, sizeof none) == 0);
    ck_assert_int_eq(none.throughput, 64);
    ck_assert_int_eq(none.mailbox_kind, AKT_MAILBOX_UNBOUNDED);
    ck_assert_int_eq(none.ask_timeout_ns, 5000000000LL);
    ck_assert_int_eq(none.ask_busy_wait_ns, 100000);
    ck_assert_int_eq(none.worker_busy_wait_ns, 100000);
    ck_assert_int_eq(none.loglevel, 2);
    kit_settings kn, kc;
    ck_assert_int_eq(akti_kit_settings_read(NULL, &kn, NULL), AKT_OK);
    ck_assert_int_eq(akti_kit_settings_read(cfg, &kc, NULL), AKT_OK);
    ck_assert(memcmp(&kn, &kc, sizeof kn) == 0);
    ck_assert_uint_eq(kn.stash_capacity, 1000);
    ck_assert_int_eq(kn.phase_timeout_ns[AKT_PHASE_SERVICE_STOP], 5000000000LL);
    /* each reader call alone: a missing key leaves the variable as it was */
    akti_setreader r = { .cfg = cfg, .rc = AKT_OK, .err = NULL };
    int64_t i = 42, ns = 43;
    uint64_t bytes = 44;
    double d = 4.5;
    bool b = true;
    const char *str = "dflt";
    int e = 1;
    akti_set_int(&r, "no.such.key", &i, 0, 100);
    akti_set_dur(&r, "no.such.key", &ns, 0, 100);
    akti_set_size(&r, "no.such.key", &bytes, 0, 100);
    akti_set_double(&r, "no.such.key", &d, 0, 100);
    akti_set_bool(&r, "no.such.key", &b);
    akti_set_str(&r, "no.such.key", &str);
    akti_set_enum(&r, "no.such.key", &e, (const char *const[]) { "a", "b" }, 2);
    ck_assert_int_eq(r.rc, AKT_OK);
    ck_assert(i == 42 && ns == 43 && bytes == 44 && d == 4.5 && b && e == 1);
    ck_assert_str_eq(str, "dflt");
    /* a per-phase timeout that is missing takes phase-timeout */
    akt_config *ph = parse("akt.coordinated-shutdown { phase-timeout = 2s\n"
                           "  phases.service-stop.timeout = 7s }\n");
    ck_assert_int_eq(akti_kit_settings_read(ph, &kc, NULL), AKT_OK);
    ck_assert_int_eq(kc.phase_timeout_ns[AKT_PHASE_SERVICE_STOP], 7000000000LL);
    ck_assert_int_eq(
        kc.phase_timeout_ns[AKT_PHASE_SERVICE_UNBIND], 2000000000LL);
    akt_config_release(ph);
    akt_config_release(cfg);
}
END_TEST

/* --- reference.conf ------------------------------------------------------- */

START_TEST(reference_conf_reads_without_error)
{
    akt_config *ref = reference();
    akt_config_error err = { .message = "" };
    akti_settings s;
    ck_assert_msg(
        akti_settings_read(ref, &s, &err) == AKT_OK, "%s", err.message);
    ck_assert_int_eq(s.throughput, 32);
    ck_assert_int_eq(s.spin_before_park, 200);
    ck_assert_int_eq(s.loglevel, 3); /* info */
    ck_assert(s.dead_letters_log);
    ck_assert_int_eq(s.tick_ns, 1000000);
    ck_assert_uint_eq(s.codec.max_length, 64ull << 20);
    kit_settings k;
    ck_assert_msg(
        akti_kit_settings_read(ref, &k, &err) == AKT_OK, "%s", err.message);
    ck_assert_int_eq(k.dl_log_suspend_ns, 300000000000LL);
    char line[1024];
    ck_assert_int_eq(
        remote_start(ref, "inproc://set-reader-ref", line, sizeof line),
        AKT_OK);
    ck_assert_str_eq(line, "");
    akt_config_release(ref);
}
END_TEST

/* reference.conf's keys that no part reads yet (each is a gap to close) */
static const char *const unread[] = {
    "akt.log-config-on-start",
};

/* which part reads the keys under a prefix */
static part
owner(const char *key)
{
    static const char *const kit_keys[] = {
        "akt.actor.stash-capacity",
        "akt.actor.dead-letters.log-suspend",
        "akt.router.",
        "akt.coordinated-shutdown.",
        "akt.gpu.",
    };
    if (strncmp(key, "akt.remote.", 11) == 0) {
        return REMOTE;
    }
    if (strncmp(key, "akt.persistence.", 16) == 0) {
        return PERSIST;
    }
    if (strncmp(key, "akt.cluster.", 12) == 0) {
        return CLUSTER;
    }
    for (size_t i = 0; i < sizeof kit_keys / sizeof kit_keys[0]; i++) {
        if (strncmp(key, kit_keys[i], strlen(kit_keys[i])) == 0) {
            return KIT;
        }
    }
    return CORE;
}

/* every_leaf -- fn(path) for each leaf under v */
static int
every_leaf(const cv *v, char *path, size_t pn, int (*fn)(const char *))
{
    int bad_keys = 0;
    for (size_t i = 0; i < v->u.obj.n; i++) {
        const cfg_field *f = &v->u.obj.f[i];
        size_t n = pn
            + (size_t)snprintf(
                path + pn, 512 - pn, "%s%s", pn ? "." : "", f->key.s);
        bad_keys += f->val->kind == CV_OBJ ? every_leaf(f->val, path, n, fn)
                                           : fn(path);
        path[pn] = '\0';
    }
    return bad_keys;
}

/* a list where the key's value should be: its part must fail, naming it */
static int
a_list_there_fails(const char *key)
{
    for (size_t i = 0; i < sizeof unread / sizeof unread[0]; i++) {
        if (strcmp(key, unread[i]) == 0) {
            return 0;
        }
    }
    akt_config *ref = reference(), *cfg = NULL;
    ck_assert_int_eq(
        akt_config_override(ref, key, "[1, 2]", &cfg, NULL), AKT_OK);
    akt_config_error err = { .message = "" };
    akt_err rc;
    part who = owner(key);
    if (who == CORE) {
        rc = akti_settings_read(cfg, &(akti_settings) { 0 }, &err);
    } else if (who == KIT) {
        rc = akti_kit_settings_read(cfg, &(kit_settings) { 0 }, &err);
    } else if (who == CLUSTER) {
        akti_cluster_conf c;
        rc = akti_cluster_conf_read(cfg, &c, &err);
        if (rc == AKT_OK) {
            akti_cluster_conf_fini(&c);
        }
    } else if (who == PERSIST) {
        rc = akti_persist_settings_read(
            cfg, &(akti_persist_settings) { 0 }, &err);
    } else {
        rc = remote_start(cfg,
            strcmp(key, "akt.remote.listen") == 0 ? NULL
                                                  : "inproc://set-reader-keys",
            err.message, sizeof err.message);
    }
    char want[300];
    snprintf(want, sizeof want, "%s: expected ", key);
    int fails = rc == AKT_ETYPE && strstr(err.message, want) != NULL
        && strstr(err.message, "got a list") != NULL;
    if (!fails) {
        fprintf(stderr, "%s = [1, 2]: %s, \"%s\"\n", key, akt_err_name(rc),
            err.message);
    }
    akt_config_release(cfg);
    akt_config_release(ref);
    return !fails;
}

START_TEST(every_reference_key_is_read_through_the_reader)
{
    cfg_arena a = { 0 };
    cv *root = NULL;
    ck_assert_int_eq(
        akti_cfg_load_text(&a, (const char *)akti_cfg_reference_conf,
            akti_cfg_reference_conf_len, "reference.conf", NULL, &root, NULL),
        AKT_OK);
    ck_assert_int_eq(akti_cfg_resolve(&a, root, NULL), AKT_OK);
    char path[512] = "";
    ck_assert_int_eq(every_leaf(root, path, 0, a_list_there_fails), 0);
    akti_cfg_arena_free(&a);
}
END_TEST

static Suite *
settings_reader_suite(void)
{
    Suite *s = suite_create("settings_reader");
    TCase *t = tcase_create("bad");
    tcase_add_loop_test(t, a_bad_setting_fails_naming_origin_key_and_rule, 0,
        (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(t, only_the_first_error_is_reported);
    tcase_add_test(t, a_value_set_in_code_is_named_as_set_in_code);
    suite_add_tcase(s, t);
    t = tcase_create("good");
    tcase_add_test(t, names_match_whatever_their_case);
    tcase_add_test(t, a_missing_key_keeps_its_default);
    tcase_add_test(t, reference_conf_reads_without_error);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, every_reference_key_is_read_through_the_reader);
    suite_add_tcase(s, t);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(settings_reader_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
