/*
 * fuzz_record.c -- libFuzzer target: the journal's event-record and
 * snapshot-record decoders and the delivery-snapshot parser
 * (runtime/src/persist/record.c) on arbitrary bytes (a damaged journal).
 * A record that decodes must re-encode to the same bytes. Each input is
 * also tried with its last four bytes replaced by the right checksum, so
 * the fuzzer gets past the CRC to the layout checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "persist/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static akt_err
each_delivery(void *arg, uint64_t id, const char *path, size_t path_len,
    uint64_t type_id, const uint8_t *p, size_t len)
{
    (void)id;
    (void)type_id;
    size_t *sum = arg;
    /* every view lies inside the input */
    volatile uint8_t x = 0;
    for (size_t i = 0; i < path_len; i++) {
        x ^= (uint8_t)path[i];
    }
    for (size_t i = 0; i < len; i++) {
        x ^= p[i];
    }
    *sum += path_len + len + x;
    return AKT_OK;
}

static void decode_all(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode_all(data, size);
    if (size >= 4) {
        uint8_t *fixed = malloc(size);
        memcpy(fixed, data, size);
        akti_be32_put(fixed + size - 4, akti_crc32(0, fixed, size - 4));
        decode_all(fixed, size);
        free(fixed);
    }
    return 0;
}

static void
decode_all(const uint8_t *data, size_t size)
{
    akt_prepr ev;
    const char *tagv[AKT_PERSIST_MAX_TAGS];
    if (akti_prec_decode(data, size, &ev, tagv) == AKT_OK) {
        size_t n = akti_prec_size(&ev);
        if (n != size) {
            abort();
        }
        uint8_t *out = malloc(n);
        akti_prec_encode(&ev, out);
        if (memcmp(out, data, n) != 0) {
            abort();
        }
        free(out);
    }
    akt_snapshot_blob b;
    int64_t ts;
    if (akti_psnap_decode(data, size, &b, &ts) == AKT_OK) {
        uint8_t *out = malloc(akti_psnap_size(b.len));
        akti_psnap_encode(&b, ts, out);
        if (memcmp(out, data, size) != 0) {
            abort();
        }
        free(out);
    }
    uint64_t next;
    size_t sum = 0;
    (void)akti_dsnap_parse(data, size, &next, each_delivery, &sum);
}
