/*
 * cluster_impl.h -- what the binding over remoting (cluster.c) shares with
 * the tests: the akt.cluster settings, read through the settings reader,
 * and the parser of member addresses.
 */
#ifndef AKT_CLUSTER_IMPL_H
#define AKT_CLUSTER_IMPL_H

#include "akt/cluster.h"
#include "akt/config.h"
#include "cluster/node.h"

#define AKTI_CL_PATH_MAX       512
#define AKTI_CL_DISC_ENDPOINTS 8
#define AKTI_CL_DISC_URL_LEN   256

typedef struct akti_cluster_conf {
    akti_cl_settings set;
    char (*seeds)[AKTI_CL_PATH_MAX]; /* malloc'd */
    size_t nseeds;
    char roles[AKT_CLUSTER_MAX_ROLES][AKT_CLUSTER_ROLE_LEN];
    size_t nroles;
    char app_version[AKT_CLUSTER_VERSION_LEN];
    bool shutdown_when_down;
    /* akt.cluster.discovery: method etcd joins through the etcd at one of
     * the endpoints (tried in order) on a thread started by
     * akt_cluster_start */
    bool disc_etcd;
    char disc_endpoints[AKTI_CL_DISC_ENDPOINTS][AKTI_CL_DISC_URL_LEN];
    size_t ndisc_endpoints;
    char disc_prefix[201]; /* "": akt/<system name> */
    int64_t disc_ttl_ns;
    uint32_t disc_required;
} akti_cluster_conf;

/* akti_cluster_conf_read -- every akt.cluster key of cfg (NULL: the
 * defaults) into *out. A bad value fails with the reader's error (the
 * message names origin, key and what was expected, in err). */
AKTI_INTERNAL akt_err akti_cluster_conf_read(
    const akt_config *cfg, akti_cluster_conf *out, akt_config_error *err);
AKTI_INTERNAL void akti_cluster_conf_fini(akti_cluster_conf *c);

/* akti_cluster_parse_address -- "akt://sys@host:port[/...]" or
 * "akt://sys@[url][/...]" to an address with uid 0. AKT_EINVAL when it is
 * none, AKT_ERANGE when a part is too long. */
AKTI_INTERNAL akt_err akti_cluster_parse_address(
    const char *path, akti_cl_addr *out);

#endif /* AKT_CLUSTER_IMPL_H */
