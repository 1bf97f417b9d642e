/*
 * fuzz_gossip.c -- libFuzzer target for the cluster message decoder and
 * the gossip merge (runtime/src/cluster/wire.c, gossip.c): any byte string
 * must decode to a message whose state keeps every invariant, or be
 * refused with AKT_EPROTO/AKT_ETOOBIG, without crashing, leaking or
 * reading out of bounds. An accepted state is then put through what a
 * node does with it: merged with a fixed state both ways (the results
 * must agree and keep the invariants), merged with itself (no change),
 * asked for convergence and its leader, and encoded again (it must decode
 * to the same state). Build with -DAKT_BUILD_FUZZ=ON (clang); run e.g.
 *     ./fuzz_gossip -max_total_time=300 -max_len=8192
 * Seeds: tests/cluster/fuzz-seeds/fuzz_gossip/ (scripts/fuzz-smoke.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/wire.h"

static akti_cl_gossip fixed;

static void
must(int ok)
{
    if (!ok) {
        abort();
    }
}

static void
fixed_init(void)
{
    akti_cl_gossip_init(&fixed);
    for (int i = 1; i <= 3; i++) {
        akti_cl_member m;
        char host[16] = "10.0.0.0";
        host[7] = (char)('0' + i);
        must(akti_cl_member_init(
                 &m, "sys", host, 2552, (uint64_t)i * 1000, NULL, 0, NULL)
            == AKT_OK);
        m.status = AKT_MEMBER_UP;
        m.up_number = i;
        must(akti_cl_gossip_add(&fixed, &m) == AKT_OK);
    }
    must(akti_cl_reach_set(&fixed, 1000, 3000, AKTI_CL_UNREACHABLE) == AKT_OK);
    must(akti_cl_gossip_bump(&fixed, 1000) == AKT_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    static akti_cl_wire_limits lim;
    if (!init) {
        akti_cl_wire_limits_default(&lim);
        lim.max_bytes = 64 * 1024;
        fixed_init();
        init = 1;
    }
    akti_cl_msg d;
    akt_err rc = akti_cl_msg_decode(data, size, &lim, &d);
    if (rc != AKT_OK) {
        must(rc == AKT_EPROTO || rc == AKT_ETOOBIG || rc == AKT_ENOMEM);
        akti_cl_msg_fini(&d);
        return 0;
    }
    must(akti_cl_gossip_check(&d.g) == AKT_OK);
    if (d.kind == AKTI_CLM_GOSSIP || d.kind == AKTI_CLM_WELCOME) {
        akti_cl_gossip ab, ba, aa;
        akti_cl_gossip_init(&ab);
        akti_cl_gossip_init(&ba);
        akti_cl_gossip_init(&aa);
        must(akti_cl_gossip_merge(&fixed, &d.g, &ab) == AKT_OK);
        must(akti_cl_gossip_merge(&d.g, &fixed, &ba) == AKT_OK);
        must(akti_cl_gossip_check(&ab) == AKT_OK);
        must(akti_cl_gossip_equal(&ab, &ba, false));
        must(akti_cl_gossip_merge(&d.g, &d.g, &aa) == AKT_OK);
        must(akti_cl_gossip_equal(&aa, &d.g, false));
        (void)akti_cl_convergence(&ab, 1000);
        (void)akti_cl_leader(&ab, 1000, NULL);
        uint64_t recv[16];
        (void)akti_cl_hb_receivers(&ab, 1000, 5, recv, 16);
        akti_cl_gossip_fini(&ab);
        akti_cl_gossip_fini(&ba);
        akti_cl_gossip_fini(&aa);
    }
    uint8_t *buf;
    size_t len;
    if (akti_cl_msg_encode(&d, &buf, &len) == AKT_OK) {
        akti_cl_msg again;
        must(akti_cl_msg_decode(buf, len, &lim, &again) == AKT_OK);
        must(again.kind == d.kind);
        must(akti_cl_gossip_equal(&again.g, &d.g, true));
        akti_cl_msg_fini(&again);
        free(buf);
    }
    akti_cl_msg_fini(&d);
    return 0;
}
