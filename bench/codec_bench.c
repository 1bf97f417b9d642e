/*
 * codec_bench.c -- encode/decode throughput of an aktc-generated message
 * (bench/proto/bench.akt: five fields, msgpack keyed by field number)
 * against protobuf-c on the equivalent message (bench/proto/bench.proto),
 * in the same run, on the same values. Prints one JSON object.
 *
 *   codec_bench [iterations]     (default 2,000,000)
 *
 * Two akt paths, both through akt_msg_encode / akt_msg_decode:
 *  - akt_table: the generated descriptor as it is, served by libakt's
 *    table-driven codec (akt/reflect.h), as every aktc-generated type is;
 *  - akt_specialised: the same type with the per-type encode/decode
 *    functions aktc emitted up to ABI 1 (copied below, unchanged), kept as
 *    the yardstick the table-driven path must stay close to (issue 10:
 *    specialised code would come back only at >= 1.3x the table path).
 *
 * Decode includes what each library needs to hand out a usable message
 * and release it: akt_msg_decode + akt_msg_free (one allocation) vs
 * order__unpack + order__free_unpacked. Each measurement is the best of
 * RUNS interleaved runs, so a loaded machine hurts every path alike.
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

/* --- what aktc emitted for bench.Order up to ABI 1 ---------------------- */

static akt_err
spec_dec_int32(akt_reader *r, int32_t *v)
{
    int64_t x = 0;
    if (akt_mp_get_int(r, &x) == AKT_OK && (x < INT32_MIN || x > INT32_MAX)) {
        return akt_mp_fail(r, AKT_ERANGE);
    }
    *v = (int32_t)x;
    return r->err;
}

static akt_err
spec_order_enc(const void *obj, akt_buf *out)
{
    const bench_Order *m = obj;
    akt_err err = akt_mp_put_map(out, 5u);
    if (err != AKT_OK) {
        return err;
    }
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = akt_mp_put_uint(out, m->id)) != AKT_OK) {
        return err;
    }
    if ((err = akt_mp_put_uint(out, 2u)) != AKT_OK
        || (err = akt_mp_put_str(out, m->customer.ptr, m->customer.len))
            != AKT_OK) {
        return err;
    }
    if ((err = akt_mp_put_uint(out, 3u)) != AKT_OK
        || (err = akt_mp_put_int(out, m->quantity)) != AKT_OK) {
        return err;
    }
    if ((err = akt_mp_put_uint(out, 4u)) != AKT_OK
        || (err = akt_mp_put_f64(out, m->price)) != AKT_OK) {
        return err;
    }
    if ((err = akt_mp_put_uint(out, 5u)) != AKT_OK
        || (err = akt_mp_put_bool(out, m->urgent)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static akt_err
spec_order_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    bench_Order *m = obj;
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1:
            akt_mp_get_uint(r, &m->id);
            break;
        case 2:
            akt_mp_get_str(r, arena, &m->customer);
            break;
        case 3:
            spec_dec_int32(r, &m->quantity);
            break;
        case 4:
            akt_mp_get_f64(r, &m->price);
            break;
        case 5:
            akt_mp_get_bool(r, &m->urgent);
            break;
        default:
            akt_mp_skip(r);
            break;
        }
    }
    return r->err;
}

static akt_type spec_desc;

static void
make_spec_desc(void)
{
    spec_desc = bench_order_desc;
    spec_desc.encode = spec_order_enc;
    spec_desc.decode = spec_order_dec;
}

static result
bench_akt(long n, const char *customer, const akt_type *t)
{
    result r = { 0 };
    bench_Order *proto
        = bench_order_new(123456789012ULL, customer, 3, 19.99, true);
    /* the same values in a message of type t */
    bench_Order *o = akt_msg_new(t, 64);
    if (o == NULL || akt_type_copy(t, o, proto, akt_msg_arena(o)) != AKT_OK) {
        abort();
    }
    akt_buf b;
    akt_buf_init(&b);
    double t0 = now();
    for (long i = 0; i < n; i++) {
        b.len = 0;
        o->quantity = (int32_t)(i & 63);
        if (akt_msg_encode(o, &b) != AKT_OK) {
            abort();
        }
        sink += b.len;
    }
    r.enc_s = now() - t0;
    r.size = b.len;
    t0 = now();
    for (long i = 0; i < n; i++) {
        void *d;
        if (akt_msg_decode(t, b.data, b.len, NULL, &d) != AKT_OK) {
            abort();
        }
        sink += (size_t)((bench_Order *)d)->quantity;
        akt_msg_free(d);
    }
    r.dec_s = now() - t0;
    akt_buf_free(&b);
    akt_msg_free(o);
    akt_msg_free(proto);
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

#define RUNS 5

static void
keep_best(result *best, result r)
{
    if (best->enc_s == 0 || r.enc_s < best->enc_s) {
        best->enc_s = r.enc_s;
    }
    if (best->dec_s == 0 || r.dec_s < best->dec_s) {
        best->dec_s = r.dec_s;
    }
    best->size = r.size;
}

int
main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    const char *customer = "ACME Corporation Ltd";
    make_spec_desc();
    /* warm up, then interleave the runs and keep each path's best */
    bench_akt(n / 10, customer, &bench_order_desc);
    bench_akt(n / 10, customer, &spec_desc);
    bench_pbc(n / 10, customer);
    result tb = { 0 }, sp = { 0 }, pb = { 0 };
    for (int i = 0; i < RUNS; i++) {
        keep_best(&tb, bench_akt(n, customer, &bench_order_desc));
        keep_best(&sp, bench_akt(n, customer, &spec_desc));
        keep_best(&pb, bench_pbc(n, customer));
    }
    printf("{\n  \"bench\": \"codec\",\n  \"message\": \"bench.Order {uint64, "
           "string(20), int32, float64, bool}\",\n"
           "  \"iterations\": %ld,\n  \"runs\": %d,\n  \"results\": {\n",
        n, RUNS);
    print_lib("akt_table", tb, n, ",");
    print_lib("akt_specialised", sp, n, ",");
    print_lib("protobuf_c", pb, n, "");
    printf("  },\n  \"akt_table_vs_protobuf_c\": {\"encode\": %.2f, "
           "\"decode\": %.2f},\n",
        pb.enc_s / tb.enc_s, pb.dec_s / tb.dec_s);
    printf("  \"akt_table_vs_specialised\": {\"encode\": %.2f, "
           "\"decode\": %.2f}",
        sp.enc_s / tb.enc_s, sp.dec_s / tb.dec_s);
    printf("\n}\n");
    return 0;
}
