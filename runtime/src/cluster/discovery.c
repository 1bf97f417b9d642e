/*
 * discovery.c -- seed discovery on etcd (akt/cluster.h): a node registers
 * its address as the value of the key <prefix>/<address>, bound to an etcd
 * lease that a thread of the discovery keeps alive (every ttl/3; a lease
 * that was lost is granted and the key put again), and lists the values
 * under <prefix>/ (one range request) to find the others. What etcd returns
 * is checked: a value that is no akt address is skipped, never joined.
 * akt_cluster_join_discovered waits for the required number of contacts
 * and joins them, sorted, as seed nodes.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akt/cluster.h"
#include "akt/remote.h"
#include "cluster/cluster_impl.h"
#include "cluster/etcd.h"
#include "core/ext.h"

#define PREFIX_MAX 200
#define RESP_MAX   (256 * 1024)
#define KEY_MAX    (PREFIX_MAX + 1 + AKT_DISCOVERY_ADDR_LEN)

struct akt_discovery {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC: the keep-alive thread's timer */
    nng_url *url;
    nng_http_client *client;
    char prefix[PREFIX_MAX + 1];
    int64_t ttl_s;
    char address[AKT_DISCOVERY_ADDR_LEN]; /* registered; "" none */
    char lease[32]; /* the etcd lease of the registration; "" none */
    pthread_t thread;
    bool running, stop;
};

akt_err
akt_discovery_etcd_new(const char *endpoint, const char *prefix, int64_t ttl_ns,
    akt_discovery **out)
{
    if (endpoint == NULL || prefix == NULL || out == NULL || prefix[0] == '\0'
        || strlen(prefix) > PREFIX_MAX || strncmp(endpoint, "http://", 7) != 0
        || ttl_ns < 1000000000LL || ttl_ns > 3600LL * 1000000000LL) {
        return AKT_EINVAL;
    }
    akt_discovery *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        return AKT_ENOMEM;
    }
    if (nng_url_parse(&d->url, endpoint) != 0) {
        free(d);
        return AKT_EINVAL;
    }
    if (nng_http_client_alloc(&d->client, d->url) != 0) {
        nng_url_free(d->url);
        free(d);
        return AKT_ENOMEM;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&d->mu, NULL);
    strcpy(d->prefix, prefix);
    d->ttl_s = (ttl_ns + 999999999LL) / 1000000000LL;
    *out = d;
    return AKT_OK;
}

/* grant a lease and put <prefix>/<address> = address bound to it (over an
 * older registration of the same address); d->mu held */
static akt_err
put_locked(akt_discovery *d)
{
    char *resp = malloc(RESP_MAX);
    char body[4096], id[32], key[KEY_MAX], k64[KEY_MAX * 2],
        v64[AKT_DISCOVERY_ADDR_LEN * 2];
    if (resp == NULL) {
        return AKT_ENOMEM;
    }
    snprintf(body, sizeof body, "{\"TTL\":%lld}", (long long)d->ttl_s);
    akt_err rc = akti_etcd_post(
        d->client, d->url, "/v3/lease/grant", body, resp, RESP_MAX);
    if (rc == AKT_OK
        && (!akti_etcd_json_str(resp, "ID", id, sizeof id) || atoll(id) == 0)) {
        rc = AKT_EPROTO;
    }
    if (rc == AKT_OK) {
        snprintf(key, sizeof key, "%s/%s", d->prefix, d->address);
        akti_etcd_b64(key, k64);
        akti_etcd_b64(d->address, v64);
        snprintf(body, sizeof body,
            "{\"key\":\"%s\",\"value\":\"%s\",\"lease\":\"%s\"}", k64, v64, id);
        rc = akti_etcd_post(
            d->client, d->url, "/v3/kv/put", body, resp, RESP_MAX);
    }
    if (rc == AKT_OK) {
        strcpy(d->lease, id);
    }
    free(resp);
    return rc;
}

/* renew the registration's lease; a lost one is registered again */
static void
keep_alive_locked(akt_discovery *d)
{
    char resp[4096], body[96], ttl[32];
    snprintf(body, sizeof body, "{\"ID\":\"%s\"}", d->lease);
    akt_err rc = d->lease[0] != '\0' ? akti_etcd_post(d->client, d->url,
                     "/v3/lease/keepalive", body, resp, sizeof resp)
                                     : AKT_ESTATE;
    if (rc == AKT_EPEER) {
        return; /* etcd away: try again next round, the lease may live */
    }
    if (rc != AKT_OK || !akti_etcd_json_str(resp, "TTL", ttl, sizeof ttl)
        || atoll(ttl) <= 0) {
        d->lease[0] = '\0'; /* expired: register again */
        (void)put_locked(d);
    }
}

static void *
keeper(void *arg)
{
    akt_discovery *d = arg;
    pthread_mutex_lock(&d->mu);
    while (!d->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = (int64_t)ts.tv_nsec + d->ttl_s * 1000000000LL / 3;
        ts.tv_sec += (time_t)(ns / 1000000000LL);
        ts.tv_nsec = (long)(ns % 1000000000LL);
        while (!d->stop && pthread_cond_timedwait(&d->cv, &d->mu, &ts) == 0) { }
        if (!d->stop) {
            keep_alive_locked(d);
        }
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

akt_err
akt_discovery_register(akt_discovery *d, const char *address)
{
    akti_cl_addr a;
    if (d == NULL || address == NULL
        || strlen(address) >= AKT_DISCOVERY_ADDR_LEN
        || akti_cluster_parse_address(address, &a) != AKT_OK) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&d->mu);
    akt_err rc = AKT_ESTATE;
    if (!d->running) {
        strcpy(d->address, address);
        rc = put_locked(d);
        if (rc == AKT_OK) {
            d->stop = false;
            if (pthread_create(&d->thread, NULL, keeper, d) != 0) {
                rc = AKT_ENOMEM;
            } else {
                d->running = true;
            }
        }
        if (rc != AKT_OK) {
            d->address[0] = '\0';
        }
    }
    pthread_mutex_unlock(&d->mu);
    return rc;
}

static int
cmp_addr(const void *a, const void *b)
{
    return strcmp(a, b);
}

akt_err
akt_discovery_list(akt_discovery *d, char (*out)[AKT_DISCOVERY_ADDR_LEN],
    size_t cap, size_t *n, size_t *skipped)
{
    if (d == NULL || out == NULL || n == NULL || cap == 0) {
        return AKT_EINVAL;
    }
    char *resp = malloc(RESP_MAX);
    if (resp == NULL) {
        return AKT_ENOMEM;
    }
    char from[PREFIX_MAX + 2], to[PREFIX_MAX + 2], f64[PREFIX_MAX * 2 + 8],
        t64[PREFIX_MAX * 2 + 8], body[1024];
    /* every key under "<prefix>/": from it to "<prefix>0" ('/' + 1) */
    snprintf(from, sizeof from, "%s/", d->prefix);
    snprintf(to, sizeof to, "%s0", d->prefix);
    akti_etcd_b64(from, f64);
    akti_etcd_b64(to, t64);
    snprintf(body, sizeof body,
        "{\"key\":\"%s\",\"range_end\":\"%s\",\"limit\":\"%d\"}", f64, t64,
        4 * AKT_DISCOVERY_MAX);
    akt_err rc = akti_etcd_post(
        d->client, d->url, "/v3/kv/range", body, resp, RESP_MAX);
    size_t k = 0, bad = 0;
    if (rc == AKT_OK && strstr(resp, "\"header\"") == NULL) {
        rc = AKT_EPROTO;
    }
    const char *pat = "\"value\":\"";
    for (const char *p = resp; rc == AKT_OK && (p = strstr(p, pat)) != NULL;) {
        p += strlen(pat);
        const char *e = strchr(p, '"');
        if (e == NULL) {
            rc = AKT_EPROTO;
            break;
        }
        char addr[AKT_DISCOVERY_ADDR_LEN];
        akti_cl_addr a;
        if (!akti_etcd_unb64(p, (size_t)(e - p), addr, sizeof addr)
            || akti_cluster_parse_address(addr, &a) != AKT_OK) {
            bad++; /* not ours to join */
        } else if (k < cap) {
            strcpy(out[k++], addr);
        }
        p = e + 1;
    }
    free(resp);
    if (rc == AKT_OK) {
        qsort(out, k, sizeof out[0], cmp_addr);
        *n = k;
        if (skipped != NULL) {
            *skipped = bad;
        }
    }
    return rc;
}

akt_err
akt_discovery_deregister(akt_discovery *d)
{
    if (d == NULL) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&d->mu);
    bool running = d->running;
    d->stop = true;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    if (running) {
        pthread_join(d->thread, NULL);
    }
    pthread_mutex_lock(&d->mu);
    d->running = false;
    akt_err rc = AKT_OK;
    if (d->lease[0] != '\0') {
        char resp[4096], body[96];
        snprintf(body, sizeof body, "{\"ID\":\"%s\"}", d->lease);
        rc = akti_etcd_post(
            d->client, d->url, "/v3/lease/revoke", body, resp, sizeof resp);
        d->lease[0] = '\0';
    }
    d->address[0] = '\0';
    pthread_mutex_unlock(&d->mu);
    return rc == AKT_ETOOBIG ? AKT_EPROTO : rc;
}

void
akt_discovery_free(akt_discovery *d)
{
    if (d == NULL) {
        return;
    }
    (void)akt_discovery_deregister(d);
    nng_http_client_free(d->client);
    nng_url_free(d->url);
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

akt_err
akt_cluster_join_discovered(akt_system *sys, akt_discovery *d,
    size_t required_contacts, int64_t timeout_ns)
{
    if (sys == NULL || d == NULL || required_contacts == 0
        || required_contacts > AKT_DISCOVERY_MAX || timeout_ns <= 0) {
        return AKT_EINVAL;
    }
    char self[AKT_DISCOVERY_ADDR_LEN];
    akt_cluster_state st;
    akt_err rc = akt_cluster_state_get(sys, &st);
    if (rc != AKT_OK) {
        return rc;
    }
    akt_cluster_state_free(&st);
    if (akt_remote_address(sys, self, sizeof self) != AKT_OK) {
        return AKT_ENOENT;
    }
    pthread_mutex_lock(&d->mu);
    bool mine = d->running && strcmp(d->address, self) == 0;
    pthread_mutex_unlock(&d->mu);
    if (!mine && (rc = akt_discovery_register(d, self)) != AKT_OK) {
        return rc;
    }
    char(*seen)[AKT_DISCOVERY_ADDR_LEN]
        = malloc(sizeof(*seen) * AKT_DISCOVERY_MAX);
    if (seen == NULL) {
        return AKT_ENOMEM;
    }
    int64_t end = akti_now_ns() + timeout_ns;
    int64_t every = d->ttl_s * 1000000000LL / 4;
    if (every > 1000000000LL) {
        every = 1000000000LL;
    }
    size_t n = 0;
    for (;;) {
        rc = akt_discovery_list(d, seen, AKT_DISCOVERY_MAX, &n, NULL);
        if (rc != AKT_OK && rc != AKT_EPEER) {
            break;
        }
        if (rc == AKT_OK && n >= required_contacts) {
            break;
        }
        int64_t now = akti_now_ns();
        if (now >= end) {
            rc = AKT_ETIMEDOUT;
            break;
        }
        /* the next read: the discovery's clock, woken early only by free */
        int64_t wake = now + every < end ? now + every : end;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t ns = (int64_t)ts.tv_nsec + (wake - now);
        ts.tv_sec += (time_t)(ns / 1000000000LL);
        ts.tv_nsec = (long)(ns % 1000000000LL);
        pthread_mutex_lock(&d->mu);
        while (!d->stop && pthread_cond_timedwait(&d->cv, &d->mu, &ts) == 0) { }
        bool stop = d->stop;
        pthread_mutex_unlock(&d->mu);
        if (stop) {
            rc = AKT_ECLOSED;
            break;
        }
    }
    if (rc == AKT_OK) {
        const char *seeds[AKT_DISCOVERY_MAX];
        for (size_t i = 0; i < n; i++) {
            seeds[i] = seen[i];
        }
        rc = akt_cluster_join_seed_nodes(sys, seeds, n);
    }
    free(seen);
    return rc;
}
