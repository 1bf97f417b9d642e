/*
 * fuzz_decode.c -- libFuzzer target for aktc-generated decoders: the first
 * input byte picks one of the generated message types (tests/aktc/ok and
 * tests/vectors schemas), the rest is decoded as that type. Whatever
 * decodes must copy, compare equal to its copy, re-encode, and decode again
 * to an equal message; every error must leave nothing allocated.
 *
 *   build/tests/aktc/fuzz_aktc_decode -max_total_time=60 corpus/
 * tests/aktc/fuzz-seeds/fuzz_aktc_decode
 */
#include <stdint.h>
#include <stdlib.h>

#include "akt/akt_gen.h"

#include "alltypes.akt.h"
#include "common.akt.h"
#include "vectors.akt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const akt_type *const *const lists[] = {
    corpus_all_alltypes_types,
    corpus_common_common_types,
    testvec_vectors_types,
};

static const akt_type *
pick(uint8_t b)
{
    size_t n = 0;
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        for (const akt_type *const *t = lists[l]; *t; t++) {
            n++;
        }
    }
    size_t k = b % n;
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        for (const akt_type *const *t = lists[l]; *t; t++) {
            if (k-- == 0) {
                return *t;
            }
        }
    }
    return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const akt_type *t = pick(data[0]);
    akt_codec_limits lim = { .max_depth = 32, .max_length = 1 << 20 };
    void *msg = NULL;
    if (akt_msg_decode(t, data + 1, size - 1, &lim, &msg) != AKT_OK) {
        if (msg != NULL) {
            abort(); /* nothing to free on error */
        }
        return 0;
    }
    void *copy = akt_msg_dup(msg);
    if (copy == NULL || !akt_msg_equal(msg, copy)) {
        abort();
    }
    akt_buf b;
    akt_buf_init(&b);
    if (akt_msg_encode(msg, &b) != AKT_OK) {
        abort();
    }
    void *again = NULL;
    /* re-encoding writes every field: allow the depth that adds */
    akt_codec_limits lim2 = { .max_depth = 512, .max_length = 1 << 24 };
    if (akt_msg_decode(t, b.data, b.len, &lim2, &again) != AKT_OK
        || !akt_msg_equal(msg, again)) {
        abort();
    }
    akt_buf_free(&b);
    akt_msg_free(again);
    akt_msg_free(copy);
    akt_msg_free(msg);
    return 0;
}
