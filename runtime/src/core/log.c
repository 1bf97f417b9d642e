/*
 * log.c -- logging: akt_log builds an akt_LogEvent, hands it to the
 * system's sink (stderr when none is set) under log_mu, then to the
 * plug-in's event stream (kit/events.c publishes it to subscribers of
 * akt_log_event_type). Part of the core so that the core can log without
 * naming the kit; the level is akt.loglevel, changed at run time by
 * akt_log_set_level.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

static const akt_field log_fields[] = {
    { .name = "level",
        .number = 1,
        .kind = AKT_KIND_INT32,
        .offset = offsetof(akt_LogEvent, level),
        .has_offset = AKT_NO_OFFSET },
    { .name = "timestamp_ns",
        .number = 2,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(akt_LogEvent, timestamp_ns),
        .has_offset = AKT_NO_OFFSET },
    { .name = "source",
        .number = 3,
        .kind = AKT_KIND_REF,
        .offset = offsetof(akt_LogEvent, source),
        .has_offset = AKT_NO_OFFSET },
    { .name = "path",
        .number = 4,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(akt_LogEvent, path),
        .has_offset = AKT_NO_OFFSET },
    { .name = "text",
        .number = 5,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(akt_LogEvent, text),
        .has_offset = AKT_NO_OFFSET },
};

const akt_type akt_log_event_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.LogEvent",
    .id = 0x434eebd86d669ad5ull,
    .size = sizeof(akt_LogEvent),
    .align = _Alignof(akt_LogEvent),
    .fields = log_fields,
    .nfields = 5,
    .doc = "One log line: level, time, source actor and text.",
};

static const char *level_names[] = { "OFF", "ERROR", "WARN", "INFO", "DEBUG" };

const char *
akt_log_level_name(akt_log_level level)
{
    return level >= AKT_LOG_OFF && level <= AKT_LOG_DEBUG ? level_names[level]
                                                          : "?";
}

size_t
akt_log_format(const akt_LogEvent *ev, char *buf, size_t len)
{
    time_t secs = (time_t)(ev->timestamp_ns / 1000000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    int n
        = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ %-5s [%s] %s",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
            tm.tm_sec, (int)(ev->timestamp_ns % 1000000000 / 1000),
            akt_log_level_name((akt_log_level)ev->level),
            ev->path.ptr ? ev->path.ptr : "", ev->text.ptr ? ev->text.ptr : "");
    return n < 0 ? 0 : (size_t)n;
}

static void
stderr_sink(const akt_LogEvent *ev, void *arg)
{
    char line[1024];
    size_t n = akt_log_format(ev, line, sizeof(line));
    if (n >= sizeof(line)) {
        n = sizeof(line) - 1;
    }
    line[n] = '\n';
    fwrite(line, 1, n + 1, stderr);
}

akt_err
akt_log_set_sink(
    akt_system *sys, akt_log_sink_fn fn, void *arg, void (*fini)(void *))
{
    if (sys == NULL) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&sys->log_mu);
    void (*old_fini)(void *) = sys->log_sink_fini;
    void *old_arg = sys->log_sink_arg;
    sys->log_sink = fn;
    sys->log_sink_arg = arg;
    sys->log_sink_fini = fini;
    pthread_mutex_unlock(&sys->log_mu);
    if (old_fini) {
        old_fini(old_arg);
    }
    return AKT_OK;
}

void
akt_log_set_level(akt_system *sys, akt_log_level level)
{
    if (sys) {
        atomic_store(&sys->loglevel, (int)level);
    }
}

akt_log_level
akt_log_level_of(const akt_system *sys)
{
    return sys ? (akt_log_level)atomic_load(&((akt_system *)sys)->loglevel)
               : AKT_LOG_OFF;
}

void
akt_logv(akt_system *sys, akt_log_level level, akt_ref source, const char *fmt,
    va_list ap)
{
    if (sys == NULL || level <= AKT_LOG_OFF
        || (int)level
            > atomic_load_explicit(&sys->loglevel, memory_order_relaxed)) {
        return;
    }
    char text[768], path[512];
    vsnprintf(text, sizeof(text), fmt, ap);
    if (akt_ref_is_none(source)
        || akt_ref_path(source, path, sizeof(path)) != AKT_OK) {
        snprintf(path, sizeof(path), "akt://%s", sys->name);
    }
    size_t tl = strlen(text), pl = strlen(path);
    akt_LogEvent *ev = akt_msg_new(&akt_log_event_type, tl + pl + 2);
    if (ev == NULL) {
        /* out of memory: the line still goes to stderr (the sink and
         * the event stream need the event), marked as such */
        pthread_mutex_lock(&sys->log_mu);
        fprintf(stderr, "%s %s (out of memory: not logged to the sink)\n", path,
            text);
        pthread_mutex_unlock(&sys->log_mu);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ev->level = (int32_t)level;
    ev->timestamp_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    ev->source = source;
    akt_arena *a = akt_msg_arena(ev);
    if (akt_arena_str(a, text, tl, &ev->text) != AKT_OK
        || akt_arena_str(a, path, pl, &ev->path) != AKT_OK) {
        akt_msg_free(ev);
        return;
    }
    pthread_mutex_lock(&sys->log_mu);
    if (sys->log_sink) {
        sys->log_sink(ev, sys->log_sink_arg);
    } else {
        stderr_sink(ev, NULL);
    }
    pthread_mutex_unlock(&sys->log_mu);
    /* and to the event stream, where a plug-in provides one */
    if (sys->plugin && sys->plugin->publish) {
        sys->plugin->publish(sys, ev);
    } else {
        akt_msg_free(ev);
    }
}

void
akt_log(
    akt_system *sys, akt_log_level level, akt_ref source, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    akt_logv(sys, level, source, fmt, ap);
    va_end(ap);
}

void
akt_ctx_log(akt_ctx *ctx, akt_log_level level, const char *fmt, ...)
{
    if (ctx == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    akt_logv(akt_ctx_system(ctx), level, akt_ctx_self(ctx), fmt, ap);
    va_end(ap);
}
