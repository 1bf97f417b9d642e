/*
 * frame_diff.h -- the differential check of akt's data-frame decoder
 * (akti_batch_unpack, runtime/src/remote/frame.c) against protobuf-c's
 * akt__remote__frame__unpack on the same bytes: both fail, or both give
 * the same values (header fields, body, every envelope's fields, the
 * strings as C strings). Used by frame_test.c (random and hostile frames)
 * and fuzz_frame.c (whatever the fuzzer makes).
 */
#ifndef AKT_TEST_FRAME_DIFF_H
#define AKT_TEST_FRAME_DIFF_H

#include <string.h>

#include "remote/frame.h"

static inline int
fd_bytes_same(const ProtobufCBinaryData *a, const ProtobufCBinaryData *b)
{
    return a->len == b->len
        && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* fd_frames_same -- a (akt's, with lens) holds what b (protobuf-c's) does */
static inline int
fd_frames_same(const Akt__Remote__Frame *a, const akti_env_len *lens,
    const Akt__Remote__Frame *b)
{
    if (a->from_uid != b->from_uid || a->to_uid != b->to_uid
        || a->token != b->token || a->channel != b->channel
        || a->conn_epoch != b->conn_epoch || a->fc_seq != b->fc_seq
        || a->fc_bytes != b->fc_bytes || a->body_case != b->body_case
        || a->body_case != AKT__REMOTE__FRAME__BODY_BATCH) {
        return 0;
    }
    if (a->batch == NULL || b->batch == NULL
        || a->batch->n_envelopes != b->batch->n_envelopes) {
        return 0;
    }
    for (size_t i = 0; i < a->batch->n_envelopes; i++) {
        const Akt__Remote__Envelope *x = a->batch->envelopes[i];
        const Akt__Remote__Envelope *y = b->batch->envelopes[i];
        if (strcmp(x->recipient, y->recipient) != 0
            || strcmp(x->sender, y->sender) != 0 || x->type_id != y->type_id
            || x->seq != y->seq || !fd_bytes_same(&x->payload, &y->payload)
            || lens == NULL || lens[i].recipient != strlen(y->recipient)
            || lens[i].sender != strlen(y->sender)) {
            return 0;
        }
    }
    return 1;
}

/* fd_check -- decode buf both ways (arenas a1, a2; reset after): -1 they
 * disagree, 0 not a Batch frame for akt's decoder (protobuf-c's job), 1
 * akt's decoder failed as protobuf-c did, 2 both decoded the same */
static inline int
fd_check(const uint8_t *buf, size_t len, akti_pbarena *a1, akti_pbarena *a2)
{
    akti_frame *f = NULL;
    const akti_env_len *lens = NULL;
    akt_err rc = akti_batch_unpack(buf, len, a1, &f, &lens);
    Akt__Remote__Frame *g = akt__remote__frame__unpack(&a2->pc, len, buf);
    int r;
    if (rc == AKT_ENOENT) {
        r = 0;
    } else if (rc != AKT_OK) {
        r = g == NULL ? 1 : -1;
    } else {
        r = g != NULL && fd_frames_same(f, lens, g) ? 2 : -1;
    }
    akti_pbarena_reset(a1);
    akti_pbarena_reset(a2);
    return r;
}

#endif /* AKT_TEST_FRAME_DIFF_H */
