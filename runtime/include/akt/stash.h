/*
 * akt/stash.h -- set messages aside and take them back later (Akka's
 * Stash): an actor that cannot handle a message in its current state
 * stashes it, and unstashes everything when its state changes.
 *
 * Unstashed messages are processed before anything still in the mailbox,
 * in the order they were stashed. The stash has a capacity (config
 * akt.actor.stash-capacity, or akt_stash_set_capacity); stashing into a
 * full stash returns AKT_EFULL to the handler, which decides (usually it
 * returns the error, and its supervisor acts). When the actor stops, what
 * is stashed goes to dead letters; when it restarts, it is unstashed.
 * All calls are made from the actor's own handlers.
 */
#ifndef AKT_STASH_H
#define AKT_STASH_H

#include "akt/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* akt_stash -- keep the message being handled (one more reference, with
 * its sender). Errors: AKT_EFULL (stash full: not stashed), AKT_EINVAL (no
 * current message, e.g. in pre_start), AKT_ENOMEM. */
AKT_API akt_err akt_stash(akt_ctx *ctx);

/* akt_unstash_all -- put every stashed message back ahead of the mailbox,
 * oldest first. Returns how many. */
AKT_API size_t akt_unstash_all(akt_ctx *ctx);

/* akt_unstash -- put back only the oldest stashed message; false if none. */
AKT_API bool akt_unstash(akt_ctx *ctx);

/* akt_stash_size -- messages in the stash. */
AKT_API size_t akt_stash_size(akt_ctx *ctx);

/* akt_stash_clear -- drop the stash (to dead letters); returns how many. */
AKT_API size_t akt_stash_clear(akt_ctx *ctx);

/* akt_stash_set_capacity -- this actor's capacity (0: the config value). */
AKT_API void akt_stash_set_capacity(akt_ctx *ctx, uint32_t capacity);

#ifdef __cplusplus
}
#endif
#endif /* AKT_STASH_H */
