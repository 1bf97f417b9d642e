/*
 * pubsub_test.c -- distributed pub/sub's registry and wire format, pure
 * (runtime/src/cluster/pubsub.h): versions, status/delta exchange until
 * every replica holds the same entries (also when answers are cut short),
 * tombstones that spread and are pruned, the bound on entries, buckets of
 * members that left, and a decoder that refuses what breaks the format.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/pubsub.h"

static akti_cl_addr
addr(int i)
{
    akti_cl_addr a;
    memset(&a, 0, sizeof a);
    snprintf(a.system, sizeof a.system, "s");
    snprintf(a.host, sizeof a.host, "10.0.0.%d", i + 1);
    a.port = 2552;
    a.uid = 1000 + (uint64_t)i;
    return a;
}

static akti_ps_entry
sub_entry(const char *topic, const char *group, int node, int actor)
{
    akti_ps_entry e;
    memset(&e, 0, sizeof e);
    e.kind = AKTI_PS_SUB;
    snprintf(e.key, sizeof e.key, "%s", topic);
    snprintf(e.group, sizeof e.group, "%s", group);
    snprintf(e.path, sizeof e.path, "akt://s@10.0.0.%d:2552/user/a%d", node + 1,
        actor);
    return e;
}

/* one gossip exchange from a to b: a's status, b's delta back to a, and
 * (b has news) b's status answered by a's delta */
static void
exchange(akti_ps_reg *a, int ia, akti_ps_reg *b, int ib, size_t max)
{
    akti_cl_addr aa = addr(ia), ab = addr(ib);
    akti_ps_msg st, d;
    ck_assert_int_eq(akti_ps_status(a, &aa, false, &st), AKT_OK);
    /* through the wire both ways, as the mediators do */
    uint8_t *buf;
    size_t len;
    akti_ps_msg st2;
    ck_assert_int_eq(akti_ps_encode(&st, &buf, &len), AKT_OK);
    ck_assert_int_eq(akti_ps_decode(buf, len, &st2), AKT_OK);
    free(buf);
    ck_assert_int_eq(akti_ps_delta(b, &ab, &st2, max, &d), AKT_OK);
    akti_ps_msg d2;
    ck_assert_int_eq(akti_ps_encode(&d, &buf, &len), AKT_OK);
    ck_assert_int_eq(akti_ps_decode(buf, len, &d2), AKT_OK);
    free(buf);
    uint64_t dropped = 0;
    akti_ps_merge(a, &aa, &d2, 0, NULL, NULL, NULL, &dropped);
    if (akti_ps_newer(b, &st2)) {
        akti_ps_msg st3, d3;
        ck_assert_int_eq(akti_ps_status(b, &ab, true, &st3), AKT_OK);
        ck_assert_int_eq(akti_ps_delta(a, &aa, &st3, max, &d3), AKT_OK);
        akti_ps_merge(b, &ab, &d3, 0, NULL, NULL, NULL, &dropped);
        akti_ps_msg_free(&st3);
        akti_ps_msg_free(&d3);
    }
    akti_ps_msg_free(&st);
    akti_ps_msg_free(&st2);
    akti_ps_msg_free(&d);
    akti_ps_msg_free(&d2);
}

static bool
same_registry(akti_ps_reg *a, akti_ps_reg *b)
{
    if (a->nb != b->nb) {
        return false;
    }
    for (size_t i = 0; i < a->nb; i++) {
        akti_ps_bucket *x = &a->b[i];
        akti_ps_bucket *y = akti_ps_bucket_of(b, &x->owner, false);
        if (y == NULL || y->version != x->version || y->n != x->n) {
            return false;
        }
        for (size_t k = 0; k < x->n; k++) {
            bool found = false;
            for (size_t j = 0; j < y->n && !found; j++) {
                found = strcmp(x->e[k].path, y->e[j].path) == 0
                    && strcmp(x->e[k].key, y->e[j].key) == 0
                    && x->e[k].version == y->e[j].version
                    && x->e[k].removed == y->e[j].removed;
            }
            if (!found) {
                return false;
            }
        }
    }
    return true;
}

/* Proves: each node's local changes bump its own bucket's version; after
 * gossip rounds over a ring every replica holds the same buckets, entries
 * and versions, and the counts agree; an unsubscribe is a tombstone that
 * spreads like any entry, and prune drops it after the ttl. */
START_TEST(replicas_converge_through_status_and_delta)
{
    enum { R = 4 };
    akti_ps_reg reg[R];
    memset(reg, 0, sizeof reg);
    akt_err rc;
    for (int i = 0; i < R; i++) {
        reg[i].max_entries = 1000;
        akti_cl_addr me = addr(i);
        for (int k = 0; k < 3; k++) {
            akti_ps_entry e = sub_entry(k == 0 ? "news" : "jobs", "", i, k);
            ck_assert(akti_ps_local_set(&reg[i], &me, &e, false, 0, &rc));
        }
        /* the same entry again changes nothing */
        akti_ps_entry e = sub_entry("news", "", i, 0);
        ck_assert(!akti_ps_local_set(&reg[i], &me, &e, false, 0, &rc));
        ck_assert_int_eq(akti_ps_bucket_of(&reg[i], &me, false)->version, 3);
    }
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < R; i++) {
            exchange(&reg[i], i, &reg[(i + 1) % R], (i + 1) % R, 3000);
        }
    }
    for (int i = 0; i < R; i++) {
        ck_assert(same_registry(&reg[0], &reg[i]));
        ck_assert_uint_eq(akti_ps_count(&reg[i], "news"), R);
        ck_assert_uint_eq(akti_ps_count(&reg[i], "jobs"), 2 * R);
    }
    /* node 2 unsubscribes: a tombstone at version 4 */
    akti_cl_addr a2 = addr(2);
    akti_ps_entry e = sub_entry("news", "", 2, 0);
    ck_assert(akti_ps_local_set(&reg[2], &a2, &e, true, 100, &rc));
    ck_assert_uint_eq(akti_ps_count(&reg[2], "news"), R - 1);
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < R; i++) {
            exchange(&reg[i], i, &reg[(i + 1) % R], (i + 1) % R, 3000);
        }
    }
    for (int i = 0; i < R; i++) {
        ck_assert(same_registry(&reg[0], &reg[i]));
        ck_assert_uint_eq(akti_ps_count(&reg[i], "news"), R - 1);
    }
    size_t before = reg[0].entries;
    akti_ps_prune(&reg[0], 50, 100, NULL, NULL, NULL); /* too young */
    ck_assert_uint_eq(reg[0].entries, before);
    akti_ps_prune(&reg[0], 1000, 100, NULL, NULL, NULL);
    ck_assert_uint_eq(reg[0].entries, before - 1);
    for (int i = 0; i < R; i++) {
        akti_ps_reg_free(&reg[i]);
    }
}
END_TEST

/* Proves: answers cut at max entries carry the version of their last
 * entry, so the rest comes in later rounds and the replicas still end up
 * the same; the oldest entries come first. */
START_TEST(cut_answers_converge_over_rounds)
{
    akti_ps_reg a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.max_entries = b.max_entries = 1000;
    akti_cl_addr ab = addr(1);
    akt_err rc;
    for (int k = 0; k < 25; k++) {
        akti_ps_entry e = sub_entry("t", "", 1, k);
        ck_assert(akti_ps_local_set(&b, &ab, &e, false, 0, &rc));
    }
    int rounds = 0;
    while (!same_registry(&a, &b) && rounds < 10) {
        exchange(&a, 0, &b, 1, 10);
        rounds++;
        if (rounds == 1) {
            ck_assert_uint_eq(akti_ps_count(&a, "t"), 10);
            ck_assert_int_eq(akti_ps_bucket_of(&a, &ab, false)->version, 10);
        }
    }
    ck_assert_int_eq(rounds, 3);
    ck_assert_uint_eq(akti_ps_count(&a, "t"), 25);
    akti_ps_reg_free(&a);
    akti_ps_reg_free(&b);
}
END_TEST

static bool
keep_not_3(const akti_cl_addr *owner, void *arg)
{
    (void)arg;
    return owner->uid != 1003;
}

static int nchanged;

static void
count_changed(const char *topic, void *arg)
{
    (void)topic;
    (void)arg;
    nchanged++;
}

/* Proves: the bound on entries holds: a local subscribe over it is
 * EFULL, a gossiped bucket over it is taken up to the bound with its
 * version kept before the rest (counted as dropped), so it comes again
 * once there is room; a node's own bucket is never taken from others;
 * the buckets of owners that left are dropped, with their topics told. */
START_TEST(the_bound_and_buckets_of_members_that_left)
{
    akti_ps_reg a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.max_entries = 5;
    b.max_entries = 100;
    akti_cl_addr aa = addr(0), ab = addr(1), a3 = addr(3);
    akt_err rc;
    for (int k = 0; k < 8; k++) {
        akti_ps_entry e = sub_entry("t", "", 1, k);
        ck_assert(akti_ps_local_set(&b, &ab, &e, false, 0, &rc));
    }
    akti_ps_entry mine = sub_entry("t", "", 0, 0);
    ck_assert(akti_ps_local_set(&a, &aa, &mine, false, 0, &rc));
    akti_ps_msg st, d;
    ck_assert_int_eq(akti_ps_status(&a, &aa, false, &st), AKT_OK);
    ck_assert_int_eq(akti_ps_delta(&b, &ab, &st, 3000, &d), AKT_OK);
    uint64_t dropped = 0;
    akti_ps_merge(&a, &aa, &d, 0, NULL, NULL, NULL, &dropped);
    ck_assert_uint_eq(a.entries, 5);
    ck_assert_uint_eq(dropped, 4);
    ck_assert_int_eq(akti_ps_bucket_of(&a, &ab, false)->version, 4);
    akti_ps_entry more = sub_entry("u", "", 0, 1);
    ck_assert(!akti_ps_local_set(&a, &aa, &more, false, 0, &rc));
    ck_assert_int_eq(rc, AKT_EFULL);
    akti_ps_msg_free(&st);
    akti_ps_msg_free(&d);

    /* someone gossips a bucket owned by a: ignored */
    akti_ps_reg c;
    memset(&c, 0, sizeof c);
    c.max_entries = 100;
    akti_ps_entry forged = sub_entry("t", "", 0, 9);
    ck_assert(akti_ps_local_set(&c, &aa, &forged, false, 0, &rc));
    ck_assert(akti_ps_local_set(&c, &aa, &forged, true, 0, &rc));
    ck_assert_int_eq(akti_ps_status(&a, &aa, false, &st), AKT_OK);
    ck_assert_int_eq(akti_ps_delta(&c, &ab, &st, 3000, &d), AKT_OK);
    akti_ps_merge(&a, &aa, &d, 0, NULL, NULL, NULL, &dropped);
    ck_assert_int_eq(akti_ps_bucket_of(&a, &aa, false)->version, 1);
    akti_ps_msg_free(&st);
    akti_ps_msg_free(&d);

    /* the bucket of a member that left goes, its topics told */
    akti_ps_entry e3 = sub_entry("t", "", 3, 0);
    ck_assert(akti_ps_local_set(&c, &a3, &e3, false, 0, &rc));
    ck_assert_uint_eq(akti_ps_count(&c, "t"), 1);
    nchanged = 0;
    akti_ps_prune(&c, 0, 1000, keep_not_3, count_changed, NULL);
    ck_assert_ptr_null(akti_ps_bucket_of(&c, &a3, false));
    ck_assert_int_eq(nchanged, 1);
    ck_assert_uint_eq(akti_ps_count(&c, "t"), 0);
    akti_ps_reg_free(&a);
    akti_ps_reg_free(&b);
    akti_ps_reg_free(&c);
}
END_TEST

/* Proves: the decoder refuses whatever breaks the format -- every
 * truncation of a good message, a byte too many, a wrong format or kind,
 * an entry newer than its bucket, a path that is no akt path, a NUL in a
 * string, two buckets of one owner, a count larger than the input -- and
 * round-trips a good one exactly. */
START_TEST(the_decoder_refuses_what_breaks_the_format)
{
    akti_ps_reg r;
    memset(&r, 0, sizeof r);
    r.max_entries = 10;
    akti_cl_addr a = addr(0);
    akt_err rc;
    akti_ps_entry e = sub_entry("news", "g", 0, 1);
    ck_assert(akti_ps_local_set(&r, &a, &e, false, 0, &rc));
    akti_ps_msg st, d, back;
    akti_cl_addr other = addr(1);
    ck_assert_int_eq(akti_ps_status(&r, &other, false, &st), AKT_OK);
    st.b[0].version = 0;
    ck_assert_int_eq(akti_ps_delta(&r, &a, &st, 10, &d), AKT_OK);
    uint8_t *buf;
    size_t len;
    ck_assert_int_eq(akti_ps_encode(&d, &buf, &len), AKT_OK);
    ck_assert_int_eq(akti_ps_decode(buf, len, &back), AKT_OK);
    ck_assert_uint_eq(back.nb, 1);
    ck_assert_uint_eq(back.b[0].n, 1);
    ck_assert_str_eq(back.b[0].e[0].key, "news");
    ck_assert_str_eq(back.b[0].e[0].group, "g");
    ck_assert_str_eq(back.b[0].e[0].path, e.path);
    akti_ps_msg_free(&back);
    for (size_t cut = 0; cut < len; cut++) {
        ck_assert_int_eq(akti_ps_decode(buf, cut, &back), AKT_EPROTO);
    }
    uint8_t *more = malloc(len + 1);
    memcpy(more, buf, len);
    more[len] = 0;
    ck_assert_int_eq(akti_ps_decode(more, len + 1, &back), AKT_EPROTO);
    more[0] = 2; /* format */
    ck_assert_int_eq(akti_ps_decode(more, len, &back), AKT_EPROTO);
    more[0] = 1;
    more[1] = 3; /* kind */
    ck_assert_int_eq(akti_ps_decode(more, len, &back), AKT_EPROTO);
    free(more);
    free(buf);

    akti_ps_msg bad = d;
    akti_ps_bucket bb = d.b[0]; /* a copy: d keeps its own */
    akti_ps_entry be = d.b[0].e[0];
    bb.e = &be;
    bad.b = &bb;
    be.version = d.b[0].version + 1; /* newer than its bucket */
    ck_assert_int_eq(akti_ps_encode(&bad, &buf, &len), AKT_OK);
    ck_assert_int_eq(akti_ps_decode(buf, len, &back), AKT_EPROTO);
    free(buf);
    be = d.b[0].e[0];
    strcpy(be.path, "tcp://x/user/a"); /* no akt path */
    ck_assert_int_eq(akti_ps_encode(&bad, &buf, &len), AKT_OK);
    ck_assert_int_eq(akti_ps_decode(buf, len, &back), AKT_EPROTO);
    free(buf);
    be = d.b[0].e[0];
    strcpy(be.key, "ne");
    ck_assert_int_eq(akti_ps_encode(&bad, &buf, &len), AKT_OK);
    uint8_t *nul = memchr(buf, 'n', len);
    while (nul != NULL && !(nul[0] == 'n' && nul[1] == 'e' && nul[-1] == 0)) {
        nul = memchr(nul + 1, 'n', len - (size_t)(nul + 1 - buf));
    }
    ck_assert_ptr_nonnull(nul);
    nul[1] = 0; /* a NUL inside the key */
    ck_assert_int_eq(akti_ps_decode(buf, len, &back), AKT_EPROTO);
    free(buf);

    akti_ps_bucket two[2] = { st.b[0], st.b[0] };
    akti_ps_msg dup = st;
    dup.b = two;
    dup.nb = 2;
    ck_assert_int_eq(akti_ps_encode(&dup, &buf, &len), AKT_OK);
    ck_assert_int_eq(akti_ps_decode(buf, len, &back), AKT_EPROTO);
    /* a bucket count the input cannot hold */
    size_t at = 3 + 2 + strlen(a.system) + 2 + strlen("10.0.0.2") + 4 + 8;
    buf[at] = 0xff;
    buf[at + 1] = 0xff;
    ck_assert_int_eq(akti_ps_decode(buf, len, &back), AKT_EPROTO);
    free(buf);
    ck_assert_int_eq(akti_ps_decode(NULL, 0, &back), AKT_EPROTO);
    akti_ps_msg_free(&st);
    akti_ps_msg_free(&d);
    akti_ps_reg_free(&r);
}
END_TEST

/* Proves: the public calls refuse bad arguments before anything is sent:
 * topics that are empty, too long or start with '/', send paths that do
 * not, a NULL message, no mediator; a refused message is freed (the
 * sanitizers see no leak). */
START_TEST(bad_calls_are_refused)
{
    akt_ref none = AKT_REF_NONE;
    akt_system *sys;
    ck_assert_int_eq(akt_system_create("ps", NULL, &sys), AKT_OK);
    akt_ref med;
    akt_pubsub_options o = { 0 };
    ck_assert_int_eq(akt_pubsub_start(sys, &o, &med), AKT_EINVAL);
    akt_registry *reg;
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    o.registry = reg;
    ck_assert_int_eq(akt_pubsub_start(sys, &o, &med), AKT_ENOENT);
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    akt_ref some = { (struct akt_cell *)1, 1 }; /* never sent to */
    ck_assert_int_eq(
        akt_pubsub_subscribe(none, "t", NULL, some, none), AKT_EINVAL);
    ck_assert_int_eq(
        akt_pubsub_subscribe(some, "", NULL, some, none), AKT_EINVAL);
    ck_assert_int_eq(
        akt_pubsub_subscribe(some, big, NULL, some, none), AKT_EINVAL);
    ck_assert_int_eq(
        akt_pubsub_subscribe(some, "/t", NULL, some, none), AKT_EINVAL);
    ck_assert_int_eq(
        akt_pubsub_subscribe(some, "t", NULL, none, none), AKT_EINVAL);
    ck_assert_int_eq(akt_pubsub_remove(some, "user/x"), AKT_EINVAL);
    ck_assert_int_eq(
        akt_pubsub_publish(some, "t", NULL, none, false), AKT_EINVAL);
    akt_Status *m = akt_msg_new(&akt_status_type, 0);
    ck_assert_int_eq(
        akt_pubsub_publish(some, "/t", m, none, false), AKT_EINVAL);
    m = akt_msg_new(&akt_status_type, 0);
    ck_assert_int_eq(
        akt_pubsub_send(some, "user/x", m, none, false), AKT_EINVAL);
    m = akt_msg_new(&akt_status_type, 0);
    ck_assert_int_eq(
        akt_pubsub_send_to_all(none, "/user/x", m, none, false), AKT_EINVAL);
    akt_pubsub_stats stats;
    ck_assert_int_eq(akt_pubsub_stats_get(sys, &stats), AKT_ENOENT);
    akt_system_free(sys);
    akt_registry_free(reg);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("cluster_pubsub");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, replicas_converge_through_status_and_delta);
    tcase_add_test(tc, cut_answers_converge_over_rounds);
    tcase_add_test(tc, the_bound_and_buckets_of_members_that_left);
    tcase_add_test(tc, the_decoder_refuses_what_breaks_the_format);
    tcase_add_test(tc, bad_calls_are_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
