/*
 * fuzz_record.c -- libFuzzer target: the journal's event-record and
 * snapshot-record decoders (runtime/src/persist/record.c) on arbitrary
 * bytes (a damaged journal). A record that decodes must re-encode to the
 * same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "persist/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
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
    return 0;
}
