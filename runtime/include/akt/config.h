/*
 * akt/config.h -- HOCON-style layered configuration.
 *
 * A resolved akt_config is an immutable tree of values; each value remembers
 * its origin (file:line, env var, "code" or "reference.conf:line"). Layers,
 * lowest first: the built-in reference (compiled into libakt from
 * runtime/src/config/reference.conf) < application file (given in code or by
 * AKT_CONFIG) < environment overrides (AKT_<path with '.' written as "__">,
 * e.g. AKT_akt__actor__default_dispatcher__throughput; see docs/config.md)
 * < values set in code with akt_config_set_*.
 *
 * Ownership: every function that writes an akt_config ** hands the caller one
 * reference, released with akt_config_release(). Resolved configs are
 * immutable and may be shared between threads and systems.
 * Strings returned through const char ** stay valid while the config lives.
 */
#ifndef AKT_CONFIG_H
#define AKT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akt/err.h"
#include "akt/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct akt_config akt_config;

/* Filled on failure by every function that takes one (may be NULL): the
 * message names the key, the origin, and what was expected. */
typedef struct akt_config_error {
    char message[512]; /* "file:line:col: what went wrong" form */
    char file[256]; /* origin name, "" when none */
    int line; /* 1-based, 0 when unknown */
    int col; /* 1-based, 0 when unknown */
} akt_config_error;

/* --- parsing and layering ------------------------------------------------ */

/* akt_config_parse_string -- parse and resolve HOCON text. origin names the
 * source in errors ("<string>" when NULL). Includes are resolved relative to
 * the current directory. Errors: AKT_ESYNTAX, AKT_ENOENT (missing include),
 * AKT_EINVAL (bad substitution / cycle), AKT_ENOMEM. */
AKT_API akt_err akt_config_parse_string(const char *text, size_t len,
    const char *origin, akt_config **out, akt_config_error *err);

/* akt_config_parse_file -- as above for a file; includes are relative to it. */
AKT_API akt_err akt_config_parse_file(
    const char *path, akt_config **out, akt_config_error *err);

/* akt_config_reference -- the built-in reference defaults, resolved. */
AKT_API akt_err akt_config_reference(akt_config **out, akt_config_error *err);

/* akt_config_load -- the standard stack: reference < app_file (or the file
 * named by $AKT_CONFIG when app_file is NULL; none when neither) < env. */
AKT_API akt_err akt_config_load(
    const char *app_file, akt_config **out, akt_config_error *err);

/* Flags of akt_config_load_files. */
enum {
    AKT_CONFIG_LOAD_BARE = 1u << 0, /* no built-in reference layer */
    AKT_CONFIG_LOAD_NO_ENV = 1u << 1, /* no AKT_* environment overrides */
};

/* akt_config_load_files -- reference (unless AKT_CONFIG_LOAD_BARE) <
 * paths[0] < ... < paths[n-1] < environment overrides (unless
 * AKT_CONFIG_LOAD_NO_ENV), merged before resolution, so a substitution in
 * a lower layer sees the values of higher ones (as Lightbend's load()).
 * What akt-config prints. Errors as akt_config_parse_file. */
AKT_API akt_err akt_config_load_files(const char *const *paths, size_t n,
    unsigned flags, akt_config **out, akt_config_error *err);

/* akt_config_with_fallback -- a new config: cfg's values win, missing keys
 * come from fallback; objects merge. Neither input is consumed. */
AKT_API akt_err akt_config_with_fallback(const akt_config *cfg,
    const akt_config *fallback, akt_config **out, akt_config_error *err);

/* akt_config_override -- the code layer: a copy of cfg with `path` set to
 * the value parsed from HOCON text (e.g. "5", "250ms", "\"x\"", "[1,2]"). */
AKT_API akt_err akt_config_override(const akt_config *cfg, const char *path,
    const char *hocon_value, akt_config **out, akt_config_error *err);

AKT_API akt_config *akt_config_retain(akt_config *cfg);
AKT_API void akt_config_release(akt_config *cfg);

/* --- typed getters ------------------------------------------------------- */
/* Each returns AKT_OK, AKT_ENOENT (missing key) or AKT_ETYPE (present but not
 * convertible), filling err with key, origin and expected type. */

AKT_API bool akt_config_has(const akt_config *cfg, const char *path);
AKT_API akt_err akt_config_get_bool(
    const akt_config *cfg, const char *path, bool *out, akt_config_error *err);
AKT_API akt_err akt_config_get_int(const akt_config *cfg, const char *path,
    int64_t *out, akt_config_error *err);
AKT_API akt_err akt_config_get_double(const akt_config *cfg, const char *path,
    double *out, akt_config_error *err);
AKT_API akt_err akt_config_get_string(const akt_config *cfg, const char *path,
    const char **out, akt_config_error *err);
/* Durations in nanoseconds ("250ms", "5 s", "2 minutes"; a bare number is
 * milliseconds, as in HOCON). */
AKT_API akt_err akt_config_get_duration(const akt_config *cfg, const char *path,
    int64_t *out_ns, akt_config_error *err);
/* Sizes in bytes ("64 KiB", "1m"). */
AKT_API akt_err akt_config_get_size(const akt_config *cfg, const char *path,
    uint64_t *out_bytes, akt_config_error *err);
/* Lists: the number of elements, then elements as sub-configs addressed by
 * index ("path.0" style is NOT used; use akt_config_get_list_*). */
AKT_API akt_err akt_config_get_list_len(const akt_config *cfg, const char *path,
    size_t *out_len, akt_config_error *err);
AKT_API akt_err akt_config_get_list_string(const akt_config *cfg,
    const char *path, size_t index, const char **out, akt_config_error *err);
AKT_API akt_err akt_config_get_list_int(const akt_config *cfg, const char *path,
    size_t index, int64_t *out, akt_config_error *err);
/* akt_config_get_object -- the sub-tree at path as its own config (one new
 * reference). */
AKT_API akt_err akt_config_get_object(const akt_config *cfg, const char *path,
    akt_config **out, akt_config_error *err);
/* akt_config_origin -- "file:line" of the value at path, or NULL. */
AKT_API const char *akt_config_origin(const akt_config *cfg, const char *path);

/* --- rendering ----------------------------------------------------------- */

enum {
    AKT_CONFIG_RENDER_ORIGINS = 1u << 0, /* "# file:line" before each value */
    AKT_CONFIG_RENDER_JSON = 1u << 1, /* JSON, as Lightbend config does */
};

/* akt_config_render -- the effective configuration as text; *out is a
 * NUL-terminated malloc'd string the caller frees with free(). */
AKT_API akt_err akt_config_render(
    const akt_config *cfg, unsigned flags, char **out);

#ifdef __cplusplus
}
#endif
#endif /* AKT_CONFIG_H */
