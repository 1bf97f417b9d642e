/*
 * config.c -- the public configuration API (akt/config.h): layering,
 * reference counting, typed getters with conversions (durations, sizes,
 * HOCON's boolean words), and rendering.
 *
 * Start reading here; the tree itself is in cfg_value.c, the syntax in
 * cfg_lex.l / cfg_parse.y. A resolved config is immutable: every
 * constructor finishes with akti_cfg_resolve, which marks every reachable
 * node resolved and compacted, so later configs built on top of it
 * (with_fallback, override, get_object share its nodes) never write to it.
 * The one lazily written thing, origin text, is guarded by a lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfg.h"
#include "config/settings_reader.h"

typedef struct cfg_store cfg_store;
struct cfg_store {
    atomic_long refs;
    cfg_arena arena;
    cfg_store *deps[2]; /* stores whose nodes this one shares */
    atomic_flag lock; /* origin text cache */
};

struct akt_config {
    atomic_long refs;
    cfg_store *store;
    cv *root;
};

static cfg_store *
store_new(void)
{
    cfg_store *s = akti_cfg_malloc(sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    memset(s, 0, sizeof *s);
    atomic_init(&s->refs, 1);
    atomic_flag_clear(&s->lock);
    return s;
}

static void
store_release(cfg_store *s)
{
    while (s != NULL) {
        if (atomic_fetch_sub(&s->refs, 1) != 1) {
            return;
        }
        akti_cfg_arena_free(&s->arena);
        cfg_store *d0 = s->deps[0], *d1 = s->deps[1];
        akti_cfg_free(s);
        store_release(d1);
        s = d0;
    }
}

/* wrap -- a config owning one reference to s (consumed even on failure). */
static akt_err
cfg_wrap(cfg_store *s, cv *root, akt_config **out, akt_config_error *err)
{
    akt_config *c = akti_cfg_malloc(sizeof *c);
    if (c == NULL) {
        store_release(s);
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    atomic_init(&c->refs, 1);
    c->store = s;
    c->root = root;
    *out = c;
    return AKT_OK;
}

akt_config *
akt_config_retain(akt_config *cfg)
{
    if (cfg != NULL) {
        atomic_fetch_add(&cfg->refs, 1);
    }
    return cfg;
}

void
akt_config_release(akt_config *cfg)
{
    if (cfg == NULL || atomic_fetch_sub(&cfg->refs, 1) != 1) {
        return;
    }
    store_release(cfg->store);
    akti_cfg_free(cfg);
}

/* --- parsing and layering ------------------------------------------------ */

static akt_err
finish(cfg_store *s, cv *root, akt_config **out, akt_config_error *err)
{
    akt_err rc = akti_cfg_resolve(&s->arena, root, err);
    if (rc != AKT_OK) {
        store_release(s);
        return rc;
    }
    return cfg_wrap(s, root, out, err);
}

akt_err
akt_config_parse_string(const char *text, size_t len, const char *origin,
    akt_config **out, akt_config_error *err)
{
    if (out == NULL || (text == NULL && len > 0)) {
        return akti_cfg_errorf(err, AKT_EINVAL, NULL, 0, 0,
            "akt_config_parse_string: NULL argument");
    }
    cfg_store *s = store_new();
    if (s == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    const char *name = akti_cfg_strndup(&s->arena, origin ? origin : "<string>",
        strlen(origin ? origin : "<string>"));
    cv *root = NULL;
    akt_err rc = name == NULL
        ? akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory")
        : akti_cfg_load_text(
            &s->arena, text ? text : "", len, name, NULL, &root, err);
    if (rc != AKT_OK) {
        store_release(s);
        return rc;
    }
    return finish(s, root, out, err);
}

akt_err
akt_config_parse_file(const char *path, akt_config **out, akt_config_error *err)
{
    if (path == NULL || out == NULL) {
        return akti_cfg_errorf(err, AKT_EINVAL, NULL, 0, 0,
            "akt_config_parse_file: NULL argument");
    }
    cfg_store *s = store_new();
    if (s == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    cv *root = NULL;
    akt_err rc = akti_cfg_load_file(&s->arena, path, &root, err);
    if (rc != AKT_OK) {
        store_release(s);
        return rc;
    }
    return finish(s, root, out, err);
}

static akt_err
load_reference(cfg_arena *a, cv **out, akt_config_error *err)
{
    return akti_cfg_load_text(a, (const char *)akti_cfg_reference_conf,
        akti_cfg_reference_conf_len, "reference.conf", NULL, out, err);
}

akt_err
akt_config_reference(akt_config **out, akt_config_error *err)
{
    if (out == NULL) {
        return akti_cfg_errorf(
            err, AKT_EINVAL, NULL, 0, 0, "akt_config_reference: NULL argument");
    }
    cfg_store *s = store_new();
    if (s == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    cv *root = NULL;
    akt_err rc = load_reference(&s->arena, &root, err);
    if (rc != AKT_OK) {
        store_release(s);
        return rc;
    }
    return finish(s, root, out, err);
}

akt_err
akt_config_load_files(const char *const *paths, size_t n, unsigned flags,
    akt_config **out, akt_config_error *err)
{
    if (out == NULL || (paths == NULL && n > 0)) {
        return akti_cfg_errorf(err, AKT_EINVAL, NULL, 0, 0,
            "akt_config_load_files: NULL argument");
    }
    cfg_store *s = store_new();
    if (s == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    cfg_arena *a = &s->arena;
    cv *root = NULL;
    akt_err rc = AKT_OK;
    if (!(flags & AKT_CONFIG_LOAD_BARE)) {
        rc = load_reference(a, &root, err);
    } else {
        root = akti_cfg_new(a, CV_OBJ, NULL, 0, 0);
        if (root == NULL) {
            rc = akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
        }
    }
    for (size_t i = 0; i < n && rc == AKT_OK; i++) {
        cv *layer = NULL;
        rc = akti_cfg_load_file(a, paths[i], &layer, err);
        if (rc == AKT_OK) {
            rc = akti_cfg_merge(a, &root, layer, NULL, 0, err);
        }
    }
    if (rc == AKT_OK && !(flags & AKT_CONFIG_LOAD_NO_ENV)) {
        rc = akti_cfg_apply_env(a, root, environ, err);
    }
    if (rc != AKT_OK) {
        store_release(s);
        return rc;
    }
    return finish(s, root, out, err);
}

akt_err
akt_config_load(const char *app_file, akt_config **out, akt_config_error *err)
{
    if (app_file == NULL) {
        app_file = getenv("AKT_CONFIG");
        if (app_file != NULL && app_file[0] == '\0') {
            app_file = NULL;
        }
    }
    const char *paths[1] = { app_file };
    return akt_config_load_files(paths, app_file ? 1 : 0, 0, out, err);
}

akt_err
akt_config_with_fallback(const akt_config *cfg, const akt_config *fallback,
    akt_config **out, akt_config_error *err)
{
    if (cfg == NULL || fallback == NULL || out == NULL) {
        return akti_cfg_errorf(err, AKT_EINVAL, NULL, 0, 0,
            "akt_config_with_fallback: NULL argument");
    }
    cfg_store *s = store_new();
    if (s == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    /* the result shares the inputs' nodes: keep their stores alive */
    s->deps[0] = cfg->store;
    s->deps[1] = fallback->store;
    atomic_fetch_add(&cfg->store->refs, 1);
    atomic_fetch_add(&fallback->store->refs, 1);
    cv *root;
    if (cfg->root->kind == CV_OBJ && fallback->root->kind == CV_OBJ) {
        root = akti_cfg_merge_resolved(&s->arena, cfg->root, fallback->root);
    } else {
        root = cfg->root;
    }
    if (root == NULL) {
        store_release(s);
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    return finish(s, root, out, err);
}

akt_err
akt_config_override(const akt_config *cfg, const char *path,
    const char *hocon_value, akt_config **out, akt_config_error *err)
{
    if (cfg == NULL || path == NULL || hocon_value == NULL || out == NULL) {
        return akti_cfg_errorf(
            err, AKT_EINVAL, NULL, 0, 0, "akt_config_override: NULL argument");
    }
    cfg_store *s = store_new();
    if (s == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    s->deps[0] = cfg->store;
    atomic_fetch_add(&cfg->store->refs, 1);
    cfg_arena *a = &s->arena;
    akt_err rc;
    cfg_str *el = NULL;
    size_t pn = 0;
    const char *what = "";
    rc = akti_cfg_split_path_ex(a, path, strlen(path), &el, &pn, &what);
    if (rc != AKT_OK) {
        store_release(s);
        if (rc == AKT_ENOMEM) {
            return akti_cfg_errorf(err, rc, NULL, 0, 0, "out of memory");
        }
        return akti_cfg_errorf(
            err, AKT_EINVAL, "code", 0, 0, "bad path '%s': %s", path, what);
    }
    /* "<path> = <value>" keeps self-references (${path} ...) meaningful */
    size_t plen = strlen(path), vlen = strlen(hocon_value);
    char *text = akti_cfg_alloc(a, plen + vlen + 4);
    cv *tree = NULL;
    if (text == NULL) {
        store_release(s);
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    memcpy(text, path, plen);
    memcpy(text + plen, " = ", 3);
    memcpy(text + plen + 3, hocon_value, vlen);
    text[plen + 3 + vlen] = '\0';
    rc = akti_cfg_load_text(a, text, plen + 3 + vlen, "code", NULL, &tree, err);
    cv *val = tree;
    for (size_t i = 0; rc == AKT_OK && i < pn; i++) {
        cfg_field *f = akti_cfg_obj_find(val, el[i].s, el[i].n);
        if (f == NULL || val->u.obj.n != 1) {
            /* the value text set more than the key ("1, x = 2") */
            rc = akti_cfg_errorf(err, AKT_EINVAL, "code", 0, 0,
                "override of '%s': the value is not one HOCON value", path);
            break;
        }
        val = f->val;
    }
    cv *root = NULL;
    if (rc == AKT_OK) {
        rc = akti_cfg_override_at(a, cfg->root, el, pn, val, &root, err);
    }
    if (rc != AKT_OK) {
        store_release(s);
        return rc;
    }
    return finish(s, root, out, err);
}

/* --- typed getters ------------------------------------------------------- */

/* scalar_shown -- a scalar as a message shows it: a string quoted (cut
 * at 40 bytes), a number as written, a boolean; "" for anything else */
static void
scalar_shown(const cv *v, char *shown, size_t n)
{
    shown[0] = '\0';
    if (v->kind == CV_STR) {
        snprintf(shown, n, "\"%.*s%s\"",
            (int)(v->u.str.n > 40 ? 40 : v->u.str.n), v->u.str.s,
            v->u.str.n > 40 ? "..." : "");
    } else if (v->kind == CV_NUM) {
        snprintf(shown, n, "%.*s", (int)(v->u.num.n > 40 ? 40 : v->u.num.n),
            v->u.num.text);
    } else if (v->kind == CV_BOOL) {
        snprintf(shown, n, "%s", v->u.b ? "true" : "false");
    }
}

/* mismatch -- "origin: error: 'path' is <kind> <value>; expected <what>" */
static akt_err
mismatch(
    const cv *v, const char *path, const char *expected, akt_config_error *err)
{
    char shown[80];
    scalar_shown(v, shown, sizeof shown);
    return akti_cfg_errorf(err, AKT_ETYPE, v->file, v->line, v->col,
        "'%s' is %s%s%s; expected %s", path, akti_cfg_kind_name(v->kind),
        shown[0] ? " " : "", shown, expected);
}

static akt_err
get(const akt_config *cfg, const char *path, const char *expected, cv **out,
    akt_config_error *err)
{
    if (cfg == NULL || path == NULL) {
        return akti_cfg_errorf(
            err, AKT_EINVAL, NULL, 0, 0, "NULL config or path");
    }
    bool oom;
    cv *v = akti_cfg_lookup(cfg->root, path, &oom);
    if (v == NULL && oom) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (v == NULL) {
        return akti_cfg_errorf(err, AKT_ENOENT, NULL, 0, 0,
            "no setting at '%s' (expected %s)", path, expected);
    }
    if (v->kind == CV_NULL) {
        return akti_cfg_errorf(err, AKT_ENOENT, v->file, v->line, v->col,
            "'%s' is null (expected %s)", path, expected);
    }
    *out = v;
    return AKT_OK;
}

bool
akt_config_has(const akt_config *cfg, const char *path)
{
    if (cfg == NULL || path == NULL) {
        return false;
    }
    bool oom;
    cv *v = akti_cfg_lookup(cfg->root, path, &oom);
    return v != NULL && v->kind != CV_NULL;
}

static bool
text_eq(const cv *v, const char *w)
{
    size_t n = strlen(w);
    return v->u.str.n == n && memcmp(v->u.str.s, w, n) == 0;
}

akt_err
akt_config_get_bool(
    const akt_config *cfg, const char *path, bool *out, akt_config_error *err)
{
    static const char what[] = "a boolean (true/false, yes/no, on/off)";
    cv *v = NULL;
    akt_err rc = get(cfg, path, what, &v, err);
    if (rc != AKT_OK) {
        return rc;
    }
    if (v->kind == CV_BOOL) {
        *out = v->u.b;
        return AKT_OK;
    }
    if (v->kind == CV_STR) {
        if (text_eq(v, "true") || text_eq(v, "yes") || text_eq(v, "on")) {
            *out = true;
            return AKT_OK;
        }
        if (text_eq(v, "false") || text_eq(v, "no") || text_eq(v, "off")) {
            *out = false;
            return AKT_OK;
        }
    }
    return mismatch(v, path, what, err);
}

/* number_of -- a number, or a string that is one (Lightbend converts). */
static bool
number_of(const cv *v, double *d, bool *is_int, int64_t *i)
{
    if (v->kind == CV_NUM) {
        *d = v->u.num.d;
        *is_int = v->u.num.is_int;
        *i = v->u.num.i;
        return true;
    }
    if (v->kind != CV_STR || v->u.str.n == 0 || v->u.str.n > 60) {
        return false;
    }
    char buf[64];
    memcpy(buf, v->u.str.s, v->u.str.n);
    buf[v->u.str.n] = '\0';
    char *end;
    errno = 0;
    long long ll = strtoll(buf, &end, 10);
    if (*end == '\0' && errno == 0) {
        *i = ll;
        *d = (double)ll;
        *is_int = true;
        return true;
    }
    double x = strtod(buf, &end);
    if (*end != '\0' || buf[0] == ' ' || !isfinite(x)) {
        return false;
    }
    *d = x;
    *is_int = false;
    return true;
}

akt_err
akt_config_get_int(const akt_config *cfg, const char *path, int64_t *out,
    akt_config_error *err)
{
    static const char what[] = "a whole number";
    cv *v = NULL;
    akt_err rc = get(cfg, path, what, &v, err);
    if (rc != AKT_OK) {
        return rc;
    }
    double d;
    bool is_int;
    int64_t i;
    if (!number_of(v, &d, &is_int, &i)) {
        return mismatch(v, path, what, err);
    }
    if (!is_int) {
        if (d != floor(d) || d < -9.2233720368547758e18
            || d >= 9.2233720368547758e18) {
            return mismatch(v, path, "a whole number in the int64 range", err);
        }
        i = (int64_t)d;
    }
    *out = i;
    return AKT_OK;
}

akt_err
akt_config_get_double(
    const akt_config *cfg, const char *path, double *out, akt_config_error *err)
{
    static const char what[] = "a number";
    cv *v = NULL;
    akt_err rc = get(cfg, path, what, &v, err);
    if (rc != AKT_OK) {
        return rc;
    }
    double d;
    bool is_int;
    int64_t i;
    if (!number_of(v, &d, &is_int, &i)) {
        return mismatch(v, path, what, err);
    }
    *out = d;
    return AKT_OK;
}

static const char *
scalar_string(const cv *v)
{
    switch (v->kind) {
    case CV_STR:
        return v->u.str.s;
    case CV_NUM:
        return v->u.num.text; /* NUL-terminated in the arena */
    case CV_BOOL:
        return v->u.b ? "true" : "false";
    default:
        return NULL;
    }
}

akt_err
akt_config_get_string(const akt_config *cfg, const char *path, const char **out,
    akt_config_error *err)
{
    static const char what[] = "a string";
    cv *v = NULL;
    akt_err rc = get(cfg, path, what, &v, err);
    if (rc != AKT_OK) {
        return rc;
    }
    const char *s = scalar_string(v);
    if (s == NULL) {
        return mismatch(v, path, what, err);
    }
    *out = s;
    return AKT_OK;
}

typedef struct unit {
    const char *name;
    double mult;
} unit;

/* Durations in nanoseconds, as HOCON names them. */
static const unit dur_units[] = {
    { "ns", 1 },
    { "nano", 1 },
    { "nanos", 1 },
    { "nanosecond", 1 },
    { "nanoseconds", 1 },
    { "us", 1e3 },
    { "micro", 1e3 },
    { "micros", 1e3 },
    { "microsecond", 1e3 },
    { "microseconds", 1e3 },
    { "ms", 1e6 },
    { "milli", 1e6 },
    { "millis", 1e6 },
    { "millisecond", 1e6 },
    { "milliseconds", 1e6 },
    { "s", 1e9 },
    { "second", 1e9 },
    { "seconds", 1e9 },
    { "m", 60e9 },
    { "minute", 60e9 },
    { "minutes", 60e9 },
    { "h", 3600e9 },
    { "hour", 3600e9 },
    { "hours", 3600e9 },
    { "d", 86400e9 },
    { "day", 86400e9 },
    { "days", 86400e9 },
    { NULL, 0 },
};

#define KI  1024.0
#define MI  (KI * KI)
#define GI  (MI * KI)
#define TI  (GI * KI)
#define PI_ (TI * KI)
#define EI  (PI_ * KI)
/* Sizes in bytes; single letters are powers of two (HOCON). */
static const unit size_units[] = {
    { "B", 1 },
    { "b", 1 },
    { "byte", 1 },
    { "bytes", 1 },
    { "kB", 1e3 },
    { "kilobyte", 1e3 },
    { "kilobytes", 1e3 },
    { "MB", 1e6 },
    { "megabyte", 1e6 },
    { "megabytes", 1e6 },
    { "GB", 1e9 },
    { "gigabyte", 1e9 },
    { "gigabytes", 1e9 },
    { "TB", 1e12 },
    { "terabyte", 1e12 },
    { "terabytes", 1e12 },
    { "PB", 1e15 },
    { "petabyte", 1e15 },
    { "petabytes", 1e15 },
    { "EB", 1e18 },
    { "exabyte", 1e18 },
    { "exabytes", 1e18 },
    { "K", KI },
    { "k", KI },
    { "Ki", KI },
    { "KiB", KI },
    { "kibibyte", KI },
    { "kibibytes", KI },
    { "M", MI },
    { "m", MI },
    { "Mi", MI },
    { "MiB", MI },
    { "mebibyte", MI },
    { "mebibytes", MI },
    { "G", GI },
    { "g", GI },
    { "Gi", GI },
    { "GiB", GI },
    { "gibibyte", GI },
    { "gibibytes", GI },
    { "T", TI },
    { "t", TI },
    { "Ti", TI },
    { "TiB", TI },
    { "tebibyte", TI },
    { "tebibytes", TI },
    { "P", PI_ },
    { "p", PI_ },
    { "Pi", PI_ },
    { "PiB", PI_ },
    { "pebibyte", PI_ },
    { "pebibytes", PI_ },
    { "E", EI },
    { "e", EI },
    { "Ei", EI },
    { "EiB", EI },
    { "exbibyte", EI },
    { "exbibytes", EI },
    { NULL, 0 },
};

/* parse_quantity -- "<number> [unit]" with an optional unit from table;
 * a bare number takes mult_default. Exact in integers where possible. */
static akt_err
parse_quantity(const cv *v, const unit *table, double mult_default,
    double *out_d, bool *exact, int64_t *out_i)
{
    double d;
    bool is_int;
    int64_t i;
    if (v->kind == CV_NUM) {
        d = v->u.num.d;
        is_int = v->u.num.is_int;
        i = v->u.num.i;
        goto scale;
    }
    if (v->kind != CV_STR) {
        return AKT_ETYPE;
    }
    const char *s = v->u.str.s, *e = s + v->u.str.n;
    while (s < e && (*s == ' ' || *s == '\t')) {
        s++;
    }
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) {
        e--;
    }
    const char *p = s;
    if (p < e && (*p == '-' || *p == '+')) {
        p++;
    }
    const char *digits = p;
    while (p < e && ((*p >= '0' && *p <= '9') || *p == '.')) {
        p++;
    }
    if (p == digits || p - s > 60) {
        return AKT_ETYPE;
    }
    char buf[64];
    memcpy(buf, s, (size_t)(p - s));
    buf[p - s] = '\0';
    char *end;
    is_int = strchr(buf, '.') == NULL;
    errno = 0;
    if (is_int) {
        long long ll = strtoll(buf, &end, 10);
        if (*end != '\0') {
            return AKT_ETYPE;
        }
        if (errno == ERANGE) {
            return AKT_ERANGE;
        }
        i = ll;
        d = (double)ll;
    } else {
        d = strtod(buf, &end);
        if (*end != '\0') {
            return AKT_ETYPE;
        }
        i = 0;
    }
    while (p < e && (*p == ' ' || *p == '\t')) {
        p++;
    }
    if (p < e) {
        size_t un = (size_t)(e - p);
        const unit *u = table;
        while (u->name != NULL
            && !(strlen(u->name) == un && memcmp(u->name, p, un) == 0)) {
            u++;
        }
        if (u->name == NULL) {
            return AKT_ETYPE;
        }
        mult_default = u->mult;
    }
scale:
    *out_d = d * mult_default;
    *exact = false;
    if (is_int && mult_default == floor(mult_default)
        && mult_default < 9.2e18) {
        int64_t m = (int64_t)mult_default;
        int64_t r;
        if (!__builtin_mul_overflow(i, m, &r)) {
            *out_i = r;
            *exact = true;
            return AKT_OK;
        }
        return AKT_ERANGE;
    }
    if (!isfinite(*out_d) || *out_d >= 9.2233720368547758e18
        || *out_d < -9.2233720368547758e18) {
        return AKT_ERANGE;
    }
    return AKT_OK;
}

akt_err
akt_config_get_duration(const akt_config *cfg, const char *path,
    int64_t *out_ns, akt_config_error *err)
{
    static const char what[]
        = "a duration such as 250ms, 5 s or 2 minutes (a bare number is ms)";
    cv *v = NULL;
    akt_err rc = get(cfg, path, what, &v, err);
    if (rc != AKT_OK) {
        return rc;
    }
    double d;
    bool exact;
    int64_t i;
    rc = parse_quantity(v, dur_units, 1e6, &d, &exact, &i);
    if (rc == AKT_ERANGE) {
        return akti_cfg_errorf(err, AKT_ERANGE, v->file, v->line, v->col,
            "'%s' is out of range for a duration in nanoseconds (int64)", path);
    }
    if (rc != AKT_OK) {
        return mismatch(v, path, what, err);
    }
    *out_ns = exact ? i : (int64_t)llround(d);
    return AKT_OK;
}

akt_err
akt_config_get_size(const akt_config *cfg, const char *path,
    uint64_t *out_bytes, akt_config_error *err)
{
    static const char what[]
        = "a size such as 512, 64 KiB, 1m or 10MB (a bare number is bytes)";
    cv *v = NULL;
    akt_err rc = get(cfg, path, what, &v, err);
    if (rc != AKT_OK) {
        return rc;
    }
    double d;
    bool exact;
    int64_t i;
    rc = parse_quantity(v, size_units, 1, &d, &exact, &i);
    if (rc == AKT_OK && ((exact && i < 0) || (!exact && d < 0))) {
        rc = AKT_ERANGE;
    }
    if (rc == AKT_ERANGE) {
        return akti_cfg_errorf(err, AKT_ERANGE, v->file, v->line, v->col,
            "'%s' is out of range for a size in bytes (0 to 2^63-1)", path);
    }
    if (rc != AKT_OK) {
        return mismatch(v, path, what, err);
    }
    *out_bytes = exact ? (uint64_t)i : (uint64_t)llround(d);
    return AKT_OK;
}

static akt_err
get_list(
    const akt_config *cfg, const char *path, cv **out, akt_config_error *err)
{
    cv *v = NULL;
    akt_err rc = get(cfg, path, "a list", &v, err);
    if (rc != AKT_OK) {
        return rc;
    }
    if (v->kind != CV_LIST) {
        return mismatch(v, path, "a list", err);
    }
    *out = v;
    return AKT_OK;
}

akt_err
akt_config_get_list_len(const akt_config *cfg, const char *path,
    size_t *out_len, akt_config_error *err)
{
    cv *v = NULL;
    akt_err rc = get_list(cfg, path, &v, err);
    if (rc == AKT_OK) {
        *out_len = v->u.list.n;
    }
    return rc;
}

static akt_err
list_elem(const akt_config *cfg, const char *path, size_t index, cv **out,
    akt_config_error *err)
{
    cv *v = NULL;
    akt_err rc = get_list(cfg, path, &v, err);
    if (rc != AKT_OK) {
        return rc;
    }
    if (index >= v->u.list.n) {
        return akti_cfg_errorf(err, AKT_ERANGE, v->file, v->line, v->col,
            "'%s' has %zu elements; index %zu is out of range", path,
            v->u.list.n, index);
    }
    *out = v->u.list.v[index];
    return AKT_OK;
}

akt_err
akt_config_get_list_string(const akt_config *cfg, const char *path,
    size_t index, const char **out, akt_config_error *err)
{
    cv *e = NULL;
    akt_err rc = list_elem(cfg, path, index, &e, err);
    if (rc != AKT_OK) {
        return rc;
    }
    const char *s = scalar_string(e);
    if (s == NULL) {
        char where[300];
        snprintf(where, sizeof where, "%s[%zu]", path, index);
        return mismatch(e, where, "a string", err);
    }
    *out = s;
    return AKT_OK;
}

akt_err
akt_config_get_list_int(const akt_config *cfg, const char *path, size_t index,
    int64_t *out, akt_config_error *err)
{
    cv *e = NULL;
    akt_err rc = list_elem(cfg, path, index, &e, err);
    if (rc != AKT_OK) {
        return rc;
    }
    double d;
    bool is_int;
    int64_t i;
    if (!number_of(e, &d, &is_int, &i)
        || (!is_int && (d != floor(d) || fabs(d) >= 9.2233720368547758e18))) {
        char where[300];
        snprintf(where, sizeof where, "%s[%zu]", path, index);
        return mismatch(e, where, "a whole number", err);
    }
    *out = is_int ? i : (int64_t)d;
    return AKT_OK;
}

akt_err
akt_config_get_object(const akt_config *cfg, const char *path, akt_config **out,
    akt_config_error *err)
{
    cv *v = NULL;
    akt_err rc = get(cfg, path, "an object", &v, err);
    if (rc != AKT_OK) {
        return rc;
    }
    if (v->kind != CV_OBJ) {
        return mismatch(v, path, "an object", err);
    }
    akt_config *c = akti_cfg_malloc(sizeof *c);
    if (c == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    atomic_init(&c->refs, 1);
    c->store = cfg->store;
    atomic_fetch_add(&cfg->store->refs, 1);
    c->root = v;
    *out = c;
    return AKT_OK;
}

const char *
akt_config_origin(const akt_config *cfg, const char *path)
{
    if (cfg == NULL || path == NULL) {
        return NULL;
    }
    bool oom;
    cv *v = akti_cfg_lookup(cfg->root, path, &oom);
    if (v == NULL || v->file == NULL) {
        return NULL;
    }
    if (v->line <= 0) {
        return v->file;
    }
    cfg_store *s = cfg->store;
    while (atomic_flag_test_and_set_explicit(&s->lock, memory_order_acquire)) {
    }
    /* computed once per node, kept for the life of the config */
    const char *o = v->origin_text;
    if (o == NULL) {
        size_t n = strlen(v->file) + 16;
        char *t = akti_cfg_alloc(&s->arena, n);
        if (t != NULL) {
            snprintf(t, n, "%s:%d", v->file, v->line);
            v->origin_text = t;
            o = t;
        }
    }
    atomic_flag_clear_explicit(&s->lock, memory_order_release);
    return o;
}

bool
akti_config_shown(const akt_config *cfg, const char *path,
    akt_config_error *loc, char *shown, size_t n)
{
    if (cfg == NULL || path == NULL) {
        return false;
    }
    bool oom;
    cv *v = akti_cfg_lookup(cfg->root, path, &oom);
    if (v == NULL || v->kind == CV_NULL) {
        return false;
    }
    snprintf(loc->file, sizeof loc->file, "%s", v->file ? v->file : "");
    loc->line = v->line;
    loc->col = v->col;
    scalar_shown(v, shown, n);
    if (shown[0] == '\0') {
        snprintf(shown, n, "%s",
            v->kind == CV_LIST      ? "a list"
                : v->kind == CV_OBJ ? "an object"
                                    : "a value");
    }
    return true;
}

/* --- rendering ----------------------------------------------------------- */

akt_err
akt_config_render(const akt_config *cfg, unsigned flags, char **out)
{
    if (cfg == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    return akti_cfg_render(cfg->root, flags, out);
}
