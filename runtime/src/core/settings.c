/*
 * settings.c -- the only place the core reads configuration. Fills an
 * akti_settings from akt.actor.*, akt.scheduler.*, akt.codec.* and
 * akt.loglevel through the settings reader (config/settings_reader.h): a
 * key that is missing keeps the built-in default below; a key of the wrong
 * type, out of its range or not one of its names fails, naming the key,
 * its origin and what was expected -- never a silent default.
 */
#include <string.h>

#include "config/settings_reader.h"
#include "core/core.h"

/* The names each enum key accepts, in the order of the values below. */
static const char *const dispatcher_names[] = {
    "work-stealing",
    "calling-thread",
};
/* priority is not offered: a default mailbox has no priority function */
static const char *const mailbox_names[] = {
    "unbounded",
    "bounded",
    "control-aware",
};
static const akt_mailbox_kind mailbox_kinds[] = {
    AKT_MAILBOX_UNBOUNDED,
    AKT_MAILBOX_BOUNDED,
    AKT_MAILBOX_CONTROL_AWARE,
};
static const char *const overflow_names[] = {
    "drop-new",
    "drop-head",
    "fail",
    "block",
};
static const akt_overflow overflows[] = {
    AKT_OVERFLOW_DROP_NEW,
    AKT_OVERFLOW_DROP_HEAD,
    AKT_OVERFLOW_FAIL,
    AKT_OVERFLOW_BLOCK,
};
static const char *const clock_names[] = { "monotonic", "virtual" };
/* index = akti_settings.loglevel */
static const char *const level_names[]
    = { "off", "error", "warning", "info", "debug" };

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

akt_err
akti_settings_read(
    const akt_config *cfg, akti_settings *s, akt_config_error *err)
{
    int64_t workers = 0, throughput = 64, spin = 2000, blocking = 16;
    int64_t capacity = 1000, block_to = 100000000, ask_to = 5000000000;
    int64_t max_restarts = 10, within = 60000000000, dl_max = 10;
    int64_t tick = 10000000, wheel = 512;
    /* busy waits: at most 10 ms (a spin is for hand-offs of microseconds
     * to a fraction of a millisecond; longer only burns a core) */
    int64_t worker_bw = AKTI_WORKER_BUSY_WAIT_NS,
            ask_bw = AKTI_ASK_BUSY_WAIT_NS;
    int64_t rsv_msgs = 256, rsv_exts = 16;
    int dtype = 0, mtype = 0, ovf = 0, clock = 0, loglevel = 2;
    bool dl_log = false;
    /* akt.codec: the decoder's defaults (codec/mp_impl.h); the reader
     * cannot nest deeper than 512 (akt_mp_skip's stack), and a 0 would
     * read as "the default" in akt_codec_limits */
    int64_t codec_depth = 64;
    uint64_t codec_length = 64ull * 1024 * 1024;
    akti_setreader r = { .cfg = cfg, .rc = AKT_OK, .err = err };

    akti_set_enum(&r, "akt.actor.default-dispatcher.type", &dtype,
        dispatcher_names, N(dispatcher_names));
    akti_set_int(&r, "akt.actor.default-dispatcher.workers", &workers, 0, 256);
    akti_set_int(
        &r, "akt.actor.default-dispatcher.throughput", &throughput, 1, 1000000);
    akti_set_int(
        &r, "akt.actor.default-dispatcher.spin-before-park", &spin, 0, 1000000);
    akti_set_dur(
        &r, "akt.actor.default-dispatcher.busy-wait", &worker_bw, 0, 10000000);
    akti_set_int(
        &r, "akt.actor.blocking-dispatcher.workers", &blocking, 1, 1024);
    akti_set_enum(&r, "akt.actor.default-mailbox.type", &mtype, mailbox_names,
        N(mailbox_names));
    akti_set_int(
        &r, "akt.actor.default-mailbox.capacity", &capacity, 1, UINT32_MAX);
    akti_set_enum(&r, "akt.actor.default-mailbox.overflow", &ovf,
        overflow_names, N(overflow_names));
    akti_set_dur(
        &r, "akt.actor.default-mailbox.block-timeout", &block_to, 0, INT64_MAX);
    akti_set_dur(&r, "akt.actor.ask-timeout", &ask_to, 1, INT64_MAX);
    akti_set_dur(&r, "akt.actor.ask-busy-wait", &ask_bw, 0, 10000000);
    /* negative: no limit */
    akti_set_int(&r, "akt.actor.supervision.max-restarts", &max_restarts,
        INT64_MIN, INT32_MAX);
    akti_set_dur(&r, "akt.actor.supervision.within", &within, 0, INT64_MAX);
    akti_set_bool(&r, "akt.actor.dead-letters.log", &dl_log);
    akti_set_int(&r, "akt.actor.dead-letters.log-max", &dl_max, 0, INT64_MAX);
    akti_set_int(
        &r, "akt.actor.memory-reserve.system-messages", &rsv_msgs, 0, 1 << 20);
    akti_set_int(
        &r, "akt.actor.memory-reserve.extensions", &rsv_exts, 0, 1 << 16);
    akti_set_dur(&r, "akt.scheduler.tick", &tick, 1, INT64_MAX);
    akti_set_int(&r, "akt.scheduler.wheel-size", &wheel, 1, 1 << 20);
    akti_set_enum(
        &r, "akt.scheduler.clock", &clock, clock_names, N(clock_names));
    akti_set_enum(&r, "akt.loglevel", &loglevel, level_names, N(level_names));
    akti_set_int(&r, "akt.codec.max-depth", &codec_depth, 1, 512);
    akti_set_size(&r, "akt.codec.max-length", &codec_length, 1, UINT64_MAX);
    if (r.rc != AKT_OK) {
        return r.rc;
    }
    memset(s, 0, sizeof(*s));
    s->calling_default = dtype == 1;
    s->virtual_clock = clock == 1;
    s->workers = (int)workers;
    s->throughput = (int)throughput;
    s->spin_before_park = (int)spin;
    s->worker_busy_wait_ns = worker_bw;
    s->ask_busy_wait_ns = ask_bw;
    s->blocking_workers = (int)blocking;
    s->mailbox_kind = mailbox_kinds[mtype];
    s->mailbox_capacity = (uint32_t)capacity;
    s->overflow = overflows[ovf];
    s->block_timeout_ns = block_to;
    s->ask_timeout_ns = ask_to;
    s->max_restarts = max_restarts < 0 ? -1 : (int32_t)max_restarts;
    s->restart_within_ns = within;
    s->dead_letters_log = dl_log;
    s->dead_letters_log_max = dl_max;
    s->tick_ns = tick;
    s->wheel_size = (uint32_t)wheel;
    s->reserve_msgs = (uint32_t)rsv_msgs;
    s->reserve_exts = (uint32_t)rsv_exts;
    s->codec.max_depth = (uint32_t)codec_depth;
    s->codec.max_length = codec_length;
    s->loglevel = loglevel;
    return AKT_OK;
}
