/*
 * codec_bench.c -- encode/decode throughput of an aktc-generated message
 * (bench/proto/bench.akt: five fields, msgpack keyed by field number)
 * against protobuf-c on the equivalent message (bench/proto/bench.proto),
 * in the same run, on the same values. Prints one JSON object.
 *
 *   codec_bench [iterations]     (default 2,000,000)
 *
 * Decode includes what each library needs to hand out a usable message
 * and release it: akt_msg_decode + akt_msg_free (one allocation) vs
 * order__unpack + order__free_unpacked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.akt.h"
#include "bench.pb-c.h"

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Keep results alive so the compiler cannot drop the work. */
static volatile size_t sink;

typedef struct result {
    double enc_s, dec_s;
    size_t size;
} result;

static result
bench_akt(long n, const char *customer)
{
    result r = { 0 };
    bench_Order *o = bench_order_new(123456789012ULL, customer, 3, 19.99, true);
    akt_buf b;
    akt_buf_init(&b);
    double t0 = now();
    for (long i = 0; i < n; i++) {
        b.len = 0;
        o->quantity = (int32_t)(i & 63);
        if (bench_order_encode(o, &b) != AKT_OK) {
            abort();
        }
        sink += b.len;
    }
    r.enc_s = now() - t0;
    r.size = b.len;
    t0 = now();
    for (long i = 0; i < n; i++) {
        bench_Order *d;
        if (bench_order_decode(b.data, b.len, NULL, &d) != AKT_OK) {
            abort();
        }
        sink += (size_t)d->quantity;
        bench_order_free(d);
    }
    r.dec_s = now() - t0;
    akt_buf_free(&b);
    bench_order_free(o);
    return r;
}

static result
bench_pbc(long n, const char *customer)
{
    result r = { 0 };
    Bench__Order o = BENCH__ORDER__INIT;
    o.id = 123456789012ULL;
    o.customer = (char *)customer;
    o.quantity = 3;
    o.price = 19.99;
    o.urgent = 1;
    uint8_t buf[256];
    size_t len = 0;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        o.quantity = (int32_t)(i & 63);
        len = bench__order__pack(&o, buf);
        sink += len;
    }
    r.enc_s = now() - t0;
    r.size = len;
    t0 = now();
    for (long i = 0; i < n; i++) {
        Bench__Order *d = bench__order__unpack(NULL, len, buf);
        if (d == NULL) {
            abort();
        }
        sink += (size_t)d->quantity;
        bench__order__free_unpacked(d, NULL);
    }
    r.dec_s = now() - t0;
    return r;
}

static void
print_lib(const char *name, result r, long n, const char *comma)
{
    double mb = (double)r.size * (double)n / 1e6;
    printf("    \"%s\": {\"encoded_bytes\": %zu, "
           "\"encode_msg_per_s\": %.0f, \"encode_mb_per_s\": %.1f, "
           "\"decode_msg_per_s\": %.0f, \"decode_mb_per_s\": %.1f}%s\n",
        name, r.size, (double)n / r.enc_s, mb / r.enc_s, (double)n / r.dec_s,
        mb / r.dec_s, comma);
}

int
main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    const char *customer = "ACME Corporation Ltd";
    /* warm up both, then measure each twice and keep the better run */
    bench_akt(n / 10, customer);
    bench_pbc(n / 10, customer);
    result a = bench_akt(n, customer), p = bench_pbc(n, customer);
    result a2 = bench_akt(n, customer), p2 = bench_pbc(n, customer);
    if (a2.enc_s < a.enc_s)
        a.enc_s = a2.enc_s;
    if (a2.dec_s < a.dec_s)
        a.dec_s = a2.dec_s;
    if (p2.enc_s < p.enc_s)
        p.enc_s = p2.enc_s;
    if (p2.dec_s < p.dec_s)
        p.dec_s = p2.dec_s;
    printf("{\n  \"bench\": \"codec\",\n  \"message\": \"bench.Order {uint64, "
           "string(20), int32, float64, bool}\",\n"
           "  \"iterations\": %ld,\n  \"results\": {\n",
        n);
    print_lib("akt_msgpack", a, n, ",");
    print_lib("protobuf_c", p, n, "");
    printf("  },\n  \"akt_vs_protobuf_c\": {\"encode\": %.2f, \"decode\": "
           "%.2f}\n}\n",
        p.enc_s / a.enc_s, p.dec_s / a.dec_s);
    return 0;
}
