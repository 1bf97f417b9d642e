/*
 * fuzz_frame.c -- libFuzzer target for the remoting frame decoder
 * (runtime/src/remote/frame.c): any byte string must decode to a frame that
 * passes akti_frame_check, or be rejected with AKT_EPROTO/AKT_ETOOBIG,
 * without crashing, leaking or reading out of bounds. Accepted frames are
 * walked fully (every string and payload byte touched) so ASan sees any
 * dangling view. Every input is also decoded by both akt's data-frame
 * decoder and protobuf-c (frame_diff.h): a difference in what they accept
 * or in the values they give traps. Build with -DAKT_BUILD_FUZZ=ON (clang);
 * run e.g.
 *     ./fuzz_frame -max_total_time=300 -max_len=4096
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frame_diff.h"
#include "remote/frame.h"

static void
touch_env(const Akt__Remote__Envelope *e, volatile size_t *sink)
{
    if (e == NULL) {
        return;
    }
    *sink += strlen(e->recipient) + strlen(e->sender);
    for (size_t i = 0; i < e->payload.len; i++) {
        *sink += e->payload.data[i];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static akti_pbarena arena, d1, d2;
    static int init;
    static akti_frame_limits lim;
    if (!init) {
        akti_pbarena_init(&arena, 8u << 20);
        akti_pbarena_init(&d1, 0);
        akti_pbarena_init(&d2, 0);
        akti_frame_limits_default(&lim);
        lim.max_frame_size = 64 * 1024;
        init = 1;
    }
    if (size <= lim.max_frame_size && fd_check(data, size, &d1, &d2) < 0) {
        __builtin_trap(); /* akt's decoder and protobuf-c's disagree */
    }
    akti_frame *f = NULL;
    volatile size_t sink = 0;
    akt_err rc = akti_frame_decode(data, size, &lim, &arena, &f);
    if (rc == AKT_OK) {
        switch (f->body_case) {
        case AKT__REMOTE__FRAME__BODY_BATCH:
            for (size_t i = 0; i < f->batch->n_envelopes; i++) {
                touch_env(f->batch->envelopes[i], &sink);
            }
            break;
        case AKT__REMOTE__FRAME__BODY_HELLO:
            sink += strlen(f->hello->system) + strlen(f->hello->address)
                + f->hello->nonce.len + f->hello->mac.len
                + strlen(f->hello->to_system);
            break;
        case AKT__REMOTE__FRAME__BODY_FRAGMENT:
            touch_env(f->fragment->head, &sink);
            for (size_t i = 0; i < f->fragment->data.len; i++) {
                sink += f->fragment->data.data[i];
            }
            break;
        case AKT__REMOTE__FRAME__BODY_QUARANTINE:
            sink += strlen(f->quarantine->reason);
            break;
        default:
            break;
        }
    } else if (rc != AKT_EPROTO && rc != AKT_ETOOBIG) {
        __builtin_trap();
    }
    akti_pbarena_reset(&arena);
    return 0;
}
