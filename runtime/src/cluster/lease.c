/*
 * lease.c -- akt_lease on etcd (akt/cluster.h), through etcd's v3 HTTP/JSON
 * gateway with NNG's HTTP client: acquire grants an etcd lease of the ttl
 * and creates the key only if it does not exist (a transaction comparing
 * its create revision with 0), bound to that lease; keep-alive renews the
 * lease; release revokes it (the key goes with it). Every request has a
 * deadline; an answer is parsed only for the few fields it needs, and
 * anything unexpected is AKT_EPROTO, never a guess.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "akt/cluster.h"
#include "cluster/etcd.h"
#include "core/ext.h"

#define NAME_MAX_LEN  256
#define OWNER_MAX_LEN 256
#define RESP_MAX      (64 * 1024)

struct akt_lease {
    pthread_mutex_t mu;
    nng_url *url;
    nng_http_client *client;
    char name[NAME_MAX_LEN];
    char owner[OWNER_MAX_LEN];
    int64_t ttl_s;
    char id[32]; /* the etcd lease held; "" none */
    int64_t valid_until; /* akti_now_ns deadline of the hold */
};

/* --- the lease --------------------------------------------------------------
 */

akt_err
akt_lease_etcd_new(
    const char *endpoint, const char *name, int64_t ttl_ns, akt_lease **out)
{
    if (endpoint == NULL || name == NULL || out == NULL || name[0] == '\0'
        || strlen(name) >= NAME_MAX_LEN || strncmp(endpoint, "http://", 7) != 0
        || ttl_ns < 1000000000LL || ttl_ns > 86400LL * 1000000000LL) {
        return AKT_EINVAL;
    }
    akt_lease *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        return AKT_ENOMEM;
    }
    if (nng_url_parse(&l->url, endpoint) != 0) {
        free(l);
        return AKT_EINVAL;
    }
    if (nng_http_client_alloc(&l->client, l->url) != 0) {
        nng_url_free(l->url);
        free(l);
        return AKT_ENOMEM;
    }
    pthread_mutex_init(&l->mu, NULL);
    strcpy(l->name, name);
    l->ttl_s = (ttl_ns + 999999999LL) / 1000000000LL;
    *out = l;
    return AKT_OK;
}

static akt_err
keep_alive_locked(akt_lease *l)
{
    if (l->id[0] == '\0') {
        return AKT_ESTATE;
    }
    char body[96], ttl[32];
    char *resp = malloc(RESP_MAX);
    if (resp == NULL) {
        return AKT_ENOMEM;
    }
    snprintf(body, sizeof body, "{\"ID\":\"%s\"}", l->id);
    int64_t sent = akti_now_ns();
    akt_err rc = akti_etcd_post(
        l->client, l->url, "/v3/lease/keepalive", body, resp, RESP_MAX);
    if (rc == AKT_OK) {
        /* an expired lease comes back without a TTL (or with 0) */
        if (!akti_etcd_json_str(resp, "TTL", ttl, sizeof ttl)
            || atoll(ttl) <= 0) {
            l->id[0] = '\0';
            rc = AKT_ESTATE;
        } else {
            l->valid_until = sent + atoll(ttl) * 1000000000LL;
        }
    }
    free(resp);
    return rc;
}

akt_err
akt_lease_acquire(akt_lease *l, const char *owner)
{
    if (l == NULL || owner == NULL || owner[0] == '\0'
        || strlen(owner) >= OWNER_MAX_LEN) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&l->mu);
    akt_err rc;
    char *resp = NULL;
    if (l->id[0] != '\0' && strcmp(l->owner, owner) == 0) {
        rc = keep_alive_locked(l); /* held already: renew it */
        if (rc != AKT_ESTATE) {
            goto out;
        }
    }
    char body[4096], id[32];
    resp = malloc(RESP_MAX);
    if (resp == NULL) {
        rc = AKT_ENOMEM;
        goto out;
    }
    snprintf(body, sizeof body, "{\"TTL\":%lld}", (long long)l->ttl_s);
    int64_t sent = akti_now_ns();
    if ((rc = akti_etcd_post(
             l->client, l->url, "/v3/lease/grant", body, resp, RESP_MAX))
        != AKT_OK) {
        goto out;
    }
    if (!akti_etcd_json_str(resp, "ID", id, sizeof id) || atoll(id) == 0) {
        rc = AKT_EPROTO;
        goto out;
    }
    char key[NAME_MAX_LEN * 2], val[OWNER_MAX_LEN * 2];
    akti_etcd_b64(l->name, key);
    akti_etcd_b64(owner, val);
    snprintf(body, sizeof body,
        "{\"compare\":[{\"key\":\"%s\",\"target\":\"CREATE\","
        "\"create_revision\":\"0\"}],"
        "\"success\":[{\"request_put\":{\"key\":\"%s\",\"value\":\"%s\","
        "\"lease\":\"%s\"}}],"
        "\"failure\":[{\"request_range\":{\"key\":\"%s\"}}]}",
        key, key, val, id, key);
    if ((rc = akti_etcd_post(
             l->client, l->url, "/v3/kv/txn", body, resp, RESP_MAX))
        != AKT_OK) {
        goto out;
    }
    if (strstr(resp, "\"succeeded\":true") != NULL) {
        strcpy(l->id, id);
        strcpy(l->owner, owner);
        l->valid_until = sent + l->ttl_s * 1000000000LL;
        rc = AKT_OK;
        goto out;
    }
    /* someone holds it: give back the lease we took for nothing */
    snprintf(body, sizeof body, "{\"ID\":\"%s\"}", id);
    (void)akti_etcd_post(
        l->client, l->url, "/v3/lease/revoke", body, resp, RESP_MAX);
    rc = AKT_EBUSY;
out:
    pthread_mutex_unlock(&l->mu);
    free(resp);
    return rc;
}

akt_err
akt_lease_keep_alive(akt_lease *l)
{
    if (l == NULL) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&l->mu);
    akt_err rc = keep_alive_locked(l);
    pthread_mutex_unlock(&l->mu);
    return rc;
}

bool
akt_lease_held(akt_lease *l)
{
    if (l == NULL) {
        return false;
    }
    pthread_mutex_lock(&l->mu);
    bool held = l->id[0] != '\0' && akti_now_ns() < l->valid_until;
    pthread_mutex_unlock(&l->mu);
    return held;
}

akt_err
akt_lease_release(akt_lease *l)
{
    if (l == NULL) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&l->mu);
    akt_err rc = AKT_OK;
    char *resp = l->id[0] != '\0' ? malloc(RESP_MAX) : NULL;
    if (resp != NULL) {
        char body[96];
        snprintf(body, sizeof body, "{\"ID\":\"%s\"}", l->id);
        rc = akti_etcd_post(
            l->client, l->url, "/v3/lease/revoke", body, resp, RESP_MAX);
        l->id[0] = '\0';
    }
    free(resp);
    pthread_mutex_unlock(&l->mu);
    return rc;
}

void
akt_lease_free(akt_lease *l)
{
    if (l == NULL) {
        return;
    }
    nng_http_client_free(l->client);
    nng_url_free(l->url);
    pthread_mutex_destroy(&l->mu);
    free(l);
}
