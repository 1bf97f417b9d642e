/*
 * hmac.h -- SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for the
 * remoting handshake's challenge-response over the cookie (transport_rx.c).
 * Small and self-contained so libakt takes no crypto library of its own
 * (NNG's mbedTLS is NNG's); checked against the FIPS 180-4 and RFC 4231
 * vectors in tests/remote/frame_test.c.
 */
#ifndef AKT_REMOTE_HMAC_H
#define AKT_REMOTE_HMAC_H

#include <stddef.h>
#include <stdint.h>

#include "akt/export.h"

enum { AKTI_SHA256_LEN = 32 };

typedef struct akti_sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes hashed */
    uint8_t buf[64];
    size_t nbuf;
} akti_sha256;

AKTI_INTERNAL void akti_sha256_init(akti_sha256 *s);
AKTI_INTERNAL void akti_sha256_update(
    akti_sha256 *s, const void *data, size_t len);
AKTI_INTERNAL void akti_sha256_final(
    akti_sha256 *s, uint8_t out[AKTI_SHA256_LEN]);

/* HMAC-SHA256 in pieces: init with the key, update, final. */
typedef struct akti_hmac {
    akti_sha256 inner;
    uint8_t okey[64];
} akti_hmac;

AKTI_INTERNAL void akti_hmac_init(akti_hmac *h, const void *key, size_t klen);
AKTI_INTERNAL void akti_hmac_update(akti_hmac *h, const void *data, size_t len);
AKTI_INTERNAL void akti_hmac_final(akti_hmac *h, uint8_t out[AKTI_SHA256_LEN]);

/* akti_ct_equal -- compare n bytes in time independent of where they differ */
AKTI_INTERNAL int akti_ct_equal(const void *a, const void *b, size_t n);

#endif /* AKT_REMOTE_HMAC_H */
