/*
 * frame.h -- decoding and encoding of remoting frames (idl/remote.proto).
 *
 * Internal to runtime/src/remote/. The decoder is the one place where bytes
 * from the network are parsed; it is what tests/remote/fuzz_frame.c fuzzes.
 * It never trusts its input. A frame whose body is a Batch (every data
 * frame) is parsed by akt's own decoder (akti_batch_unpack: one pass, no
 * malloc, payloads as views into the input); any other frame by protobuf-c.
 * Both fill protobuf-c's structs in a per-caller arena (nothing to free per
 * frame), then akti_frame_check() applies the structural rules protobuf
 * cannot express (body present, channel valid, counts and lengths within
 * limits, seq rules).
 */
#ifndef AKT_REMOTE_FRAME_H
#define AKT_REMOTE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "akt/err.h"
#include "akt/export.h"
#include "remote.pb-c.h"

/* 3: Refusal and Leave frames; 4: flow control (Flow frames, fc_seq and
 * fc_bytes on data frames); 5: data lanes (Hello.lane, LaneOpen) */
#define AKTI_REMOTE_PROTOCOL_VERSION 5u
/* Hello's challenge fields (idl/remote.proto) */
#define AKTI_HELLO_NONCE_LEN 16u
#define AKTI_HELLO_MAC_LEN   32u

typedef Akt__Remote__Frame akti_frame;
typedef Akt__Remote__Envelope akti_pb_envelope;

/* A bump allocator handed to protobuf-c for unpacking. Blocks are chained;
 * reset keeps the first block for the next frame. Not thread-safe: one per
 * receiving thread. */
typedef struct akti_pbarena_block {
    struct akti_pbarena_block *next;
    size_t cap;
    size_t used;
    /* data follows, max_align_t aligned */
} akti_pbarena_block;

/* the lengths (strlen) of one envelope's recipient and sender */
typedef struct akti_env_len {
    size_t recipient, sender;
} akti_env_len;

typedef struct akti_pbarena {
    akti_pbarena_block *head;
    size_t total; /* bytes allocated in all blocks (for the limit) */
    size_t limit; /* 0: no limit */
    ProtobufCAllocator pc;
    /* set by akti_frame_decode for a frame with a Batch body: lens[i] are
     * the lengths of batch->envelopes[i]'s strings (no strlen needed);
     * NULL for other bodies; cleared by reset */
    const akti_env_len *lens;
} akti_pbarena;

typedef struct akti_frame_limits {
    size_t max_frame_size; /* bytes of one frame */
    uint32_t max_batch; /* envelopes in one Batch */
    uint64_t max_message_size; /* reassembled large message */
    size_t max_path_len; /* recipient / sender path bytes */
} akti_frame_limits;

AKTI_INTERNAL void akti_pbarena_init(akti_pbarena *a, size_t limit);
AKTI_INTERNAL void akti_pbarena_reset(akti_pbarena *a);
AKTI_INTERNAL void akti_pbarena_fini(akti_pbarena *a);

/* akti_frame_decode -- parse len bytes into *out (memory in arena, valid
 * until the next akti_pbarena_reset; a Batch's payloads point into data,
 * valid while data is too) and check it; arena->lens is set for a Batch.
 * Errors: AKT_ETOOBIG (len over max_frame_size), AKT_EPROTO (not a frame,
 * the arena limit hit, or a frame that breaks a rule). Never crashes on
 * any input. */
AKTI_INTERNAL akt_err akti_frame_decode(const void *data, size_t len,
    const akti_frame_limits *lim, akti_pbarena *arena, akti_frame **out);

/* akti_batch_unpack -- akt's decoder for frames with a Batch body: the
 * same values protobuf-c's akt__remote__frame__unpack gives for the same
 * bytes (frame_test.c and fuzz_frame.c compare them on valid, random and
 * hostile input), with the same rules for what fails: a varint of more
 * than 10 bytes, a length prefix of more than 5 bytes or over INT_MAX or
 * past the end, a known field with another wire type, wire types 3, 4, 6,
 * 7, a tag whose first byte has no field bits; unknown fields are skipped
 * (protobuf-c keeps them aside; nothing reads them); a scalar field given
 * twice keeps its last value, a Batch given twice its last one (protobuf-c
 * frees the first oneof member). Strings are copied into the arena with
 * their NUL (lens[i]: strlen of each, as protobuf-c's char * would give;
 * a string equal to the same field's in the envelope before shares its
 * copy: read-only), payloads point into data. AKT_OK (*out, *lens set),
 * AKT_ENOENT (the frame has a body other than Batch: protobuf-c's job, nothing
 * kept), AKT_EPROTO (malformed, or the arena limit hit). No checks of
 * akti_frame_check's rules. */
AKTI_INTERNAL akt_err akti_batch_unpack(const void *data, size_t len,
    akti_pbarena *arena, akti_frame **out, const akti_env_len **lens);

/* akti_frame_check -- the structural rules, for a frame already unpacked. */
AKTI_INTERNAL akt_err akti_frame_check(
    const akti_frame *f, const akti_frame_limits *lim);

/* A data frame's header and one envelope, for the batch encoder below
 * (strings with their lengths: no strlen on the send path). */
typedef struct akti_batch_hdr {
    uint64_t from_uid, to_uid, token;
    uint32_t channel; /* Akt__Remote__Channel */
    uint64_t conn_epoch, fc_seq, fc_bytes;
} akti_batch_hdr;

typedef struct akti_env_out {
    const char *recipient;
    size_t rlen;
    const char *sender; /* may be NULL when slen is 0 */
    size_t slen;
    uint64_t type_id;
    const uint8_t *payload;
    size_t plen;
    uint64_t seq;
} akti_env_out;

/* akti_batch_size / akti_batch_pack -- a Frame whose body is a Batch of
 * the n envelopes, encoded directly in protobuf's wire format: the same
 * bytes akt__remote__frame__pack gives for that frame (fields in number
 * order, proto3 zero values left out), in one pass with the lengths the
 * sender already has (frame_test.c proves the bytes equal). pack writes
 * exactly akti_batch_size bytes. */
AKTI_INTERNAL size_t akti_batch_size(
    const akti_batch_hdr *h, const akti_env_out *e, size_t n);
AKTI_INTERNAL size_t akti_batch_pack(
    const akti_batch_hdr *h, const akti_env_out *e, size_t n, uint8_t *out);

/* akti_hello_mac -- HMAC-SHA256 keyed by the cookie (klen bytes; 0: none)
 * over every field of h but mac, each length-prefixed, after a domain tag:
 * what a Hello's mac must be (idl/remote.proto). */
AKTI_INTERNAL void akti_hello_mac(const void *key, size_t klen,
    const Akt__Remote__Hello *h, uint8_t out[AKTI_HELLO_MAC_LEN]);

/* akti_lane_mac -- what a LaneOpen's mac must be (idl/remote.proto):
 * HMAC-SHA256 keyed by the cookie over the frame's from_uid, to_uid,
 * token and conn_epoch and the receiver's Hello nonce */
AKTI_INTERNAL void akti_lane_mac(const void *key, size_t klen,
    uint64_t from_uid, uint64_t to_uid, uint64_t token, uint64_t epoch,
    const uint8_t nonce[AKTI_HELLO_NONCE_LEN], uint8_t out[AKTI_HELLO_MAC_LEN]);

/* akti_frame_limits_default -- the reference-config defaults. */
AKTI_INTERNAL void akti_frame_limits_default(akti_frame_limits *lim);

#endif /* AKT_REMOTE_FRAME_H */
