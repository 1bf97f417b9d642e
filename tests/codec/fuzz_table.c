/*
 * fuzz_table.c -- libFuzzer target for the table-driven decoder
 * (akt_type_decode, codec/table.c).
 *
 * Input: byte 0 picks one of the message types aktc generates from the
 * test schemas (tests/aktc/ok, tests/vectors), byte 1 the limits; the rest
 * is decoded as that type by the table decoder. Checked besides "no crash,
 * no over-read, no UB, no leak":
 *  - where a descriptor has a decoder of its own (aktc's generated types
 *    had one until ABI 2), it gives the same result (the same error, or
 *    an equal message) on the same bytes and limits;
 *  - whatever decodes copies (akt_type_copy) to an equal value, encodes,
 *    and decodes again to an equal message whose encoding is the same
 *    bytes (encode . decode is a fixed point), with a descriptor's own
 *    encoder writing those same bytes where there is one.
 *
 * Build: cmake -DCMAKE_C_COMPILER=clang -DAKT_BUILD_FUZZ=ON; run
 * fuzz_table -max_total_time=300 <dir> tests/codec/fuzz-seeds/fuzz_table
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt_gen.h"
#include "akt/reflect.h"

#include "alltypes.akt.h"
#include "common.akt.h"
#include "vectors.akt.h"

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(                                                           \
                stderr, "fuzz_table.c:%d: CHECK(%s) failed\n", __LINE__, #c);  \
            abort();                                                           \
        }                                                                      \
    } while (0)

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

/* table_decode -- akt_msg_decode with the table decoder. */
static akt_err
table_decode(const akt_type *t, const uint8_t *data, size_t len,
    const akt_codec_limits *lim, void **out)
{
    akt_reader r;
    akt_reader_init(&r, data, len, lim);
    *out = NULL;
    void *m = akt_msg_new(t, len + 64);
    CHECK(m != NULL);
    akt_err rc = akt_mp_enter(&r);
    if (rc == AKT_OK) {
        rc = akt_type_decode(t, m, &r, akt_msg_arena(m));
        akt_mp_leave(&r);
    }
    CHECK(r.depth == 0);
    CHECK(r.p >= data && r.p <= data + len);
    if (rc == AKT_OK) {
        rc = r.err;
    }
    if (rc == AKT_OK && r.p != r.end) {
        rc = AKT_EPROTO;
    }
    if (rc != AKT_OK) {
        akt_msg_free(m);
        return rc;
    }
    *out = m;
    return AKT_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    const akt_type *t = pick(data[0]);
    akt_codec_limits lim = {
        .max_depth = 1 + (data[1] & 0x1f),
        .max_length = data[1] & 0x80 ? 64 + (data[1] & 0x60) : 1 << 20,
    };
    data += 2;
    size -= 2;
    void *msg = NULL;
    akt_err rc = table_decode(t, data, size, &lim, &msg);
    if (t->decode != NULL) {
        void *other = NULL;
        akt_err rc2 = akt_msg_decode(t, data, size, &lim, &other);
        if (rc != rc2) {
            fprintf(stderr, "%s: table %s, emitted %s\n", t->name,
                akt_err_name(rc), akt_err_name(rc2));
        }
        CHECK(rc == rc2);
        CHECK(rc != AKT_OK
            || (akt_type_equal(t, msg, other) && t->equal(msg, other)));
        akt_msg_free(other);
    }
    if (rc != AKT_OK) {
        CHECK(msg == NULL);
        return 0;
    }

    void *copy = akt_msg_new(t, 0);
    CHECK(copy != NULL);
    CHECK(akt_type_copy(t, copy, msg, akt_msg_arena(copy)) == AKT_OK);
    CHECK(akt_type_equal(t, msg, copy));

    akt_buf b, b2;
    akt_buf_init(&b);
    akt_buf_init(&b2);
    CHECK(akt_type_encode(t, msg, &b) == AKT_OK);
    if (t->encode != NULL) {
        CHECK(t->encode(msg, &b2) == AKT_OK);
        CHECK(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0);
        b2.len = 0;
    }
    /* re-encoding writes every field: allow the depth that adds */
    akt_codec_limits lim2 = { .max_depth = 512, .max_length = 1 << 24 };
    void *again = NULL;
    CHECK(table_decode(t, b.data, b.len, &lim2, &again) == AKT_OK);
    CHECK(akt_type_equal(t, msg, again));
    CHECK(akt_type_encode(t, again, &b2) == AKT_OK);
    CHECK(b.len == b2.len && memcmp(b.data, b2.data, b.len) == 0);
    akt_buf_free(&b);
    akt_buf_free(&b2);
    akt_msg_free(again);
    akt_msg_free(copy);
    akt_msg_free(msg);
    return 0;
}
