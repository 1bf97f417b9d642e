/*
 * ref.c -- actor refs on the wire (akt_mp_put_ref / akt_mp_get_ref).
 *
 * A ref travels as its full path string ("akt://sys@host:port/user/a"),
 * AKT_REF_NONE and a stale ref (its actor stopped) as nil. Kept apart from the
 * other primitives because it is the only codec file that calls into the actor
 * system (akt_ref_path, akt_lookup), so the rest of the codec links without the
 * core.
 *
 * Encoding asks the ref's system for the path other nodes reach it under
 * (akt_system_ref_to_path: with remoting, akt://sys@host:port/...).
 * Decoding resolves the path with r->system (akt_system_path_to_ref: a
 * path on another node becomes a remoting proxy). Without a system, or when no
 * live actor has that path any more (AKT_ENOENT), the ref decodes to
 * AKT_REF_NONE: a message that names a stopped actor is still a valid
 * message, and what is sent to that ref goes to dead letters.
 */
#include <stdlib.h>

#include "codec/mp_impl.h"

/* Longest path accepted; a longer string is not a path we could have made. */
#define REF_PATH_MAX 4096

/* path_len -- strnlen, which C11 lacks. */
static size_t
path_len(const char *s, size_t cap)
{
    const char *nul = memchr(s, '\0', cap);
    return nul ? (size_t)(nul - s) : cap;
}

akt_err
akt_mp_put_ref(akt_buf *b, akt_ref ref)
{
    if (akt_ref_is_none(ref)) {
        return akt_mp_put_nil(b);
    }
    /* the ref's own system: with remoting, its remote-visible path (a
     * proxy's is its remote actor's), so the ref survives another node */
    akt_system *sys = akt_ref_system(ref);
    char small[256];
    akt_err rc = akt_system_ref_to_path(sys, ref, small, sizeof small);
    if (rc == AKT_OK) {
        return akt_mp_put_str(b, small, path_len(small, sizeof small));
    }
    if (rc == AKT_ESTOPPED) {
        /* The actor is gone: the receiver would resolve its path to
         * AKT_REF_NONE anyway (dead letters), so the message stays valid. */
        return akt_mp_put_nil(b);
    }
    if (rc != AKT_ERANGE) {
        return rc;
    }
    /* Too long for the stack buffer: one retry at the maximum. */
    char *big = malloc(REF_PATH_MAX);
    if (big == NULL) {
        return AKT_ENOMEM;
    }
    rc = akt_system_ref_to_path(sys, ref, big, REF_PATH_MAX);
    if (rc == AKT_OK) {
        rc = akt_mp_put_str(b, big, path_len(big, REF_PATH_MAX));
    }
    free(big);
    return rc;
}

akt_err
akt_mp_get_ref(akt_reader *r, akt_ref *v)
{
    if (r->p < r->end && *r->p == MP_NIL) {
        r->p++;
        *v = AKT_REF_NONE;
        return AKT_OK;
    }
    const char *s;
    size_t len;
    akt_err rc = akti_mp_get_strview(r, &s, &len);
    if (rc != AKT_OK) {
        return rc;
    }
    *v = AKT_REF_NONE;
    if (len == 0 || len >= REF_PATH_MAX || memchr(s, '\0', len) != NULL) {
        return akt_mp_fail(r, AKT_EPROTO);
    }
    if (r->system == NULL) {
        return AKT_OK;
    }
    char small[256];
    char *path = len < sizeof small ? small : malloc(len + 1);
    if (path == NULL) {
        return akt_mp_fail(r, AKT_ENOMEM);
    }
    memcpy(path, s, len);
    path[len] = '\0';
    akt_ref ref;
    rc = akt_system_path_to_ref(r->system, path, &ref); /* remote: a proxy */
    if (path != small) {
        free(path);
    }
    switch (rc) {
    case AKT_OK:
        *v = ref;
        return AKT_OK;
    case AKT_ENOENT:
        return AKT_OK; /* no such actor (any more): AKT_REF_NONE */
    case AKT_EINVAL:
        return akt_mp_fail(r, AKT_EPROTO); /* not a path */
    default:
        return akt_mp_fail(r, rc);
    }
}
