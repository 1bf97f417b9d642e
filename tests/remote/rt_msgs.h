/*
 * rt_msgs.h -- message types for the remoting tests and bench, written by
 * hand in the shape aktc's C emitter produces (descriptor + msgpack
 * encode/decode keyed by field number):
 *
 *   message rt.Ping { int64 n = 1; string text = 2; bytes blob = 3; }
 *   message rt.Pong { int64 n = 1; }
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

extern const akt_type rt_ping_desc;
extern const akt_type rt_pong_desc;

/* rt_register_types -- add rt.Ping, rt.Pong (and akt.Status) to reg */
akt_err rt_register_types(akt_registry *reg);

static inline rt_Ping *
rt_ping_new(int64_t n)
{
    rt_Ping *m = akt_msg_new(&rt_ping_desc, 0);
    if (m)
        m->n = n;
    return m;
}

static inline rt_Pong *
rt_pong_new(int64_t n)
{
    rt_Pong *m = akt_msg_new(&rt_pong_desc, 0);
    if (m)
        m->n = n;
    return m;
}

#endif
