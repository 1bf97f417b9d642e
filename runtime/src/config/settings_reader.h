/*
 * settings_reader.h -- the one way the runtime reads its settings (core,
 * kit, remote): typed reads of akt.* keys into the caller's variables,
 * each with its range or its allowed names.
 *
 * The caller sets each variable to its default, then reads every key
 * through one reader. A missing (or null) key keeps the default; a key
 * that is present but of the wrong type, out of range or not one of the
 * allowed names records the reader's first error and leaves the variable
 * alone; every later call does nothing. The caller checks r.rc once, at
 * the end. Errors: AKT_ETYPE (does not convert), AKT_ERANGE (converts, but
 * outside [min, max]), AKT_EINVAL (not one of the names), AKT_ENOMEM. The
 * message names the origin of the value, the key, what was expected and
 * what was found:
 *
 *   app.conf:3:34: error: akt.actor.default-mailbox.type: expected one of
 *   unbounded, bounded, control-aware, got "bunded"
 *
 * (one line), with err->file/line/col set as for every config error.
 */
#ifndef AKT_SETTINGS_READER_H
#define AKT_SETTINGS_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akt/config.h"
#include "akt/export.h"

typedef struct akti_setreader {
    const akt_config *cfg; /* NULL: every key keeps its default */
    akt_err rc; /* the first error, AKT_OK while none */
    akt_config_error *err; /* may be NULL; filled at the first error */
} akti_setreader;

/* akti_set_int / _dur / _size / _double -- a whole number, a duration in
 * ns, a size in bytes, a number; accepted when min <= value <= max. */
AKTI_INTERNAL void akti_set_int(
    akti_setreader *r, const char *key, int64_t *v, int64_t min, int64_t max);
AKTI_INTERNAL void akti_set_dur(
    akti_setreader *r, const char *key, int64_t *ns, int64_t min, int64_t max);
AKTI_INTERNAL void akti_set_size(akti_setreader *r, const char *key,
    uint64_t *bytes, uint64_t min, uint64_t max);
AKTI_INTERNAL void akti_set_double(
    akti_setreader *r, const char *key, double *v, double min, double max);
/* akti_set_bool -- true/false, on/off, yes/no. */
AKTI_INTERNAL void akti_set_bool(akti_setreader *r, const char *key, bool *v);
/* akti_set_str -- a string (a number or boolean reads as its text); *v
 * points into the config and lives as long as it. */
AKTI_INTERNAL void akti_set_str(
    akti_setreader *r, const char *key, const char **v);
/* akti_set_enum -- *v becomes the index of the name the value matches
 * (case-insensitively) among names[0..n). */
AKTI_INTERNAL void akti_set_enum(akti_setreader *r, const char *key, int *v,
    const char *const *names, int n);
/* akti_set_reject -- record code for key as the other calls do, for a
 * rule they cannot express (a value that must be above 0, a URL that
 * must not be empty): "expected <expected>, got <the value at key>". */
AKTI_INTERNAL void akti_set_reject(
    akti_setreader *r, const char *key, akt_err code, const char *expected);

/* akti_config_shown -- where the value at path was set (loc->file, line,
 * col, as a failed getter would fill them) and how a message shows it
 * (shown: a string quoted, a number or boolean as written, "a list", "an
 * object"). false when path holds no value or null. Defined in config.c,
 * which owns the value tree. */
AKTI_INTERNAL bool akti_config_shown(const akt_config *cfg, const char *path,
    akt_config_error *loc, char *shown, size_t n);

#endif /* AKT_SETTINGS_READER_H */
