/*
 * record.h -- the byte layout of journal and snapshot records (what the
 * LMDB plug-in stores as values), their checksum, and the big-endian keys.
 * Pure functions: no LMDB, no system; the fuzz target links record.c alone.
 *
 * Event record (value of events/<pid_id,seq>):
 *   u8 'E' | u8 version (1 or 2) | u8 ntags | u8 0 | be64 type_id
 *   | be64 timestamp_ms | be64 gseq | be32 payload_len
 *   [| be64 writer: version 2 only]
 *   | ntags x (u8 len | len bytes | u8 0) | payload | be32 crc32
 * Version 2 carries the writer id (akt_prepr.writer, the persistent
 * actor incarnation that wrote it: the replay filter's input); an event
 * without one (writer 0) is written as version 1, as before, and a
 * version-2 record with writer 0 is refused (one encoding per event).
 * Snapshot record (value of snapshots/<pid,0,seq>):
 *   u8 'S' | u8 version (1) | u16 0 | be64 type_id | be64 timestamp_ms
 *   | be32 payload_len | payload | be32 crc32
 * The CRC-32 (IEEE) covers every byte before it.
 */
#ifndef AKTI_PERSIST_RECORD_H
#define AKTI_PERSIST_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "akt/persistence.h"

#define AKTI_PREC_HDR  32u /* event record header before the tags */
#define AKTI_PREC_HDR2 40u /* the same, version 2 (with the writer id) */
#define AKTI_PSNAP_HDR 24u

/* akti_prec_size -- bytes of the event record for ev (tags included). */
AKTI_INTERNAL size_t akti_prec_size(const akt_prepr *ev);
/* akti_prec_encode -- write ev's record to out (akti_prec_size bytes). */
AKTI_INTERNAL void akti_prec_encode(const akt_prepr *ev, uint8_t *out);
/* akti_prec_set_gseq -- patch the gseq of an encoded record (and its crc) */
AKTI_INTERNAL void akti_prec_set_gseq(uint8_t *rec, size_t len, uint64_t gseq);
/* akti_prec_decode -- parse a record into *ev (seq left alone); ev's data
 * and tags point into p, tags into tagv (AKT_PERSIST_MAX_TAGS slots).
 * AKT_EPROTO: malformed, truncated, trailing bytes or a bad checksum. */
AKTI_INTERNAL akt_err akti_prec_decode(
    const uint8_t *p, size_t n, akt_prepr *ev, const char **tagv);

AKTI_INTERNAL size_t akti_psnap_size(size_t payload);
AKTI_INTERNAL void akti_psnap_encode(
    const akt_snapshot_blob *b, int64_t ts, uint8_t *out);
AKTI_INTERNAL akt_err akti_psnap_decode(
    const uint8_t *p, size_t n, akt_snapshot_blob *b, int64_t *ts);

AKTI_INTERNAL uint32_t akti_crc32(uint32_t crc, const void *p, size_t n);

/* The unconfirmed deliveries of an actor (akt_persistent_delivery_snapshot):
 *   u8 'D' | u8 version (1) | u16 0 | be64 next id | be32 count
 *   | count x (be64 id | be16 path_len | path | be64 type_id | be32 len
 *   | payload) | be32 crc32
 * akti_dsnap_parse checks all of it (layout, lengths, checksum) before it
 * calls fn once per delivery, in order; AKT_EPROTO when damaged, or fn's
 * code. */
typedef akt_err (*akti_dsnap_fn)(void *arg, uint64_t id, const char *path,
    size_t path_len, uint64_t type_id, const uint8_t *data, size_t len);
AKTI_INTERNAL akt_err akti_dsnap_parse(
    const uint8_t *p, size_t n, uint64_t *next_id, akti_dsnap_fn fn, void *arg);

static inline void
akti_be64_put(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}
static inline uint64_t
akti_be64_get(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = v << 8 | p[i];
    }
    return v;
}
static inline void
akti_be32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline uint32_t
akti_be32_get(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8
        | p[3];
}

#endif /* AKTI_PERSIST_RECORD_H */
