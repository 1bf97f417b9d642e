/*
 * akt/cluster.h -- cluster membership: which systems are members, which of
 * them are unreachable, and who decided which are down.
 *
 * The model is Akka's (docs/cluster.md): a member is one incarnation of a
 * system (host, port, system name and a random uid: a restarted process is
 * a new member, and a member that was downed or removed never comes back);
 * its status moves Joining -> (WeaklyUp ->) Up -> Leaving -> Exiting ->
 * Removed, or to Down by a decision (a split-brain resolver's or an
 * operator's), never by a timeout. The state is gossiped whole, with a
 * vector clock and the set of members that have seen it; a deterministic
 * leader moves members only when every member has seen the same state
 * (convergence). Unreachable is a per-observer flag on top of the status:
 * an unreachable member keeps its status and may come back.
 */
#ifndef AKT_CLUSTER_H
#define AKT_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "akt/err.h"
#include "akt/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits of the fields of a member (bytes, including the NUL). */
#define AKT_CLUSTER_SYSTEM_LEN  64
#define AKT_CLUSTER_HOST_LEN    128
#define AKT_CLUSTER_ROLE_LEN    32
#define AKT_CLUSTER_MAX_ROLES   8
#define AKT_CLUSTER_VERSION_LEN 32

/* Member status. The numbers are Akka's wire numbers (ClusterMessages.proto).
 */
typedef enum akt_member_status {
    AKT_MEMBER_JOINING = 0,
    AKT_MEMBER_UP = 1,
    AKT_MEMBER_LEAVING = 2,
    AKT_MEMBER_EXITING = 3,
    AKT_MEMBER_DOWN = 4,
    AKT_MEMBER_REMOVED = 5,
    AKT_MEMBER_WEAKLY_UP = 6,
} akt_member_status;

/* A member's unique address. host is a host name or IP address, or an NNG
 * URL in brackets ("[ipc:///tmp/a.sock]", port 0) for transports without a
 * port; uid is the incarnation (random, never 0). */
typedef struct akt_cluster_address {
    char system[AKT_CLUSTER_SYSTEM_LEN];
    char host[AKT_CLUSTER_HOST_LEN];
    uint32_t port;
    uint64_t uid;
} akt_cluster_address;

/* One member as the gossip carries it. up_number is given by the leader
 * when the member becomes Up and orders members by age (lowest = oldest);
 * INT32_MAX before that. roles are sorted and unique; app_version is the
 * application's version (for rolling updates; "0.0.0" when not set). */
typedef struct akt_cluster_member {
    akt_cluster_address address;
    akt_member_status status;
    int32_t up_number;
    uint32_t nroles;
    char roles[AKT_CLUSTER_MAX_ROLES][AKT_CLUSTER_ROLE_LEN];
    char app_version[AKT_CLUSTER_VERSION_LEN];
} akt_cluster_member;

/* akt_member_status_name -- "Joining", "WeaklyUp", "Up", ... ("?" for a
 * value outside the enum). */
AKT_API const char *akt_member_status_name(akt_member_status s);

/* akt_cluster_address_format -- "system@host:port#uid" (or
 * "system@[url]#uid") into buf. AKT_ERANGE if len is short. */
AKT_API akt_err akt_cluster_address_format(
    const akt_cluster_address *a, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* AKT_CLUSTER_H */
