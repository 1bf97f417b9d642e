/*
 * wire.h -- cluster messages (idl/cluster.proto) to and from bytes.
 *
 * Internal to runtime/src/cluster/. The decoder is the one place where
 * cluster bytes from the network are parsed (fuzzed by
 * tests/cluster/fuzz_gossip.c): the size is checked first, protobuf-c
 * unpacks under an allocation budget, then every count, string, index,
 * enum value and order is checked and the gossip state must pass
 * akti_cl_gossip_check(). Any input gives AKT_OK or an error; never a
 * crash, and nothing of a rejected message is kept.
 */
#ifndef AKT_CLUSTER_WIRE_H
#define AKT_CLUSTER_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "cluster/membership.h"

typedef enum akti_clm_kind {
    AKTI_CLM_INIT_JOIN = 1,
    AKTI_CLM_INIT_JOIN_ACK,
    AKTI_CLM_INIT_JOIN_NACK,
    AKTI_CLM_JOIN,
    AKTI_CLM_WELCOME,
    AKTI_CLM_LEAVE,
    AKTI_CLM_DOWN,
    AKTI_CLM_HEARTBEAT,
    AKTI_CLM_HEARTBEAT_RSP,
    AKTI_CLM_GOSSIP_STATUS,
    AKTI_CLM_GOSSIP,
    AKTI_CLM_EXITING_CONFIRMED,
} akti_clm_kind;

/* The configuration compatibility check: at most this many "key=value"
 * entries of at most this many bytes (NUL included). */
#define AKTI_CL_CHECK_MAX   8
#define AKTI_CL_CHECK_LEN   160
#define AKTI_CL_REFUSED_LEN 512

/* One decoded message. Which fields mean something depends on kind:
 *   INIT_JOIN      config (the joiner's checked settings; none: unchecked)
 *   INIT_JOIN_ACK  refused ("": welcome to join; else why not)
 *   JOIN           joiner (from's address, roles, app version)
 *   WELCOME/GOSSIP g (the whole state)
 *   GOSSIP_STATUS  g.vc only (the clock), seen_digest
 *   LEAVE/DOWN     node
 *   EXITING_CONFIRMED node (the sender itself)
 *   HEARTBEAT(_RSP) seq, sent_ns */
typedef struct akti_cl_msg {
    akti_clm_kind kind;
    akti_cl_addr from;
    akti_cl_addr to; /* to.uid 0: any incarnation at that address */
    akti_cl_member joiner;
    akti_cl_addr node;
    uint64_t seq;
    int64_t sent_ns;
    uint64_t seen_digest;
    akti_cl_gossip g;
    char config[AKTI_CL_CHECK_MAX][AKTI_CL_CHECK_LEN];
    uint32_t nconfig;
    char refused[AKTI_CL_REFUSED_LEN];
} akti_cl_msg;

typedef struct akti_cl_wire_limits {
    size_t max_bytes; /* one encoded message */
    uint32_t max_members; /* addresses/members of one gossip */
    uint32_t max_tombstones;
} akti_cl_wire_limits;

AKTI_INTERNAL void akti_cl_wire_limits_default(akti_cl_wire_limits *lim);

/* akti_cl_msg_init / _fini -- a message with an empty gossip; fini frees
 * what encode's caller or decode put in it */
AKTI_INTERNAL void akti_cl_msg_init(akti_cl_msg *m, akti_clm_kind kind);
AKTI_INTERNAL void akti_cl_msg_fini(akti_cl_msg *m);

/* akti_cl_msg_encode -- m to bytes in *out (malloc'd, the caller frees).
 * AKT_EINVAL for a message that breaks the rules the decoder checks,
 * AKT_ENOMEM. */
AKTI_INTERNAL akt_err akti_cl_msg_encode(
    const akti_cl_msg *m, uint8_t **out, size_t *len);

/* akti_cl_msg_decode -- len bytes into *out (initialized here; the caller
 * calls akti_cl_msg_fini, also on error). AKT_ETOOBIG (over max_bytes or a
 * count limit, or the allocation budget), AKT_EPROTO (not a message, or
 * one that breaks a rule), AKT_ENOMEM. */
AKTI_INTERNAL akt_err akti_cl_msg_decode(const void *data, size_t len,
    const akti_cl_wire_limits *lim, akti_cl_msg *out);

#endif /* AKT_CLUSTER_WIRE_H */
