/*
 * core_stubs.c -- weak stand-ins for the core runtime functions that
 * generated code and the ref codec call, linked only while libakt does not
 * define them yet (tests/aktc/CMakeLists.txt checks). Weak, so the real
 * ones win as soon as they exist. Nothing here is reached by the tests.
 */
#include "akt/akt.h"

#define WEAK __attribute__((weak))

WEAK const void *
akt_ctx_behavior_arg(const akt_ctx *ctx)
{
    (void)ctx;
    return NULL;
}

WEAK akt_err
akt_future_wait(akt_future *f, int64_t timeout_ns, void **reply)
{
    (void)f;
    (void)timeout_ns;
    (void)reply;
    return AKT_ENOTSUP;
}

WEAK akt_err
akt_ref_path(akt_ref ref, char *buf, size_t len)
{
    (void)ref;
    (void)buf;
    (void)len;
    return AKT_ENOTSUP;
}

WEAK akt_err
akt_lookup(akt_system *sys, const char *path, akt_ref *out)
{
    (void)sys;
    (void)path;
    (void)out;
    return AKT_ENOENT;
}
