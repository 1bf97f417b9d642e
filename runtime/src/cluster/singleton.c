/*
 * singleton.c -- the cluster singleton and its proxy (akt/cluster.h),
 * built on the public cluster API only: a manager actor per node follows
 * the cluster's events and runs the singleton as its child when its node
 * is the oldest member of the role; a proxy follows the events too and
 * sends to the oldest Up member's manager.
 *
 * Never two at once: a manager starts the singleton only when no member
 * of the role older than its own node is left in the membership (a Down
 * or Exiting one counts until it is removed), its own node is Up, and --
 * when an older member was removed after being downed -- removal_margin
 * later, so the downed side has stopped its singleton first (it stops it
 * as soon as it sees itself Down, leaving, or stopped). Messages that come
 * while no singleton runs here are held (bounded) and passed on when it
 * starts, or to the oldest Up member's manager when that is another node.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt.h"
#include "akt/akt_gen.h"
#include "cluster/cluster_impl.h"
#include "core/ext.h"

typedef struct check_msg {
    int32_t kind; /* an akt_cluster_event_kind, or -1: just look again */
    int32_t prev;
    akt_cluster_member member;
    bool has_member;
} check_msg;

/* local only (no codec) */
static const akt_type check_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.cluster.SingletonCheck",
    .id = 0x364a0e2b29743bc8ull, /* akt_type_id("akt.cluster.SingletonCheck") */
    .size = sizeof(check_msg),
    .align = _Alignof(check_msg),
};

typedef struct held {
    void *msg;
    akt_ref sender;
} held;

typedef struct sconf {
    bool proxy;
    char name[48];
    char role[AKT_CLUSTER_ROLE_LEN];
    akt_props props;
    int64_t margin;
    uint32_t cap;
} sconf;

typedef struct mgr {
    sconf c;
    akt_system *sys;
    akt_ref self, child;
    bool running;
    int64_t start_at; /* not before (a downed older member's margin) */
    uint64_t sub;
    bool subscribed;
    held *buf;
    uint32_t n;
    char target[AKTI_CL_PATH_MAX]; /* where to send: a manager's path */
} mgr;

typedef struct cbarg {
    akt_ref to;
} cbarg;

static void
on_cluster_event(void *arg, const akt_cluster_event *ev)
{
    cbarg *a = arg;
    check_msg *m = akt_msg_new(&check_type, 0);
    if (m == NULL) {
        return;
    }
    m->kind = (int32_t)ev->kind;
    m->prev = (int32_t)ev->previous;
    m->has_member = ev->has_member;
    m->member = ev->member;
    if (akt_tell(a->to, m, AKT_REF_NONE) != AKT_OK) {
        akt_msg_free(m);
    }
}

static void
cbarg_fini(void *arg)
{
    free(arg);
}

static int
older(const akt_cluster_member *a, const akt_cluster_member *b)
{
    if (a->up_number != b->up_number) {
        return a->up_number < b->up_number;
    }
    return akti_cl_addr_cmp(&a->address, &b->address) < 0;
}

/* the oldest member of the role among those whose status is in mask */
static const akt_cluster_member *
oldest(const akt_cluster_state *st, const char *role, unsigned mask)
{
    const akt_cluster_member *best = NULL;
    for (size_t i = 0; i < st->nmembers; i++) {
        const akt_cluster_member *m = &st->members[i];
        if ((mask & (1u << m->status)) && akt_cluster_member_has_role(m, role)
            && (best == NULL || older(m, best))) {
            best = m;
        }
    }
    return best;
}

#define ST(s) (1u << (s))

static void
manager_path(
    const akt_cluster_member *m, const char *name, char *buf, size_t len)
{
    buf[0] = '\0';
    if (akt_cluster_member_path(&m->address, buf, len - 64) == AKT_OK) {
        strcat(buf, "/user/");
        strcat(buf, name);
    }
}

/* pass the held messages to ref (consumed), in order */
static void
flush_to(mgr *g, akt_ref to)
{
    for (uint32_t i = 0; i < g->n; i++) {
        if (akt_tell(to, g->buf[i].msg, g->buf[i].sender) != AKT_OK) {
            akt_system_publish_dead_letter(
                g->sys, to, g->buf[i].msg, AKT_ESTOPPED);
        }
    }
    g->n = 0;
}

static void
flush_to_path(mgr *g, const char *path)
{
    akt_ref to;
    if (g->n > 0 && akt_remote_ref(g->sys, path, &to) == AKT_OK) {
        flush_to(g, to);
    }
}

static akt_err
on_check(void *state, akt_ctx *ctx, const void *msg)
{
    mgr *g = state;
    const check_msg *ev = msg;
    int64_t now = akti_now_ns();
    if (!g->c.proxy && ev->kind == AKT_CLUSTER_MEMBER_REMOVED
        && ev->prev == AKT_MEMBER_DOWN && ev->has_member
        && akt_cluster_member_has_role(&ev->member, g->c.role)
        && now + g->c.margin > g->start_at) {
        g->start_at = now + g->c.margin; /* its side stops it first */
    }
    akt_cluster_state st;
    if (akt_cluster_state_get(g->sys, &st) != AKT_OK) {
        return AKT_OK;
    }
    const akt_cluster_member *up = oldest(&st, g->c.role, ST(AKT_MEMBER_UP));
    g->target[0] = '\0';
    if (up != NULL) {
        manager_path(up, g->c.name, g->target, sizeof g->target);
    }
    if (g->c.proxy) {
        if (g->target[0] != '\0') {
            flush_to_path(g, g->target);
        }
        akt_cluster_state_free(&st);
        return AKT_OK;
    }
    /* every member of the role that is or was Up counts until removed */
    const akt_cluster_member *first = oldest(&st, g->c.role,
        ST(AKT_MEMBER_UP) | ST(AKT_MEMBER_LEAVING) | ST(AKT_MEMBER_EXITING)
            | ST(AKT_MEMBER_DOWN));
    bool here = !st.stopped && st.self.status == AKT_MEMBER_UP
        && akt_cluster_member_has_role(&st.self, g->c.role) && first != NULL
        && first->address.uid == st.self.address.uid;
    if (g->running && !here) {
        (void)akt_ctx_stop(ctx, g->child); /* hand over: stop first */
        g->running = false;
    }
    if (!g->running && here) {
        if (now < g->start_at) {
            check_msg *t = akt_msg_new(&check_type, 0);
            if (t != NULL) {
                t->kind = -1;
                if (akt_timer_start_single(ctx, 1, t, g->start_at - now)
                    != AKT_OK) {
                    akt_msg_free(t);
                }
            }
        } else if (akt_ctx_spawn(ctx, &g->c.props, "singleton", &g->child)
            == AKT_OK) {
            g->running = true;
            flush_to(g, g->child);
        }
    }
    if (!g->running && !here && g->n > 0 && up != NULL
        && up->address.uid != st.self.address.uid) {
        flush_to_path(g, g->target); /* it runs over there */
    }
    akt_cluster_state_free(&st);
    return AKT_OK;
}

/* any other message: for the singleton */
static akt_err
on_message(void *state, akt_ctx *ctx, const void *msg)
{
    mgr *g = state;
    if (!g->c.proxy && g->running) {
        return akt_forward(ctx, g->child);
    }
    if (g->c.proxy && g->target[0] != '\0') {
        akt_ref to;
        if (akt_remote_ref(g->sys, g->target, &to) == AKT_OK) {
            return akt_forward(ctx, to);
        }
    }
    if (g->n < g->c.cap) {
        g->buf[g->n].msg = akt_msg_retain(msg);
        g->buf[g->n].sender = akt_ctx_sender(ctx);
        g->n++;
        return AKT_OK;
    }
    /* full: the message is lost, and said so */
    akt_system_publish_dead_letter(
        g->sys, akt_ctx_self(ctx), akt_msg_retain(msg), AKT_EFULL);
    return AKT_OK;
}

static const akt_handler handlers[] = {
    { &check_type, on_check },
};

static const akt_behavior behavior = {
    .name = "cluster-singleton",
    .handlers = handlers,
    .nhandlers = 1,
    .unhandled = on_message,
};

static akt_err
mgr_init(void *state, const void *init_arg)
{
    mgr *g = state;
    memset(g, 0, sizeof(*g));
    g->c = *(const sconf *)init_arg;
    g->buf = calloc(g->c.cap, sizeof(*g->buf));
    return g->buf != NULL ? AKT_OK : AKT_ENOMEM;
}

static void
mgr_fini(void *state)
{
    mgr *g = state;
    for (uint32_t i = 0; i < g->n; i++) {
        akt_msg_free(g->buf[i].msg);
    }
    free(g->buf);
    g->buf = NULL;
    g->n = 0;
}

static akt_err
mgr_pre_start(void *state, akt_ctx *ctx)
{
    mgr *g = state;
    g->sys = akt_ctx_system(ctx);
    g->self = akt_ctx_self(ctx);
    cbarg *a = malloc(sizeof(*a));
    if (a == NULL) {
        return AKT_ENOMEM;
    }
    a->to = g->self;
    /* the current state comes first, as check messages to ourselves */
    akt_err rc = akt_cluster_subscribe(
        g->sys, on_cluster_event, a, cbarg_fini, &g->sub);
    if (rc != AKT_OK) {
        free(a);
        return rc;
    }
    g->subscribed = true;
    return AKT_OK;
}

static void
mgr_post_stop(void *state, akt_ctx *ctx)
{
    (void)ctx;
    mgr *g = state;
    if (g->subscribed) {
        (void)akt_cluster_unsubscribe(g->sys, g->sub);
        g->subscribed = false;
    }
}

static const akt_lifecycle lifecycle = {
    .pre_start = mgr_pre_start,
    .post_stop = mgr_post_stop,
};

static bool
good_name(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

/* the settings live on the heap as long as the actor (restarts read them
 * again): freed when its death watch completes */
static void
conf_free(void *arg)
{
    free(arg);
}

static void
conf_done(akt_err status, const void *reply, void *arg)
{
    (void)status;
    (void)reply;
    (void)arg;
}

static akt_err
spawn(akt_system *sys, const sconf *c, const char *name, akt_ref *out)
{
    akt_cluster_state st; /* the cluster must be running */
    akt_err rc = akt_cluster_state_get(sys, &st);
    if (rc != AKT_OK) {
        return rc;
    }
    akt_cluster_state_free(&st);
    sconf *heap = malloc(sizeof(*heap));
    if (heap == NULL) {
        return AKT_ENOMEM;
    }
    *heap = *c;
    akt_props p = { .behavior = &behavior,
        .lifecycle = &lifecycle,
        .state_size = sizeof(mgr),
        .state_init = mgr_init,
        .state_fini = mgr_fini,
        .init_arg = heap };
    rc = akt_spawn(sys, &p, name, out);
    akt_future *f = NULL;
    if (rc != AKT_OK) {
        free(heap);
    } else if (akt_watch_future(*out, &f) != AKT_OK
        || akt_future_on_complete(f, conf_done, heap, conf_free) != AKT_OK) {
        /* cannot know when it ends: keep the settings (a small leak
         * beats a dangling read) */
    }
    if (f != NULL) {
        akt_future_release(f);
    }
    return rc;
}

akt_err
akt_cluster_singleton_start(
    akt_system *sys, const akt_singleton_options *o, akt_ref *manager)
{
    if (sys == NULL || o == NULL || o->props == NULL || manager == NULL
        || !good_name(o->name, 47)
        || (o->role != NULL && strlen(o->role) >= AKT_CLUSTER_ROLE_LEN)) {
        return AKT_EINVAL;
    }
    sconf c;
    memset(&c, 0, sizeof c);
    strcpy(c.name, o->name);
    if (o->role != NULL) {
        strcpy(c.role, o->role);
    }
    c.props = *o->props;
    c.cap = o->buffer_size ? o->buffer_size : 1000;
    c.margin = o->removal_margin_ns;
    if (c.margin < 0) {
        akti_cluster_conf conf;
        akt_err rc
            = akti_cluster_conf_read(akt_system_config(sys), &conf, NULL);
        c.margin = rc == AKT_OK ? conf.set.sbr.stable_after_ns : 20000000000LL;
        if (rc == AKT_OK) {
            akti_cluster_conf_fini(&conf);
        }
    }
    return spawn(sys, &c, o->name, manager);
}

akt_err
akt_cluster_singleton_proxy(
    akt_system *sys, const char *name, const char *role, akt_ref *proxy)
{
    if (sys == NULL || proxy == NULL || !good_name(name, 41)
        || (role != NULL && strlen(role) >= AKT_CLUSTER_ROLE_LEN)) {
        return AKT_EINVAL;
    }
    sconf c;
    memset(&c, 0, sizeof c);
    c.proxy = true;
    strcpy(c.name, name);
    if (role != NULL) {
        strcpy(c.role, role);
    }
    c.cap = 1000;
    char pname[64];
    snprintf(pname, sizeof pname, "%s-proxy", name);
    return spawn(sys, &c, pname, proxy);
}
