/*
 * pubsub.h -- distributed pub/sub's registry and its wire format (pure:
 * no I/O, no clock), shared by the mediator (pubsub.c), the tests and the
 * fuzz target.
 *
 * The registry is Akka's: one bucket per node (its owner), holding that
 * node's entries -- a subscription (topic, group, subscriber path) or a
 * put (path without the address, actor path) -- each with the bucket
 * version at which it last changed. Only the owner changes its bucket; a
 * removal is a tombstone (kept removed-time-to-live, so that it spreads).
 * Nodes gossip a Status (the version of every bucket they hold) and answer
 * with a Delta: the entries newer than the other's versions, oldest first,
 * at most max-delta-entries; a bucket cut short carries the version of its
 * last entry sent, so the rest comes next round.
 *
 * Wire (little-endian): u8 format (1), u8 kind (1 status, 2 delta),
 * u8 is_reply, addr from, u32 nbuckets, then per bucket addr owner,
 * i64 version and, in a delta, u32 nentries and per entry u8 kind
 * (1 subscription, 2 put), str key, str group, str path, i64 version,
 * u8 removed. addr = str system, str host, u32 port, u64 uid;
 * str = u16 length + bytes (no NUL). The decoder takes untrusted bytes:
 * every length, count, enum, version and path is checked, and the input
 * must be consumed exactly.
 */
#ifndef AKT_CLUSTER_PUBSUB_H
#define AKT_CLUSTER_PUBSUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akt/cluster.h"
#include "cluster/membership.h"

#define AKTI_PS_KEY_LEN     AKT_PUBSUB_TOPIC_LEN /* topic or put key */
#define AKTI_PS_GROUP_LEN   AKT_PUBSUB_GROUP_LEN
#define AKTI_PS_PATH_LEN    512
#define AKTI_PS_MAX_BUCKETS 1024
#define AKTI_PS_MAX_ENTRIES 4096 /* in one message */
#define AKTI_PS_MAX_BYTES   (4u << 20)

enum { AKTI_PS_STATUS = 1, AKTI_PS_DELTA = 2 };
enum { AKTI_PS_SUB = 1, AKTI_PS_PUT = 2 };

typedef struct akti_ps_entry {
    uint8_t kind; /* AKTI_PS_SUB or AKTI_PS_PUT */
    char key[AKTI_PS_KEY_LEN]; /* topic, or the put path without address */
    char group[AKTI_PS_GROUP_LEN]; /* "" none */
    char path[AKTI_PS_PATH_LEN]; /* the actor, akt://sys@host:port/... */
    int64_t version;
    bool removed;
    int64_t removed_at; /* local time it became (or was seen) removed */
} akti_ps_entry;

typedef struct akti_ps_bucket {
    akti_cl_addr owner;
    int64_t version;
    akti_ps_entry *e;
    size_t n, cap;
} akti_ps_bucket;

typedef struct akti_ps_msg {
    uint8_t kind;
    bool is_reply;
    akti_cl_addr from;
    akti_ps_bucket *b; /* status: versions only (n = 0) */
    size_t nb;
} akti_ps_msg;

/* akti_ps_encode -- m into *out (malloc'd, *len bytes). AKT_ETOOBIG over
 * AKTI_PS_MAX_BYTES or the counts, AKT_ENOMEM. */
AKTI_INTERNAL akt_err akti_ps_encode(
    const akti_ps_msg *m, uint8_t **out, size_t *len);
/* akti_ps_decode -- bytes into *m (free with akti_ps_msg_free).
 * AKT_EPROTO for anything that breaks the format, AKT_ENOMEM. */
AKTI_INTERNAL akt_err akti_ps_decode(
    const uint8_t *buf, size_t len, akti_ps_msg *m);
AKTI_INTERNAL void akti_ps_msg_free(akti_ps_msg *m);

/* --- the registry ---------------------------------------------------------
 */
typedef struct akti_ps_reg {
    akti_ps_bucket *b;
    size_t nb, cap;
    size_t entries; /* over every bucket */
    size_t max_entries;
} akti_ps_reg;

AKTI_INTERNAL akti_ps_bucket *akti_ps_bucket_of(
    akti_ps_reg *r, const akti_cl_addr *owner, bool create);
/* akti_ps_local_set -- in the owner's bucket: add (or bring back) the
 * entry, or (removed) make it a tombstone, at the next version. false when
 * nothing changed; AKT_EFULL is reported through *rc when the registry is
 * at its bound. */
AKTI_INTERNAL bool akti_ps_local_set(akti_ps_reg *r, const akti_cl_addr *owner,
    const akti_ps_entry *e, bool removed, int64_t now, akt_err *rc);
/* akti_ps_status -- this registry's versions as a status from self */
AKTI_INTERNAL akt_err akti_ps_status(const akti_ps_reg *r,
    const akti_cl_addr *self, bool is_reply, akti_ps_msg *out);
/* akti_ps_delta -- what st (a status) lacks, at most max entries; *out
 * has nb == 0 when nothing. */
AKTI_INTERNAL akt_err akti_ps_delta(const akti_ps_reg *r,
    const akti_cl_addr *self, const akti_ps_msg *st, size_t max,
    akti_ps_msg *out);
/* akti_ps_newer -- st has a bucket newer than ours (or one we lack) */
AKTI_INTERNAL bool akti_ps_newer(const akti_ps_reg *r, const akti_ps_msg *st);
/* akti_ps_merge -- take the entries of a delta that are newer; buckets of
 * self are skipped (only the owner changes its own), as are owners for
 * which accept(owner, arg) says no. changed(key, arg) for each entry
 * that came or went (a topic, or a put's path). Entries over the bound are
 * dropped (counted in *dropped) and the bucket's version stays before them. */
AKTI_INTERNAL void akti_ps_merge(akti_ps_reg *r, const akti_cl_addr *self,
    const akti_ps_msg *d, int64_t now,
    bool (*accept)(const akti_cl_addr *owner, void *arg),
    void (*changed)(const char *topic, void *arg), void *arg,
    uint64_t *dropped);
/* akti_ps_prune -- drop tombstones older than ttl, and the buckets of
 * owners keep(owner, arg) says no to (changed for their topics) */
AKTI_INTERNAL void akti_ps_prune(akti_ps_reg *r, int64_t now, int64_t ttl,
    bool (*keep)(const akti_cl_addr *owner, void *arg),
    void (*changed)(const char *topic, void *arg), void *arg);
/* akti_ps_count -- live subscriptions to a topic, or (a key starting with
 * '/') actors put under a path, over every bucket */
AKTI_INTERNAL size_t akti_ps_count(const akti_ps_reg *r, const char *key);
AKTI_INTERNAL void akti_ps_reg_free(akti_ps_reg *r);

#endif /* AKT_CLUSTER_PUBSUB_H */
