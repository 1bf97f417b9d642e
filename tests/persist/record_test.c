/*
 * record_test.c -- the record layout's checksum (record.c, compiled in):
 * akti_crc32 is CRC-32/IEEE (the check value of "123456789" and a bitwise
 * reference on every length up to 1,000 and every alignment), so journals
 * written before the table-driven (slicing-by-8) version still verify; an
 * event record round-trips with its tags and fails on any flipped bit; a
 * delivery snapshot parses to its entries, and a damaged one (any flipped
 * bit, a length past the end, trailing bytes) hands over nothing.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "persist/record.h"

static uint32_t
crc_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) {
            c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
        }
    }
    return ~c;
}

START_TEST(the_checksum_is_crc32_ieee)
{
    ck_assert_uint_eq(akti_crc32(0, "123456789", 9), 0xcbf43926u);
    uint8_t buf[1100];
    unsigned seed = 7;
    for (size_t i = 0; i < sizeof buf; i++) {
        buf[i] = (uint8_t)rand_r(&seed);
    }
    for (size_t off = 0; off < 8; off++) {
        for (size_t n = 0; n <= 1000; n++) {
            ck_assert_uint_eq(
                akti_crc32(0, buf + off, n), crc_bitwise(buf + off, n));
        }
    }
    /* chained calls equal one call */
    uint32_t c = akti_crc32(0, buf, 13);
    ck_assert_uint_eq(akti_crc32(c, buf + 13, 700), akti_crc32(0, buf, 713));
}
END_TEST

START_TEST(an_event_record_round_trips_and_any_flipped_bit_fails)
{
    const char *tags[] = { "red", "blue" };
    uint8_t payload[40];
    memset(payload, 0x5a, sizeof payload);
    akt_prepr ev = { .seq = 3,
        .type_id = 0x1122334455667788ull,
        .timestamp_ms = 1700000000000,
        .data = payload,
        .len = sizeof payload,
        .tags = tags,
        .ntags = 2 };
    size_t n = akti_prec_size(&ev);
    uint8_t *rec = malloc(n);
    akti_prec_encode(&ev, rec);
    akti_prec_set_gseq(rec, n, 99);
    akt_prepr out = { 0 };
    const char *tv[AKT_PERSIST_MAX_TAGS];
    ck_assert_int_eq(akti_prec_decode(rec, n, &out, tv), AKT_OK);
    ck_assert_uint_eq(out.type_id, ev.type_id);
    ck_assert_uint_eq(out.gseq, 99);
    ck_assert_uint_eq(out.ntags, 2);
    ck_assert_str_eq(out.tags[1], "blue");
    ck_assert_mem_eq(out.data, payload, sizeof payload);
    for (size_t i = 0; i < n * 8; i++) {
        rec[i / 8] ^= (uint8_t)(1u << (i % 8));
        ck_assert_int_eq(akti_prec_decode(rec, n, &out, tv), AKT_EPROTO);
        rec[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    free(rec);
}
END_TEST

/* An event with a writer id is a version-2 record (8 bytes more) that
 * gives the writer back, and any flipped bit still fails; one without is
 * the version-1 record it always was (writer 0 on decode). */
START_TEST(an_event_with_a_writer_is_a_version_2_record)
{
    uint8_t payload[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    akt_prepr ev = { .seq = 1,
        .type_id = 42,
        .timestamp_ms = 1,
        .data = payload,
        .len = sizeof payload,
        .writer = 0xfeedface01234567ull };
    size_t n = akti_prec_size(&ev);
    akt_prepr v1 = ev;
    v1.writer = 0;
    ck_assert_uint_eq(n, akti_prec_size(&v1) + 8);
    uint8_t *rec = malloc(n);
    akti_prec_encode(&ev, rec);
    ck_assert_uint_eq(rec[1], 2);
    akt_prepr out = { 0 };
    const char *tv[AKT_PERSIST_MAX_TAGS];
    ck_assert_int_eq(akti_prec_decode(rec, n, &out, tv), AKT_OK);
    ck_assert_uint_eq(out.writer, ev.writer);
    ck_assert_mem_eq(out.data, payload, sizeof payload);
    for (size_t i = 0; i < n * 8; i++) {
        rec[i / 8] ^= (uint8_t)(1u << (i % 8));
        ck_assert_int_eq(akti_prec_decode(rec, n, &out, tv), AKT_EPROTO);
        rec[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    /* version 2 with writer 0 is not how anything is written: refused */
    memset(rec + 32, 0, 8);
    akti_be32_put(rec + n - 4, akti_crc32(0, rec, n - 4));
    ck_assert_int_eq(akti_prec_decode(rec, n, &out, tv), AKT_EPROTO);
    free(rec);
    size_t n1 = akti_prec_size(&v1);
    rec = malloc(n1);
    akti_prec_encode(&v1, rec);
    ck_assert_uint_eq(rec[1], 1);
    out.writer = 7;
    ck_assert_int_eq(akti_prec_decode(rec, n1, &out, tv), AKT_OK);
    ck_assert_uint_eq(out.writer, 0);
    free(rec);
}
END_TEST

typedef struct dseen {
    int n;
    uint64_t ids[4];
    char paths[4][32];
} dseen;

static akt_err
collect(void *arg, uint64_t id, const char *path, size_t plen, uint64_t type_id,
    const uint8_t *data, size_t len)
{
    (void)type_id;
    (void)data;
    (void)len;
    dseen *d = arg;
    d->ids[d->n] = id;
    snprintf(d->paths[d->n], sizeof d->paths[0], "%.*s", (int)plen, path);
    d->n++;
    return AKT_OK;
}

static size_t
dsnap(uint8_t *out, uint32_t count_field, bool trailing)
{
    size_t n = 0;
    out[n++] = 'D';
    out[n++] = 1;
    out[n++] = 0;
    out[n++] = 0;
    akti_be64_put(out + n, 9);
    n += 8;
    akti_be32_put(out + n, count_field);
    n += 4;
    const char *paths[] = { "/user/a", "akt://s/user/bb" };
    for (int i = 0; i < 2; i++) {
        akti_be64_put(out + n, (uint64_t)(i * 3 + 1));
        n += 8;
        size_t pl = strlen(paths[i]);
        out[n++] = 0;
        out[n++] = (uint8_t)pl;
        memcpy(out + n, paths[i], pl);
        n += pl;
        akti_be64_put(out + n, 77);
        n += 8;
        akti_be32_put(out + n, 2);
        n += 4;
        out[n++] = 0x81;
        out[n++] = 0x01;
    }
    if (trailing) {
        out[n++] = 0;
    }
    akti_be32_put(out + n, akti_crc32(0, out, n));
    return n + 4;
}

START_TEST(a_delivery_snapshot_parses_and_a_damaged_one_hands_over_nothing)
{
    uint8_t buf[256];
    size_t n = dsnap(buf, 2, false);
    dseen d = { 0 };
    uint64_t next = 0;
    ck_assert_int_eq(akti_dsnap_parse(buf, n, &next, collect, &d), AKT_OK);
    ck_assert_int_eq(d.n, 2);
    ck_assert_uint_eq(next, 9);
    ck_assert_uint_eq(d.ids[1], 4);
    ck_assert_str_eq(d.paths[1], "akt://s/user/bb");
    for (size_t i = 0; i < n * 8; i++) {
        buf[i / 8] ^= (uint8_t)(1u << (i % 8));
        dseen x = { 0 };
        ck_assert_int_eq(
            akti_dsnap_parse(buf, n, &next, collect, &x), AKT_EPROTO);
        ck_assert_int_eq(x.n, 0);
        buf[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
    dseen x = { 0 };
    n = dsnap(buf, 3, false); /* one more entry claimed than present */
    ck_assert_int_eq(akti_dsnap_parse(buf, n, &next, collect, &x), AKT_EPROTO);
    n = dsnap(buf, 2, true); /* a byte after the last entry */
    ck_assert_int_eq(akti_dsnap_parse(buf, n, &next, collect, &x), AKT_EPROTO);
    ck_assert_int_eq(x.n, 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("persist_record");
    TCase *tc = tcase_create("record");
    tcase_add_test(tc, the_checksum_is_crc32_ieee);
    tcase_add_test(tc, an_event_record_round_trips_and_any_flipped_bit_fails);
    tcase_add_test(tc, an_event_with_a_writer_is_a_version_2_record);
    tcase_add_test(
        tc, a_delivery_snapshot_parses_and_a_damaged_one_hands_over_nothing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
