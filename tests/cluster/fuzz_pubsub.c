/*
 * fuzz_pubsub.c -- libFuzzer target for distributed pub/sub's decoder and
 * registry (runtime/src/cluster/pubsub_reg.c): any byte string must decode
 * or be refused with AKT_EPROTO, without crashing, leaking or reading out
 * of bounds. An accepted message is encoded again (it must decode to the
 * same bytes), merged into a registry with a small bound (which must
 * hold), answered with a delta and a status, and pruned. Build with
 * -DAKT_BUILD_FUZZ=ON (clang); seeds: tests/cluster/fuzz-seeds/fuzz_pubsub/
 * (scripts/fuzz-smoke.sh runs it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/pubsub.h"

static void
must(int ok)
{
    if (!ok) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    akti_ps_msg m;
    akt_err rc = akti_ps_decode(data, size, &m);
    if (rc != AKT_OK) {
        must(rc == AKT_EPROTO || rc == AKT_ENOMEM);
        return 0;
    }
    uint8_t *buf;
    size_t len;
    must(akti_ps_encode(&m, &buf, &len) == AKT_OK);
    must(len == size && memcmp(buf, data, size) == 0);
    free(buf);
    akti_ps_reg r;
    memset(&r, 0, sizeof r);
    r.max_entries = 16;
    akti_cl_addr self;
    memset(&self, 0, sizeof self);
    strcpy(self.system, "s");
    strcpy(self.host, "h");
    self.port = 1;
    self.uid = 7;
    akti_ps_entry e;
    memset(&e, 0, sizeof e);
    e.kind = AKTI_PS_SUB;
    strcpy(e.key, "t");
    strcpy(e.path, "akt://s@h:1/user/a");
    must(akti_ps_local_set(&r, &self, &e, false, 0, &rc));
    uint64_t dropped = 0;
    akti_ps_merge(&r, &self, &m, 1, NULL, NULL, NULL, &dropped);
    akti_ps_merge(&r, &self, &m, 2, NULL, NULL, NULL, &dropped);
    must(r.entries <= r.max_entries);
    akti_ps_msg d, st;
    if (akti_ps_delta(&r, &self, &m, 8, &d) == AKT_OK) {
        size_t n = 0;
        for (size_t i = 0; i < d.nb; i++) {
            n += d.b[i].n;
        }
        must(n <= 8);
        akti_ps_msg_free(&d);
    }
    if (akti_ps_status(&r, &self, true, &st) == AKT_OK) {
        (void)akti_ps_newer(&r, &st);
        akti_ps_msg_free(&st);
    }
    (void)akti_ps_count(&r, "t");
    akti_ps_prune(&r, 1000, 1, NULL, NULL, NULL);
    akti_ps_reg_free(&r);
    akti_ps_msg_free(&m);
    return 0;
}
