/*
 * akt/err.h -- error codes of libakt.
 *
 * Every public function that can fail returns an akt_err. 0 (AKT_OK) is
 * success; every other code is positive. The list below is the single
 * source of truth: it generates the enum, akt_strerror(), akt_err_name()
 * and (in the Python bindings) the exception table.
 */
#ifndef AKT_ERR_H
#define AKT_ERR_H

#include "akt/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, value, "description") */
#define AKT_ERR_MAP(X)                                                         \
    X(OK, 0, "success")                                                        \
    X(ENOMEM, 1, "out of memory")                                              \
    X(EINVAL, 2, "invalid argument")                                           \
    X(ECLOSED, 3, "system terminated or object closed")                        \
    X(ESTOPPED, 4, "actor is stopped (stale or dead reference)")               \
    X(EEXIST, 5, "name already exists")                                        \
    X(ENOENT, 6, "no such entry")                                              \
    X(ETIMEDOUT, 7, "timed out")                                               \
    X(EFULL, 8, "mailbox or queue full")                                       \
    X(EPROTO, 9, "malformed or corrupt data")                                  \
    X(ETYPE, 10, "unknown or unexpected type")                                 \
    X(ERANGE, 11, "value out of range")                                        \
    X(ESYNTAX, 12, "syntax error")                                             \
    X(EIO, 13, "input/output error")                                           \
    X(ENOTSUP, 14, "operation not supported")                                  \
    X(EFAILED, 15, "handler failed")                                           \
    X(ETOOBIG, 16, "size or nesting limit exceeded")                           \
    X(EAGAIN, 17, "try again")                                                 \
    X(ECANCELED, 18, "operation canceled")                                     \
    X(EBUSY, 19, "resource busy")                                              \
    X(EUNHANDLED, 20, "message not handled by the current behaviour")          \
    X(ESTATE, 21, "operation not valid in the current state")                  \
    X(EPEER, 22, "remote peer refused or unreachable")                         \
    X(EAUTH, 23, "authentication failed")                                      \
    X(EINTERNAL, 24, "internal error")                                         \
    X(ENOSPC, 25, "no space left in the store (map or disk full)")

typedef enum akt_err {
#define AKT_ERR_ENUM_(name, value, text) AKT_##name = value,
    AKT_ERR_MAP(AKT_ERR_ENUM_)
#undef AKT_ERR_ENUM_
        AKT_ERR_COUNT_
} akt_err;

/* akt_strerror -- a static, human-readable description of err. Never NULL;
 * unknown codes give "unknown error". */
AKT_API const char *akt_strerror(akt_err err);

/* akt_err_name -- the symbolic name without prefix ("ETIMEDOUT", "OK").
 * Never NULL; unknown codes give "EUNKNOWN". */
AKT_API const char *akt_err_name(akt_err err);

#ifdef __cplusplus
}
#endif
#endif /* AKT_ERR_H */
