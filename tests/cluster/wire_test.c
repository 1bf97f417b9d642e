/*
 * wire_test.c -- cluster messages on the wire (cluster/wire.c): every kind
 * round trips; the decoder rejects, with the right code, input that is too
 * big, cut short, out of its tables, out of its enums or out of order, and
 * hostile input built to make protobuf-c allocate far more than its size;
 * random mutations of valid messages never crash it, and whatever it
 * accepts keeps the invariants of a gossip state.
 */
#include "cltest.h"
#include "cluster.pb-c.h"
#include "cluster/wire.h"

static akti_cl_wire_limits lim;

static void
setup(void)
{
    akti_cl_wire_limits_default(&lim);
}

static void
sample_gossip(akti_cl_gossip *g)
{
    akti_cl_gossip_init(g);
    const char *roles[] = { "worker", "backend" };
    for (int i = 1; i <= 4; i++) {
        akti_cl_member m;
        char host[32];
        snprintf(host, sizeof host, "10.0.0.%d", i);
        ck_assert_int_eq(
            akti_cl_member_init(&m, "sys", host, 2552, (uint64_t)i * 1000,
                roles, (uint32_t)(i % 3), i == 4 ? "2.0.0" : NULL),
            AKT_OK);
        m.status = i == 4 ? AKT_MEMBER_JOINING : AKT_MEMBER_UP;
        m.up_number = i == 4 ? INT32_MAX : i;
        ck_assert_int_eq(akti_cl_gossip_add(g, &m), AKT_OK);
    }
    ck_assert_int_eq(
        akti_cl_reach_set(g, 1000, 3000, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_int_eq(
        akti_cl_reach_set(g, 2000, 3000, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_int_eq(
        akti_cl_reach_set(g, 2000, 3000, AKTI_CL_REACHABLE), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_bump(g, 1000), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_see(g, 2000), AKT_OK);
    akti_cl_member gone;
    ck_assert_int_eq(akti_cl_member_init(
                         &gone, "sys", "10.0.0.9", 2552, 9000, NULL, 0, NULL),
        AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_add(g, &gone), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_remove(g, 9000, 123456), AKT_OK);
    cl_assert_valid(g);
}

static void
encode(const akti_cl_msg *m, uint8_t **buf, size_t *len)
{
    ck_assert_int_eq(akti_cl_msg_encode(m, buf, len), AKT_OK);
}

/* Proves: every message kind decodes to what was encoded: addresses,
 * joiner roles and version, the node of Leave/Down/ExitingConfirmed,
 * heartbeat seq and time, a status's clock and digest, a gossip whole
 * (seen included). */
START_TEST(every_message_kind_round_trips)
{
    akti_cl_gossip g;
    sample_gossip(&g);
    for (int k = AKTI_CLM_INIT_JOIN; k <= AKTI_CLM_EXITING_CONFIRMED; k++) {
        akti_cl_msg m, d;
        akti_cl_msg_init(&m, (akti_clm_kind)k);
        m.from = g.m[0].address;
        if (k != AKTI_CLM_INIT_JOIN) {
            m.to = g.m[1].address;
        } else {
            strcpy(m.to.system, "sys");
            strcpy(m.to.host, "[ipc:///tmp/seed.sock]");
        }
        m.joiner = g.m[1];
        m.joiner.address = m.from;
        m.node = g.m[2].address;
        m.seq = 77;
        m.sent_ns = -5; /* any clock value */
        m.seen_digest = akti_cl_gossip_seen_digest(&g);
        ck_assert_int_eq(akti_cl_gossip_copy(&m.g, &g), AKT_OK);
        uint8_t *buf;
        size_t len;
        encode(&m, &buf, &len);
        ck_assert_int_eq(akti_cl_msg_decode(buf, len, &lim, &d), AKT_OK);
        ck_assert_int_eq(d.kind, k);
        ck_assert_int_eq(akti_cl_addr_cmp(&d.from, &m.from), 0);
        ck_assert_int_eq(akti_cl_addr_cmp(&d.to, &m.to), 0);
        switch (k) {
        case AKTI_CLM_JOIN:
            ck_assert_uint_eq(d.joiner.nroles, m.joiner.nroles);
            ck_assert_str_eq(d.joiner.roles[0], m.joiner.roles[0]);
            ck_assert_str_eq(d.joiner.app_version, m.joiner.app_version);
            ck_assert_uint_eq(d.joiner.address.uid, m.from.uid);
            ck_assert_int_eq(d.joiner.status, AKT_MEMBER_JOINING);
            break;
        case AKTI_CLM_WELCOME:
        case AKTI_CLM_GOSSIP:
            ck_assert(akti_cl_gossip_equal(&d.g, &g, true));
            break;
        case AKTI_CLM_LEAVE:
        case AKTI_CLM_DOWN:
        case AKTI_CLM_EXITING_CONFIRMED:
            ck_assert_int_eq(akti_cl_addr_cmp(&d.node, &m.node), 0);
            break;
        case AKTI_CLM_HEARTBEAT:
        case AKTI_CLM_HEARTBEAT_RSP:
            ck_assert_uint_eq(d.seq, 77);
            ck_assert_int_eq(d.sent_ns, -5);
            break;
        case AKTI_CLM_GOSSIP_STATUS:
            ck_assert_int_eq(akti_cl_vc_compare(&d.g, &g), AKTI_VC_SAME);
            ck_assert_uint_eq(d.seen_digest, m.seen_digest);
            break;
        default:
            break;
        }
        free(buf);
        akti_cl_msg_fini(&m);
        akti_cl_msg_fini(&d);
    }
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: a message over max_bytes is AKT_ETOOBIG before parsing; every
 * prefix of a valid gossip either decodes to a valid state or is refused
 * with AKT_EPROTO; garbage is AKT_EPROTO. */
START_TEST(decoder_refuses_oversized_truncated_and_garbage_input)
{
    akti_cl_gossip g;
    sample_gossip(&g);
    akti_cl_msg m, d;
    akti_cl_msg_init(&m, AKTI_CLM_GOSSIP);
    m.from = g.m[0].address;
    m.to = g.m[1].address;
    ck_assert_int_eq(akti_cl_gossip_copy(&m.g, &g), AKT_OK);
    uint8_t *buf;
    size_t len;
    encode(&m, &buf, &len);
    akti_cl_wire_limits small = lim;
    small.max_bytes = len - 1;
    ck_assert_int_eq(akti_cl_msg_decode(buf, len, &small, &d), AKT_ETOOBIG);
    akti_cl_msg_fini(&d);
    int refused = 0;
    for (size_t n = 0; n < len; n++) {
        akt_err rc = akti_cl_msg_decode(buf, n, &lim, &d);
        ck_assert(rc == AKT_OK || rc == AKT_EPROTO);
        if (rc == AKT_OK) {
            cl_assert_valid(&d.g);
        } else {
            refused++;
        }
        akti_cl_msg_fini(&d);
    }
    ck_assert_int_gt(refused, (int)len / 2);
    const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x12 };
    ck_assert_int_eq(
        akti_cl_msg_decode(junk, sizeof junk, &lim, &d), AKT_EPROTO);
    akti_cl_msg_fini(&d);
    ck_assert_int_eq(akti_cl_msg_decode(NULL, 0, &lim, &d), AKT_EPROTO);
    akti_cl_msg_fini(&d);
    free(buf);
    akti_cl_msg_fini(&m);
    akti_cl_gossip_fini(&g);
}
END_TEST

/* encode a hand-made protobuf Msg with a gossip body */
static akt_err
decode_pb(Akt__Cluster__Msg *pm)
{
    size_t n = protobuf_c_message_get_packed_size(&pm->base);
    uint8_t *buf = malloc(n + 1);
    protobuf_c_message_pack(&pm->base, buf);
    akti_cl_msg d;
    akt_err rc = akti_cl_msg_decode(buf, n, &lim, &d);
    akti_cl_msg_fini(&d);
    free(buf);
    return rc;
}

/* Proves: the decoder checks what protobuf cannot: indexes into the
 * address, role and version tables, member status values, the member
 * order, the clock's order and lengths, reachability indexes and record
 * versions, uid 0, empty and overlong strings. */
START_TEST(decoder_checks_indexes_enums_and_orders)
{
    Akt__Cluster__Address a[2]
        = { AKT__CLUSTER__ADDRESS__INIT, AKT__CLUSTER__ADDRESS__INIT };
    Akt__Cluster__Address *ap[2] = { &a[0], &a[1] };
    a[0].system = a[1].system = "sys";
    a[0].host = "10.0.0.1";
    a[1].host = "10.0.0.2";
    a[0].port = a[1].port = 2552;
    a[0].uid = 11;
    a[1].uid = 22;
    Akt__Cluster__Member mm[2]
        = { AKT__CLUSTER__MEMBER__INIT, AKT__CLUSTER__MEMBER__INIT };
    Akt__Cluster__Member *mp[2] = { &mm[0], &mm[1] };
    mm[0].addr = 0;
    mm[1].addr = 1;
    mm[0].status = mm[1].status = 1;
    mm[0].up_number = 1;
    mm[1].up_number = 2;
    char *vers[] = { "1.0" };
    char *roles[] = { "a", "b" };
    uint32_t ri[] = { 0, 1 };
    uint32_t seen[] = { 0 };
    uint64_t vcn[] = { 11 }, vcc[] = { 3 };
    Akt__Cluster__Gossip pg = AKT__CLUSTER__GOSSIP__INIT;
    pg.n_addresses = pg.n_members = 2;
    pg.addresses = ap;
    pg.members = mp;
    pg.n_app_versions = 1;
    pg.app_versions = vers;
    pg.n_roles = 2;
    pg.roles = roles;
    pg.n_seen = 1;
    pg.seen = seen;
    pg.n_vc_node = pg.n_vc_counter = 1;
    pg.vc_node = vcn;
    pg.vc_counter = vcc;
    Akt__Cluster__GossipEnvelope env = AKT__CLUSTER__GOSSIP_ENVELOPE__INIT;
    env.gossip = &pg;
    Akt__Cluster__Msg pm = AKT__CLUSTER__MSG__INIT;
    pm.from = &a[0];
    pm.to = &a[1];
    pm.body_case = AKT__CLUSTER__MSG__BODY_GOSSIP;
    pm.gossip = &env;
    ck_assert_int_eq(decode_pb(&pm), AKT_OK);
    mm[0].n_roles = 2;
    mm[0].roles = ri;
    ck_assert_int_eq(decode_pb(&pm), AKT_OK);
#define REFUSED(change, undo)                                                  \
    do {                                                                       \
        change;                                                                \
        ck_assert_int_eq(decode_pb(&pm), AKT_EPROTO);                          \
        undo;                                                                  \
        ck_assert_int_eq(decode_pb(&pm), AKT_OK);                              \
    } while (0)
    REFUSED(mm[0].status = 7, mm[0].status = 1);
    REFUSED(mm[0].status = 5, mm[0].status = 1); /* Removed: a tombstone */
    REFUSED(mm[1].addr = 0, mm[1].addr = 1);
    REFUSED(mm[0].app_version = 1, mm[0].app_version = 0);
    REFUSED(ri[1] = 2, ri[1] = 1);
    REFUSED((ri[0] = 1, ri[1] = 0), (ri[0] = 0, ri[1] = 1)); /* unsorted */
    REFUSED(mm[0].up_number = 0, mm[0].up_number = 1);
    REFUSED(seen[0] = 2, seen[0] = 0);
    REFUSED(a[0].uid = 0, a[0].uid = 11);
    REFUSED(a[1].uid = 11, a[1].uid = 22); /* duplicate uid */
    REFUSED(a[0].host = "10.0.0.3", a[0].host = "10.0.0.1"); /* order */
    REFUSED(a[0].host = "", a[0].host = "10.0.0.1");
    REFUSED(vcc[0] = 0, vcc[0] = 3);
    REFUSED(pg.n_vc_counter = 0, pg.n_vc_counter = 1);
    char longhost[200];
    memset(longhost, 'h', sizeof longhost - 1);
    longhost[sizeof longhost - 1] = '\0';
    REFUSED(a[1].host = longhost, a[1].host = "10.0.0.2");
    /* reachability: indexes, versions */
    Akt__Cluster__SubjectCell cell = AKT__CLUSTER__SUBJECT_CELL__INIT;
    Akt__Cluster__SubjectCell *cp = &cell;
    Akt__Cluster__ObserverRow row = AKT__CLUSTER__OBSERVER_ROW__INIT;
    Akt__Cluster__ObserverRow *rp = &row;
    cell.subject = 1;
    cell.status = 1;
    cell.version = 1;
    row.observer = 0;
    row.version = 1;
    row.n_subjects = 1;
    row.subjects = &cp;
    pg.n_reachability = 1;
    pg.reachability = &rp;
    ck_assert_int_eq(decode_pb(&pm), AKT_OK);
    REFUSED(cell.subject = 2, cell.subject = 1);
    REFUSED(cell.subject = 0, cell.subject = 1); /* about itself */
    REFUSED(cell.status = 3, cell.status = 1);
    REFUSED(cell.version = 2, cell.version = 1); /* newer than the row */
    REFUSED(cell.status = 0, cell.status = 1); /* an all-reachable row */
    REFUSED(row.observer = 5, row.observer = 0);
    /* a message without its body, or without from */
    REFUSED(pm.body_case = AKT__CLUSTER__MSG__BODY__NOT_SET,
        pm.body_case = AKT__CLUSTER__MSG__BODY_GOSSIP);
    REFUSED(pm.from = NULL, pm.from = &a[0]);
    Akt__Cluster__Heartbeat hb = AKT__CLUSTER__HEARTBEAT__INIT;
    pm.body_case = AKT__CLUSTER__MSG__BODY_HEARTBEAT;
    pm.heartbeat = &hb;
    hb.seq = 0; /* sequence numbers start at 1 */
    ck_assert_int_eq(decode_pb(&pm), AKT_EPROTO);
#undef REFUSED
}
END_TEST

/* Proves: a message made of many empty sub-messages (a few bytes each,
 * tens of bytes of structures each once unpacked) hits the allocation
 * budget: AKT_ETOOBIG, not gigabytes. */
START_TEST(decoder_budget_stops_allocation_bombs)
{
    size_t n = 200000;
    size_t glen = n * 2;
    uint8_t *buf = malloc(glen + 64);
    size_t at = 0;
    /* Msg.gossip (field 20, LEN): 0xa2 0x01 <len>, GossipEnvelope.gossip
     * (field 1): 0x0a <len>, then n empty Gossip.addresses (0x0a 0x00) */
    uint8_t hdr[32];
    size_t h = 0;
    size_t inner = glen;
    uint8_t v1[10], v2[10];
    size_t l1 = 0, l2 = 0;
    for (size_t x = inner;; x >>= 7) {
        v1[l1++] = (uint8_t)((x & 0x7f) | (x >= 0x80 ? 0x80 : 0));
        if (x < 0x80) {
            break;
        }
    }
    size_t outer = 1 + l1 + inner;
    for (size_t x = outer;; x >>= 7) {
        v2[l2++] = (uint8_t)((x & 0x7f) | (x >= 0x80 ? 0x80 : 0));
        if (x < 0x80) {
            break;
        }
    }
    hdr[h++] = 0xa2;
    hdr[h++] = 0x01;
    memcpy(hdr + h, v2, l2);
    h += l2;
    hdr[h++] = 0x0a;
    memcpy(hdr + h, v1, l1);
    h += l1;
    memcpy(buf, hdr, h);
    at = h;
    for (size_t i = 0; i < n; i++) {
        buf[at++] = 0x0a;
        buf[at++] = 0x00;
    }
    akti_cl_msg d;
    ck_assert_int_eq(akti_cl_msg_decode(buf, at, &lim, &d), AKT_ETOOBIG);
    akti_cl_msg_fini(&d);
    free(buf);
}
END_TEST

/* Proves: 30000 random mutations (byte flips, insertions, cuts) of valid
 * messages of every kind never crash the decoder, and every state it
 * accepts keeps the invariants and merges with the original. */
START_TEST(random_mutations_never_crash_the_decoder)
{
    cl_rng r = { cl_seed("wire mutations") };
    akti_cl_gossip g;
    sample_gossip(&g);
    uint8_t *bufs[AKTI_CLM_EXITING_CONFIRMED + 1];
    size_t lens[AKTI_CLM_EXITING_CONFIRMED + 1];
    for (int k = AKTI_CLM_INIT_JOIN; k <= AKTI_CLM_EXITING_CONFIRMED; k++) {
        akti_cl_msg m;
        akti_cl_msg_init(&m, (akti_clm_kind)k);
        m.from = g.m[0].address;
        m.to = g.m[1].address;
        m.joiner = g.m[0];
        m.node = g.m[1].address;
        m.seq = 1;
        ck_assert_int_eq(akti_cl_gossip_copy(&m.g, &g), AKT_OK);
        encode(&m, &bufs[k], &lens[k]);
        akti_cl_msg_fini(&m);
    }
    int accepted = 0;
    akti_cl_gossip merged;
    akti_cl_gossip_init(&merged);
    for (int t = 0; t < 30000; t++) {
        int k = AKTI_CLM_INIT_JOIN
            + (int)cl_below(
                &r, AKTI_CLM_EXITING_CONFIRMED - AKTI_CLM_INIT_JOIN + 1);
        size_t len = lens[k];
        uint8_t *b = malloc(len + 16);
        memcpy(b, bufs[k], len);
        int edits = 1 + (int)cl_below(&r, 4);
        for (int e = 0; e < edits; e++) {
            switch (cl_below(&r, 3)) {
            case 0:
                b[cl_below(&r, (uint32_t)len)]
                    ^= (uint8_t)(1u << cl_below(&r, 8));
                break;
            case 1:
                b[cl_below(&r, (uint32_t)len)] = (uint8_t)cl_next(&r);
                break;
            default:
                len = cl_below(&r, (uint32_t)len + 1);
                break;
            }
            if (len == 0) {
                break;
            }
        }
        akti_cl_msg d;
        akt_err rc = akti_cl_msg_decode(b, len, &lim, &d);
        if (rc == AKT_OK) {
            accepted++;
            cl_assert_valid(&d.g);
            if (d.kind == AKTI_CLM_GOSSIP || d.kind == AKTI_CLM_WELCOME) {
                ck_assert_int_eq(
                    akti_cl_gossip_merge(&g, &d.g, &merged), AKT_OK);
                cl_assert_valid(&merged);
            }
        } else {
            ck_assert(rc == AKT_EPROTO || rc == AKT_ETOOBIG);
        }
        akti_cl_msg_fini(&d);
        free(b);
    }
    fprintf(stderr, "mutations: %d of 30000 accepted\n", accepted);
    akti_cl_gossip_fini(&merged);
    for (int k = AKTI_CLM_INIT_JOIN; k <= AKTI_CLM_EXITING_CONFIRMED; k++) {
        free(bufs[k]);
    }
    akti_cl_gossip_fini(&g);
}
END_TEST

static Suite *
wire_suite(void)
{
    Suite *s = suite_create("cluster_wire");
    TCase *tc = tcase_create("wire");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_message_kind_round_trips);
    tcase_add_test(tc, decoder_refuses_oversized_truncated_and_garbage_input);
    tcase_add_test(tc, decoder_checks_indexes_enums_and_orders);
    tcase_add_test(tc, decoder_budget_stops_allocation_bombs);
    tcase_add_test(tc, random_mutations_never_crash_the_decoder);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(wire_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
