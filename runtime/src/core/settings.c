/*
 * settings.c -- the only place the core reads configuration. Fills an
 * akti_settings from akt.actor.*, akt.scheduler.*, akt.codec.* and
 * akt.loglevel; a key that is missing keeps the built-in default below
 * (which mirrors reference.conf), a key of the wrong type is an error
 * (AKT_ETYPE).
 */
#include <string.h>
#include <strings.h>

#include "core/core.h"

static akt_err
get_int(const akt_config *cfg, const char *path, int64_t *v)
{
    if (cfg == NULL) {
        return AKT_OK;
    }
    akt_err rc = akt_config_get_int(cfg, path, v, NULL);
    return rc == AKT_ENOENT ? AKT_OK : rc;
}

static akt_err
get_dur(const akt_config *cfg, const char *path, int64_t *v)
{
    if (cfg == NULL) {
        return AKT_OK;
    }
    akt_err rc = akt_config_get_duration(cfg, path, v, NULL);
    return rc == AKT_ENOENT ? AKT_OK : rc;
}

static akt_err
get_bool(const akt_config *cfg, const char *path, bool *v)
{
    if (cfg == NULL) {
        return AKT_OK;
    }
    akt_err rc = akt_config_get_bool(cfg, path, v, NULL);
    return rc == AKT_ENOENT ? AKT_OK : rc;
}

static akt_err
get_size(const akt_config *cfg, const char *path, uint64_t *v)
{
    if (cfg == NULL) {
        return AKT_OK;
    }
    akt_err rc = akt_config_get_size(cfg, path, v, NULL);
    return rc == AKT_ENOENT ? AKT_OK : rc;
}

static akt_err
get_str(const akt_config *cfg, const char *path, const char **v)
{
    if (cfg == NULL) {
        return AKT_OK;
    }
    akt_err rc = akt_config_get_string(cfg, path, v, NULL);
    return rc == AKT_ENOENT ? AKT_OK : rc;
}

akt_err
akti_settings_read(const akt_config *cfg, akti_settings *s)
{
    int64_t workers = 0, throughput = 64, spin = 2000, blocking = 16;
    int64_t capacity = 1000, block_to = 100000000, ask_to = 5000000000;
    int64_t max_restarts = 10, within = 60000000000, dl_max = 10;
    int64_t tick = 10000000, wheel = 512;
    const char *mtype = "unbounded", *ovf = "drop-new",
               *dtype = "work-stealing";
    const char *loglevel = "warning", *clock = "monotonic";
    bool dl_log = false;
    /* akt.codec: the decoder's defaults (codec/mp_impl.h), and its cap */
    int64_t codec_depth = 64;
    uint64_t codec_length = 64ull * 1024 * 1024;
    akt_err rc = AKT_OK;
#define TRY(x)                                                                 \
    do {                                                                       \
        if ((rc = (x)) != AKT_OK)                                              \
            return rc;                                                         \
    } while (0)
    TRY(get_str(cfg, "akt.actor.default-dispatcher.type", &dtype));
    TRY(get_int(cfg, "akt.actor.default-dispatcher.workers", &workers));
    TRY(get_int(cfg, "akt.actor.default-dispatcher.throughput", &throughput));
    TRY(get_int(cfg, "akt.actor.default-dispatcher.spin-before-park", &spin));
    TRY(get_int(cfg, "akt.actor.blocking-dispatcher.workers", &blocking));
    TRY(get_str(cfg, "akt.actor.default-mailbox.type", &mtype));
    TRY(get_int(cfg, "akt.actor.default-mailbox.capacity", &capacity));
    TRY(get_str(cfg, "akt.actor.default-mailbox.overflow", &ovf));
    TRY(get_dur(cfg, "akt.actor.default-mailbox.block-timeout", &block_to));
    TRY(get_dur(cfg, "akt.actor.ask-timeout", &ask_to));
    TRY(get_int(cfg, "akt.actor.supervision.max-restarts", &max_restarts));
    TRY(get_dur(cfg, "akt.actor.supervision.within", &within));
    TRY(get_bool(cfg, "akt.actor.dead-letters.log", &dl_log));
    TRY(get_int(cfg, "akt.actor.dead-letters.log-max", &dl_max));
    TRY(get_dur(cfg, "akt.scheduler.tick", &tick));
    TRY(get_int(cfg, "akt.scheduler.wheel-size", &wheel));
    TRY(get_str(cfg, "akt.loglevel", &loglevel));
    TRY(get_str(cfg, "akt.scheduler.clock", &clock));
    TRY(get_int(cfg, "akt.codec.max-depth", &codec_depth));
    TRY(get_size(cfg, "akt.codec.max-length", &codec_length));
#undef TRY
    memset(s, 0, sizeof(*s));
    if (workers < 0 || workers > 256 || throughput <= 0 || spin < 0
        || blocking <= 0 || blocking > 1024 || capacity <= 0
        || capacity > UINT32_MAX || block_to < 0 || ask_to <= 0 || tick <= 0
        || wheel <= 0 || wheel > (1 << 20)) {
        return AKT_ERANGE;
    }
    /* 0 would read as "the default" in akt_codec_limits; the reader cannot
     * nest deeper than 512 (akt_mp_skip's stack), so say so rather than
     * clamp quietly. */
    if (codec_depth < 1 || codec_depth > 512 || codec_length == 0) {
        return AKT_ERANGE;
    }
    s->calling_default = strcasecmp(dtype, "calling-thread") == 0;
    s->virtual_clock = strcasecmp(clock, "virtual") == 0;
    s->workers = (int)workers;
    s->throughput = throughput > 1000000 ? 1000000 : (int)throughput;
    s->spin_before_park = spin > 1000000 ? 1000000 : (int)spin;
    s->blocking_workers = (int)blocking;
    if (strcasecmp(mtype, "bounded") == 0) {
        s->mailbox_kind = AKT_MAILBOX_BOUNDED;
    } else if (strcasecmp(mtype, "control-aware") == 0) {
        s->mailbox_kind = AKT_MAILBOX_CONTROL_AWARE;
    } else {
        s->mailbox_kind = AKT_MAILBOX_UNBOUNDED;
    }
    s->mailbox_capacity = (uint32_t)capacity;
    if (strcasecmp(ovf, "drop-head") == 0) {
        s->overflow = AKT_OVERFLOW_DROP_HEAD;
    } else if (strcasecmp(ovf, "fail") == 0) {
        s->overflow = AKT_OVERFLOW_FAIL;
    } else if (strcasecmp(ovf, "block") == 0) {
        s->overflow = AKT_OVERFLOW_BLOCK;
    } else {
        s->overflow = AKT_OVERFLOW_DROP_NEW;
    }
    s->block_timeout_ns = block_to;
    s->ask_timeout_ns = ask_to;
    s->max_restarts = max_restarts < 0
        ? -1
        : (int32_t)(max_restarts > INT32_MAX ? INT32_MAX : max_restarts);
    s->restart_within_ns = within;
    s->dead_letters_log = dl_log;
    s->dead_letters_log_max = dl_max;
    s->tick_ns = tick;
    s->wheel_size = (uint32_t)wheel;
    s->codec.max_depth = (uint32_t)codec_depth;
    s->codec.max_length = codec_length;
    static const char *levels[]
        = { "off", "error", "warning", "info", "debug" };
    s->loglevel = 2;
    for (int i = 0; i < 5; i++) {
        if (strcasecmp(loglevel, levels[i]) == 0) {
            s->loglevel = i;
        }
    }
    return AKT_OK;
}
