/*
 * sim.c -- the in-process cluster simulation (sim.h): virtual time, an
 * event heap of packets, per-link faults, per-node pause/crash/restart,
 * the merged event log and the invariant checks.
 */
#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/wire.h"

#define BASE_PORT 10000
#define LATENCY   200000LL /* 0.2 ms on an idle link */
#define RTO       1800000000LL /* TCP's backoff on heal (measured) */
#define HOLD_MAX  512 /* what a blocked connection buffers */

typedef struct pkt {
    int64_t t;
    uint64_t seq;
    int from, to; /* addresses */
    bool hb;
    size_t len;
    uint8_t data[];
} pkt;

typedef struct link {
    bool black, hold;
    uint32_t drop_kinds; /* 1 << akti_clm_kind: messages of these dropped */
    int64_t delay, jitter;
    double drop;
    int64_t last;
    pkt **held;
    int nheld;
} link;

typedef struct seen_prio {
    uint64_t uid;
    int prio;
    akt_member_status status;
} seen_prio;

typedef struct snode {
    sim *s;
    int slot, addr;
    bool crashed, paused, stopped;
    int64_t next_tick;
    akti_clnode n;
    pkt **inbox;
    int ninbox, capinbox;
    seen_prio *prio;
    int nprio, capprio;
} snode;

struct sim {
    int naddrs;
    akti_cl_settings set;
    uint64_t rng;
    int64_t now;
    uint64_t seq;
    snode **nodes;
    int nnodes, capnodes;
    int *current; /* address -> latest slot, -1 */
    link *links; /* naddrs * naddrs */
    pkt **heap;
    int nheap, capheap;
    sim_event *log;
    int nlog, caplog;
    sim_stop *stops;
    int nstops, capstops;
    bool checks;
    int violations;
    char first[512];
    sim_stats st;
};

static void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL) {
        fprintf(stderr, "sim: out of memory\n");
        abort();
    }
    return q;
}

static uint64_t
rnd(sim *s)
{
    uint64_t x = s->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s->rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

static double
rnd01(sim *s)
{
    return (double)(rnd(s) >> 11) / (double)(1ull << 53);
}

/* --- the heap ------------------------------------------------------------- */

static bool
before(const pkt *a, const pkt *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void
heap_push(sim *s, pkt *p)
{
    if (s->nheap == s->capheap) {
        s->capheap = s->capheap ? s->capheap * 2 : 1024;
        s->heap = xrealloc(s->heap, sizeof(*s->heap) * (size_t)s->capheap);
    }
    int i = s->nheap++;
    s->heap[i] = p;
    while (i > 0) {
        int up = (i - 1) / 2;
        if (!before(s->heap[i], s->heap[up])) {
            break;
        }
        pkt *t = s->heap[i];
        s->heap[i] = s->heap[up];
        s->heap[up] = t;
        i = up;
    }
}

static pkt *
heap_pop(sim *s)
{
    pkt *top = s->heap[0];
    s->heap[0] = s->heap[--s->nheap];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->nheap && before(s->heap[l], s->heap[m])) {
            m = l;
        }
        if (r < s->nheap && before(s->heap[r], s->heap[m])) {
            m = r;
        }
        if (m == i) {
            break;
        }
        pkt *t = s->heap[i];
        s->heap[i] = s->heap[m];
        s->heap[m] = t;
        i = m;
    }
    return top;
}

/* --- violations ----------------------------------------------------------- */

static void violation(sim *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void
violation(sim *s, const char *fmt, ...)
{
    if (s->violations++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->first, sizeof s->first, fmt, ap);
        va_end(ap);
    }
}

/* --- node callbacks ------------------------------------------------------- */

static link *
lk(sim *s, int a, int b)
{
    return &s->links[a * s->naddrs + b];
}

static void
on_send(void *arg, const akti_cl_addr *to, const uint8_t *buf, size_t len,
    akti_cl_send_kind kind)
{
    bool hb = kind != AKTI_CL_SEND_DAEMON;
    snode *sn = arg;
    sim *s = sn->s;
    int dst = (int)to->port - BASE_PORT;
    s->st.messages++;
    s->st.bytes += len;
    if (hb) {
        s->st.heartbeats++;
    }
    if (dst < 0 || dst >= s->naddrs || strcmp(to->host, "10.0.0.1") != 0) {
        s->st.dropped++;
        return;
    }
    link *l = lk(s, sn->addr, dst);
    if (l->drop > 0 && rnd01(s) < l->drop) {
        s->st.dropped++;
        return;
    }
    if (l->drop_kinds != 0) {
        akti_cl_msg m;
        akti_cl_wire_limits lim;
        akti_cl_wire_limits_default(&lim);
        akt_err rc = akti_cl_msg_decode(buf, len, &lim, &m);
        bool drop = rc == AKT_OK && (l->drop_kinds & (1u << m.kind)) != 0;
        akti_cl_msg_fini(&m);
        if (drop) {
            s->st.dropped++;
            return;
        }
    }
    pkt *p = xrealloc(NULL, sizeof(*p) + len);
    p->from = sn->addr;
    p->to = dst;
    p->hb = hb;
    p->len = len;
    memcpy(p->data, buf, len);
    p->seq = ++s->seq;
    if (l->black) {
        if (l->hold && l->nheld < HOLD_MAX) {
            l->held
                = xrealloc(l->held, sizeof(*l->held) * (size_t)(l->nheld + 1));
            l->held[l->nheld++] = p;
            s->st.held++;
        } else {
            s->st.dropped++;
            free(p);
        }
        return;
    }
    int64_t t = s->now + LATENCY + l->delay
        + (l->jitter > 0 ? (int64_t)(rnd(s) % (uint64_t)l->jitter) : 0);
    if (t < l->last) {
        t = l->last; /* one connection: in order */
    }
    l->last = t;
    p->t = t;
    heap_push(s, p);
}

static void
on_event(void *arg, akti_cl_event_kind kind, const akti_cl_member *m,
    akt_member_status prev)
{
    snode *sn = arg;
    sim *s = sn->s;
    if (s->nlog == s->caplog) {
        s->caplog = s->caplog ? s->caplog * 2 : 1024;
        s->log = xrealloc(s->log, sizeof(*s->log) * (size_t)s->caplog);
    }
    sim_event *e = &s->log[s->nlog++];
    e->t = s->now;
    e->slot = sn->slot;
    e->kind = kind;
    e->subject = m ? m->address.uid : 0;
    e->status = m ? m->status : AKT_MEMBER_REMOVED;
    e->prev = prev;
    if (kind > AKTI_CL_EV_MEMBER_REMOVED || m == NULL) {
        return;
    }
    /* I5: each node's view of a member only moves forward */
    int p = akti_cl_status_priority(m->status);
    for (int i = 0; i < sn->nprio; i++) {
        if (sn->prio[i].uid == m->address.uid) {
            if (p <= sn->prio[i].prio) {
                violation(s,
                    "t=%.3f node %d: member %016" PRIx64 " went from %s back "
                    "to %s",
                    (double)s->now / 1e9, sn->slot, m->address.uid,
                    akt_member_status_name(sn->prio[i].status),
                    akt_member_status_name(m->status));
            }
            sn->prio[i].status = m->status;
            sn->prio[i].prio = p;
            return;
        }
    }
    if (sn->nprio == sn->capprio) {
        sn->capprio = sn->capprio ? sn->capprio * 2 : 16;
        sn->prio = xrealloc(sn->prio, sizeof(*sn->prio) * (size_t)sn->capprio);
    }
    sn->prio[sn->nprio].uid = m->address.uid;
    sn->prio[sn->nprio].prio = p;
    sn->prio[sn->nprio].status = m->status;
    sn->nprio++;
}

static void
on_stopped(void *arg, akti_cl_stop why)
{
    snode *sn = arg;
    sim *s = sn->s;
    sn->stopped = true;
    if (s->nstops == s->capstops) {
        s->capstops = s->capstops ? s->capstops * 2 : 64;
        s->stops = xrealloc(s->stops, sizeof(*s->stops) * (size_t)s->capstops);
    }
    s->stops[s->nstops].t = s->now;
    s->stops[s->nstops].slot = sn->slot;
    s->stops[s->nstops].why = why;
    s->nstops++;
}

/* --- life ----------------------------------------------------------------- */

sim *
sim_new(int naddrs, const akti_cl_settings *set, uint64_t seed)
{
    sim *s = xrealloc(NULL, sizeof(*s));
    memset(s, 0, sizeof(*s));
    s->naddrs = naddrs;
    s->set = *set;
    s->rng = seed ? seed : 1;
    s->now = SIM_S(1);
    s->current = xrealloc(NULL, sizeof(int) * (size_t)naddrs);
    for (int i = 0; i < naddrs; i++) {
        s->current[i] = -1;
    }
    s->links = xrealloc(NULL, sizeof(link) * (size_t)naddrs * (size_t)naddrs);
    memset(s->links, 0, sizeof(link) * (size_t)naddrs * (size_t)naddrs);
    s->checks = true;
    return s;
}

void
sim_free(sim *s)
{
    for (int i = 0; i < s->nnodes; i++) {
        snode *sn = s->nodes[i];
        akti_clnode_fini(&sn->n);
        for (int k = 0; k < sn->ninbox; k++) {
            free(sn->inbox[k]);
        }
        free(sn->inbox);
        free(sn->prio);
        free(sn);
    }
    for (int i = 0; i < s->naddrs * s->naddrs; i++) {
        for (int k = 0; k < s->links[i].nheld; k++) {
            free(s->links[i].held[k]);
        }
        free(s->links[i].held);
    }
    for (int i = 0; i < s->nheap; i++) {
        free(s->heap[i]);
    }
    free(s->heap);
    free(s->nodes);
    free(s->current);
    free(s->links);
    free(s->log);
    free(s->stops);
    free(s);
}

static void
addr_of(const sim *s, int a, akti_cl_addr *out)
{
    (void)s;
    memset(out, 0, sizeof(*out));
    strcpy(out->system, "sim");
    strcpy(out->host, "10.0.0.1");
    out->port = (uint32_t)(BASE_PORT + a);
}

int
sim_start(sim *s, int addr, const int *seeds, int nseeds)
{
    if (s->nnodes == s->capnodes) {
        s->capnodes = s->capnodes ? s->capnodes * 2 : 16;
        s->nodes = xrealloc(s->nodes, sizeof(*s->nodes) * (size_t)s->capnodes);
    }
    snode *sn = xrealloc(NULL, sizeof(*sn));
    memset(sn, 0, sizeof(*sn));
    sn->s = s;
    sn->slot = s->nnodes;
    sn->addr = addr;
    akti_cl_addr a;
    addr_of(s, addr, &a);
    uint64_t uid = rnd(s) | 1;
    akti_cl_member m;
    if (akti_cl_member_init(&m, a.system, a.host, a.port, uid, NULL, 0, NULL)
        != AKT_OK) {
        abort();
    }
    akti_cl_io io = {
        .arg = sn, .send = on_send, .event = on_event, .stopped = on_stopped
    };
    if (akti_clnode_init(&sn->n, &s->set, &m, &io, rnd(s)) != AKT_OK) {
        abort();
    }
    akti_cl_addr sa[16];
    for (int i = 0; i < nseeds && i < 16; i++) {
        addr_of(s, seeds[i], &sa[i]);
    }
    if (akti_clnode_join_seeds(&sn->n, sa, (uint32_t)nseeds, s->now)
        != AKT_OK) {
        abort();
    }
    sn->next_tick = s->now;
    s->nodes[s->nnodes++] = sn;
    s->current[addr] = sn->slot;
    return sn->slot;
}

void
sim_crash(sim *s, int slot)
{
    s->nodes[slot]->crashed = true;
}

static void
deliver_to(sim *s, snode *sn, pkt *p)
{
    akti_clnode_receive(&sn->n, p->data, p->len, s->now, s->now);
    sn->next_tick = s->now; /* its timers may have changed */
    free(p);
}

void
sim_pause(sim *s, int slot, bool paused)
{
    snode *sn = s->nodes[slot];
    if (sn->paused == paused) {
        return;
    }
    sn->paused = paused;
    if (!paused) {
        /* SIGCONT: everything that queued up arrives at once, then the
         * ticks run (late) */
        for (int i = 0; i < sn->ninbox; i++) {
            if (!sn->crashed && !sn->stopped) {
                deliver_to(s, sn, sn->inbox[i]);
            } else {
                free(sn->inbox[i]);
            }
        }
        sn->ninbox = 0;
        sn->next_tick = s->now;
    }
}

int
sim_slot_of(const sim *s, int addr)
{
    return s->current[addr];
}

akti_clnode *
sim_node(sim *s, int slot)
{
    return &s->nodes[slot]->n;
}

bool
sim_alive(const sim *s, int slot)
{
    const snode *sn = s->nodes[slot];
    return !sn->crashed && !sn->stopped;
}

uint64_t
sim_uid(const sim *s, int slot)
{
    return s->nodes[slot]->n.uid;
}

/* --- links ---------------------------------------------------------------- */

void
sim_block(sim *s, int a, int b, bool hold)
{
    link *l = lk(s, a, b);
    l->black = true;
    l->hold = hold;
}

void
sim_partition(sim *s, const int *side, int n, bool hold)
{
    for (int a = 0; a < s->naddrs; a++) {
        bool in = false;
        for (int k = 0; k < n; k++) {
            in |= side[k] == a;
        }
        for (int b = 0; b < s->naddrs; b++) {
            bool bin = false;
            for (int k = 0; k < n; k++) {
                bin |= side[k] == b;
            }
            if (in != bin) {
                sim_block(s, a, b, hold);
            }
        }
    }
}

void
sim_heal(sim *s)
{
    for (int a = 0; a < s->naddrs; a++) {
        for (int b = 0; b < s->naddrs; b++) {
            link *l = lk(s, a, b);
            l->black = false;
            l->delay = l->jitter = 0;
            l->drop = 0;
            l->drop_kinds = 0;
            int64_t t = s->now + RTO;
            for (int k = 0; k < l->nheld; k++) {
                pkt *p = l->held[k];
                if (t < l->last) {
                    t = l->last;
                }
                p->t = t;
                l->last = t;
                heap_push(s, p);
            }
            l->nheld = 0;
        }
    }
}

void
sim_delay(sim *s, int a, int b, int64_t delay_ns, int64_t jitter_ns)
{
    lk(s, a, b)->delay = delay_ns;
    lk(s, a, b)->jitter = jitter_ns;
}

void
sim_drop(sim *s, int a, int b, double p)
{
    lk(s, a, b)->drop = p;
}

void
sim_drop_kinds(sim *s, int a, int b, uint32_t kinds)
{
    lk(s, a, b)->drop_kinds = kinds;
}

/* --- running -------------------------------------------------------------- */

int64_t
sim_now(const sim *s)
{
    return s->now;
}

static void
check(sim *s)
{
    /* I2: at most one node acting as leader with convergence (nodes Down
     * in their own view, paused or stopped do not act) */
    int acting = -1;
    for (int i = 0; i < s->nnodes; i++) {
        snode *sn = s->nodes[i];
        if (sn->crashed || sn->stopped || sn->paused) {
            continue;
        }
        if (akti_clnode_acting_leader(&sn->n, s->now)) {
            if (acting >= 0) {
                violation(s,
                    "t=%.3f two acting leaders with convergence: nodes %d "
                    "and %d",
                    (double)s->now / 1e9, acting, i);
            }
            acting = i;
        }
    }
}

static bool
step(sim *s, int64_t limit)
{
    int64_t next = s->nheap ? s->heap[0]->t : INT64_MAX;
    for (int i = 0; i < s->nnodes; i++) {
        snode *sn = s->nodes[i];
        if (!sn->crashed && !sn->stopped && !sn->paused
            && sn->next_tick < next) {
            next = sn->next_tick;
        }
    }
    if (next > limit) {
        s->now = limit;
        return false;
    }
    if (next > s->now) {
        s->now = next;
    }
    while (s->nheap && s->heap[0]->t <= s->now) {
        pkt *p = heap_pop(s);
        int slot = s->current[p->to];
        snode *sn = slot >= 0 ? s->nodes[slot] : NULL;
        if (sn == NULL || sn->crashed || sn->stopped) {
            s->st.dropped++;
            free(p);
        } else if (sn->paused) {
            if (sn->ninbox == sn->capinbox) {
                sn->capinbox = sn->capinbox ? sn->capinbox * 2 : 64;
                sn->inbox = xrealloc(
                    sn->inbox, sizeof(*sn->inbox) * (size_t)sn->capinbox);
            }
            sn->inbox[sn->ninbox++] = p;
        } else {
            deliver_to(s, sn, p);
        }
    }
    for (int i = 0; i < s->nnodes; i++) {
        snode *sn = s->nodes[i];
        if (!sn->crashed && !sn->stopped && !sn->paused
            && sn->next_tick <= s->now) {
            sn->next_tick = akti_clnode_tick(&sn->n, s->now);
            if (sn->next_tick <= s->now) {
                sn->next_tick = s->now + 1;
            }
        }
    }
    if (s->checks) {
        check(s);
    }
    return true;
}

void
sim_run(sim *s, int64_t t)
{
    while (step(s, t)) { }
}

int64_t
sim_run_until(
    sim *s, int64_t deadline, bool (*pred)(sim *s, void *arg), void *arg)
{
    if (pred(s, arg)) {
        return s->now;
    }
    while (step(s, deadline)) {
        if (pred(s, arg)) {
            return s->now;
        }
    }
    return pred(s, arg) ? s->now : -1;
}

/* --- queries -------------------------------------------------------------- */

int
sim_status(const sim *s, int observer, int subject)
{
    const akti_clnode *n = &s->nodes[observer]->n;
    uint64_t u = s->nodes[subject]->n.uid;
    const akti_cl_member *m = akti_cl_gossip_member(&n->g, u);
    if (m != NULL) {
        return (int)m->status;
    }
    return akti_cl_gossip_tombstoned(&n->g, u) ? AKT_MEMBER_REMOVED : -1;
}

bool
sim_unreachable(const sim *s, int observer, int subject)
{
    const akti_clnode *n = &s->nodes[observer]->n;
    return akti_cl_reach_status(&n->g, s->nodes[subject]->n.uid, false)
        != AKTI_CL_REACHABLE;
}

bool
sim_agree(
    const sim *s, const int *slots, int n, const int *members, int nmembers)
{
    uint64_t leader = 0;
    for (int i = 0; i < n; i++) {
        const snode *sn = s->nodes[slots[i]];
        if (sn->crashed || sn->stopped) {
            continue;
        }
        const akti_cl_gossip *g = &sn->n.g;
        if (sn->n.phase != AKTI_CL_MEMBER || g->nm != (uint32_t)nmembers
            || !akti_cl_convergence(g, sn->n.uid)) {
            return false;
        }
        for (int k = 0; k < nmembers; k++) {
            uint64_t u = s->nodes[members[k]]->n.uid;
            const akti_cl_member *m = akti_cl_gossip_member(g, u);
            if (m == NULL || m->status != AKT_MEMBER_UP
                || akti_cl_reach_status(g, u, false) != AKTI_CL_REACHABLE) {
                return false;
            }
        }
        const akti_cl_member *l = akti_cl_leader(g, sn->n.uid, NULL);
        if (l == NULL || (leader != 0 && l->address.uid != leader)) {
            return false;
        }
        leader = l->address.uid;
    }
    return true;
}

const sim_event *
sim_events(const sim *s, int *n)
{
    *n = s->nlog;
    return s->log;
}

const sim_stop *
sim_stops(const sim *s, int *n)
{
    *n = s->nstops;
    return s->stops;
}

int64_t
sim_first(const sim *s, int observer, akti_cl_event_kind kind, int subject,
    int64_t t0)
{
    uint64_t u = s->nodes[subject]->n.uid;
    for (int i = 0; i < s->nlog; i++) {
        const sim_event *e = &s->log[i];
        if (e->slot == observer && e->kind == kind && e->subject == u
            && e->t >= t0) {
            return e->t;
        }
    }
    return -1;
}

int
sim_violations(const sim *s, const char **first)
{
    if (first) {
        *first = s->first;
    }
    return s->violations;
}

void
sim_set_checks(sim *s, bool on)
{
    s->checks = on;
}

static const char *
kind_name(akti_cl_event_kind k)
{
    static const char *names[] = { "MemberJoined", "MemberWeaklyUp", "MemberUp",
        "MemberLeft", "MemberExited", "MemberDowned", "MemberRemoved",
        "UnreachableMember", "ReachableMember", "LeaderChanged" };
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

void
sim_dump(const sim *s, int max_lines)
{
    int from = s->nlog > max_lines ? s->nlog - max_lines : 0;
    for (int i = from; i < s->nlog; i++) {
        const sim_event *e = &s->log[i];
        int subj = -1;
        for (int k = 0; k < s->nnodes; k++) {
            if (s->nodes[k]->n.uid == e->subject) {
                subj = k;
            }
        }
        fprintf(stderr, "%9.3f node %d: %s %d (%s)\n", (double)e->t / 1e9,
            e->slot, kind_name(e->kind), subj,
            akt_member_status_name(e->status));
    }
    for (int i = 0; i < s->nstops; i++) {
        fprintf(stderr, "%9.3f node %d stopped (%d)\n",
            (double)s->stops[i].t / 1e9, s->stops[i].slot, s->stops[i].why);
    }
}

void
sim_stats_get(const sim *s, sim_stats *out)
{
    *out = s->st;
    out->gossip_bytes = out->gossip_messages = out->status_messages = 0;
    out->status_bytes = 0;
    for (int i = 0; i < s->nnodes; i++) {
        const akti_cl_node_stats *ns = &s->nodes[i]->n.stats;
        out->gossip_bytes += ns->gossip_bytes;
        out->gossip_messages += ns->gossip_sent;
        out->status_messages += ns->status_sent;
        out->status_bytes += ns->status_bytes;
    }
}
