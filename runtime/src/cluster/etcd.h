/*
 * etcd.h -- the few pieces of etcd's v3 HTTP/JSON gateway that leases
 * (lease.c) and seed discovery (discovery.c) share: one POST with a
 * deadline over NNG's HTTP client, base64 both ways (etcd's keys and values
 * are base64 in JSON), and reading one string field of an answer.
 */
#ifndef AKT_CLUSTER_ETCD_H
#define AKT_CLUSTER_ETCD_H

#include <stdbool.h>
#include <stddef.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "akt/err.h"
#include "core/ext.h"

/* the deadline of one request */
#define AKTI_ETCD_TIMEOUT_MS 2000

/* akti_etcd_post -- POST body to path; the response body (NUL-terminated,
 * at most cap - 1 bytes) into resp. AKT_EPEER: no answer within the
 * deadline, or not 200; AKT_ETOOBIG: a longer answer; AKT_ENOMEM. */
AKTI_INTERNAL akt_err akti_etcd_post(nng_http_client *client,
    const nng_url *url, const char *path, const char *body, char *resp,
    size_t cap);

/* akti_etcd_b64 -- in (a C string) as base64 into out (4/3 of its length
 * plus 4 bytes) */
AKTI_INTERNAL void akti_etcd_b64(const char *in, char *out);

/* akti_etcd_unb64 -- the base64 text in[0..n) decoded into out (cap bytes,
 * NUL-terminated); false when it is no base64, decodes to a NUL, or does
 * not fit */
AKTI_INTERNAL bool akti_etcd_unb64(
    const char *in, size_t n, char *out, size_t cap);

/* akti_etcd_json_str -- the string value of the first "key":"..." of json
 * into out; false if none or too long (no escapes are expected in the
 * fields read: numbers and base64) */
AKTI_INTERNAL bool akti_etcd_json_str(
    const char *json, const char *key, char *out, size_t cap);

#endif /* AKT_CLUSTER_ETCD_H */
