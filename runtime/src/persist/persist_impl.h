/*
 * persist_impl.h -- what the files of persist/ share.
 */
#ifndef AKTI_PERSIST_IMPL_H
#define AKTI_PERSIST_IMPL_H

#include "akt/persistence.h"

/* wall clock in ms since 1970: record timestamps */
AKTI_INTERNAL int64_t akti_persist_now_ms(void);
/* printf into err->text (err may be NULL) */
AKTI_INTERNAL void akti_perr(akt_persist_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* akti_persist_settings_read -- akt.persistence.* through the settings
 * reader (config/settings_reader.h): the first bad key fails naming it.
 * out is written only on success; its strings point into cfg. */
typedef struct akti_persist_settings {
    akt_lmdb_options journal;
    akt_lmdb_options snapshots;
    bool has_snapshots; /* snapshot-store.plugin = lmdb (not none) */
} akti_persist_settings;
AKTI_INTERNAL akt_err akti_persist_settings_read(
    const akt_config *cfg, akti_persist_settings *out, akt_config_error *err);

#endif /* AKTI_PERSIST_IMPL_H */
