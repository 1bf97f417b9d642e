/*
 * msg_impl.h -- the private layout of a message allocation.
 *
 *   [ akti_msg header | generated struct (type->size, aligned) | inline arena ]
 *
 * The header is private to libakt; users and generated code only ever see
 * the pointer to the struct. akti_msg_hdr() steps back to the header.
 * Invariant: the struct starts AKTI_MSG_HDR_SIZE bytes after the header,
 * so the step is a constant subtraction.
 */
#ifndef AKTI_MSG_IMPL_H
#define AKTI_MSG_IMPL_H

#include <stdatomic.h>
#include <stdint.h>

#include "akt/actor.h"
#include "akt/msg.h"

typedef struct akti_arena_block {
    struct akti_arena_block *next;
    size_t size;
    /* data follows */
} akti_arena_block;

struct akt_arena {
    char *cur; /* next free byte of the current block */
    char *end; /* end of the current block */
    akti_arena_block *blocks; /* overflow blocks, freed with the message */
};

typedef struct akti_msg {
    _Atomic(struct akti_msg *) next; /* intrusive mailbox link; FIRST */
    const akt_type *type;
    atomic_uint refs;
    uint8_t flags; /* AKTI_MSG_* (core.h) */
    uint8_t pool_class; /* message pool class, 0xff: malloc,
                           AKTI_MSG_POOL_RESERVE: a system's reserve */
    /* inbound credit slot (ext.h akti_credit_*): 0, or the remote window
     * this message counts against until it is consumed */
    uint16_t credit;
    akt_ref sender; /* filled by tell */
    void *reply_to; /* ask: the future to complete, else NULL */
    uint64_t target_uid; /* incarnation the message was sent to */
    akt_arena arena;
} akti_msg;

/* pool_class of a block made by akti_msg_new_reserve */
#define AKTI_MSG_POOL_RESERVE 0xfe

/* The struct begins at a 16-byte aligned offset after the header. */
#define AKTI_MSG_HDR_SIZE ((sizeof(akti_msg) + 15u) & ~(size_t)15u)

static inline akti_msg *
akti_msg_hdr(const void *body)
{
    return (akti_msg *)((char *)(uintptr_t)body - AKTI_MSG_HDR_SIZE);
}

static inline void *
akti_msg_body(akti_msg *m)
{
    return (char *)m + AKTI_MSG_HDR_SIZE;
}

#endif /* AKTI_MSG_IMPL_H */
