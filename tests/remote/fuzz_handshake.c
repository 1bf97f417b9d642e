/*
 * fuzz_handshake.c -- libFuzzer target for the transport's handshake state
 * machine (runtime/src/remote/transport_rx.c): sequences of frames fed to
 * the receive path of a fresh transport (fixed uid and cookie) through
 * akti_tp_rx_bytes, as if they came from peers. Random bytes rarely make a
 * valid Hello (a 32-byte HMAC), so each frame carries a flags byte with
 * which the harness fixes it up the way a peer holding the cookie would:
 * the mac signed with the cookie, the echo set to the nonce the transport
 * sent to the claimed address, the token and to_uid of an established
 * session. That reaches every state: claims, confirmations, new
 * incarnations, quarantine, sessions ended and restarted, refusals, leaves,
 * acks, batches and fragments for up, stale and unknown incarnations. The
 * claimed addresses are confined to two inproc URLs nothing listens on (the
 * transport's answers fail at once). Nothing may crash, hang, leak or race
 * (ASan, UBSan; the transport's threads run as they do in a node).
 *
 * Input: records of [flags:1][len:2, little-endian][len bytes]. flags:
 *   0x01 a Hello: version, system names, nonce and a valid mac are set
 *   0x02 a Hello: echo = the nonce the transport sent to its address
 *   0x04 a Hello: address = inproc://fz-b (else inproc://fz-a)
 *   0x08 not a Hello: to_uid and token of the session with from_uid
 *   0x10 from_uid (and a Hello's uid) folded into 1..3
 *   0x20 the frame comes on a data lane (akti_tp_lane_rx_frame; one lane
 *        per input, a new one after the transport closed it): a LaneOpen
 *        gets the mac a peer holding the cookie makes, with 0x08 for the
 *        session's token (protocol 5)
 * Build with -DAKT_BUILD_FUZZ=ON (clang); run e.g.
 *     ./fuzz_handshake -max_total_time=300 -max_len=4096
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote/transport_impl.h"

#define COOKIE "fuzz-cookie"
#define SELF   "inproc://fz-self"
#define ADDR_A "inproc://fz-a"
#define ADDR_B "inproc://fz-b"
#define FZ_UID 0xF00DULL

static size_t
fz_envelope(
    void *arg, const akti_peer *from, int channel, const akti_envelope *env)
{
    (void)arg;
    (void)from;
    (void)channel;
    (void)env;
    return 0; /* consumed */
}

static const akti_tp_callbacks fz_cbs = { .on_envelope = fz_envelope };

/* the association with url, if any (its nonce, its session) */
static akti_assoc *
fz_assoc(akti_tp *tp, const char *url, uint64_t uid)
{
    akti_assoc *a;
    pthread_mutex_lock(&tp->mu);
    for (a = tp->assocs; a; a = a->next) {
        if (url ? strcmp(a->url, url) == 0 : atomic_load(&a->peer_uid) == uid) {
            break;
        }
    }
    pthread_mutex_unlock(&tp->mu);
    return a;
}

/* fix_up -- f as a peer with the cookie would send it (flags) */
static void
fix_up(akti_tp *tp, Akt__Remote__Frame *f, uint8_t flags, uint8_t *nonce,
    uint8_t *echo, uint8_t *mac)
{
    if (flags & 0x10) {
        f->from_uid = 1 + f->from_uid % 3;
    }
    if (f->body_case == AKT__REMOTE__FRAME__BODY_HELLO && f->hello != NULL) {
        Akt__Remote__Hello *h = f->hello;
        if (flags & 0x10) {
            h->uid = f->from_uid;
        }
        if (flags & 0x01) {
            const char *addr = flags & 0x04 ? ADDR_B : ADDR_A;
            h->version = AKTI_REMOTE_PROTOCOL_VERSION;
            h->system = "peer";
            h->address = (char *)addr;
            h->to_system = "fz";
            h->uid = f->from_uid != 0 ? f->from_uid : 1;
            f->from_uid = h->uid;
            f->channel = AKT__REMOTE__CHANNEL__CONTROL;
            memset(nonce, (int)(h->uid & 0xff), AKTI_HELLO_NONCE_LEN);
            h->nonce.data = nonce;
            h->nonce.len = AKTI_HELLO_NONCE_LEN;
            if (h->echo.len != 0 && h->echo.len != AKTI_HELLO_NONCE_LEN) {
                h->echo.len = 0;
            }
            akti_assoc *a = fz_assoc(tp, addr, 0);
            if ((flags & 0x02) && a != NULL) {
                memcpy(echo, a->my_nonce, AKTI_HELLO_NONCE_LEN);
                h->echo.data = echo;
                h->echo.len = AKTI_HELLO_NONCE_LEN;
                pthread_mutex_lock(&a->mu);
                if (h->to_uid != 0) {
                    h->to_uid = tp->uid;
                }
                if (h->your_token != 0) {
                    h->your_token = a->my_token;
                }
                pthread_mutex_unlock(&a->mu);
            }
            akti_hello_mac(COOKIE, strlen(COOKIE), h, mac);
            h->mac.data = mac;
            h->mac.len = AKTI_HELLO_MAC_LEN;
        }
        return;
    }
    if (flags & 0x08) {
        f->to_uid = tp->uid;
        akti_assoc *a = fz_assoc(tp, NULL, f->from_uid);
        if (a != NULL) {
            pthread_mutex_lock(&a->mu);
            f->token = a->my_token;
            pthread_mutex_unlock(&a->mu);
        }
    }
    if ((flags & 0x20) && f->body_case == AKT__REMOTE__FRAME__BODY_LANE_OPEN
        && f->lane_open != NULL) {
        akti_assoc *a = fz_assoc(tp, NULL, f->from_uid);
        memset(mac, 0, AKTI_HELLO_MAC_LEN);
        if (a != NULL) {
            pthread_mutex_lock(&a->mu);
            akti_lane_mac(COOKIE, strlen(COOKIE), f->from_uid, f->to_uid,
                f->token, f->conn_epoch, a->my_nonce, mac);
            pthread_mutex_unlock(&a->mu);
        }
        f->lane_open->mac.data = mac;
        f->lane_open->mac.len = AKTI_HELLO_MAC_LEN;
    }
}

/* fz_lane_rx -- bytes read from the input's data lane; a lane the
 * transport closes is replaced by a fresh one */
static void
fz_lane_rx(akti_tp *tp, tp_lane_rx *l, const void *data, size_t len)
{
    pthread_mutex_lock(&tp->rx_mu);
    bool keep = akti_tp_lane_rx_frame(tp, l, data, len);
    pthread_mutex_unlock(&tp->rx_mu);
    if (!keep && l->a != NULL) {
        akti_assoc_release(l->a);
        l->a = NULL;
    }
}

/* NNG tears connections down on its own threads after nng_close returns
 * (tests/remote/lsan-nng.supp): not the transport's leaks */
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
    return "leak:libnng.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        setenv("AKT_REMOTE_LOG", "off", 0); /* unless asked for */
        init = 1;
    }
    akti_tp_opts o;
    akti_tp_opts_default(&o);
    o.system_name = "fz";
    o.listen_url = SELF;
    o.cookie = COOKIE;
    o.uid = FZ_UID;
    o.cb = &fz_cbs;
    o.max_associations = 4;
    o.max_associations_per_source = 2;
    o.handshake_retry_ns = 20000000LL;
    o.max_frame_size = 16 * 1024;
    o.leave_wait_ns = 1; /* nobody answers a Leave here */
    /* no lanes of our own to the addresses inputs announce (the sending
     * side would dial them); lane frames are fed in directly */
    o.data_lanes = AKTI_LANES_SOCKET;
    akti_tp *tp;
    if (akti_tp_start(&o, &tp) != AKT_OK) {
        return 0;
    }
    uint8_t out[16 * 1024 + 512];
    uint8_t nonce[AKTI_HELLO_NONCE_LEN], echo[AKTI_HELLO_NONCE_LEN];
    uint8_t mac[AKTI_HELLO_MAC_LEN];
    tp_lane_rx lane = { .tp = tp };
    snprintf(lane.src, sizeof(lane.src), "10.0.0.9");
    size_t at = 0;
    for (int n = 0; n < 64 && at + 3 <= size; n++) {
        uint8_t flags = data[at];
        size_t len = (size_t)data[at + 1] | (size_t)data[at + 2] << 8;
        at += 3;
        if (len > size - at) {
            len = size - at;
        }
        const uint8_t *rec = data + at;
        at += len;
        Akt__Remote__Frame *f = akt__remote__frame__unpack(NULL, len, rec);
        if (f == NULL) { /* as it came */
            if (flags & 0x20) {
                fz_lane_rx(tp, &lane, rec, len);
            } else {
                akti_tp_rx_bytes(tp, rec, len, "10.0.0.9");
            }
            continue;
        }
        /* fix_up points a Hello's fields at the harness's strings and
         * buffers: its own come back before protobuf-c frees them */
        Akt__Remote__Hello saved;
        bool hello = f->body_case == AKT__REMOTE__FRAME__BODY_HELLO
            && f->hello != NULL;
        if (hello) {
            saved = *f->hello;
        }
        Akt__Remote__LaneOpen lsaved;
        bool lopen = f->body_case == AKT__REMOTE__FRAME__BODY_LANE_OPEN
            && f->lane_open != NULL;
        if (lopen) {
            lsaved = *f->lane_open;
        }
        fix_up(tp, f, flags, nonce, echo, mac);
        size_t m = akt__remote__frame__get_packed_size(f);
        if (m <= sizeof(out)) {
            akt__remote__frame__pack(f, out);
            if (flags & 0x20) {
                fz_lane_rx(tp, &lane, out, m);
            } else {
                akti_tp_rx_bytes(tp, out, m, "10.0.0.9");
            }
        }
        if (hello) {
            *f->hello = saved;
        }
        if (lopen) {
            *f->lane_open = lsaved;
        }
        akt__remote__frame__free_unpacked(f, NULL);
    }
    if (lane.a != NULL) {
        akti_assoc_release(lane.a);
    }
    akti_tp_free(tp);
    return 0;
}
