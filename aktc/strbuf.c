/*
 * strbuf.c -- the growing string of the emitters (strbuf.h).
 */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
oom(void)
{
    fputs("aktc: out of memory\n", stderr);
    exit(3);
}

void
aktc_sb_putn(aktc_sb *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *p = realloc(b->s, cap);
        if (p == NULL) {
            oom();
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void
aktc_sb_puts(aktc_sb *b, const char *s)
{
    aktc_sb_putn(b, s, strlen(s));
}

void
aktc_sb_printf(aktc_sb *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n < sizeof small) {
        aktc_sb_putn(b, small, (size_t)n);
        return;
    }
    char *tmp = malloc((size_t)n + 1);
    if (tmp == NULL) {
        oom();
    }
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    aktc_sb_putn(b, tmp, (size_t)n);
    free(tmp);
}

const char *
aktc_sb_str(const aktc_sb *b)
{
    return b->s ? b->s : "";
}

void
aktc_sb_free(aktc_sb *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
