/*
 * settings_reader.c -- the settings reader (settings_reader.h): typed reads
 * of one key each, with the key's range or names, through the public
 * getters. What a bad value looks like in a message (its origin, and the
 * value as written) comes from akti_config_shown in config.c; every error
 * is worded "<key>: expected <what>, got <value>", where <what> is the
 * whole rule (type and range), so that one line tells the user what to
 * write instead.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/cfg.h"
#include "config/settings_reader.h"

/* reading -- whether r still reads (no error yet, and a config to read) */
static bool
reading(const akti_setreader *r)
{
    return r->rc == AKT_OK && r->cfg != NULL;
}

static void
fail(akti_setreader *r, const char *key, akt_err code, const char *expected)
{
    if (code == AKT_ENOMEM) {
        r->rc = akti_cfg_errorf(
            r->err, code, NULL, 0, 0, "%s: out of memory", key);
        return;
    }
    akt_config_error loc;
    char shown[96];
    if (akti_config_shown(r->cfg, key, &loc, shown, sizeof shown)) {
        r->rc = akti_cfg_errorf(r->err, code, loc.file, loc.line, loc.col,
            "%s: expected %s, got %s", key, expected, shown);
    } else {
        r->rc = akti_cfg_errorf(
            r->err, code, NULL, 0, 0, "%s: expected %s", key, expected);
    }
}

/* failed -- the getter's rc when it is not AKT_OK: the code to report.
 * A value out of the getter's own range (a duration beyond int64 ns, a
 * negative size) is out of the key's range too. */
static akt_err
failed(akt_err rc)
{
    return rc == AKT_ERANGE || rc == AKT_ENOMEM ? rc : AKT_ETYPE;
}

/* expect -- "<what> from <lo> to <hi>"; lo/hi NULL when unbounded */
static void
expect(char *buf, size_t n, const char *what, const char *lo, const char *hi)
{
    if (lo != NULL && hi != NULL) {
        snprintf(buf, n, "%s from %s to %s", what, lo, hi);
    } else if (lo != NULL) {
        snprintf(buf, n, "%s of at least %s", what, lo);
    } else if (hi != NULL) {
        snprintf(buf, n, "%s of at most %s", what, hi);
    } else {
        snprintf(buf, n, "%s", what);
    }
}

/* dur_text -- ns in the largest unit that holds it exactly ("250ms") */
static void
dur_text(char *buf, size_t n, int64_t ns)
{
    static const struct {
        int64_t ns;
        const char *unit;
    } units[] = {
        { 86400000000000, "d" },
        { 3600000000000, "h" },
        { 60000000000, "m" },
        { 1000000000, "s" },
        { 1000000, "ms" },
        { 1000, "us" },
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (ns != 0 && ns % units[i].ns == 0) {
            snprintf(buf, n, "%" PRId64 "%s", ns / units[i].ns, units[i].unit);
            return;
        }
    }
    snprintf(buf, n, "%" PRId64 "ns", ns);
}

/* size_text -- bytes in the largest binary unit that holds it exactly */
static void
size_text(char *buf, size_t n, uint64_t b)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
    int u = -1;
    while (u < 3 && b != 0 && b % 1024 == 0) {
        b /= 1024;
        u++;
    }
    if (u >= 0) {
        snprintf(buf, n, "%" PRIu64 " %s", b, units[u]);
    } else {
        snprintf(buf, n, "%" PRIu64 " byte%s", b, b == 1 ? "" : "s");
    }
}

void
akti_set_int(
    akti_setreader *r, const char *key, int64_t *v, int64_t min, int64_t max)
{
    if (!reading(r)) {
        return;
    }
    int64_t x;
    akt_err rc = akt_config_get_int(r->cfg, key, &x, NULL);
    if (rc == AKT_ENOENT) {
        return;
    }
    if (rc == AKT_OK && x >= min && x <= max) {
        *v = x;
        return;
    }
    char lo[24], hi[24], what[96];
    snprintf(lo, sizeof lo, "%" PRId64, min);
    snprintf(hi, sizeof hi, "%" PRId64, max);
    expect(what, sizeof what, "a whole number", min == INT64_MIN ? NULL : lo,
        max == INT64_MAX ? NULL : hi);
    fail(r, key, rc == AKT_OK ? AKT_ERANGE : failed(rc), what);
}

void
akti_set_dur(
    akti_setreader *r, const char *key, int64_t *ns, int64_t min, int64_t max)
{
    if (!reading(r)) {
        return;
    }
    int64_t x;
    akt_err rc = akt_config_get_duration(r->cfg, key, &x, NULL);
    if (rc == AKT_ENOENT) {
        return;
    }
    if (rc == AKT_OK && x >= min && x <= max) {
        *ns = x;
        return;
    }
    char lo[32], hi[32], what[96];
    dur_text(lo, sizeof lo, min);
    dur_text(hi, sizeof hi, max);
    expect(what, sizeof what, "a duration", min == INT64_MIN ? NULL : lo,
        max == INT64_MAX ? NULL : hi);
    fail(r, key, rc == AKT_OK ? AKT_ERANGE : failed(rc), what);
}

void
akti_set_size(akti_setreader *r, const char *key, uint64_t *bytes, uint64_t min,
    uint64_t max)
{
    if (!reading(r)) {
        return;
    }
    uint64_t x;
    akt_err rc = akt_config_get_size(r->cfg, key, &x, NULL);
    if (rc == AKT_ENOENT) {
        return;
    }
    if (rc == AKT_OK && x >= min && x <= max) {
        *bytes = x;
        return;
    }
    char lo[32], hi[32], what[96];
    size_text(lo, sizeof lo, min);
    size_text(hi, sizeof hi, max);
    /* the getter's own limit is 2^63-1: a larger max bounds nothing */
    expect(what, sizeof what, "a size", min == 0 ? NULL : lo,
        max >= (uint64_t)INT64_MAX ? NULL : hi);
    fail(r, key, rc == AKT_OK ? AKT_ERANGE : failed(rc), what);
}

void
akti_set_double(
    akti_setreader *r, const char *key, double *v, double min, double max)
{
    if (!reading(r)) {
        return;
    }
    double x;
    akt_err rc = akt_config_get_double(r->cfg, key, &x, NULL);
    if (rc == AKT_ENOENT) {
        return;
    }
    if (rc == AKT_OK && x >= min && x <= max) {
        *v = x;
        return;
    }
    char lo[32], hi[32], what[96];
    snprintf(lo, sizeof lo, "%g", min);
    snprintf(hi, sizeof hi, "%g", max);
    expect(what, sizeof what, "a number", isinf(min) ? NULL : lo,
        isinf(max) ? NULL : hi);
    fail(r, key, rc == AKT_OK ? AKT_ERANGE : failed(rc), what);
}

void
akti_set_bool(akti_setreader *r, const char *key, bool *v)
{
    if (!reading(r)) {
        return;
    }
    bool x;
    akt_err rc = akt_config_get_bool(r->cfg, key, &x, NULL);
    if (rc == AKT_OK) {
        *v = x;
    } else if (rc != AKT_ENOENT) {
        fail(r, key, failed(rc), "on or off (true/false, yes/no)");
    }
}

void
akti_set_str(akti_setreader *r, const char *key, const char **v)
{
    if (!reading(r)) {
        return;
    }
    const char *x;
    akt_err rc = akt_config_get_string(r->cfg, key, &x, NULL);
    if (rc == AKT_OK) {
        *v = x;
    } else if (rc != AKT_ENOENT) {
        fail(r, key, failed(rc), "a string");
    }
}

void
akti_set_enum(
    akti_setreader *r, const char *key, int *v, const char *const *names, int n)
{
    if (!reading(r)) {
        return;
    }
    const char *x;
    akt_err rc = akt_config_get_string(r->cfg, key, &x, NULL);
    if (rc == AKT_ENOENT) {
        return;
    }
    if (rc == AKT_OK) {
        for (int i = 0; i < n; i++) {
            if (strcasecmp(x, names[i]) == 0) {
                *v = i;
                return;
            }
        }
    }
    char what[256] = "one of";
    size_t len = strlen(what);
    for (int i = 0; i < n && len < sizeof what; i++) {
        len += (size_t)snprintf(
            what + len, sizeof what - len, "%s %s", i ? "," : "", names[i]);
    }
    fail(r, key, rc == AKT_OK ? AKT_EINVAL : failed(rc), what);
}

void
akti_set_reject(
    akti_setreader *r, const char *key, akt_err code, const char *expected)
{
    if (r->rc == AKT_OK) {
        fail(r, key, code, expected);
    }
}
