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

#endif /* AKTI_PERSIST_IMPL_H */
