/*
 * diag.c -- prints diagnostics with the offending source line and a caret
 * under the columns the location spans, and counts errors.
 *
 * The compiler is one short-lived process, so the counters are plain
 * statics.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int nerrors;
static int nwarnings;
static int limit = 50;
static bool suppressed;
static bool quiet;

void
diag_reset(bool be_quiet)
{
    nerrors = 0;
    nwarnings = 0;
    suppressed = false;
    quiet = be_quiet;
}

int
diag_errors(void)
{
    return nerrors;
}

void
diag_set_limit(int max_errors)
{
    limit = max_errors;
}

/* Print line `line` of f's text and a caret line under [col, end_col). */
static void
show_source(const ast_file *f, aktc_loc loc)
{
    if (f == NULL || f->text == NULL || loc.first_line <= 0) {
        return;
    }
    const char *p = f->text;
    const char *end = f->text + f->len;
    for (int l = 1; l < loc.first_line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL) {
            return;
        }
        p = nl + 1;
    }
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (eol == NULL) {
        eol = end;
    }
    size_t n = (size_t)(eol - p);
    if (n > 0 && p[n - 1] == '\r') {
        n--;
    }
    fprintf(stderr, "    %.*s\n    ", (int)n, p);
    int col = loc.first_column > 0 ? loc.first_column : 1;
    for (int c = 1; c < col && (size_t)(c - 1) < n; c++) {
        fputc(p[c - 1] == '\t' ? '\t' : ' ', stderr);
    }
    fputc('^', stderr);
    if (loc.last_line == loc.first_line) {
        for (int c = col + 1; c < loc.last_column && (size_t)(c - 1) < n; c++) {
            fputc('~', stderr);
        }
    }
    fputc('\n', stderr);
}

static void
report(const char *kind, const ast_file *f, aktc_loc loc, const char *fmt,
    va_list ap)
{
    if (quiet) {
        return;
    }
    if (f) {
        fprintf(stderr, "%s:%d:%d: %s: ", f->path, loc.first_line,
            loc.first_column, kind);
    } else {
        fprintf(stderr, "aktc: %s: ", kind);
    }
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    show_source(f, loc);
}

void
diag_error(const ast_file *f, aktc_loc loc, const char *fmt, ...)
{
    nerrors++;
    if (limit > 0 && nerrors > limit) {
        if (!suppressed && !quiet) {
            fprintf(stderr, "aktc: too many errors, stopping reports\n");
            suppressed = true;
        }
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    report("error", f, loc, fmt, ap);
    va_end(ap);
}

void
diag_note(const ast_file *f, aktc_loc loc, const char *fmt, ...)
{
    if (suppressed) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    report("note", f, loc, fmt, ap);
    va_end(ap);
}

void
diag_warning(const ast_file *f, aktc_loc loc, const char *fmt, ...)
{
    nwarnings++;
    va_list ap;
    va_start(ap, fmt);
    report("warning", f, loc, fmt, ap);
    va_end(ap);
}

void
diag_plain(const char *fmt, ...)
{
    nerrors++;
    if (quiet) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    fputs("aktc: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
