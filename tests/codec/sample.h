/*
 * sample.h -- a hand-written stand-in for what aktc generates from
 *
 *     package test;
 *     enum Color { RED = 0; GREEN = 1; BLUE = 2; }
 *     message Inner { string label = 1; int32 n = 2; }
 *     message Sample {
 *         uint32 id = 1 [default = 7];
 *         string name = 2 [default = "anon"];
 *         bytes blob = 3;
 *         list<int32> vals = 4;
 *         optional float64 score = 5;
 *         Inner child = 6;
 *         bool flag = 7;
 *         int64 big = 8;
 *         Color color = 9;
 *         list<Inner> kids = 10;
 *     }
 *
 * used by the codec tests and the fuzz target to drive akt_msg_encode /
 * akt_msg_decode end to end through the akt_gen.h primitives, the way
 * generated encoders and decoders do.
 */
#ifndef AKT_TESTS_CODEC_SAMPLE_H
#define AKT_TESTS_CODEC_SAMPLE_H

#include "akt/akt_gen.h"

typedef struct test_Inner {
    akt_str label;
    int32_t n;
} test_Inner;

typedef struct test_Sample {
    uint32_t id;
    akt_str name;
    akt_bytes blob;
    struct {
        int32_t *items;
        size_t len;
    } vals;
    bool has_score;
    double score;
    test_Inner *child;
    bool flag;
    int64_t big;
    int32_t color;
    struct {
        test_Inner *items;
        size_t len;
    } kids;
} test_Sample;

extern const akt_type test_inner_desc;
extern const akt_type test_sample_desc;

#endif
