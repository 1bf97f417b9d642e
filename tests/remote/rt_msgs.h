/*
 * rt_msgs.h -- message types for the remoting tests and bench, written by
 * hand in the shape aktc's C emitter produces (descriptor + msgpack
 * encode/decode keyed by field number):
 *
 *   message rt.Ping { int64 n = 1; string text = 2; bytes blob = 3; }
 *   message rt.Pong { int64 n = 1; }
 *   message rt.RefMsg { ref who = 1; int64 n = 2; }
 */
#ifndef AKT_TESTS_REMOTE_RT_MSGS_H
#define AKT_TESTS_REMOTE_RT_MSGS_H

#include "akt/akt.h"
#include "akt/akt_gen.h"

typedef struct rt_Ping {
    int64_t n;
    akt_str text;
    akt_bytes blob;
} rt_Ping;

typedef struct rt_Pong {
    int64_t n;
} rt_Pong;

typedef struct rt_RefMsg {
    akt_ref who;
    int64_t n;
} rt_RefMsg;

extern const akt_type rt_ping_desc;
extern const akt_type rt_refmsg_desc;
extern const akt_type rt_pong_desc;

/* rt_register_types -- add rt.Ping, rt.Pong, rt.RefMsg to reg */
akt_err rt_register_types(akt_registry *reg);

static inline rt_Ping *
rt_ping_new(int64_t n)
{
    rt_Ping *m = akt_msg_new(&rt_ping_desc, 0);
    if (m) {
        m->n = n;
    }
    return m;
}

static inline rt_Pong *
rt_pong_new(int64_t n)
{
    rt_Pong *m = akt_msg_new(&rt_pong_desc, 0);
    if (m) {
        m->n = n;
    }
    return m;
}

static inline rt_RefMsg *
rt_refmsg_new(akt_ref who, int64_t n)
{
    rt_RefMsg *m = akt_msg_new(&rt_refmsg_desc, 0);
    if (m) {
        m->who = who;
        m->n = n;
    }
    return m;
}

#endif
