/*
 * etcd.c -- etcd's v3 HTTP/JSON gateway: one request, base64, one field
 * (etcd.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/etcd.h"

static const char b64[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
akti_etcd_b64(const char *in, char *out)
{
    size_t n = strlen(in), o = 0;
    const unsigned char *p = (const unsigned char *)in;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n) {
            v |= (unsigned)p[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= p[i + 2];
        }
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = '\0';
}

static int
b64_val(char c)
{
    const char *p = c != '\0' ? strchr(b64, c) : NULL;
    return p != NULL ? (int)(p - b64) : -1;
}

bool
akti_etcd_unb64(const char *in, size_t n, char *out, size_t cap)
{
    if (n % 4 != 0 || cap == 0) {
        return false;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            if (in[i + k] == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                pad++;
            } else if (pad > 0 || (v[k] = b64_val(in[i + k])) < 0) {
                return false;
            }
        }
        unsigned w = (unsigned)v[0] << 18 | (unsigned)v[1] << 12
            | (unsigned)v[2] << 6 | (unsigned)v[3];
        unsigned char bytes[3] = { (unsigned char)(w >> 16),
            (unsigned char)(w >> 8), (unsigned char)w };
        for (int k = 0; k < 3 - pad; k++) {
            if (o + 1 >= cap || bytes[k] == 0) {
                return false;
            }
            out[o++] = (char)bytes[k];
        }
    }
    out[o] = '\0';
    return true;
}

bool
akti_etcd_json_str(const char *json, const char *key, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(json, pat);
    if (p == NULL) {
        return false;
    }
    p += strlen(pat);
    const char *e = strchr(p, '"');
    if (e == NULL || (size_t)(e - p) >= cap) {
        return false;
    }
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return true;
}

akt_err
akti_etcd_post(nng_http_client *client, const nng_url *url, const char *path,
    const char *body, char *resp, size_t cap)
{
    nng_http_req *req = NULL;
    nng_http_res *res = NULL;
    nng_aio *aio = NULL;
    akt_err rc = AKT_EPEER;
    if (nng_http_req_alloc(&req, url) != 0 || nng_http_res_alloc(&res) != 0
        || nng_aio_alloc(&aio, NULL, NULL) != 0) {
        rc = AKT_ENOMEM;
        goto out;
    }
    if (nng_http_req_set_method(req, "POST") != 0
        || nng_http_req_set_uri(req, path) != 0
        || nng_http_req_set_header(req, "Content-Type", "application/json") != 0
        || nng_http_req_copy_data(req, body, strlen(body)) != 0) {
        rc = AKT_ENOMEM;
        goto out;
    }
    nng_aio_set_timeout(aio, AKTI_ETCD_TIMEOUT_MS);
    nng_http_client_transact(client, req, res, aio);
    nng_aio_wait(aio);
    if (nng_aio_result(aio) != 0 || nng_http_res_get_status(res) != 200) {
        goto out;
    }
    void *data;
    size_t len;
    nng_http_res_get_data(res, &data, &len);
    if (len >= cap) {
        rc = AKT_ETOOBIG; /* never a truncated answer */
        goto out;
    }
    memcpy(resp, data, len);
    resp[len] = '\0';
    rc = AKT_OK;
out:
    if (aio != NULL) {
        nng_aio_free(aio);
    }
    if (res != NULL) {
        nng_http_res_free(res);
    }
    if (req != NULL) {
        nng_http_req_free(req);
    }
    return rc;
}
