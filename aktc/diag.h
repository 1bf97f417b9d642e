/*
 * diag.h -- compiler diagnostics in the familiar form
 *
 *     file:line:col: error: message
 *         the source line
 *         ^~~~
 *
 * Everything goes to stderr. The error count decides the exit status.
 */
#ifndef AKTC_DIAG_H
#define AKTC_DIAG_H

#include "ast.h"

#if defined(__GNUC__)
#define AKTC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define AKTC_PRINTF(a, b)
#endif

/* diag_error -- report an error at loc in file f (f may be NULL for errors
 * without a place, printed as "aktc: error: ..."). */
void diag_error(const ast_file *f, aktc_loc loc, const char *fmt, ...)
    AKTC_PRINTF(3, 4);
/* diag_note -- a note attached to the previous error (no count). */
void diag_note(const ast_file *f, aktc_loc loc, const char *fmt, ...)
    AKTC_PRINTF(3, 4);
/* diag_warning -- counted separately; never changes the exit status. */
void diag_warning(const ast_file *f, aktc_loc loc, const char *fmt, ...)
    AKTC_PRINTF(3, 4);
/* diag_plain -- "aktc: error: ..." with no location. */
void diag_plain(const char *fmt, ...) AKTC_PRINTF(1, 2);

int diag_errors(void);
/* diag_reset -- zero the counters; quiet: count but print nothing (fuzzing). */
void diag_reset(bool quiet);
/* Stop reporting after this many errors (0: no limit). */
void diag_set_limit(int max_errors);

#endif /* AKTC_DIAG_H */
