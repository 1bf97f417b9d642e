/*
 * node.c -- a cluster member's protocol (node.h): the seed process and
 * join, Welcome, gossip receive with Akka's compare-then-merge and talk
 * back, push-pull GossipStatus with a seen digest, leave and down,
 * heartbeats and their answers, the reaper (own reachability row, local
 * health), the leader's actions, WeaklyUp, the split-brain resolver and
 * lease-majority, and stopping when downed, removed or exited. Events are
 * published as the difference between the last published state and the
 * latest one.
 */
#include "cluster/node.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEC(x)  ((int64_t)(x)*1000000000LL)
#define MSEC(x) ((int64_t)(x)*1000000LL)

void
akti_cl_settings_default(akti_cl_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->gossip_interval_ns = SEC(1);
    s->gossip_ttl_ns = SEC(2);
    s->leader_interval_ns = SEC(1);
    s->reaper_interval_ns = SEC(1);
    s->seed_timeout_ns = SEC(5);
    s->retry_join_ns = SEC(10);
    s->weakly_up_after_ns = SEC(7);
    s->prune_tombstones_ns = SEC(24 * 3600);
    s->min_members = 1;
    s->diff_view_probability = 0.8;
    akti_cl_fd_settings_default(&s->fd);
    s->sbr_on = true;
    akti_sbr_settings_default(&s->sbr);
    akti_cl_wire_limits_default(&s->wire);
    s->enforce_on_join = true;
}

bool
akti_cl_config_mismatch(const akti_cl_settings *s,
    const char (*config)[AKTI_CL_CHECK_LEN], uint32_t n, char *why, size_t len)
{
    for (uint32_t i = 0; i < n; i++) {
        const char *eq = strchr(config[i], '=');
        if (eq == NULL) {
            continue;
        }
        size_t klen = (size_t)(eq - config[i]);
        for (uint32_t k = 0; k < s->ncheck; k++) {
            const char *mine = s->check[k];
            if (strncmp(mine, config[i], klen) == 0 && mine[klen] == '='
                && strcmp(mine + klen + 1, eq + 1) != 0) {
                snprintf(why, len,
                    "%.*s is %s on the joining node and %s in this cluster",
                    (int)klen, mine, eq + 1, mine + klen + 1);
                return true;
            }
        }
    }
    return false;
}

void
akti_cl_settings_test_profile(akti_cl_settings *s)
{
    akti_cl_settings_default(s);
    s->gossip_interval_ns = MSEC(250);
    s->gossip_ttl_ns = SEC(1);
    s->leader_interval_ns = MSEC(250);
    s->reaper_interval_ns = MSEC(250);
    s->seed_timeout_ns = SEC(1);
    s->retry_join_ns = SEC(2);
    s->weakly_up_after_ns = SEC(2);
    s->prune_tombstones_ns = SEC(60);
    s->fd.interval_ns = MSEC(250);
    s->fd.acceptable_pause_ns = MSEC(1500);
    s->fd.expected_response_after_ns = MSEC(500);
    s->sbr.stable_after_ns = SEC(3);
    s->sbr.down_all_when_unstable_ns = akti_sbr_unstable_default(SEC(3));
}

static uint64_t
rnd(akti_clnode *n)
{
    uint64_t x = n->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    n->rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

akt_err
akti_clnode_init(akti_clnode *n, const akti_cl_settings *set,
    const akti_cl_member *self, const akti_cl_io *io, uint64_t seed)
{
    memset(n, 0, sizeof(*n));
    if (self->address.uid == 0 || io->send == NULL) {
        return AKT_EINVAL;
    }
    n->set = *set;
    n->io = *io;
    n->self = *self;
    n->self.status = AKT_MEMBER_JOINING;
    n->self.up_number = INT32_MAX;
    n->uid = self->address.uid;
    akti_cl_gossip_init(&n->g);
    akti_cl_gossip_init(&n->pub);
    akti_cl_hb_init(&n->hb, &set->fd);
    akti_sbr_tracker_init(&n->sbr);
    n->rng = (seed ^ n->uid) | 1;
    return AKT_OK;
}

void
akti_clnode_fini(akti_clnode *n)
{
    akti_cl_gossip_fini(&n->g);
    akti_cl_gossip_fini(&n->pub);
    akti_cl_hb_fini(&n->hb);
    free(n->seeds);
    n->seeds = NULL;
}

/* --- logging ------------------------------------------------------------- */

/* text from the network, made printable for the log */
static void
printable(char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f) {
            *s = '?';
        }
    }
}

static void node_log(akti_clnode *n, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void
node_log(akti_clnode *n, int level, const char *fmt, ...)
{
    if (n->io.log == NULL) {
        return;
    }
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    printable(buf);
    n->io.log(n->io.arg, level, buf);
}

/* --- sending -------------------------------------------------------------- */

static void
send_msg(akti_clnode *n, akti_cl_msg *m, const akti_cl_addr *to,
    akti_cl_send_kind kind)
{
    m->from = n->self.address;
    m->to = *to;
    uint8_t *buf;
    size_t len;
    if (akti_cl_msg_encode(m, &buf, &len) != AKT_OK) {
        return; /* out of memory: periodic messages go again next round */
    }
    if (m->kind == AKTI_CLM_GOSSIP || m->kind == AKTI_CLM_WELCOME) {
        n->stats.gossip_bytes += len;
    } else if (m->kind == AKTI_CLM_GOSSIP_STATUS) {
        n->stats.status_bytes += len;
    }
    n->io.send(n->io.arg, to, buf, len, kind);
    free(buf);
}

static void
send_simple(akti_clnode *n, akti_clm_kind kind, const akti_cl_addr *to)
{
    akti_cl_msg m;
    akti_cl_msg_init(&m, kind);
    if (kind == AKTI_CLM_JOIN) {
        m.joiner = n->self;
    }
    if (kind == AKTI_CLM_INIT_JOIN) {
        memcpy(m.config, n->set.check, sizeof m.config);
        m.nconfig = n->set.ncheck;
    }
    send_msg(n, &m, to, AKTI_CL_SEND_DAEMON);
    akti_cl_msg_fini(&m);
}

/* the whole state, to the member uid (or a joiner: Welcome) */
static void
send_gossip(akti_clnode *n, akti_clm_kind kind, const akti_cl_addr *to)
{
    akti_cl_msg m;
    akti_cl_msg_init(&m, kind);
    /* the message borrows the state: no copy per send */
    m.g = n->g;
    send_msg(n, &m, to, AKTI_CL_SEND_DAEMON);
    if (kind == AKTI_CLM_GOSSIP) {
        n->stats.gossip_sent++;
    }
}

static void
gossip_to(akti_clnode *n, uint64_t uid)
{
    const akti_cl_member *m = akti_cl_gossip_member(&n->g, uid);
    if (m != NULL && uid != n->uid) {
        send_gossip(n, AKTI_CLM_GOSSIP, &m->address);
    }
}

static void
status_to(akti_clnode *n, uint64_t uid)
{
    const akti_cl_member *m = akti_cl_gossip_member(&n->g, uid);
    if (m == NULL || uid == n->uid) {
        return;
    }
    akti_cl_msg s;
    akti_cl_msg_init(&s, AKTI_CLM_GOSSIP_STATUS);
    s.g.vc = n->g.vc; /* borrowed: only the clock travels */
    s.g.nvc = n->g.nvc;
    s.seen_digest = akti_cl_gossip_seen_digest(&n->g);
    send_msg(n, &s, &m->address, AKTI_CL_SEND_DAEMON);
    n->stats.status_sent++;
}

/* --- state changes and events --------------------------------------------- */

static void
stop(akti_clnode *n, akti_cl_stop why)
{
    if (n->phase == AKTI_CL_STOPPED) {
        return;
    }
    n->phase = AKTI_CL_STOPPED;
    n->stop_reason = why;
    if (n->io.stopped != NULL) {
        n->io.stopped(n->io.arg, why);
    }
}

static void
publish(akti_clnode *n)
{
    if (akti_cl_gossip_equal(&n->pub, &n->g, false)) {
        return;
    }
    if (n->io.event != NULL) {
        akti_cl_diff(&n->pub, &n->g, n->uid, n->io.event, n->io.arg);
    }
    if (akti_cl_gossip_copy(&n->pub, &n->g) != AKT_OK) {
        /* events for this change come again with the next one */
    }
}

/* removed: as what we were last */
static akti_cl_stop
removed_why(const akti_clnode *n)
{
    switch (n->last_status) {
    case AKT_MEMBER_LEAVING:
    case AKT_MEMBER_EXITING:
        return AKTI_CL_STOP_LEFT;
    case AKT_MEMBER_DOWN:
        return AKTI_CL_STOP_DOWNED;
    default:
        return AKTI_CL_STOP_REMOVED;
    }
}

static bool trusted_sender(akti_clnode *n, uint64_t from);

/* Akka's ExitingConfirmed: this member saw itself Exiting; it tells the
 * leader and the next member that could be leader (the first two Up or
 * Leaving members in address order that it sees reachable), so that the
 * leader removes it without waiting for its seen mark to come round in
 * the gossip -- the member stops soon after */
static void
confirm_exiting(akti_clnode *n)
{
    int sent = 0;
    for (uint32_t i = 0; i < n->g.nm && sent < 2; i++) {
        const akti_cl_member *m = &n->g.m[i];
        if (m->address.uid == n->uid
            || (m->status != AKT_MEMBER_UP && m->status != AKT_MEMBER_LEAVING)
            || akti_cl_reach_status(&n->g, m->address.uid, true)
                != AKTI_CL_REACHABLE) {
            continue;
        }
        akti_cl_msg c;
        akti_cl_msg_init(&c, AKTI_CLM_EXITING_CONFIRMED);
        c.node = n->self.address;
        send_msg(n, &c, &m->address, AKTI_CL_SEND_DAEMON);
        akti_cl_msg_fini(&c);
        sent++;
    }
}

/* an Exiting member's confirmation (from itself, a member we trust) */
static void
on_exiting_confirmed(akti_clnode *n, const akti_cl_msg *msg)
{
    if (n->phase != AKTI_CL_MEMBER || msg->node.uid != msg->from.uid
        || !trusted_sender(n, msg->from.uid)) {
        n->stats.ignored++;
        return;
    }
    const akti_cl_member *m = akti_cl_gossip_member(&n->g, msg->node.uid);
    if (m == NULL || m->status != AKT_MEMBER_EXITING) {
        return; /* not (yet) Exiting here: the seen mark will do */
    }
    for (uint32_t i = 0; i < n->nconfirmed; i++) {
        if (n->exiting_confirmed[i] == m->address.uid) {
            return;
        }
    }
    if (n->nconfirmed < AKTI_CL_CONFIRMED_MAX) {
        n->exiting_confirmed[n->nconfirmed++] = m->address.uid;
    }
}

/* drop confirmations of members that are no longer Exiting (removed) */
static void
prune_confirmed(akti_clnode *n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n->nconfirmed; i++) {
        const akti_cl_member *m
            = akti_cl_gossip_member(&n->g, n->exiting_confirmed[i]);
        if (m != NULL && m->status == AKT_MEMBER_EXITING) {
            n->exiting_confirmed[k++] = n->exiting_confirmed[i];
        }
    }
    n->nconfirmed = k;
}

/* self's own status decides whether it goes on */
static void
check_self(akti_clnode *n, int64_t now)
{
    if (n->phase != AKTI_CL_MEMBER) {
        return;
    }
    const akti_cl_member *m = akti_cl_gossip_member(&n->g, n->uid);
    if (m == NULL) {
        stop(n, removed_why(n));
        return;
    }
    n->last_status = m->status;
    if (m->status == AKT_MEMBER_DOWN && n->down_since == 0) {
        n->down_since = now;
        n->next_gossip = now; /* spread it (the STONITH signal) */
    }
    if (m->status == AKT_MEMBER_EXITING && n->exiting_since == 0) {
        n->exiting_since = now;
        n->next_gossip = now;
        confirm_exiting(n);
    }
}

static void
changed(akti_clnode *n)
{
    (void)akti_cl_gossip_bump(&n->g, n->uid);
}

static void
start_member(akti_clnode *n, int64_t now)
{
    n->phase = AKTI_CL_MEMBER;
    n->next_gossip = now;
    n->next_hb = now;
    n->next_reaper = now + n->set.reaper_interval_ns;
    n->last_reaper = now;
    n->next_leader = now + n->set.leader_interval_ns;
    n->last_leader = now;
}

static void
self_join(akti_clnode *n, int64_t now)
{
    akti_cl_gossip_fini(&n->g);
    akti_cl_gossip_init(&n->g);
    if (akti_cl_gossip_add(&n->g, &n->self) != AKT_OK) {
        return; /* out of memory: the seed process goes on */
    }
    changed(n);
    start_member(n, now);
}

/* --- handlers ------------------------------------------------------------- */

static bool
self_active(const akti_clnode *n)
{
    const akti_cl_member *m = akti_cl_gossip_member(&n->g, n->uid);
    return n->phase == AKTI_CL_MEMBER && m != NULL
        && m->status != AKT_MEMBER_DOWN && m->status != AKT_MEMBER_EXITING;
}

static void
on_join(akti_clnode *n, const akti_cl_msg *msg)
{
    if (!self_active(n)) {
        return;
    }
    const akti_cl_member *j = &msg->joiner;
    uint64_t uid = j->address.uid;
    if (akti_cl_gossip_tombstoned(&n->g, uid)) {
        n->stats.ignored++; /* a removed incarnation never returns */
        return;
    }
    const akti_cl_member *known = akti_cl_gossip_member(&n->g, uid);
    if (known != NULL) {
        if (known->status != AKT_MEMBER_DOWN) {
            send_gossip(n, AKTI_CLM_WELCOME, &j->address);
        }
        return;
    }
    /* a new incarnation at a member's address: the old one is dead (it
     * was restarted); mark it Terminated and Down at once, the new one
     * retries and joins once the old one is removed */
    bool old = false;
    for (uint32_t i = 0; i < n->g.nm; i++) {
        akti_cl_member *m = &n->g.m[i];
        if (m->address.uid == uid || m->address.uid == n->uid
            || !akti_cl_addr_same_node(&m->address, &j->address)) {
            continue;
        }
        old = true;
        if (m->status != AKT_MEMBER_DOWN) {
            (void)akti_cl_reach_set(
                &n->g, n->uid, m->address.uid, AKTI_CL_TERMINATED);
            (void)akti_cl_gossip_set_status(
                &n->g, m->address.uid, AKT_MEMBER_DOWN, 0);
            changed(n);
        }
    }
    if (old) {
        return;
    }
    akti_cl_member add = *j;
    add.status = AKT_MEMBER_JOINING;
    add.up_number = INT32_MAX;
    if (akti_cl_gossip_add(&n->g, &add) != AKT_OK) {
        return;
    }
    changed(n);
    send_gossip(n, AKTI_CLM_WELCOME, &j->address);
}

static void
on_welcome(akti_clnode *n, const akti_cl_msg *msg, int64_t now)
{
    if (n->phase != AKTI_CL_JOINING
        || akti_cl_gossip_member(&msg->g, n->uid) == NULL
        || akti_cl_gossip_member(&msg->g, msg->from.uid) == NULL) {
        n->stats.ignored++;
        return;
    }
    if (akti_cl_gossip_copy(&n->g, &msg->g) != AKT_OK) {
        return;
    }
    (void)akti_cl_gossip_see(&n->g, n->uid);
    start_member(n, now);
    gossip_to(n, msg->from.uid);
}

/* the sender is a member self does not see as unreachable */
static bool
trusted_sender(akti_clnode *n, uint64_t from)
{
    if (akti_cl_gossip_member(&n->g, from) == NULL
        || akti_cl_reach_status_by(&n->g, n->uid, from) != AKTI_CL_REACHABLE) {
        n->stats.ignored++;
        return false;
    }
    return true;
}

static void
on_gossip(akti_clnode *n, akti_cl_msg *msg, int64_t received, int64_t now)
{
    if (n->phase != AKTI_CL_MEMBER) {
        n->stats.ignored++;
        return;
    }
    if (now - received > n->set.gossip_ttl_ns) {
        n->stats.gossip_dropped_ttl++;
        return;
    }
    uint64_t from = msg->from.uid;
    if (!trusted_sender(n, from)) {
        return;
    }
    n->stats.gossip_received++;
    if (akti_cl_gossip_member(&msg->g, n->uid) == NULL) {
        if (akti_cl_gossip_tombstoned(&msg->g, n->uid)) {
            stop(n, removed_why(n));
        } else {
            n->stats.ignored++;
        }
        return;
    }
    bool talkback = false;
    switch (akti_cl_vc_compare(&msg->g, &n->g)) {
    case AKTI_VC_SAME:
        /* tell them we have seen it too, if they did not know */
        talkback = !akti_cl_gossip_seen_by(&msg->g, n->uid);
        (void)akti_cl_gossip_merge_seen(&n->g, &msg->g);
        break;
    case AKTI_VC_BEFORE: /* theirs is older: keep ours, tell them */
        talkback = true;
        break;
    case AKTI_VC_AFTER:
        talkback = !akti_cl_gossip_seen_by(&msg->g, n->uid);
        akti_cl_gossip_fini(&n->g);
        n->g = msg->g; /* take it over */
        akti_cl_gossip_init(&msg->g);
        break;
    case AKTI_VC_CONCURRENT: {
        akti_cl_gossip out;
        akti_cl_gossip_init(&out);
        if (akti_cl_gossip_merge(&msg->g, &n->g, &out) != AKT_OK) {
            akti_cl_gossip_fini(&out);
            return;
        }
        akti_cl_gossip_fini(&n->g);
        n->g = out;
        n->stats.merges++;
        talkback = true;
        break;
    }
    }
    (void)akti_cl_gossip_see(&n->g, n->uid);
    if (talkback) {
        gossip_to(n, from);
    }
}

static void
on_status(akti_clnode *n, const akti_cl_msg *msg)
{
    if (n->phase != AKTI_CL_MEMBER || !trusted_sender(n, msg->from.uid)) {
        return;
    }
    uint64_t mine = akti_cl_gossip_seen_digest(&n->g);
    bool seen_same
        = msg->seen_digest == 0 || mine == 0 || msg->seen_digest == mine;
    if (!seen_same) {
        gossip_to(n, msg->from.uid);
        return;
    }
    switch (akti_cl_vc_compare(&msg->g, &n->g)) {
    case AKTI_VC_SAME:
        break;
    case AKTI_VC_AFTER: /* theirs is newer: ask for it */
        status_to(n, msg->from.uid);
        break;
    default:
        gossip_to(n, msg->from.uid);
        break;
    }
}

/* the member at addr (by uid, or by address when uid is 0) */
static akti_cl_member *
find_addr(akti_clnode *n, const akti_cl_addr *addr)
{
    for (uint32_t i = 0; i < n->g.nm; i++) {
        akti_cl_member *m = &n->g.m[i];
        if (addr->uid != 0 ? m->address.uid == addr->uid
                           : akti_cl_addr_same_node(&m->address, addr)) {
            return m;
        }
    }
    return NULL;
}

static akt_err
do_leave(akti_clnode *n, const akti_cl_addr *addr, int64_t now)
{
    if (n->phase != AKTI_CL_MEMBER) {
        return AKT_ESTATE;
    }
    akti_cl_member *m = find_addr(n, addr);
    if (m == NULL) {
        return AKT_ENOENT;
    }
    if (m->status != AKT_MEMBER_JOINING && m->status != AKT_MEMBER_WEAKLY_UP
        && m->status != AKT_MEMBER_UP) {
        return AKT_OK; /* leaving, or gone already */
    }
    m->status = AKT_MEMBER_LEAVING;
    changed(n);
    n->next_gossip = now;
    return AKT_OK;
}

static akt_err
do_down(akti_clnode *n, uint64_t uid, int64_t now)
{
    akti_cl_member *m = akti_cl_gossip_member(&n->g, uid);
    if (m == NULL) {
        return AKT_ENOENT;
    }
    if (m->status == AKT_MEMBER_DOWN) {
        return AKT_OK;
    }
    m->status = AKT_MEMBER_DOWN;
    changed(n);
    n->next_gossip = now;
    gossip_to(n, uid); /* tell the downed one (Akka's STONITH signal) */
    return AKT_OK;
}

/* a member we removed (or that is Down) still talks to us: it missed the
 * news (it was paused, or cut off when it happened). Our state tells it;
 * it stops when it finds itself tombstoned or Down. At most one such
 * notice per gossip interval. true: the message was from a removed one. */
static bool
removed_sender(akti_clnode *n, const akti_cl_msg *msg, int64_t now)
{
    if (n->phase != AKTI_CL_MEMBER || msg->kind == AKTI_CLM_INIT_JOIN
        || msg->kind == AKTI_CLM_JOIN) {
        return false;
    }
    const akti_cl_member *m = akti_cl_gossip_member(&n->g, msg->from.uid);
    bool removed = akti_cl_gossip_tombstoned(&n->g, msg->from.uid);
    bool down = m != NULL && m->status == AKT_MEMBER_DOWN;
    if (!removed && !down) {
        return false;
    }
    if (now - n->last_notice >= n->set.gossip_interval_ns) {
        n->last_notice = now;
        send_gossip(n, AKTI_CLM_GOSSIP, &msg->from);
    }
    return removed;
}

/* InitJoin: a member answers (unless the joiner's checked settings
 * disagree with ours and enforce-on-join is on: then the answer says why
 * not); a node that is no member (yet) says so */
static void
on_init_join(akti_clnode *n, const akti_cl_msg *msg)
{
    if (!self_active(n)) {
        send_simple(n, AKTI_CLM_INIT_JOIN_NACK, &msg->from);
        return;
    }
    akti_cl_msg m;
    akti_cl_msg_init(&m, AKTI_CLM_INIT_JOIN_ACK);
    char why[AKTI_CL_REFUSED_LEN - 64];
    if (akti_cl_config_mismatch(
            &n->set, msg->config, msg->nconfig, why, sizeof why)) {
        if (n->set.enforce_on_join) {
            n->stats.joins_refused++;
            snprintf(m.refused, sizeof m.refused, "%s", why);
            node_log(n, 1,
                "refused the join of %s@%s:%u: incompatible configuration: "
                "%s (akt.cluster.configuration-compatibility-check."
                "enforce-on-join = on)",
                msg->from.system, msg->from.host, msg->from.port, why);
        } else {
            node_log(n, 1,
                "%s@%s:%u joins with an incompatible configuration: %s "
                "(enforce-on-join = off)",
                msg->from.system, msg->from.host, msg->from.port, why);
        }
    }
    send_msg(n, &m, &msg->from, AKTI_CL_SEND_DAEMON);
    akti_cl_msg_fini(&m);
}

void
akti_clnode_receive(akti_clnode *n, const uint8_t *buf, size_t len,
    int64_t received_ns, int64_t now_ns)
{
    if (n->phase == AKTI_CL_STOPPED) {
        return;
    }
    akti_cl_msg msg;
    if (akti_cl_msg_decode(buf, len, &n->set.wire, &msg) != AKT_OK) {
        n->stats.rejected++;
        akti_cl_msg_fini(&msg);
        return;
    }
    if ((msg.to.uid != 0 && msg.to.uid != n->uid) || msg.from.uid == n->uid) {
        n->stats.ignored++; /* for another incarnation, or a loop */
        akti_cl_msg_fini(&msg);
        return;
    }
    if (removed_sender(n, &msg, now_ns)) {
        akti_cl_msg_fini(&msg);
        return;
    }
    switch (msg.kind) {
    case AKTI_CLM_INIT_JOIN:
        on_init_join(n, &msg);
        break;
    case AKTI_CLM_INIT_JOIN_ACK:
        if (n->phase == AKTI_CL_JOINING && !n->have_target
            && msg.refused[0] != '\0') {
            /* our settings disagree with the cluster's: no join */
            n->stats.joins_refused++;
            node_log(n, 2,
                "the cluster at %s@%s:%u refused this node's join: "
                "incompatible configuration: %s; this node does not join "
                "(make the settings agree, then join again)",
                msg.from.system, msg.from.host, msg.from.port, msg.refused);
            free(n->seeds);
            n->seeds = NULL;
            n->nseeds = 0;
            n->phase = AKTI_CL_IDLE;
            break;
        }
        if (n->phase == AKTI_CL_JOINING && !n->have_target) {
            n->have_target = true;
            n->target = msg.from;
            n->join_retry_at = now_ns + n->set.retry_join_ns;
            send_simple(n, AKTI_CLM_JOIN, &msg.from);
        }
        break;
    case AKTI_CLM_INIT_JOIN_NACK:
        if (n->phase == AKTI_CL_JOINING && n->first_seed && !n->have_target
            && ++n->nacks + 1 >= n->nseeds) {
            self_join(n, now_ns); /* no other seed is in a cluster */
        }
        break;
    case AKTI_CLM_JOIN:
        on_join(n, &msg);
        break;
    case AKTI_CLM_WELCOME:
        on_welcome(n, &msg, now_ns);
        break;
    case AKTI_CLM_LEAVE:
        if (n->phase == AKTI_CL_MEMBER && trusted_sender(n, msg.from.uid)) {
            (void)do_leave(n, &msg.node, now_ns);
        }
        break;
    case AKTI_CLM_DOWN:
        if (n->phase == AKTI_CL_MEMBER && trusted_sender(n, msg.from.uid)) {
            akti_cl_member *m = find_addr(n, &msg.node);
            if (m != NULL) {
                (void)do_down(n, m->address.uid, now_ns);
            }
        }
        break;
    case AKTI_CLM_HEARTBEAT: {
        akti_cl_msg r;
        akti_cl_msg_init(&r, AKTI_CLM_HEARTBEAT_RSP);
        r.seq = msg.seq;
        r.sent_ns = msg.sent_ns;
        send_msg(n, &r, &msg.from, AKTI_CL_SEND_ANSWER);
        akti_cl_msg_fini(&r);
        n->stats.heartbeat_answers++;
        break;
    }
    case AKTI_CLM_HEARTBEAT_RSP:
        (void)akti_cl_hb_response(
            &n->hb, msg.from.uid, msg.seq, msg.sent_ns, now_ns);
        break;
    case AKTI_CLM_GOSSIP_STATUS:
        on_status(n, &msg);
        break;
    case AKTI_CLM_GOSSIP:
        on_gossip(n, &msg, received_ns, now_ns);
        break;
    case AKTI_CLM_EXITING_CONFIRMED:
        on_exiting_confirmed(n, &msg);
        break;
    }
    akti_cl_msg_fini(&msg);
    if (n->phase == AKTI_CL_MEMBER) {
        publish(n);
        check_self(n, now_ns);
    }
}

/* --- periodic tasks ------------------------------------------------------- */

static void
gossip_round(akti_clnode *n)
{
    if (n->g.nm <= 1) {
        return;
    }
    double p
        = akti_cl_diff_view_probability(n->g.nm, n->set.diff_view_probability);
    uint64_t t;
    uint64_t r1 = rnd(n), r2 = rnd(n);
    if (!akti_cl_gossip_target(&n->g, n->uid, p, r1, r2, &t)) {
        return;
    }
    if (akti_cl_gossip_seen_by(&n->g, t)) {
        status_to(n, t);
    } else {
        gossip_to(n, t);
    }
}

static void
heartbeat_round(akti_clnode *n, int64_t now)
{
    uint64_t recv[64];
    uint32_t cap = sizeof(recv) / sizeof(recv[0]);
    uint32_t nr = akti_cl_hb_receivers(
        &n->g, n->uid, n->set.fd.monitored_by, recv, cap);
    if (akti_cl_hb_set_receivers(&n->hb, recv, nr) != AKT_OK) {
        return;
    }
    uint64_t seq = akti_cl_hb_tick(&n->hb, now);
    akti_cl_msg m;
    akti_cl_msg_init(&m, AKTI_CLM_HEARTBEAT);
    m.seq = seq;
    m.sent_ns = now;
    for (uint32_t i = 0; i < nr; i++) {
        const akti_cl_member *to = akti_cl_gossip_member(&n->g, recv[i]);
        if (to != NULL) {
            send_msg(n, &m, &to->address, AKTI_CL_SEND_HEARTBEAT);
            n->stats.heartbeats_sent++;
        }
    }
    akti_cl_msg_fini(&m);
}

/* after our own tick ran late (we were paused or starved), what we know
 * is stale: for two rounds take no verdict and no leader action, so the
 * answers and gossip that queued up meanwhile are heard first */
static void
be_quiet(akti_clnode *n, int64_t now)
{
    int64_t r = n->set.gossip_interval_ns > n->set.fd.interval_ns
        ? n->set.gossip_interval_ns
        : n->set.fd.interval_ns;
    if (now + 2 * r > n->quiet_until) {
        n->quiet_until = now + 2 * r;
    }
}

static void
reap(akti_clnode *n, int64_t now)
{
    /* local health: when our own tick ran late we were paused or starved;
     * the silence we measured may be ours, so mark no one new this round
     * (the answers that queued up meanwhile have been handled first) */
    bool late
        = akti_cl_tick_late(n->last_reaper, now, n->set.reaper_interval_ns);
    n->last_reaper = now;
    if (late) {
        n->stats.local_health++;
        be_quiet(n, now);
    }
    late |= now < n->quiet_until;
    bool any = false;
    for (uint32_t i = 0; i < n->g.nm; i++) {
        uint64_t u = n->g.m[i].address.uid;
        if (u == n->uid) {
            continue;
        }
        uint32_t st = akti_cl_reach_status_by(&n->g, n->uid, u);
        bool avail = akti_cl_hb_available(&n->hb, u, now);
        if (!avail && st == AKTI_CL_REACHABLE && !late) {
            any |= akti_cl_reach_set(&n->g, n->uid, u, AKTI_CL_UNREACHABLE)
                == AKT_OK;
        } else if (avail && st == AKTI_CL_UNREACHABLE) {
            any |= akti_cl_reach_set(&n->g, n->uid, u, AKTI_CL_REACHABLE)
                == AKT_OK;
        }
    }
    if (any) {
        changed(n);
    }
}

static void
apply_downs(akti_clnode *n, const akti_sbr_result *r, int64_t now)
{
    for (uint32_t i = 0; i < r->ndown; i++) {
        (void)do_down(n, r->down[i], now);
    }
}

static void
leader_tick(akti_clnode *n, int64_t now)
{
    int64_t now_ms = now / 1000000;
    if (akti_cl_tick_late(n->last_leader, now, n->set.leader_interval_ns)) {
        n->stats.local_health++;
        be_quiet(n, now);
    }
    n->last_leader = now;
    if (now < n->quiet_until) {
        return;
    }
    const akti_cl_member *l = akti_cl_leader(&n->g, n->uid, NULL);
    bool leader = l != NULL && l->address.uid == n->uid;
    bool conv = akti_cl_convergence(&n->g, n->uid);
    bool ch = false;
    prune_confirmed(n);
    if (leader && conv && self_active(n)) {
        if (akti_cl_leader_actions(&n->g, n->uid, n->set.min_members, now_ms,
                n->exiting_confirmed, n->nconfirmed, &ch)
                == AKT_OK
            && ch) {
            n->stats.leader_actions++;
            changed(n);
        }
        n->no_convergence_since = 0;
    } else if (leader && self_active(n)) {
        if (n->no_convergence_since == 0) {
            n->no_convergence_since = now;
        }
        if (n->set.weakly_up_after_ns > 0
            && now - n->no_convergence_since >= n->set.weakly_up_after_ns
            && akti_cl_weakly_up(&n->g, n->uid, n->set.min_members, &ch)
                == AKT_OK
            && ch) {
            changed(n);
        }
    } else {
        n->no_convergence_since = 0;
    }
    if (n->set.prune_tombstones_ns > 0) {
        akti_cl_gossip_prune_tombstones(
            &n->g, now_ms - n->set.prune_tombstones_ns / 1000000);
    }
    if (!n->set.sbr_on) {
        return;
    }
    akti_sbr_result r;
    if (akti_sbr_tick(&n->sbr, &n->set.sbr, &n->g, n->uid, now, &r) != AKT_OK) {
        return;
    }
    if (r.decision == AKTI_SBR_ACQUIRE_LEASE && n->lease_at == 0) {
        n->lease_at = now + r.lease_delay_ns;
        if (n->lease_at == 0) {
            n->lease_at = 1;
        }
    }
    if (r.decision != AKTI_SBR_NONE || r.ndown > 0) {
        n->stats.sbr_decisions++;
    }
    apply_downs(n, &r, now);
    akti_sbr_result_fini(&r);
}

static void
try_lease(akti_clnode *n, int64_t now)
{
    n->lease_at = 0;
    char owner[AKT_CLUSTER_SYSTEM_LEN + AKT_CLUSTER_HOST_LEN + 48];
    (void)akt_cluster_address_format(&n->self.address, owner, sizeof owner);
    bool ok = n->io.lease.try_acquire != NULL
        && n->io.lease.try_acquire(n->io.lease.arg, owner);
    akti_sbr_result r;
    if (akti_sbr_lease_outcome(&n->set.sbr, &n->g, n->uid, ok, &r) == AKT_OK) {
        apply_downs(n, &r, now);
        akti_sbr_result_fini(&r);
    }
}

static int64_t
min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

int64_t
akti_clnode_tick(akti_clnode *n, int64_t now)
{
    if (n->phase == AKTI_CL_STOPPED || n->phase == AKTI_CL_IDLE) {
        return INT64_MAX;
    }
    if (n->phase == AKTI_CL_JOINING) {
        if (n->have_target && now >= n->join_retry_at) {
            n->have_target = false; /* no Welcome: start over */
            n->next_init_join = now;
        }
        if (!n->have_target && n->first_seed
            && now >= n->join_started + n->set.seed_timeout_ns) {
            self_join(n, now);
        } else if (!n->have_target && now >= n->next_init_join) {
            n->nacks = 0;
            for (uint32_t i = 0; i < n->nseeds; i++) {
                if (!akti_cl_addr_same_node(&n->seeds[i], &n->self.address)) {
                    send_simple(n, AKTI_CLM_INIT_JOIN, &n->seeds[i]);
                }
            }
            /* again every gossip interval (Akka: every second) until
             * a seed acknowledges */
            n->next_init_join = now + n->set.gossip_interval_ns;
        }
        if (n->phase == AKTI_CL_JOINING) {
            int64_t next
                = n->have_target ? n->join_retry_at : n->next_init_join;
            if (n->first_seed && !n->have_target) {
                next = min64(next, n->join_started + n->set.seed_timeout_ns);
            }
            return next;
        }
    }
    /* a member */
    if (now >= n->next_reaper) {
        reap(n, now);
        n->next_reaper = now + n->set.reaper_interval_ns;
    }
    if (now >= n->next_hb) {
        heartbeat_round(n, now);
        n->next_hb = now + n->set.fd.interval_ns;
    }
    if (now >= n->next_leader) {
        leader_tick(n, now);
        n->next_leader = now + n->set.leader_interval_ns;
    }
    if (n->lease_at != 0 && now >= n->lease_at) {
        try_lease(n, now);
    }
    if (now >= n->next_gossip) {
        gossip_round(n);
        int64_t gi = n->set.gossip_interval_ns;
        n->next_gossip = now + (akti_cl_speedup(&n->g) ? gi / 3 : gi);
    }
    publish(n);
    check_self(n, now);
    if (n->down_since != 0
        && now >= n->down_since + 4 * n->set.leader_interval_ns) {
        stop(n, AKTI_CL_STOP_DOWNED);
    }
    if (n->exiting_since != 0
        && now >= n->exiting_since + 4 * n->set.gossip_interval_ns) {
        stop(n, AKTI_CL_STOP_LEFT);
    }
    if (n->phase != AKTI_CL_MEMBER) {
        return INT64_MAX;
    }
    int64_t next = min64(min64(n->next_reaper, n->next_hb),
        min64(n->next_leader, n->next_gossip));
    if (n->lease_at != 0) {
        next = min64(next, n->lease_at);
    }
    if (n->down_since != 0) {
        next = min64(next, n->down_since + 4 * n->set.leader_interval_ns);
    }
    if (n->exiting_since != 0) {
        next = min64(next, n->exiting_since + 4 * n->set.gossip_interval_ns);
    }
    return next;
}

/* --- user actions --------------------------------------------------------- */

akt_err
akti_clnode_join_seeds(
    akti_clnode *n, const akti_cl_addr *seeds, uint32_t nseeds, int64_t now_ns)
{
    if (n->phase != AKTI_CL_IDLE) {
        return AKT_ESTATE;
    }
    if (nseeds == 0 || seeds == NULL) {
        return AKT_EINVAL;
    }
    n->seeds = malloc(sizeof(*n->seeds) * nseeds);
    if (n->seeds == NULL) {
        return AKT_ENOMEM;
    }
    memcpy(n->seeds, seeds, sizeof(*seeds) * nseeds);
    for (uint32_t i = 0; i < nseeds; i++) {
        n->seeds[i].uid = 0; /* whichever incarnation answers */
    }
    n->nseeds = nseeds;
    n->first_seed = akti_cl_addr_same_node(&seeds[0], &n->self.address);
    n->join_started = now_ns;
    n->next_init_join = now_ns;
    n->phase = AKTI_CL_JOINING;
    if (n->first_seed && nseeds == 1) {
        self_join(n, now_ns); /* the only seed: a cluster of one */
    }
    return AKT_OK;
}

akt_err
akti_clnode_leave(akti_clnode *n, const akti_cl_addr *addr, int64_t now_ns)
{
    akt_err rc = do_leave(n, addr, now_ns);
    if (rc == AKT_OK) {
        publish(n);
    }
    return rc;
}

akt_err
akti_clnode_down(akti_clnode *n, const akti_cl_addr *addr, int64_t now_ns)
{
    if (n->phase != AKTI_CL_MEMBER) {
        return AKT_ESTATE;
    }
    akti_cl_member *m = find_addr(n, addr);
    if (m == NULL) {
        return AKT_ENOENT;
    }
    akt_err rc = do_down(n, m->address.uid, now_ns);
    if (rc == AKT_OK) {
        publish(n);
        check_self(n, now_ns);
    }
    return rc;
}

bool
akti_clnode_acting_leader(const akti_clnode *n, int64_t now)
{
    if (!self_active(n) || now < n->quiet_until) {
        return false;
    }
    const akti_cl_member *l = akti_cl_leader(&n->g, n->uid, NULL);
    return l != NULL && l->address.uid == n->uid
        && akti_cl_convergence(&n->g, n->uid);
}

akt_err
akti_cl_heartbeat_answer(const akti_cl_addr *self, const uint8_t *in,
    size_t len, const akti_cl_wire_limits *lim, uint8_t **out, size_t *outlen,
    akti_cl_addr *to)
{
    akti_cl_msg m;
    akt_err rc = akti_cl_msg_decode(in, len, lim, &m);
    if (rc != AKT_OK || m.kind != AKTI_CLM_HEARTBEAT
        || (m.to.uid != 0 && m.to.uid != self->uid)) {
        akti_cl_msg_fini(&m);
        return rc != AKT_OK ? rc : AKT_ENOENT;
    }
    akti_cl_msg r;
    akti_cl_msg_init(&r, AKTI_CLM_HEARTBEAT_RSP);
    r.from = *self;
    r.to = m.from;
    r.seq = m.seq;
    r.sent_ns = m.sent_ns;
    *to = m.from;
    rc = akti_cl_msg_encode(&r, out, outlen);
    akti_cl_msg_fini(&m);
    akti_cl_msg_fini(&r);
    return rc;
}
