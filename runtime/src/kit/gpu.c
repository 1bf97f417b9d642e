/*
 * gpu.c -- the libakt side of GPU actors (akt/gpu.h, docs/gpu.md).
 *
 * Placement becomes a dispatcher name in the props ("akt.gpu" or
 * "akt.gpu.auto"); the core asks the kit for names it does not know
 * (akti_plugin_ops.dispatcher), and on the first such spawn of a system
 * this file loads libakt-gpu with dlopen ($AKT_GPU_LIB, else
 * libakt-gpu.so.0 on the library path, else the one beside libakt), opens its
 * dispatcher (which loads the CUDA driver and NVRTC, again by dlopen) and
 * registers it with the core (akti_system_add_dispatcher). When that
 * fails -- AKT_GPU=0, no library, no driver, cuInit failing, no NVRTC --
 * "akt.gpu" fails the spawn with AKT_ENOTSUP and the reason is logged
 * once (akt_gpu_available gives it too), while "akt.gpu.auto" gives the
 * default dispatcher: the generated handlers then run on the CPU.
 *
 * libakt-gpu runs GPU cells on its own thread (host_cell_run); the
 * generated handler entries stage their messages there (akt_gpu_stage).
 * After a batch, a failing message and the rest of its actor's batch come
 * back through host_requeue: wrapped as envelopes (with their senders)
 * at the head of the actor's queue, the kit's unstash ring, so the next
 * turn handles them first; the kit cell's gpu.pending makes the first one
 * fail with the batch's status, so supervision sees exactly what a CPU
 * actor would have shown.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/gpu.h"
#include "kit/kit.h"
#include "plugin.h"

#define GPU_NAME         "akt.gpu"
#define GPU_NAME_AUTO    "akt.gpu.auto"
#define GPU_NAME_DEFAULT "akt.gpu.default"

typedef struct kit_gpu {
    akti_dispatcher base;
    const akt_gpu_plugin *pl;
    void *pd; /* the plug-in's dispatcher */
} kit_gpu;

/* the batch a cell_run of the GPU thread stages into */
static _Thread_local void *tls_batch;

static kit_gpu *gpu_of_cell(const akt_cell *c);

/* --- the dispatcher the core sees -------------------------------------------
 */

static akt_err
kg_start(akti_dispatcher *d)
{
    (void)d;
    return AKT_OK; /* started when it was made */
}

static void
kg_stop(akti_dispatcher *d)
{
    kit_gpu *g = (kit_gpu *)d;
    g->pl->stop(g->pd);
}

static void
kg_schedule(akti_dispatcher *d, akt_cell *c)
{
    kit_gpu *g = (kit_gpu *)d;
    g->pl->schedule(g->pd, c, c->slot);
}

static akt_err
kg_attach(akti_dispatcher *d, akt_cell *c)
{
    kit_gpu *g = (kit_gpu *)d;
    /* the record of arrivals holds as many as the mailbox (bounded) */
    akti_mbox_ext *x = atomic_load_explicit(&c->mbx, memory_order_acquire);
    uint32_t bound = 0;
    if (x
        && atomic_load_explicit(&x->kind, memory_order_acquire)
            == AKT_MAILBOX_BOUNDED) {
        bound = atomic_load_explicit(&x->capacity, memory_order_relaxed);
    }
    return g->pl->attach(g->pd, c->slot, bound);
}

static void
kg_detach(akti_dispatcher *d, akt_cell *c)
{
    kit_gpu *g = (kit_gpu *)d;
    g->pl->detach(g->pd, c->slot);
}

/* a user message about to be queued for c: the plug-in records when it
 * arrived, keyed by the body its handler will stage (an envelope's inner
 * message) */
static void
kg_arriving(akti_dispatcher *d, akt_cell *c, akti_msg *m)
{
    kit_gpu *g = (kit_gpu *)d;
    void *body = akti_msg_body(m);
    if (m->flags & AKTI_MSG_ENVELOPE) {
        body = ((akti_envelope *)body)->inner;
    }
    g->pl->arriving(g->pd, c->slot, body);
}

static void
kg_destroy(akti_dispatcher *d)
{
    kit_gpu *g = (kit_gpu *)d;
    g->pl->close(g->pd);
    free(g);
}

static const akti_dispatcher_ops kg_ops = {
    .name = GPU_NAME,
    .start = kg_start,
    .stop = kg_stop,
    .schedule = kg_schedule,
    .attach = kg_attach,
    .detach = kg_detach,
    .destroy = kg_destroy,
    .arriving = kg_arriving,
};

static kit_gpu *
gpu_of_cell(const akt_cell *c)
{
    return c->disp && c->disp->ops == &kg_ops ? (kit_gpu *)c->disp : NULL;
}

/* --- what libakt-gpu may call ----------------------------------------------
 */

static void
host_cell_run(void *cell, int n, void *batch)
{
    void *prev = tls_batch;
    tls_batch = batch;
    akti_cell_run(cell, n);
    tls_batch = prev;
}

static void
host_requeue(akt_ref self, void *const *msgs, const akt_ref *senders,
    uint32_t n, int32_t status)
{
    akt_cell *c = self.cell_;
    /* only this thread runs the actor, so it cannot stop between this
     * check and the requeue; a stopped one gets dead letters */
    bool alive
        = atomic_load_explicit(&c->uid, memory_order_acquire) == self.uid_
        && c->life != LIFE_DEAD && c->life != LIFE_NONE;
    kit_cell *k = alive ? akti_kit_cell(c) : NULL;
    akti_msg **v = k ? malloc(n * sizeof *v) : NULL;
    uint32_t made = 0;
    for (; v && made < n; made++) {
        akti_envelope *e = akt_msg_new(&akti_envelope_type, 0);
        if (e == NULL) {
            break;
        }
        e->inner = msgs[made];
        akti_msg *em = akti_msg_hdr(e);
        em->flags |= AKTI_MSG_ENVELOPE;
        em->sender = senders[made];
        v[made] = em;
    }
    if (v && made == n && akti_kit_requeue_front(c, k, v, n)) {
        k->gpu.pending = status;
        free(v);
        akti_schedule(c);
        return;
    }
    /* no memory, or the actor is gone: the messages become dead letters
     * (an ask behind one fails with the reason) */
    for (uint32_t i = 0; i < n; i++) {
        akti_msg *m = akti_msg_hdr(msgs[i]);
        m->sender = senders[i];
        akti_dead_letter(c->sys, self, m, alive ? AKT_ENOMEM : AKT_ESTOPPED);
    }
    for (uint32_t i = 0; i < made; i++) {
        ((akti_envelope *)akti_msg_body(v[i]))->inner = NULL;
        akt_msg_free(akti_msg_body(v[i]));
    }
    free(v);
}

static void
host_msg_free(void *msg)
{
    akt_msg_free(msg);
}

static void *
host_msg_alloc(const akt_type *type)
{
    return akt_msg_new(type, 0);
}

static void
host_log(akt_system *sys, int level, const char *text)
{
    akt_log(sys, (akt_log_level)level, AKT_REF_NONE, "%s", text);
}

static const akt_gpu_host host_table = {
    .abi = AKT_GPU_PLUGIN_ABI,
    .cell_run = host_cell_run,
    .requeue = host_requeue,
    .tell = akt_tell,
    .msg_alloc = host_msg_alloc,
    .msg_free = host_msg_free,
    .log = host_log,
};

/* --- making the dispatcher ---------------------------------------------------
 */

/* the test hook AKT_GPU_FAULT_AT_BATCH (docs/gpu.md: not a setting) */
static bool
env_fault_at(uint64_t *out, char *why, size_t len)
{
    const char *v = getenv("AKT_GPU_FAULT_AT_BATCH");
    *out = 0;
    if (v == NULL || *v == '\0') {
        return true;
    }
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end != '\0' || v[0] == '-') {
        snprintf(why, len,
            "environment: AKT_GPU_FAULT_AT_BATCH: expected a batch number, "
            "got '%s'",
            v);
        return false;
    }
    *out = n;
    return true;
}

/* load libakt-gpu and open its dispatcher for sys with the settings the
 * system read at create (akt.gpu.*); NULL with why */
static kit_gpu *
gpu_open(akt_system *sys, const kit_settings *set, char *why, size_t len)
{
    const char *off = getenv("AKT_GPU");
    if (off && strcmp(off, "0") == 0) {
        snprintf(why, len, "AKT_GPU=0 turns the GPU off");
        return NULL;
    }
    if (!set->gpu.enabled) {
        snprintf(why, len, "akt.gpu.enabled = off turns the GPU off");
        return NULL;
    }
    akt_gpu_options o;
    memset(&o, 0, sizeof o);
    o.max_batch = set->gpu.max_batch;
    o.max_delay_ns = set->gpu.max_delay_ns;
    o.actor_cap = set->gpu.actor_cap;
    o.device = (int)set->gpu.device;
    o.batch_timeout_ns = set->gpu.batch_timeout_ns;
    o.cuda_graphs = set->gpu.cuda_graphs;
    o.persistent_max_batch = set->gpu.persistent_max_batch;
    o.executor = set->gpu.executor == 1 ? AKT_GPU_EXEC_CPU : AKT_GPU_EXEC_CUDA;
    /* AKT_KERNEL_CACHE (a folder or "off") wins over the configuration */
    const char *cache = getenv("AKT_KERNEL_CACHE");
    if (cache == NULL || *cache == '\0') {
        cache = set->gpu.cache_enabled ? set->gpu.cache_dir : "off";
    }
    o.cache_dir = cache ? cache : "";
    o.cache_cap = set->gpu.cache_max_size;
    if (!env_fault_at(&o.fault_at_batch, why, len)) {
        return NULL;
    }
    const char *path = getenv("AKT_GPU_LIB");
    void *lib = NULL;
    if (path && *path) {
        lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    } else {
        lib = dlopen("libakt-gpu.so.0", RTLD_NOW | RTLD_LOCAL);
        Dl_info info;
        if (lib == NULL && dladdr(&host_table, &info) != 0 && info.dli_fname
            && strrchr(info.dli_fname, '/')) {
            /* beside libakt (an installed pair off the library path) */
            char sib[4096];
            snprintf(sib, sizeof sib, "%.*s/libakt-gpu.so.0",
                (int)(strrchr(info.dli_fname, '/') - info.dli_fname),
                info.dli_fname);
            lib = dlopen(sib, RTLD_NOW | RTLD_LOCAL);
        }
    }
    if (lib == NULL) {
        snprintf(why, len, "libakt-gpu: %s", dlerror());
        return NULL;
    }
    void *sym = dlsym(lib, AKT_GPU_PLUGIN_SYMBOL);
    akt_gpu_plugin_fn fn;
    if (sym == NULL) {
        snprintf(why, len, "libakt-gpu lacks %s", AKT_GPU_PLUGIN_SYMBOL);
        return NULL; /* the library stays loaded: it may be in use */
    }
    memcpy(&fn, &sym, sizeof sym);
    const akt_gpu_plugin *pl = fn();
    if (pl == NULL || pl->abi != AKT_GPU_PLUGIN_ABI) {
        snprintf(why, len, "libakt-gpu is for plugin ABI %u, libakt has %d",
            pl ? pl->abi : 0u, AKT_GPU_PLUGIN_ABI);
        return NULL;
    }
    kit_gpu *g = calloc(1, sizeof *g);
    if (g == NULL) {
        snprintf(why, len, "out of memory");
        return NULL;
    }
    g->pl = pl;
    g->pd = pl->open(&host_table, sys, &o, why, len);
    if (g->pd == NULL) {
        free(g);
        return NULL;
    }
    g->base.ops = &kg_ops;
    g->base.sys = sys;
    g->base.name = GPU_NAME;
    g->base.throughput = (int)o.actor_cap;
    akt_err err = pl->start(g->pd);
    if (err == AKT_OK) {
        err = akti_system_add_dispatcher(sys, &g->base);
    }
    if (err != AKT_OK) {
        snprintf(why, len, "GPU dispatcher: %s", akt_strerror(err));
        pl->close(g->pd);
        free(g);
        return NULL;
    }
    return g;
}

/* the system's GPU dispatcher, made on first use; NULL: see ks->gpu_why.
 * The first caller opens it without holding a lock (dlopen of libakt-gpu,
 * the driver and NVRTC, cuInit: up to seconds); later callers wait for
 * that one on gpu_cv, and nothing else waits for them (the core calls
 * this outside its own locks, see disp_for in core/system.c). */
static kit_gpu *
gpu_get(akt_system *sys)
{
    kit_sys *ks = kit_sys_of(sys);
    if (ks == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&ks->gpu_mu);
    while (ks->gpu_opening) {
        pthread_cond_wait(&ks->gpu_cv, &ks->gpu_mu);
    }
    if (!ks->gpu_tried) {
        ks->gpu_opening = true;
        pthread_mutex_unlock(&ks->gpu_mu);
        char why[sizeof ks->gpu_why] = "";
        kit_gpu *g = gpu_open(sys, &ks->set, why, sizeof why);
        if (g) {
            akt_log(sys, AKT_LOG_INFO, AKT_REF_NONE, "GPU dispatcher: %s",
                g->pl->describe(g->pd));
        } else {
            akt_log(sys, AKT_LOG_WARNING, AKT_REF_NONE,
                "no GPU for @gpu actors: %s (placement gpu fails, auto runs "
                "on the CPU)",
                why);
        }
        pthread_mutex_lock(&ks->gpu_mu);
        memcpy(ks->gpu_why, why, sizeof why);
        ks->gpu = g;
        ks->gpu_tried = true;
        ks->gpu_opening = false;
        pthread_cond_broadcast(&ks->gpu_cv);
    }
    kit_gpu *g = ks->gpu;
    pthread_mutex_unlock(&ks->gpu_mu);
    return g;
}

akti_dispatcher *
akti_kit_dispatcher(akt_system *sys, const char *name, akt_err *err)
{
    bool gpu = strcmp(name, GPU_NAME) == 0;
    bool dflt = strcmp(name, GPU_NAME_DEFAULT) == 0;
    if (!gpu && !dflt && strcmp(name, GPU_NAME_AUTO) != 0) {
        *err = AKT_ENOENT;
        return NULL;
    }
    if (dflt) {
        /* AKT_PLACEMENT_DEFAULT: the system's akt.gpu.placement */
        kit_sys *ks = kit_sys_of(sys);
        int p = ks ? ks->set.gpu.placement : AKT_PLACEMENT_CPU;
        if (p == AKT_PLACEMENT_CPU) {
            return sys->set.calling_default ? sys->calling : sys->pool;
        }
        gpu = p == AKT_PLACEMENT_GPU;
    }
    kit_gpu *g = gpu_get(sys);
    if (g) {
        return &g->base;
    }
    if (gpu) {
        *err = AKT_ENOTSUP;
        return NULL;
    }
    /* auto without a device: the default dispatcher (the CPU) */
    return sys->set.calling_default ? sys->calling : sys->pool;
}

bool
akt_gpu_available(akt_system *sys, char *why, size_t len)
{
    if (sys == NULL) {
        return false;
    }
    if (gpu_get(sys) != NULL) {
        return true;
    }
    if (why && len) {
        kit_sys *ks = kit_sys_of(sys);
        snprintf(why, len, "%s", ks ? ks->gpu_why : "no kit");
    }
    return false;
}

akt_err
akt_gpu_stats_get(akt_system *sys, akt_gpu_stats *out)
{
    if (sys == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    memset(out, 0, sizeof *out);
    kit_sys *ks = kit_sys_of(sys);
    if (ks == NULL) {
        return AKT_ENOENT;
    }
    pthread_mutex_lock(&ks->gpu_mu);
    kit_gpu *g = ks->gpu;
    pthread_mutex_unlock(&ks->gpu_mu);
    if (g == NULL) {
        return AKT_ENOENT;
    }
    g->pl->stats(g->pd, out);
    return AKT_OK;
}

akt_err
akt_gpu_place(
    akt_props *props, const akt_gpu_actor_type *t, akt_placement placement)
{
    if (props == NULL || t == NULL || t->abi != AKT_GPU_ABI) {
        return AKT_EINVAL;
    }
    switch (placement) {
    case AKT_PLACEMENT_CPU:
        return AKT_OK;
    case AKT_PLACEMENT_GPU:
        props->dispatcher = GPU_NAME;
        return AKT_OK;
    case AKT_PLACEMENT_AUTO:
        props->dispatcher = GPU_NAME_AUTO;
        return AKT_OK;
    case AKT_PLACEMENT_DEFAULT:
        props->dispatcher = GPU_NAME_DEFAULT;
        return AKT_OK;
    }
    return AKT_EINVAL;
}

/* --- what generated code calls ---------------------------------------------
 */

bool
akt_gpu_ctx_placed(akt_ctx *ctx)
{
    return ctx && gpu_of_cell(akti_ctx_cell(ctx)) != NULL;
}

void
akt_gpu_status_reason(const akt_gpu_actor_type *t, uint32_t hid, int32_t status,
    char *buf, size_t len)
{
    const char *msg = t && hid < t->nhandlers ? t->handlers[hid].name : "?";
    const char *actor = t ? t->name : "?";
    switch (status) {
    case AKT_GPU_DIV0:
        snprintf(buf, len, "%s on %s: integer division by zero", actor, msg);
        break;
    case AKT_GPU_LIMIT:
        snprintf(buf, len, "%s on %s: a loop ran past %u iterations", actor,
            msg, AKT_GPU_LOOP_CAP);
        break;
    case AKT_GPU_CONV:
        snprintf(buf, len,
            "%s on %s: float to integer conversion of NaN or a value out of "
            "range",
            actor, msg);
        break;
    case AKT_GPU_ENUM:
        snprintf(buf, len,
            "%s on %s: a value that is none of its enum's written to an "
            "enum field",
            actor, msg);
        break;
    case AKT_GPU_DEVICE:
        snprintf(buf, len,
            "%s on %s: the GPU failed and the actor's state with it", actor,
            msg);
        break;
    case AKT_GPU_NOMEM:
        snprintf(buf, len,
            "%s on %s: out of memory for the messages it sends (its tells "
            "and reply): not run",
            actor, msg);
        break;
    default:
        if (status >= 1 && status <= AKT_GPU_FAIL_MAX) {
            snprintf(buf, len, "%s on %s: fail(%d)", actor, msg, (int)status);
        } else {
            snprintf(buf, len, "%s on %s: status %d", actor, msg, (int)status);
        }
    }
}

akt_err
akt_gpu_fail(
    akt_ctx *ctx, const akt_gpu_actor_type *t, uint32_t hid, int32_t status)
{
    char reason[160];
    akt_gpu_status_reason(t, hid, status, reason, sizeof reason);
    akt_err code = status >= 1 && status <= AKT_GPU_FAIL_MAX ? AKT_EFAILED
        : status == AKT_GPU_DIV0 || status == AKT_GPU_CONV
            || status == AKT_GPU_ENUM
        ? AKT_ERANGE
        : status == AKT_GPU_LIMIT  ? AKT_ETOOBIG
        : status == AKT_GPU_DEVICE ? AKT_EIO
        : status == AKT_GPU_NOMEM  ? AKT_ENOMEM
                                   : AKT_EINTERNAL;
    return akt_ctx_fail(ctx, code, "%s", reason);
}

akt_err
akt_gpu_stage(
    akt_ctx *ctx, const akt_gpu_actor_type *t, uint32_t hid, const void *msg)
{
    akt_cell *c = akti_ctx_cell(ctx);
    kit_gpu *g = gpu_of_cell(c);
    kit_cell *k = c->ext ? c->ext->kit : NULL;
    if (g == NULL || k == NULL || !k->gpu.has_slot || k->gpu.t != t) {
        return akt_ctx_fail(ctx, AKT_EINTERNAL,
            "%s: no state on the GPU (its handler table lacks the generated "
            "pre_start)",
            t ? t->name : "?");
    }
    if (k->gpu.pending != 0) {
        /* this is the message that failed in the batch: fail now */
        int32_t st = k->gpu.pending;
        k->gpu.pending = 0;
        return akt_gpu_fail(ctx, t, hid, st);
    }
    if (tls_batch == NULL) {
        return akt_ctx_fail(ctx, AKT_EINTERNAL,
            "%s: a GPU actor's message outside the GPU dispatcher", t->name);
    }
    void *m = akt_msg_retain(msg);
    int32_t fail = 0;
    akt_err err = g->pl->stage(tls_batch, akt_ctx_self(ctx), t, k->gpu.slot,
        hid, m, akt_ctx_sender(ctx), &fail);
    if (err != AKT_OK || fail != 0) {
        akt_msg_free(m);
        if (fail != 0) {
            return akt_gpu_fail(ctx, t, hid, fail);
        }
        return akt_ctx_fail(ctx, err, "%s: cannot batch a message: %s", t->name,
            akt_strerror(err));
    }
    return AKT_OK;
}

akt_err
akt_gpu_actor_start(
    akt_ctx *ctx, const akt_gpu_actor_type *t, const void *cell_state)
{
    akt_cell *c = akti_ctx_cell(ctx);
    kit_gpu *g = gpu_of_cell(c);
    if (g == NULL) {
        return AKT_OK; /* on the CPU: the cell's state is the state */
    }
    kit_cell *k = akti_kit_cell(c);
    void *buf = malloc(t->state_size ? t->state_size : 1);
    if (k == NULL || buf == NULL) {
        free(buf);
        return AKT_ENOMEM;
    }
    t->to_device(cell_state, buf);
    uint32_t slot = k->gpu.has_slot ? k->gpu.slot : UINT32_MAX;
    akt_err err = g->pl->slot_start(g->pd, t, &slot, buf);
    free(buf);
    if (err == AKT_OK) {
        k->gpu.t = t;
        k->gpu.slot = slot;
        k->gpu.has_slot = true;
        k->gpu.pending = 0;
    }
    return err;
}

void
akt_gpu_actor_stop(akt_ctx *ctx)
{
    akt_cell *c = akti_ctx_cell(ctx);
    kit_gpu *g = gpu_of_cell(c);
    kit_cell *k = c->ext ? c->ext->kit : NULL;
    if (g && k && k->gpu.has_slot) {
        g->pl->slot_free(g->pd, k->gpu.t, k->gpu.slot);
        k->gpu.has_slot = false;
    }
}
