/*
 * strbuf.h -- the growing string every aktc emitter writes into.
 *
 * An aktc_sb starts zeroed ({ 0 }); every put keeps it NUL-terminated.
 * Out of memory ends aktc (exit 3, "aktc: out of memory"), as everywhere
 * in the compiler: there is no partial output to recover.
 */
#ifndef AKTC_STRBUF_H
#define AKTC_STRBUF_H

#include <stddef.h>

typedef struct aktc_sb {
    char *s;
    size_t len, cap;
} aktc_sb;

void aktc_sb_putn(aktc_sb *b, const char *s, size_t n);
void aktc_sb_puts(aktc_sb *b, const char *s);
void aktc_sb_printf(aktc_sb *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* the text so far ("" for an empty builder, never NULL) */
const char *aktc_sb_str(const aktc_sb *b);
void aktc_sb_free(aktc_sb *b);

#endif /* AKTC_STRBUF_H */
