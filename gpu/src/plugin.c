/*
 * plugin.c -- the GPU dispatcher: one thread per system that runs every
 * GPU-placed actor, batching the messages of many actors into one launch
 * per actor type.
 *
 * A round: take ready cells (schedule() queues them) and run a turn of
 * each (host->cell_run) with at most actor_cap messages; the generated
 * handler entries do not run the messages but stage them (stage()): the
 * fields go into per-handler columns, the actor into the CSR ranges of its
 * type's group. The batch closes when it holds max_batch messages, or
 * when no cell is ready whose oldest waiting message arrived within
 * max_delay of the batch's oldest one (the queue records, per cell, when
 * its oldest message arrived: the arriving hook records each message's
 * arrival, so a cell the cap left is aged by the oldest message it still
 * has): a batch does not go on growing with messages that arrived long
 * after its oldest, and messages that waited through a long batch before
 * it are all taken.
 * Then each group runs -- the CPU batch loop, or on the device (the
 * group's pinned staging copied in, the kernel, its outputs copied out,
 * as one CUDA graph per size class) -- and the results are applied in
 * mailbox order. On the device there are two batches: the one launched
 * last round is finished (waited for until its deadline) and applied
 * after this round's batch was collected and launched, so the device
 * works while the host packs; a batch never holds an actor of the batch
 * in flight. In the results a success sends its tells and its reply to
 * the sender (asks complete), the first failure of an actor puts that
 * message and the rest of its batch back at the head of its mailbox
 * (host->requeue), to fail the actor when it runs again, exactly as it
 * would have failed on the CPU.
 *
 * Invariants: a cell is collected at most once per batch (a cell that
 * yields goes to the next one), so an actor's messages in a batch are one
 * contiguous range in mailbox order; only this thread runs GPU cells and
 * touches the slabs; a slot freed while a batch is built is reused only
 * after that batch. Device states live in a slab per actor type (host
 * memory for the CPU executor; device memory with a host copy of what
 * slot_start wrote, for CUDA). A poisoned context marks every slot lost:
 * each actor fails once with AKT_GPU_DEVICE (its supervisor restarts it,
 * which writes a fresh state) and the dispatcher runs on the CPU from then
 * on.
 */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpu_impl.h"
#include "plugin.h"

#define MAX_GROUPS       64
#define GRAPHS_PER_GROUP 8

typedef struct disp disp;

/* the persistent kernel's doorbell: akt_gpu_doorbell of the generated
 * prelude (templates/cuda/gpu.h.tmpl), in mapped host memory */
typedef struct pdoor {
    uint32_t seq;
    uint32_t stop;
    uint64_t args;
    uint32_t ack;
    uint32_t pad_;
} pdoor;

/* a ready cell and when its oldest queued message arrived: for a cell
 * made ready by a message, when that one arrived; for one with messages
 * left after its turn (the cap), the oldest of those (its arrivals) */
typedef struct rentry {
    void *cell;
    int64_t t;
    uint32_t idx; /* the host's index of the cell (its arrivals) */
} rentry;

/* when one message of a cell arrived (arriving(): before it was queued) */
typedef struct arrival {
    const void *msg;
    int64_t t;
} arrival;

/* A cell's arrivals, oldest first: a ring the senders append to (under
 * lock) and the dispatcher takes from as it stages the messages. It
 * holds at most bound entries (the mailbox's capacity, else
 * ARRIVALS_UNBOUNDED): a send that finds it full is not recorded, and
 * gap_t keeps the first such send's time until the cell runs dry. An
 * entry whose message never reached a handler (dropped by a full
 * mailbox, a dead letter) is dropped when a later message is staged. */
typedef struct arrivals {
    atomic_flag lock;
    bool gap;
    uint32_t head, len, cap, bound;
    int64_t gap_t;
    arrival *e; /* cap entries: in, or the heap past INLINE_ARRIVALS */
    arrival in[2];
} arrivals;

#define INLINE_ARRIVALS    2
#define ARRIVALS_UNBOUNDED 4096
/* cells by index: chunks of 1,024 records, made by attach */
#define ARR_CHUNK_BITS 10
#define ARR_CHUNKS     (1u << (24 - ARR_CHUNK_BITS))

typedef struct slab {
    const akt_gpu_actor_type *t;
    disp *d; /* its dispatcher (the compile thread's way back) */
    struct slab *next;
    uint8_t *host; /* cap states */
    uint8_t *lost; /* per slot: its state went with the device */
    uint32_t cap, hw; /* slots allocated, used so far */
    uint32_t *freel, nfree, capfree;
    uint32_t *dead, ndead, capdead; /* freed during the batch */
    /* CUDA */
    akg_dptr dev;
    uint32_t dev_cap;
    uint32_t *dirty, ndirty, capdirty; /* slots to copy to the device */
    akg_kernel *kern;
    /* no kernel could be had (no NVRTC and no precompiled image, or it
     * does not compile): the type runs on the CPU batch loop, its states
     * in host (it never ran on the device) */
    bool on_cpu;
    akg_origin from; /* where the kernel's image came from */
    /* the persistent kernel (akt.gpu.persistent-max-batch): tried once;
     * on, it stays resident and runs the type's small batches */
    bool p_tried, p_on;
    akg_kernel *pkern;
    pdoor *door;
    akg_dptr door_dev;
    uint32_t pseq;
    /* states were written on the stream and not waited for since: the
     * persistent kernel, outside the stream, must not run before them */
    bool unsynced;
    /* the compile (a background thread per type) */
    pthread_t compiler;
    bool compiling, compiled;
    akt_err compile_err;
    akg_blob blob;
    char why[1024];
} slab;

typedef struct group {
    slab *s;
    void *cur; /* the cell being staged */
    uint32_t n_actors, cap_actors;
    uint32_t *slot, *beg;
    akt_ref *cells; /* the actors (their incarnations) */
    uint32_t n_msgs, cap_msgs;
    uint8_t *hid;
    uint32_t *row;
    void **msgs;
    akt_ref *senders;
    int32_t *rc;
    int64_t *arr; /* when each message arrived (a failure's requeue) */
    /* the messages each may send, made when it was staged: message j's
     * tells (one per tell statement) then its reply, from pre[pre_at[j]] */
    uint32_t *pre_at;
    void **pre;
    uint32_t npre, cap_pre;
    uint32_t *rows, *rcap; /* per handler */
    uint8_t *in[AKT_GPU_MAX_COLS];
    uint8_t *out[AKT_GPU_MAX_COLS];
    /* CUDA: this group's staging, pinned on the host and on the device,
     * in (args, CSR, message columns) and out (statuses, reply and tell
     * columns) apart, each a power of two (a size class) */
    bool on_device; /* launched on the device in this batch */
    uint8_t *pin_in, *pin_out;
    akg_dptr dev_in, dev_out;
    size_t in_cap, out_cap;
    size_t o_rc, o_out[AKT_GPU_MAX_COLS]; /* in the out region */
    /* the persistent kernel's staging: mapped host memory the device
     * reads and writes in place (no copies) */
    uint8_t *map_in, *map_out;
    akg_dptr map_in_dev, map_out_dev;
    size_t map_in_cap, map_out_cap;
    /* graphs of copy + kernel + copy over this staging, per slab and size
     * class (the kernel reads n_actors from its args: threads past it
     * return; the copies move the whole class) */
    struct {
        const slab *s;
        size_t n_in, n_out;
        uint32_t blocks;
        akg_graph *g;
        uint64_t used;
    } graphs[GRAPHS_PER_GROUP];
} group;

typedef struct batch {
    disp *d;
    group g[MAX_GROUPS];
    uint32_t ngroups;
    uint32_t n_msgs;
    /* the cells collected: an open-addressing set */
    void **seen;
    uint32_t seen_cap, nseen;
    /* CUDA: launched and not yet applied (its results come back while the
     * next batch is collected and packed); done is recorded after its
     * last copy */
    bool in_flight;
    akg_event *done;
    int64_t deadline;
} batch;

struct disp {
    const akt_gpu_host *host;
    akt_system *sys;
    akt_gpu_options o;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, started;
    rentry *ready; /* ring */
    uint32_t rhead, rlen, rcap;
    slab *slabs;
    akg_cuda *cu; /* NULL: the CPU executor */
    akg_nvrtc *nv;
    akg_cache *cache;
    bool failover; /* the device failed: the CPU runs the batches */
    uint64_t nbatches; /* rounds that ran something */
    /* akt_gpu_stats (read by any thread) */
    _Atomic uint64_t st_batches, st_messages, st_largest, st_requeued, st_told;
    /* two batches: while one runs on the device the other is collected
     * and packed (its own staging), from actors not in the first */
    batch bt[2];
    int cur; /* the one being collected */
    uint64_t graph_uses; /* the graphs' LRU clock */
    /* cells deferred to the next batch (under mu: attach grows it) */
    rentry *next;
    uint32_t nnext, capnext;
    uint32_t ncells; /* attached: the ring and next have room for each */
    _Atomic(arrivals *) *arr; /* ARR_CHUNKS chunks, made by attach */
    char desc[320];
};

/* a clock the tests may replace (tests/gpu/batch_test.c) */
AKG_HIDDEN int64_t (*akg_test_clock)(void);

static int64_t
now_ns(void)
{
    if (akg_test_clock) {
        return akg_test_clock();
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
logf_(disp *d, int level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    d->host->log(d->sys, level, line);
}

/* grow *p (elements of size sz) to hold at least need; false on ENOMEM */
static bool
grow(void *p, uint32_t *cap, uint32_t need, size_t sz)
{
    if (need <= *cap) {
        return true;
    }
    uint32_t nc = *cap ? *cap : 16;
    while (nc < need) {
        nc *= 2;
    }
    void *np = realloc(*(void **)p, (size_t)nc * sz);
    if (np == NULL) {
        return false;
    }
    *(void **)p = np;
    *cap = nc;
    return true;
}

/* --- the ready queue ------------------------------------------------------
 */

/* room in the ready ring and the deferred array for need cells (under
 * mu): attach reserves a place per attached cell, so a schedule -- called
 * with the cell's sched flag taken, when it must not fail -- never
 * allocates. AKT_ENOMEM leaves both as they were. */
static akt_err
ready_reserve_locked(disp *d, uint32_t need)
{
    if (need > d->rcap) {
        uint32_t nc = d->rcap ? d->rcap : 256;
        while (nc < need) {
            nc *= 2;
        }
        rentry *nr = malloc(nc * sizeof *nr);
        if (nr == NULL) {
            return AKT_ENOMEM;
        }
        for (uint32_t i = 0; i < d->rlen; i++) {
            nr[i] = d->ready[(d->rhead + i) % d->rcap];
        }
        free(d->ready);
        d->ready = nr;
        d->rcap = nc;
        d->rhead = 0;
    }
    if (!grow(&d->next, &d->capnext, need, sizeof *d->next)) {
        return AKT_ENOMEM;
    }
    return AKT_OK;
}

/* a cell is in the ring, in next or running, never twice (the core
 * schedules a cell once until it ran), and only attached cells are
 * scheduled: the ring has room (ready_reserve_locked) */
static void
ready_push_locked(disp *d, rentry e)
{
    if (d->rlen == d->rcap && ready_reserve_locked(d, d->rcap + 1) != AKT_OK) {
        /* only a host that schedules a cell it did not attach gets here
         * (a bug of that host): the cell is not run, and said so */
        d->host->log(d->sys, AKT_LOG_ERROR,
            "gpu: ready queue full: a cell scheduled without attach is not "
            "run (out of memory)");
        return;
    }
    d->ready[(d->rhead + d->rlen) % d->rcap] = e;
    d->rlen++;
}

/* --- arrivals -------------------------------------------------------------
 */

static arrivals *
arr_of(disp *d, uint32_t idx)
{
    if (d->arr == NULL || (idx >> ARR_CHUNK_BITS) >= ARR_CHUNKS) {
        return NULL;
    }
    arrivals *c = atomic_load_explicit(
        &d->arr[idx >> ARR_CHUNK_BITS], memory_order_acquire);
    return c ? &c[idx & ((1u << ARR_CHUNK_BITS) - 1)] : NULL;
}

static void
arr_lock(arrivals *a)
{
    for (uint32_t spins = 0;
         atomic_flag_test_and_set_explicit(&a->lock, memory_order_acquire);
         spins++) {
        if (spins >= 64) {
            sched_yield();
        }
    }
}

static void
arr_unlock(arrivals *a)
{
    atomic_flag_clear_explicit(&a->lock, memory_order_release);
}

/* a sender: msg is about to be queued for cell idx, now */
static void
disp_arriving(void *dp, uint32_t idx, const void *msg)
{
    disp *d = dp;
    arrivals *a = arr_of(d, idx);
    if (a == NULL) {
        return;
    }
    int64_t t = now_ns();
    arr_lock(a);
    if (a->len == a->cap && a->cap < a->bound) {
        /* grow (never past the bound); without memory: not recorded */
        uint32_t nc = a->cap * 2 < a->bound ? a->cap * 2 : a->bound;
        arrival *ne = malloc((size_t)nc * sizeof *ne);
        if (ne != NULL) {
            for (uint32_t i = 0; i < a->len; i++) {
                ne[i] = a->e[(a->head + i) % a->cap];
            }
            if (a->e != a->in) {
                free(a->e);
            }
            a->e = ne;
            a->cap = nc;
            a->head = 0;
        }
    }
    if (a->len < a->cap) {
        a->e[(a->head + a->len) % a->cap] = (arrival) { msg, t };
        a->len++;
    } else if (!a->gap) {
        a->gap = true;
        a->gap_t = t;
    }
    arr_unlock(a);
}

/* the dispatcher stages msg of cell idx: when it arrived (its entry and
 * any before it, of messages that never reached a handler, go); -1 when
 * it was not recorded (put back after a failure, or a full record) */
static int64_t
arr_take(disp *d, uint32_t idx, const void *msg)
{
    arrivals *a = arr_of(d, idx);
    int64_t t = -1;
    if (a == NULL) {
        return t;
    }
    arr_lock(a);
    for (uint32_t i = 0; i < a->len; i++) {
        const arrival *x = &a->e[(a->head + i) % a->cap];
        if (x->msg == msg) {
            t = x->t;
            a->head = (a->head + i + 1) % a->cap;
            a->len -= i + 1;
            break;
        }
    }
    arr_unlock(a);
    return t;
}

/* when the oldest message cell idx still has arrived, its turn having
 * begun for messages that arrived from since on: the first recorded one,
 * or the first unrecorded one if older */
static int64_t
arr_oldest(disp *d, uint32_t idx, int64_t since)
{
    arrivals *a = arr_of(d, idx);
    int64_t t = since;
    if (a == NULL) {
        return t;
    }
    arr_lock(a);
    if (a->len > 0) {
        t = a->e[a->head].t;
        if (a->gap && a->gap_t < t) {
            t = a->gap_t;
        }
    } else if (a->gap) {
        t = a->gap_t;
    }
    arr_unlock(a);
    /* every message it has arrived after it became ready: an older entry
     * is one that never reached a handler */
    return t > since ? t : since;
}

/* cell idx ran dry: the sends its record missed were all taken */
static void
arr_dry(disp *d, uint32_t idx)
{
    arrivals *a = arr_of(d, idx);
    if (a == NULL) {
        return;
    }
    arr_lock(a);
    a->gap = false;
    arr_unlock(a);
}

/* attach -- a cell joins the dispatcher (its spawn): its place in the
 * queues is reserved now, so AKT_ENOMEM fails the spawn rather than a
 * later schedule; so is its record of arrivals (its inline entries) */
static akt_err
disp_attach(void *dp, uint32_t idx, uint32_t bound)
{
    disp *d = dp;
    if ((idx >> ARR_CHUNK_BITS) >= ARR_CHUNKS) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&d->mu);
    akt_err err = ready_reserve_locked(d, d->ncells + 1);
    _Atomic(arrivals *) *slot = &d->arr[idx >> ARR_CHUNK_BITS];
    if (err == AKT_OK
        && atomic_load_explicit(slot, memory_order_relaxed) == NULL) {
        arrivals *c = calloc(1u << ARR_CHUNK_BITS, sizeof *c);
        if (c == NULL) {
            err = AKT_ENOMEM;
        } else {
            for (uint32_t i = 0; i < (1u << ARR_CHUNK_BITS); i++) {
                atomic_flag_clear(&c[i].lock);
                c[i].e = c[i].in;
                c[i].cap = INLINE_ARRIVALS;
            }
            atomic_store_explicit(slot, c, memory_order_release);
        }
    }
    if (err == AKT_OK) {
        d->ncells++;
    }
    pthread_mutex_unlock(&d->mu);
    if (err == AKT_OK) {
        /* a sender with a stale ref of the cell's last life may still
         * append: under its lock, the record starts empty */
        arrivals *a = arr_of(d, idx);
        arr_lock(a);
        a->head = a->len = 0;
        a->gap = false;
        a->bound = bound > 0 && bound < ARRIVALS_UNBOUNDED ? bound
                                                           : ARRIVALS_UNBOUNDED;
        if (a->bound < INLINE_ARRIVALS) {
            a->bound = INLINE_ARRIVALS;
        }
        arr_unlock(a);
    }
    return err;
}

static void
disp_detach(void *dp, uint32_t idx)
{
    disp *d = dp;
    pthread_mutex_lock(&d->mu);
    if (d->ncells > 0) {
        d->ncells--;
    }
    pthread_mutex_unlock(&d->mu);
    arrivals *a = arr_of(d, idx);
    if (a) {
        arr_lock(a);
        if (a->e != a->in) {
            free(a->e);
            a->e = a->in;
        }
        a->cap = INLINE_ARRIVALS;
        a->head = a->len = 0;
        a->gap = false;
        arr_unlock(a);
    }
}

/* the entry whose turn the dispatcher thread is running (NULL elsewhere),
 * and whether that turn scheduled the cell again (messages left) */
static _Thread_local const rentry *tls_turn;
static _Thread_local bool tls_turn_again;
/* apply puts a failure back: when that message arrived (-1: none) */
static _Thread_local int64_t tls_requeue_t = -1;

static void
disp_schedule(void *dp, void *cell, uint32_t idx)
{
    disp *d = dp;
    rentry e = { cell, 0, idx };
    if (tls_turn && tls_turn->cell == cell) {
        /* messages left by the per-actor cap: the cell's turn re-queues
         * it, aged by the oldest of them (its arrivals), never by now: no
         * message waits past max_delay for a batch because the cap left
         * it, nor is a batch closed early by an age it does not have */
        tls_turn_again = true;
        e.t = arr_oldest(d, idx, tls_turn->t);
    } else if (tls_requeue_t >= 0) {
        e.t = tls_requeue_t; /* a failure put back: when it arrived */
    } else {
        e.t = now_ns(); /* it was idle: this message arrived now */
    }
    pthread_mutex_lock(&d->mu);
    ready_push_locked(d, e);
    if (d->rlen == 1) {
        pthread_cond_signal(&d->cv);
    }
    pthread_mutex_unlock(&d->mu);
}

/* the next ready cell, if it became ready by deadline; false otherwise
 * (none, or a younger one: it stays first in the queue) */
static bool
ready_pop(disp *d, int64_t deadline, rentry *out)
{
    bool got = false;
    pthread_mutex_lock(&d->mu);
    if (d->rlen > 0 && d->ready[d->rhead].t <= deadline) {
        *out = d->ready[d->rhead];
        d->rhead = (d->rhead + 1) % d->rcap;
        d->rlen--;
        got = true;
    }
    pthread_mutex_unlock(&d->mu);
    return got;
}

/* --- slabs --------------------------------------------------------------- */

static slab *
slab_of(disp *d, const akt_gpu_actor_type *t)
{
    for (slab *s = d->slabs; s; s = s->next) {
        if (s->t == t) {
            return s;
        }
    }
    return NULL;
}

static char *
module_source(const akt_gpu_module *m, size_t *len)
{
    return akg_module_source(m->lines, m->nlines, len);
}

/* the background compile of a type's module for the device: the cache,
 * else NVRTC (then stored in the cache); kernel.c decides the key, as it
 * does for aktc --gpu-arch */
static void *
compile_main(void *arg)
{
    slab *s = arg;
    disp *d = s->d;
    size_t len = 0;
    char *src = module_source(s->t->module, &len);
    akt_err err = AKT_ENOMEM;
    if (src) {
        err = akg_kernel_image(d->cache, d->nv, src, len, s->t->module->name,
            akg_cuda_arch(d->cu), false, &s->blob, &s->from, s->why,
            sizeof s->why);
        free(src);
    }
    pthread_mutex_lock(&d->mu);
    s->compile_err = err;
    s->compiled = true;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

static slab *
slab_get(disp *d, const akt_gpu_actor_type *t)
{
    slab *s = slab_of(d, t);
    if (s) {
        return s;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    s->t = t;
    s->d = d;
    s->next = d->slabs;
    d->slabs = s;
    if (d->cu && !d->failover) {
        /* compile while the first actors start; a batch of this type
         * waits for it (its messages queue meanwhile) */
        if (pthread_create(&s->compiler, NULL, compile_main, s) == 0) {
            s->compiling = true;
        } else {
            s->compiled = true;
            s->compile_err = AKT_ENOMEM;
            snprintf(s->why, sizeof s->why, "cannot start a compile thread");
        }
    }
    return s;
}

static akt_err
disp_slot_start(
    void *dp, const akt_gpu_actor_type *t, uint32_t *slot, const void *state)
{
    disp *d = dp;
    slab *s = slab_get(d, t);
    if (s == NULL) {
        return AKT_ENOMEM;
    }
    uint32_t k = *slot;
    if (k == UINT32_MAX) {
        if (s->nfree > 0) {
            k = s->freel[--s->nfree];
        } else {
            if (s->hw == s->cap) {
                uint32_t nc = s->cap ? s->cap * 2 : 64;
                uint8_t *nh = realloc(s->host, (size_t)nc * t->state_size);
                if (nh == NULL) {
                    return AKT_ENOMEM;
                }
                s->host = nh;
                uint8_t *nl = realloc(s->lost, nc);
                if (nl == NULL) {
                    return AKT_ENOMEM;
                }
                s->lost = nl;
                memset(s->lost + s->cap, 0, nc - s->cap);
                s->cap = nc;
            }
            /* room to free every slot later: slot_free and the recycle
             * after a batch then never allocate (a slot is not lost) */
            if (!grow(&s->dead, &s->capdead, s->hw + 1, sizeof *s->dead)
                || !grow(&s->freel, &s->capfree, s->hw + 1, sizeof *s->freel)) {
                return AKT_ENOMEM;
            }
            k = s->hw++;
        }
    }
    bool dev = d->cu && !d->failover && !s->on_cpu;
    if (dev
        && !grow(&s->dirty, &s->capdirty, s->ndirty + 1, sizeof *s->dirty)) {
        return AKT_ENOMEM;
    }
    memcpy(s->host + (size_t)k * t->state_size, state, t->state_size);
    s->lost[k] = 0;
    if (dev) {
        s->dirty[s->ndirty++] = k;
    }
    *slot = k;
    return AKT_OK;
}

static void
disp_slot_free(void *dp, const akt_gpu_actor_type *t, uint32_t slot)
{
    disp *d = dp;
    slab *s = slab_of(d, t);
    if (s == NULL || slot >= s->hw) {
        return;
    }
    if (s->ndead < s->capdead) { /* room: slot_start reserved it */
        s->dead[s->ndead++] = slot;
    }
}

/* slots freed while the batch was built become free after it */
static void
slabs_recycle(disp *d)
{
    for (slab *s = d->slabs; s; s = s->next) {
        if (s->ndead == 0) {
            continue;
        }
        /* nfree + ndead <= hw <= capfree (slot_start) */
        memcpy(s->freel + s->nfree, s->dead, s->ndead * sizeof *s->dead);
        s->nfree += s->ndead;
        s->ndead = 0;
    }
}

/* --- building a batch ------------------------------------------------------
 */

/* 1: cell added; 0: already in b; -1: no memory to tell (a batch that
 * cannot tell must not take it: two ranges of one actor would run at
 * once) */
static int
seen_add(batch *b, void *cell)
{
    if ((b->nseen + 1) * 2 > b->seen_cap) {
        uint32_t nc = b->seen_cap ? b->seen_cap * 2 : 1024;
        void **ns = calloc(nc, sizeof *ns);
        if (ns == NULL) {
            return -1;
        }
        for (uint32_t i = 0; i < b->seen_cap; i++) {
            if (b->seen[i]) {
                uintptr_t h = ((uintptr_t)b->seen[i] >> 6) * 0x9e3779b1u;
                uint32_t k = (uint32_t)h & (nc - 1);
                while (ns[k]) {
                    k = (k + 1) & (nc - 1);
                }
                ns[k] = b->seen[i];
            }
        }
        free(b->seen);
        b->seen = ns;
        b->seen_cap = nc;
    }
    uintptr_t h = ((uintptr_t)cell >> 6) * 0x9e3779b1u;
    uint32_t k = (uint32_t)h & (b->seen_cap - 1);
    while (b->seen[k]) {
        if (b->seen[k] == cell) {
            return 0;
        }
        k = (k + 1) & (b->seen_cap - 1);
    }
    b->seen[k] = cell;
    b->nseen++;
    return 1;
}

static group *
group_for(batch *b, slab *s)
{
    for (uint32_t i = 0; i < b->ngroups; i++) {
        if (b->g[i].s == s) {
            return &b->g[i];
        }
    }
    if (b->ngroups == MAX_GROUPS) {
        return NULL;
    }
    group *g = &b->g[b->ngroups++];
    if (g->s != s) {
        /* a slot of the array reused by another type: its columns differ */
        for (int c = 0; c < AKT_GPU_MAX_COLS; c++) {
            free(g->in[c]);
            free(g->out[c]);
            g->in[c] = g->out[c] = NULL;
        }
        free(g->rows);
        free(g->rcap);
        g->rows
            = calloc(s->t->nhandlers ? s->t->nhandlers : 1, sizeof *g->rows);
        g->rcap
            = calloc(s->t->nhandlers ? s->t->nhandlers : 1, sizeof *g->rcap);
        if (g->rows == NULL || g->rcap == NULL) {
            b->ngroups--;
            return NULL;
        }
        g->s = s;
    }
    g->cur = NULL;
    g->n_actors = 0;
    g->n_msgs = 0;
    g->npre = 0;
    memset(g->rows, 0, s->t->nhandlers * sizeof *g->rows);
    return g;
}

/* room for one more row of handler h's columns */
static bool
rows_grow(group *g, const akt_gpu_actor_type *t, uint32_t h)
{
    const akt_gpu_handler *hd = &t->handlers[h];
    if (g->rows[h] < g->rcap[h]) {
        return true;
    }
    uint32_t nc = g->rcap[h] ? g->rcap[h] * 2 : 64;
    for (uint32_t c = hd->in_base; c < hd->in_base + hd->nin; c++) {
        uint8_t *p = realloc(g->in[c], (size_t)nc * t->in_sizes[c]);
        if (p == NULL) {
            return false;
        }
        g->in[c] = p;
    }
    for (uint32_t c = hd->out_base; c < hd->out_base + hd->nout; c++) {
        uint8_t *p = realloc(g->out[c], (size_t)nc * t->out_sizes[c]);
        if (p == NULL) {
            return false;
        }
        g->out[c] = p;
    }
    g->rcap[h] = nc;
    return true;
}

static akt_err stage_add(batch *b, group *g, akt_ref self, uint32_t slot,
    uint32_t hid, void *msg, akt_ref sender);

static akt_err
disp_stage(void *bp, akt_ref self, const akt_gpu_actor_type *t, uint32_t slot,
    uint32_t hid, void *msg, akt_ref sender, int32_t *fail)
{
    batch *b = bp;
    disp *d = b->d;
    *fail = 0;
    slab *s = slab_of(d, t);
    if (s == NULL || slot >= s->hw || hid >= t->nhandlers) {
        return AKT_EINVAL;
    }
    if (s->lost[slot]) {
        /* its one failure for the device: whatever its supervisor does
         * (a restart writes a fresh state; a resume goes on from the
         * state akt last wrote for it, its host copy), its next message
         * runs */
        s->lost[slot] = 0;
        *fail = AKT_GPU_DEVICE;
        return AKT_OK;
    }
    group *g = group_for(b, s);
    if (g == NULL) {
        return AKT_ENOMEM;
    }
    /* the messages it may send are made now, before it runs: without
     * memory it fails unrun (as a CPU handler whose tell or reply cannot
     * be made fails before its state changes), never after the device
     * committed its state */
    const akt_gpu_handler *hd = &t->handlers[hid];
    bool reply = hd->reply_fill != NULL && sender.cell_ != NULL;
    uint32_t nsend = hd->ntells + (reply ? 1 : 0);
    if (!grow(&g->pre, &g->cap_pre, g->npre + nsend, sizeof *g->pre)) {
        return AKT_ENOMEM;
    }
    for (uint32_t k = 0; k < nsend; k++) {
        const akt_type *mt = k < hd->ntells ? hd->tells[k].msg : hd->reply;
        void *pm = d->host->msg_alloc(mt);
        if (pm == NULL) {
            for (uint32_t i = 0; i < k; i++) {
                d->host->msg_free(g->pre[g->npre + i]);
            }
            *fail = AKT_GPU_NOMEM;
            return AKT_OK;
        }
        g->pre[g->npre + k] = pm;
    }
    akt_err err = stage_add(b, g, self, slot, hid, msg, sender);
    if (err != AKT_OK) {
        for (uint32_t k = 0; k < nsend; k++) {
            d->host->msg_free(g->pre[g->npre + k]);
        }
        return err;
    }
    g->pre_at[g->n_msgs - 1] = g->npre;
    g->npre += nsend;
    return AKT_OK;
}

/* msg of self joins g: its actor's range, its row of the handler's
 * columns (AKT_ENOMEM: g is as it was, but for an empty range) */
static akt_err
stage_add(batch *b, group *g, akt_ref self, uint32_t slot, uint32_t hid,
    void *msg, akt_ref sender)
{
    void *cell = self.cell_;
    const akt_gpu_actor_type *t = g->s->t;
    if (g->cur != cell) {
        if (g->n_actors + 2 > g->cap_actors) {
            uint32_t nc = g->cap_actors ? g->cap_actors * 2 : 64;
            uint32_t *sl = realloc(g->slot, nc * sizeof *sl);
            if (sl == NULL) {
                return AKT_ENOMEM;
            }
            g->slot = sl;
            uint32_t *bg = realloc(g->beg, nc * sizeof *bg);
            if (bg == NULL) {
                return AKT_ENOMEM;
            }
            g->beg = bg;
            akt_ref *cl = realloc(g->cells, nc * sizeof *cl);
            if (cl == NULL) {
                return AKT_ENOMEM;
            }
            g->cells = cl;
            g->cap_actors = nc;
        }
        g->slot[g->n_actors] = slot;
        g->beg[g->n_actors] = g->n_msgs;
        g->cells[g->n_actors] = self;
        g->n_actors++;
        g->cur = cell;
    }
    if (g->n_msgs == g->cap_msgs) {
        uint32_t nc = g->cap_msgs ? g->cap_msgs * 2 : 256;
        uint8_t *h = realloc(g->hid, nc);
        if (h == NULL) {
            return AKT_ENOMEM;
        }
        g->hid = h;
        uint32_t *r = realloc(g->row, nc * sizeof *r);
        if (r == NULL) {
            return AKT_ENOMEM;
        }
        g->row = r;
        void **m = realloc(g->msgs, nc * sizeof *m);
        if (m == NULL) {
            return AKT_ENOMEM;
        }
        g->msgs = m;
        akt_ref *sd = realloc(g->senders, nc * sizeof *sd);
        if (sd == NULL) {
            return AKT_ENOMEM;
        }
        g->senders = sd;
        int32_t *rc = realloc(g->rc, nc * sizeof *rc);
        if (rc == NULL) {
            return AKT_ENOMEM;
        }
        g->rc = rc;
        int64_t *ar = realloc(g->arr, nc * sizeof *ar);
        if (ar == NULL) {
            return AKT_ENOMEM;
        }
        g->arr = ar;
        uint32_t *pa = realloc(g->pre_at, nc * sizeof *pa);
        if (pa == NULL) {
            return AKT_ENOMEM;
        }
        g->pre_at = pa;
        g->cap_msgs = nc;
    }
    if (!rows_grow(g, t, hid)) {
        return AKT_ENOMEM;
    }
    const akt_gpu_handler *hd = &t->handlers[hid];
    uint32_t r = g->rows[hid]++;
    uint32_t j = g->n_msgs++;
    g->hid[j] = (uint8_t)hid;
    g->row[j] = r;
    g->msgs[j] = msg;
    g->senders[j] = sender;
    /* when it arrived; not recorded (a failure put back, a full record):
     * no later than its turn's cell became ready */
    int64_t at = tls_turn ? arr_take(b->d, tls_turn->idx, msg) : -1;
    g->arr[j] = at >= 0 ? at : tls_turn ? tls_turn->t : now_ns();
    hd->pack(msg, (void *const *)&g->in[hd->in_base], r);
    b->n_msgs++;
    return AKT_OK;
}

/* --- running a batch ---------------------------------------------------------
 */

static void
group_args(const group *g, akt_gpu_args *a)
{
    const akt_gpu_actor_type *t = g->s->t;
    memset(a, 0, sizeof *a);
    a->n_actors = g->n_actors;
    a->n_msgs = g->n_msgs;
    a->slot = g->slot;
    a->beg = g->beg;
    a->hid = g->hid;
    a->row = g->row;
    a->states = g->s->host;
    a->rc = g->rc;
    for (uint32_t c = 0; c < t->nin; c++) {
        a->in[c] = g->in[c];
    }
    for (uint32_t c = 0; c < t->nout; c++) {
        a->out[c] = g->out[c];
    }
}

static size_t
align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* wait for the type's compile and load its kernel */
static akt_err
kernel_ready(disp *d, slab *s, char *why, size_t len)
{
    if (s->kern) {
        return AKT_OK;
    }
    pthread_mutex_lock(&d->mu);
    while (!s->compiled) {
        pthread_cond_wait(&d->cv, &d->mu);
    }
    pthread_mutex_unlock(&d->mu);
    if (s->compiling) {
        pthread_join(s->compiler, NULL);
        s->compiling = false;
    }
    if (s->compile_err != AKT_OK) {
        snprintf(why, len, "compiling %s: %.900s", s->t->module->name, s->why);
        return s->compile_err;
    }
    akt_err err
        = akg_cuda_load(d->cu, &s->blob, s->t->kernel, &s->kern, why, len);
    if (err == AKT_EPROTO) {
        /* the driver refused the image (a bad cache entry that passed the
         * checks): compile it again, without the cache, and replace it */
        logf_(d, AKT_LOG_WARNING, "gpu: %s: %s; compiling again",
            s->t->module->name, why);
        size_t n = 0;
        char *src = module_source(s->t->module, &n);
        akg_blob_free(&s->blob);
        err = src
            ? akg_kernel_image(d->cache, d->nv, src, n, s->t->module->name,
                akg_cuda_arch(d->cu), true, &s->blob, &s->from, why, len)
            : AKT_ENOMEM;
        free(src);
        if (err == AKT_OK) {
            err = akg_cuda_load(
                d->cu, &s->blob, s->t->kernel, &s->kern, why, len);
        }
    }
    if (err == AKT_OK) {
        logf_(d, AKT_LOG_INFO, "gpu: %s's kernel %s loaded for %s (%s)",
            s->t->name, s->t->kernel, akg_cuda_arch(d->cu),
            s->from == AKG_FROM_PRECOMPILED ? "precompiled by aktc --gpu-arch"
                : s->from == AKG_FROM_CACHE ? "from the kernel cache"
                                            : "compiled by NVRTC");
    }
    return err;
}

/* the smallest power of two >= n, from min */
static size_t
size_class(size_t n, size_t min)
{
    size_t c = min;
    while (c < n) {
        c *= 2;
    }
    return c;
}

/* staging of g at least in x out bytes (pinned and device); its graphs
 * go when it moves */
static akt_err
stage_reserve(disp *d, group *g, size_t in, size_t out)
{
    akg_cuda *cu = d->cu;
    akt_err err;
    if (g->in_cap >= in && g->out_cap >= out) {
        return AKT_OK;
    }
    for (int i = 0; i < GRAPHS_PER_GROUP; i++) {
        akg_cuda_graph_free(cu, g->graphs[i].g);
        g->graphs[i].g = NULL;
        g->graphs[i].s = NULL;
    }
    if (g->in_cap < in) {
        akg_cuda_host_free(cu, g->pin_in);
        akg_cuda_free(cu, g->dev_in);
        g->pin_in = NULL;
        g->dev_in = 0;
        g->in_cap = 0;
        void *p;
        if ((err = akg_cuda_host_alloc(cu, in, &p)) != AKT_OK) {
            return err;
        }
        g->pin_in = p;
        if ((err = akg_cuda_alloc(cu, in, &g->dev_in)) != AKT_OK) {
            return err;
        }
        g->in_cap = in;
    }
    if (g->out_cap < out) {
        akg_cuda_host_free(cu, g->pin_out);
        akg_cuda_free(cu, g->dev_out);
        g->pin_out = NULL;
        g->dev_out = 0;
        g->out_cap = 0;
        void *p;
        if ((err = akg_cuda_host_alloc(cu, out, &p)) != AKT_OK) {
            return err;
        }
        g->pin_out = p;
        if ((err = akg_cuda_alloc(cu, out, &g->dev_out)) != AKT_OK) {
            return err;
        }
        g->out_cap = out;
    }
    return AKT_OK;
}

/* the graph of g's staging for kernel s, n_in / n_out bytes and blocks;
 * NULL (then plain copies and a launch) when graphs are off, the driver
 * has none, or it cannot be made */
static akg_graph *
graph_for(disp *d, group *g, slab *s, size_t n_in, size_t n_out,
    uint32_t blocks, akg_dptr args)
{
    if (!d->o.cuda_graphs || !akg_cuda_has_graphs(d->cu)) {
        return NULL;
    }
    int lru = 0;
    for (int i = 0; i < GRAPHS_PER_GROUP; i++) {
        if (g->graphs[i].g && g->graphs[i].s == s && g->graphs[i].n_in == n_in
            && g->graphs[i].n_out == n_out && g->graphs[i].blocks == blocks) {
            g->graphs[i].used = ++d->graph_uses;
            return g->graphs[i].g;
        }
        if (g->graphs[i].used < g->graphs[lru].used) {
            lru = i;
        }
    }
    akg_graph *gr = NULL;
    if (akg_cuda_graph_new(d->cu, s->kern, g->dev_in, g->pin_in, n_in, blocks,
            args, g->pin_out, g->dev_out, n_out, &gr)
        != AKT_OK) {
        return NULL;
    }
    akg_cuda_graph_free(d->cu, g->graphs[lru].g);
    g->graphs[lru].g = gr;
    g->graphs[lru].s = s;
    g->graphs[lru].n_in = n_in;
    g->graphs[lru].n_out = n_out;
    g->graphs[lru].blocks = blocks;
    g->graphs[lru].used = ++d->graph_uses;
    return gr;
}

static void cuda_collect(group *g, const uint8_t *out);

/* the persistent staging of g: at least in x out bytes of mapped memory */
static akt_err
map_reserve(disp *d, group *g, size_t in, size_t out)
{
    akt_err err;
    void *p;
    if (g->map_in_cap < in) {
        akg_cuda_host_free(d->cu, g->map_in);
        g->map_in = NULL;
        g->map_in_cap = 0;
        if ((err = akg_cuda_mapped_alloc(d->cu, in, &p, &g->map_in_dev))
            != AKT_OK) {
            return err;
        }
        g->map_in = p;
        g->map_in_cap = in;
    }
    if (g->map_out_cap < out) {
        akg_cuda_host_free(d->cu, g->map_out);
        g->map_out = NULL;
        g->map_out_cap = 0;
        if ((err = akg_cuda_mapped_alloc(d->cu, out, &p, &g->map_out_dev))
            != AKT_OK) {
            return err;
        }
        g->map_out = p;
        g->map_out_cap = out;
    }
    return AKT_OK;
}

/* whether s's batches may go to its persistent kernel: the first time,
 * its doorbell is made and the kernel launched to stay resident; a
 * kernel image without one (made by an older aktc), or a driver without
 * mapped memory, leaves the type on launched batches */
static bool
persistent_ready(disp *d, slab *s)
{
    if (s->p_on || s->p_tried) {
        return s->p_on;
    }
    s->p_tried = true;
    char name[256], why[512] = "";
    snprintf(name, sizeof name, "%s_persistent", s->t->kernel);
    akt_err err
        = akg_cuda_load(d->cu, &s->blob, name, &s->pkern, why, sizeof why);
    if (err == AKT_OK) {
        void *h = NULL;
        err = akg_cuda_mapped_alloc(d->cu, sizeof(pdoor), &h, &s->door_dev);
        if (err == AKT_OK) {
            err = akg_cuda_launch_resident(d->cu, s->pkern, s->door_dev);
            if (err != AKT_OK) {
                akg_cuda_host_free(d->cu, h);
            } else {
                s->door = h;
            }
        }
        if (err != AKT_OK) {
            snprintf(why, sizeof why, "%s", akg_cuda_error(d->cu));
        }
    }
    if (err != AKT_OK) {
        logf_(d, AKT_LOG_WARNING,
            "gpu: %s: no persistent kernel (%s); its batches are launched",
            s->t->name, why);
        return false;
    }
    s->p_on = true;
    logf_(d, AKT_LOG_INFO,
        "gpu: %s: persistent kernel resident for batches of up to %u "
        "messages",
        s->t->name, d->o.persistent_max_batch);
    return true;
}

/* wait for the persistent kernel of s to acknowledge request seq, until
 * deadline_ns: AKT_OK; the error it died of; AKT_ETIMEDOUT (the device is
 * taken as hung, as for a batch) */
static akt_err
door_wait(disp *d, slab *s, uint32_t seq, int64_t deadline_ns)
{
    for (uint32_t polls = 0;; polls++) {
        if (__atomic_load_n(&s->door->ack, __ATOMIC_ACQUIRE) == seq) {
            return AKT_OK;
        }
        if ((polls & 63) == 63) {
            akt_err err = akg_cuda_resident_check(d->cu);
            if (err != AKT_OK) {
                return err;
            }
            if (now_ns() >= deadline_ns) {
                akg_cuda_give_up(d->cu,
                    "the persistent kernel did not answer by the deadline "
                    "(akt.gpu.batch-timeout): the device is taken as hung");
                return AKT_ETIMEDOUT;
            }
        }
        if (polls < 4096) {
            sched_yield();
        } else {
            struct timespec ts = { 0, 20000 };
            nanosleep(&ts, NULL);
        }
    }
}

/* one group on the device, asynchronously: the states written since the
 * last batch, then one copy in (args, CSR, message columns), the kernel,
 * one copy out (statuses, reply and tell columns) -- as one CUDA graph
 * when it can. The results are read by cuda_collect once the batch's
 * event has completed. */
static akt_err
cuda_launch(disp *d, group *g, bool resident, char *why, size_t len)
{
    slab *s = g->s;
    const akt_gpu_actor_type *t = s->t;
    akt_err err = kernel_ready(d, s, why, len);
    if (err != AKT_OK) {
        return err;
    }
    akg_cuda *cu = d->cu;
    if (s->dev_cap < s->hw) {
        snprintf(why, len, "%s: its states did not move first", t->name);
        return AKT_EINTERNAL;
    }
    for (uint32_t i = 0; i < s->ndirty; i++) {
        size_t o = (size_t)s->dirty[i] * t->state_size;
        if ((err = akg_cuda_htod(
                 cu, s->dev + o, s->host + o, t->state_size, true))
            != AKT_OK) {
            goto device;
        }
    }
    if (s->ndirty > 0) {
        s->unsynced = true;
    }
    s->ndirty = 0;
    /* the in region: args, CSR, handler ids and rows, message columns */
    size_t o_in[AKT_GPU_MAX_COLS];
    size_t off = align8(sizeof(akt_gpu_args));
    size_t o_slot = off;
    off = align8(off + g->n_actors * sizeof(uint32_t));
    size_t o_beg = off;
    off = align8(off + (g->n_actors + 1) * sizeof(uint32_t));
    size_t o_hid = off;
    off = align8(off + g->n_msgs);
    size_t o_row = off;
    off = align8(off + g->n_msgs * sizeof(uint32_t));
    for (uint32_t h = 0; h < t->nhandlers; h++) {
        const akt_gpu_handler *hd = &t->handlers[h];
        for (uint32_t c = hd->in_base; c < hd->in_base + hd->nin; c++) {
            o_in[c] = off;
            off = align8(off + (size_t)g->rows[h] * t->in_sizes[c]);
        }
    }
    size_t n_in = size_class(off, 4096);
    /* the out region: statuses, reply and tell columns */
    off = 0;
    g->o_rc = off;
    off = align8(off + g->n_msgs * sizeof(int32_t));
    for (uint32_t h = 0; h < t->nhandlers; h++) {
        const akt_gpu_handler *hd = &t->handlers[h];
        for (uint32_t c = hd->out_base; c < hd->out_base + hd->nout; c++) {
            g->o_out[c] = off;
            off = align8(off + (size_t)g->rows[h] * t->out_sizes[c]);
        }
    }
    size_t n_out = size_class(off, 4096);
    if ((err = resident ? map_reserve(d, g, n_in, n_out)
                        : stage_reserve(d, g, n_in, n_out))
        != AKT_OK) {
        goto device;
    }
    uint8_t *p = resident ? g->map_in : g->pin_in;
    akg_dptr base = resident ? g->map_in_dev : g->dev_in;
    akg_dptr obase = resident ? g->map_out_dev : g->dev_out;
    akt_gpu_args a;
    memset(&a, 0, sizeof a);
    a.n_actors = g->n_actors;
    a.n_msgs = g->n_msgs;
    a.slot = (const uint32_t *)(uintptr_t)(base + o_slot);
    a.beg = (const uint32_t *)(uintptr_t)(base + o_beg);
    a.hid = (const uint8_t *)(uintptr_t)(base + o_hid);
    a.row = (const uint32_t *)(uintptr_t)(base + o_row);
    a.states = (void *)(uintptr_t)s->dev;
    a.rc = (int32_t *)(uintptr_t)(obase + g->o_rc);
    memcpy(p + o_slot, g->slot, g->n_actors * sizeof(uint32_t));
    memcpy(p + o_beg, g->beg, (g->n_actors + 1) * sizeof(uint32_t));
    memcpy(p + o_hid, g->hid, g->n_msgs);
    memcpy(p + o_row, g->row, g->n_msgs * sizeof(uint32_t));
    for (uint32_t h = 0; h < t->nhandlers; h++) {
        const akt_gpu_handler *hd = &t->handlers[h];
        for (uint32_t c = hd->in_base; c < hd->in_base + hd->nin; c++) {
            a.in[c] = (const void *)(uintptr_t)(base + o_in[c]);
            if (g->rows[h] > 0) { /* else the column was never made */
                memcpy(
                    p + o_in[c], g->in[c], (size_t)g->rows[h] * t->in_sizes[c]);
            }
        }
        for (uint32_t c = hd->out_base; c < hd->out_base + hd->nout; c++) {
            a.out[c] = (void *)(uintptr_t)(obase + g->o_out[c]);
        }
    }
    memcpy(p, &a, sizeof a);
    if (resident) {
        /* the states written on the stream (by this batch, or one launched
         * before it) must be on the device first; then the
         * doorbell: the arguments' address, then the request's number */
        int64_t deadline = now_ns() + d->o.batch_timeout_ns;
        if (s->unsynced) {
            if ((err = akg_cuda_sync(cu, deadline)) != AKT_OK) {
                goto device;
            }
            s->unsynced = false;
        }
        __atomic_store_n(&s->door->args, (uint64_t)base, __ATOMIC_RELAXED);
        uint32_t seq = ++s->pseq;
        __atomic_store_n(&s->door->seq, seq, __ATOMIC_RELEASE);
        if ((err = door_wait(d, s, seq, deadline)) != AKT_OK) {
            goto device;
        }
        cuda_collect(g, g->map_out); /* done: results in place */
        return AKT_OK;
    }
    /* threads past n_actors return at once: a size class of blocks lets
     * one graph serve every batch of that class */
    uint32_t blocks
        = (uint32_t)size_class((g->n_actors + AKG_BLOCK - 1) / AKG_BLOCK, 1);
    akg_graph *gr = graph_for(d, g, s, n_in, n_out, blocks, base);
    if (gr) {
        err = akg_cuda_graph_launch(cu, gr);
    } else if ((err = akg_cuda_htod(cu, base, p, n_in, true)) == AKT_OK
        && (err = akg_cuda_launch_blocks(cu, s->kern, blocks, base))
            == AKT_OK) {
        err = akg_cuda_dtoh(cu, g->pin_out, obase, n_out, true);
    }
    if (err != AKT_OK) {
        goto device;
    }
    g->on_device = true;
    return AKT_OK;
device:
    snprintf(why, len, "%s", akg_cuda_error(cu));
    return err;
}

/* the results of g once its batch completed: statuses and out columns */
static void
cuda_collect(group *g, const uint8_t *out)
{
    const akt_gpu_actor_type *t = g->s->t;
    memcpy(g->rc, out + g->o_rc, g->n_msgs * sizeof(int32_t));
    for (uint32_t h = 0; h < t->nhandlers; h++) {
        const akt_gpu_handler *hd = &t->handlers[h];
        for (uint32_t c = hd->out_base; c < hd->out_base + hd->nout; c++) {
            if (g->rows[h] > 0) {
                memcpy(g->out[c], out + g->o_out[c],
                    (size_t)g->rows[h] * t->out_sizes[c]);
            }
        }
    }
}

/* The device failed (or the test hook says so): every slot's state is
 * lost; from now on the CPU runs the batches. */
static void
device_fault(disp *d, const char *why)
{
    if (d->failover) {
        return;
    }
    logf_(d, AKT_LOG_ERROR,
        "gpu: device failed: %s; every GPU actor fails once with status %d "
        "(its supervisor decides: a restart writes a fresh state) and runs "
        "on the CPU batch loop from now on",
        why, AKT_GPU_DEVICE);
    pthread_mutex_lock(&d->mu);
    d->failover = true;
    pthread_mutex_unlock(&d->mu);
    for (slab *s = d->slabs; s; s = s->next) {
        if (!s->on_cpu) { /* on_cpu: its states are in host memory */
            memset(s->lost, 1, s->hw);
        }
        s->ndirty = 0;
    }
}

/* every actor of g: its first message fails with status, the rest skip */
static void
group_fail(group *g, int32_t status)
{
    for (uint32_t i = 0; i < g->n_actors; i++) {
        if (status == AKT_GPU_DEVICE) {
            /* this is its one failure for the device (see disp_stage) */
            g->s->lost[g->slot[i]] = 0;
        }
        for (uint32_t j = g->beg[i]; j < g->beg[i + 1]; j++) {
            g->rc[j] = j == g->beg[i] ? status : AKT_GPU_SKIPPED;
        }
    }
}

/* g on the CPU batch loop. An actor whose state went with the device
 * after it was staged (the fault was seen since: a batch before it
 * failed) must not run on its stale host copy: it fails as the device
 * did and its host copy stays as it was. */
static void
cpu_run(disp *d, group *g)
{
    slab *s = g->s;
    const akt_gpu_actor_type *t = s->t;
    akt_gpu_args a;
    group_args(g, &a);
    uint32_t nlost = 0;
    for (uint32_t i = 0; i < g->n_actors; i++) {
        nlost += s->lost[g->slot[i]] ? 1 : 0;
    }
    if (nlost == 0) {
        t->cpu(&a);
        return;
    }
    size_t sz = t->state_size;
    uint8_t *save = malloc(nlost * sz + 1);
    if (save == NULL) {
        logf_(d, AKT_LOG_ERROR,
            "gpu: %s: no memory to run a batch after the device failed",
            t->name);
        group_fail(g, AKT_GPU_DEVICE);
        return;
    }
    for (uint32_t i = 0, k = 0; i < g->n_actors; i++) {
        if (s->lost[g->slot[i]]) {
            memcpy(save + sz * k++, s->host + (size_t)g->slot[i] * sz, sz);
        }
    }
    t->cpu(&a);
    for (uint32_t i = 0, k = 0; i < g->n_actors; i++) {
        uint32_t sl = g->slot[i];
        if (!s->lost[sl]) {
            continue;
        }
        memcpy(s->host + (size_t)sl * sz, save + sz * k++, sz);
        s->lost[sl] = 0; /* its one failure for the device */
        for (uint32_t j = g->beg[i]; j < g->beg[i + 1]; j++) {
            g->rc[j] = j == g->beg[i] ? AKT_GPU_DEVICE : AKT_GPU_SKIPPED;
        }
    }
    free(save);
}

/* the groups of b that went to the device fail as the device did */
static void
fail_device_groups(batch *b)
{
    for (uint32_t k = 0; k < b->ngroups; k++) {
        if (b->g[k].on_device) {
            group_fail(&b->g[k], AKT_GPU_DEVICE);
            b->g[k].on_device = false;
        }
    }
}

/* the device states of every slab that outgrew them move to a larger
 * allocation; nothing may be on the device meanwhile (round_run finishes
 * the batch in flight first), so the wait is for the copy alone */
static akt_err
slabs_grow_dev(disp *d, char *why, size_t len)
{
    akg_cuda *cu = d->cu;
    for (slab *s = d->slabs; s; s = s->next) {
        if (s->dev_cap >= s->hw || s->on_cpu) {
            continue;
        }
        size_t sz = s->t->state_size;
        akg_dptr nd;
        akt_err err = akg_cuda_alloc(cu, (size_t)s->cap * sz, &nd);
        if (err == AKT_OK && s->dev) {
            err = akg_cuda_dtod(cu, nd, s->dev, (size_t)s->dev_cap * sz);
            if (err == AKT_OK) {
                /* by the batch deadline: a copy that never completes is
                 * a hung device, as a batch would be */
                err = akg_cuda_sync(cu, now_ns() + d->o.batch_timeout_ns);
            }
            if (err != AKT_OK) {
                akg_cuda_free(cu, nd);
            }
        }
        if (err != AKT_OK) {
            snprintf(why, len, "%s", akg_cuda_error(cu));
            return err;
        }
        akg_cuda_free(cu, s->dev);
        s->dev = nd;
        s->dev_cap = s->cap;
    }
    return AKT_OK;
}

/* run b: on the CPU at once, or launched on the device (then b is in
 * flight until finish) */
static void
execute(disp *d, batch *b)
{
    d->nbatches++;
    bool inject
        = d->o.fault_at_batch != 0 && d->nbatches == d->o.fault_at_batch;
    if (inject && !d->failover) {
        device_fault(d, "injected fault (AKT_GPU_FAULT_AT_BATCH)");
        for (uint32_t k = 0; k < b->ngroups; k++) {
            b->g[k].beg[b->g[k].n_actors] = b->g[k].n_msgs;
            group_fail(&b->g[k], AKT_GPU_DEVICE);
        }
        return;
    }
    bool launched = false;
    if (d->cu && !d->failover) {
        char why[1024];
        if (slabs_grow_dev(d, why, sizeof why) != AKT_OK
            && akg_cuda_poisoned(d->cu)) {
            /* the states on the device are lost: this batch's actors
             * fail as the device did (not run on their host copies) */
            device_fault(d, why);
            for (uint32_t k = 0; k < b->ngroups; k++) {
                b->g[k].beg[b->g[k].n_actors] = b->g[k].n_msgs;
                group_fail(&b->g[k], AKT_GPU_DEVICE);
            }
            return;
        }
        /* else (no memory): the groups of the slab fail in cuda_launch */
    }
    for (uint32_t k = 0; k < b->ngroups; k++) {
        group *g = &b->g[k];
        g->beg[g->n_actors] = g->n_msgs;
        g->on_device = false;
        atomic_fetch_add_explicit(&d->st_batches, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(
            &d->st_messages, g->n_msgs, memory_order_relaxed);
        if (g->n_msgs
            > atomic_load_explicit(&d->st_largest, memory_order_relaxed)) {
            atomic_store_explicit(
                &d->st_largest, g->n_msgs, memory_order_relaxed);
        }
        slab *s = g->s;
        char why[1024];
        if (d->cu && !d->failover && !s->on_cpu && s->kern == NULL
            && kernel_ready(d, s, why, sizeof why) != AKT_OK
            && !akg_cuda_poisoned(d->cu)) {
            /* it never ran on the device: its states are the host's */
            logf_(d, AKT_LOG_ERROR,
                "gpu: %s: no kernel for the device: %s; its actors run on "
                "the CPU batch loop (the same handlers) from now on",
                s->t->name, why);
            s->on_cpu = true;
            s->ndirty = 0;
        }
        if (d->cu == NULL || d->failover || s->on_cpu) {
            cpu_run(d, g);
            continue;
        }
        /* a small batch goes to the type's persistent kernel, when on
         * (synchronously: its results are in when it returns) */
        bool resident = d->o.persistent_max_batch > 0
            && g->n_msgs <= d->o.persistent_max_batch
            && akg_cuda_has_mapped(d->cu)
            && kernel_ready(d, s, why, sizeof why) == AKT_OK
            && persistent_ready(d, s);
        akt_err err = cuda_launch(d, g, resident, why, sizeof why);
        if (err == AKT_OK) {
            launched = launched || g->on_device;
            continue;
        }
        if (akg_cuda_poisoned(d->cu)) {
            device_fault(d, why);
            fail_device_groups(b);
            for (uint32_t m = k; m < b->ngroups; m++) {
                b->g[m].beg[b->g[m].n_actors] = b->g[m].n_msgs;
                group_fail(&b->g[m], AKT_GPU_DEVICE);
            }
            return;
        }
        /* not fatal for the device (no memory, a kernel that does not
         * compile): this group's actors fail with it */
        logf_(d, AKT_LOG_ERROR, "gpu: %s: batch of %u messages failed: %s",
            g->s->t->name, g->n_msgs, why);
        group_fail(g, AKT_GPU_DEVICE);
    }
    if (!launched) {
        return;
    }
    akt_err err = b->done ? AKT_OK : akg_cuda_event_new(d->cu, &b->done);
    if (err == AKT_OK) {
        err = akg_cuda_record(d->cu, b->done);
    }
    if (err != AKT_OK) {
        if (akg_cuda_poisoned(d->cu)) {
            device_fault(d, akg_cuda_error(d->cu));
        }
        fail_device_groups(b);
        return;
    }
    b->in_flight = true;
    b->deadline = now_ns() + d->o.batch_timeout_ns;
}

/* wait for b (in flight) until its deadline and read its results; a
 * device that failed or hung fails its groups (and the device) */
static void
finish(disp *d, batch *b)
{
    b->in_flight = false;
    akt_err err
        = d->failover ? AKT_EIO : akg_cuda_wait(d->cu, b->done, b->deadline);
    if (err != AKT_OK) {
        if (!d->failover) {
            device_fault(d, akg_cuda_error(d->cu));
        }
        fail_device_groups(b);
        return;
    }
    for (uint32_t k = 0; k < b->ngroups; k++) {
        if (b->g[k].on_device) {
            cuda_collect(&b->g[k], b->g[k].pin_out);
            b->g[k].on_device = false;
        }
    }
}

/* the tells of message j (a success) of g, by handler hd, in the order
 * they are written: each whose flag the kernel set is filled into the
 * message made for it when j was staged and goes to its target from
 * self, as a CPU actor's akt_tell would; one to no actor (no sender, an
 * unset ref) is dropped, as is a reply nobody takes; an unsent one is
 * freed */
static void
send_tells(
    disp *d, group *g, const akt_gpu_handler *hd, uint32_t j, akt_ref self)
{
    const akt_gpu_host *host = d->host;
    uint32_t r = g->row[j];
    void **pre = &g->pre[g->pre_at[j]];
    for (uint32_t k = 0; k < hd->ntells; k++) {
        const akt_gpu_tell *tl = &hd->tells[k];
        uint32_t c = hd->out_base + tl->col;
        void *m = pre[k];
        if (((const uint8_t *)g->out[c])[r] == 0) {
            host->msg_free(m);
            continue;
        }
        akt_ref to = tl->to == AKT_GPU_TO_SENDER ? g->senders[j]
            : tl->to == AKT_GPU_TO_SELF
            ? self
            : akt_gpu_ref_to(((const akt_gpu_ref *)g->out[c + 1])[r]);
        uint32_t first = c + (tl->to == AKT_GPU_TO_REF ? 2 : 1);
        tl->fill(m, (const void *const *)&g->out[first], r);
        atomic_fetch_add_explicit(&d->st_told, 1, memory_order_relaxed);
        if (to.cell_ == NULL || host->tell(to, m, self) != AKT_OK) {
            host->msg_free(m);
        }
    }
}

/* the messages made for j's sends, unsent (it failed) */
static void
free_sends(disp *d, group *g, uint32_t j)
{
    uint32_t end = j + 1 < g->n_msgs ? g->pre_at[j + 1] : g->npre;
    for (uint32_t k = g->pre_at[j]; k < end; k++) {
        d->host->msg_free(g->pre[k]);
    }
}

/* results in mailbox order: tells and replies for successes; an actor's
 * first failure goes back to its mailbox with the messages after it */
static void
apply(disp *d, batch *b)
{
    const akt_gpu_host *host = d->host;
    for (uint32_t k = 0; k < b->ngroups; k++) {
        group *g = &b->g[k];
        const akt_gpu_actor_type *t = g->s->t;
        for (uint32_t i = 0; i < g->n_actors; i++) {
            akt_ref self = g->cells[i];
            uint32_t end = g->beg[i + 1];
            for (uint32_t j = g->beg[i]; j < end; j++) {
                if (g->rc[j] != AKT_GPU_OK) {
                    atomic_fetch_add_explicit(
                        &d->st_requeued, 1, memory_order_relaxed);
                    for (uint32_t f = j; f < end; f++) {
                        free_sends(d, g, f);
                    }
                    /* scheduled again aged by the failure's arrival */
                    tls_requeue_t = g->arr[j];
                    host->requeue(
                        self, &g->msgs[j], &g->senders[j], end - j, g->rc[j]);
                    tls_requeue_t = -1;
                    break;
                }
                const akt_gpu_handler *hd = &t->handlers[g->hid[j]];
                send_tells(d, g, hd, j, self);
                if (hd->reply_fill && g->senders[j].cell_ != NULL) {
                    void *rep = g->pre[g->pre_at[j] + hd->ntells];
                    hd->reply_fill(rep,
                        (const void *const *)&g->out[hd->out_base], g->row[j]);
                    if (host->tell(g->senders[j], rep, self) != AKT_OK) {
                        host->msg_free(rep);
                    }
                }
                host->msg_free(g->msgs[j]);
            }
        }
    }
}

static bool
seen_has(const batch *b, const void *cell)
{
    if (b->nseen == 0) {
        return false;
    }
    uintptr_t h = ((uintptr_t)cell >> 6) * 0x9e3779b1u;
    uint32_t k = (uint32_t)h & (b->seen_cap - 1);
    while (b->seen[k]) {
        if (b->seen[k] == cell) {
            return true;
        }
        k = (k + 1) & (b->seen_cap - 1);
    }
    return false;
}

/* defer e to the next round (next has room: attach reserved it) */
static void
defer(disp *d, rentry e)
{
    pthread_mutex_lock(&d->mu);
    if (d->nnext < d->capnext) {
        d->next[d->nnext++] = e;
    } else {
        ready_push_locked(d, e); /* a cell that was not attached */
    }
    pthread_mutex_unlock(&d->mu);
}

/* One round: collect a batch into the free batch slot (never an actor
 * of the batch in flight), run it (on the device: launch it), then
 * finish and apply the batch launched before -- so the device runs one
 * batch while the next is packed -- and, on the CPU, apply this one. */
static void
round_run(disp *d)
{
    batch *b = &d->bt[d->cur];
    batch *other = &d->bt[1 - d->cur];
    b->ngroups = 0;
    b->n_msgs = 0;
    if (b->nseen > 0) {
        memset(b->seen, 0, b->seen_cap * sizeof *b->seen);
        b->nseen = 0;
    }
    /* the batch takes the cells whose oldest message arrived no later
     * than max_delay after its own oldest one (the queue is in the order
     * cells became ready, but for deferred and capped ones, older); it
     * closes when it is full, or when no such cell is ready: then the
     * younger ones wait for the next batch. A cell stages into one group
     * (its type): stop while one is free. */
    int64_t deadline = INT64_MAX;
    rentry e;
    while (b->ngroups < MAX_GROUPS && ready_pop(d, deadline, &e)) {
        void *c = e.cell;
        int fresh = other->in_flight && seen_has(other, c) ? 0 : seen_add(b, c);
        if (fresh <= 0) {
            /* in the batch on the device, or a second turn of a cell
             * already in this one: the next batch; no memory to tell
             * (fresh < 0): the next batch too, and this one closes */
            defer(d, e);
            if (fresh < 0) {
                break;
            }
            continue;
        }
        if (deadline == INT64_MAX || e.t + d->o.max_delay_ns < deadline) {
            deadline = e.t + d->o.max_delay_ns;
        }
        uint32_t room = d->o.max_batch - b->n_msgs;
        tls_turn = &e;
        tls_turn_again = false;
        d->host->cell_run(
            c, (int)(room < d->o.actor_cap ? room : d->o.actor_cap), b);
        tls_turn = NULL;
        if (!tls_turn_again) {
            arr_dry(d, e.idx);
        }
        if (b->n_msgs >= d->o.max_batch) {
            break; /* full */
        }
    }
    bool grows = false;
    for (slab *s = d->slabs; s; s = s->next) {
        grows = grows || (s->dev_cap < s->hw && !s->on_cpu);
    }
    if (other->in_flight && grows) {
        /* a slab moves on the device: the batch there finishes first */
        finish(d, other);
        apply(d, other);
    }
    if (b->n_msgs > 0) {
        execute(d, b);
    }
    if (other->in_flight) {
        finish(d, other);
        apply(d, other);
    }
    if (b->in_flight) {
        d->cur = 1 - d->cur; /* the next batch is collected meanwhile */
    } else if (b->n_msgs > 0) {
        apply(d, b);
    }
    slabs_recycle(d);
    pthread_mutex_lock(&d->mu);
    for (uint32_t i = 0; i < d->nnext; i++) {
        ready_push_locked(d, d->next[i]);
    }
    d->nnext = 0;
    pthread_mutex_unlock(&d->mu);
}

static bool
in_flight(const disp *d)
{
    return d->bt[0].in_flight || d->bt[1].in_flight;
}

static void *
disp_main(void *arg)
{
    disp *d = arg;
    if (d->cu && akg_cuda_bind(d->cu) != AKT_OK) {
        device_fault(d, akg_cuda_error(d->cu));
    }
    pthread_mutex_lock(&d->mu);
    for (;;) {
        /* with a batch on the device, no sleep: the round finishes it */
        while (d->rlen == 0 && !d->stop && !in_flight(d)) {
            pthread_cond_wait(&d->cv, &d->mu);
        }
        if (d->rlen == 0 && d->stop && !in_flight(d)) {
            break;
        }
        pthread_mutex_unlock(&d->mu);
        round_run(d);
        pthread_mutex_lock(&d->mu);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

/* --- the table ------------------------------------------------------------
 */

static void *
disp_open(const akt_gpu_host *host, akt_system *sys, const akt_gpu_options *o,
    char *why, size_t len)
{
    if (host == NULL || host->abi != AKT_GPU_PLUGIN_ABI) {
        snprintf(why, len, "libakt-gpu is for another libakt (plugin ABI %d)",
            AKT_GPU_PLUGIN_ABI);
        return NULL;
    }
    disp *d = calloc(1, sizeof *d);
    if (d == NULL) {
        snprintf(why, len, "out of memory");
        return NULL;
    }
    d->host = host;
    d->sys = sys;
    d->o = *o;
    if (d->o.max_batch == 0) {
        d->o.max_batch = 16384;
    }
    if (d->o.max_delay_ns <= 0) {
        d->o.max_delay_ns = 50000;
    }
    if (d->o.actor_cap == 0) {
        d->o.actor_cap = 64;
    }
    if (d->o.batch_timeout_ns <= 0) {
        d->o.batch_timeout_ns = INT64_C(10000000000);
    }
    d->o.cache_dir = NULL; /* used only in open */
    d->arr = calloc(ARR_CHUNKS, sizeof *d->arr);
    if (d->arr == NULL) {
        free(d);
        snprintf(why, len, "out of memory");
        return NULL;
    }
    d->bt[0].d = d;
    d->bt[1].d = d;
    if (o->executor == AKT_GPU_EXEC_CPU) {
        snprintf(d->desc, sizeof d->desc,
            "cpu batch executor (akt.gpu.executor = cpu), batches of %u, actor "
            "cap %u",
            d->o.max_batch, d->o.actor_cap);
    } else {
        d->cu = akg_cuda_open(o->device, why, len);
        if (d->cu == NULL) {
            free(d->arr);
            free(d);
            return NULL;
        }
        /* NVRTC is needed only for a type without a precompiled kernel
         * (aktc --gpu-arch) for this device */
        char nw[512];
        d->nv = akg_nvrtc_get(nw, sizeof nw);
        char cw[512];
        if (akg_cache_open(o->cache_dir ? o->cache_dir : "", o->cache_cap,
                &d->cache, cw, sizeof cw)
            != AKT_OK) {
            logf_(d, AKT_LOG_WARNING, "gpu: kernel cache off: %s", cw);
        }
        if (d->nv == NULL) {
            logf_(d, AKT_LOG_WARNING,
                "gpu: no NVRTC (%s): only precompiled kernels (aktc "
                "--gpu-arch %s) run on the device; other types run on the "
                "CPU batch loop",
                nw, akg_cuda_arch(d->cu));
        }
        char pers[64] = "";
        if (d->o.persistent_max_batch > 0) {
            snprintf(pers, sizeof pers,
                ", persistent kernels for batches of up to %u",
                d->o.persistent_max_batch);
        }
        snprintf(d->desc, sizeof d->desc,
            "cuda: %s (%s), driver %d, nvrtc %s, kernel cache %s%s",
            akg_cuda_name(d->cu), akg_cuda_arch(d->cu),
            akg_cuda_driver_version(d->cu),
            d->nv ? akg_nvrtc_version(d->nv) : "none",
            d->cache ? akg_cache_dir(d->cache) : "off", pers);
    }
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    return d;
}

static akt_err
disp_start(void *dp)
{
    disp *d = dp;
    if (pthread_create(&d->th, NULL, disp_main, d) != 0) {
        return AKT_ENOMEM;
    }
    d->started = true;
    return AKT_OK;
}

static void
disp_stop(void *dp)
{
    disp *d = dp;
    if (!d->started) {
        return;
    }
    pthread_mutex_lock(&d->mu);
    d->stop = true;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->th, NULL);
    d->started = false;
}

/* the persistent kernels end: a stop request each, acknowledged by a
 * deadline (a poisoned context's are left: they died with it) */
static void
residents_stop(disp *d)
{
    for (slab *s = d->slabs; s; s = s->next) {
        if (!s->p_on || akg_cuda_poisoned(d->cu)) {
            continue;
        }
        __atomic_store_n(&s->door->stop, 1, __ATOMIC_RELAXED);
        uint32_t seq = ++s->pseq;
        __atomic_store_n(&s->door->seq, seq, __ATOMIC_RELEASE);
        if (door_wait(d, s, seq, now_ns() + d->o.batch_timeout_ns) != AKT_OK) {
            logf_(d, AKT_LOG_ERROR, "gpu: %s: persistent kernel: %s",
                s->t->name, akg_cuda_error(d->cu));
            continue;
        }
        akg_cuda_host_free(d->cu, s->door);
        s->door = NULL;
        s->p_on = false;
    }
}

static void
disp_close(void *dp)
{
    disp *d = dp;
    disp_stop(d);
    if (d->cu) {
        residents_stop(d);
    }
    for (slab *s = d->slabs, *n; s; s = n) {
        n = s->next;
        if (s->compiling) {
            pthread_join(s->compiler, NULL);
        }
        akg_blob_free(&s->blob);
        if (d->cu && !akg_cuda_poisoned(d->cu)) {
            akg_cuda_free(d->cu, s->dev);
        }
        free(s->host);
        free(s->lost);
        free(s->freel);
        free(s->dead);
        free(s->dirty);
        free(s);
    }
    bool live = d->cu && !akg_cuda_poisoned(d->cu);
    for (int bi = 0; bi < 2; bi++) {
        batch *b = &d->bt[bi];
        for (int k = 0; k < MAX_GROUPS; k++) {
            group *g = &b->g[k];
            for (int c = 0; c < AKT_GPU_MAX_COLS; c++) {
                free(g->in[c]);
                free(g->out[c]);
            }
            free(g->slot);
            free(g->beg);
            free(g->cells);
            free(g->hid);
            free(g->row);
            free(g->msgs);
            free(g->senders);
            free(g->rc);
            free(g->arr);
            free(g->pre_at);
            free(g->pre);
            free(g->rows);
            free(g->rcap);
            if (d->cu) {
                for (int i = 0; i < GRAPHS_PER_GROUP; i++) {
                    akg_cuda_graph_free(d->cu, g->graphs[i].g);
                }
                if (live) {
                    akg_cuda_host_free(d->cu, g->pin_in);
                    akg_cuda_host_free(d->cu, g->pin_out);
                    akg_cuda_host_free(d->cu, g->map_in);
                    akg_cuda_host_free(d->cu, g->map_out);
                    akg_cuda_free(d->cu, g->dev_in);
                    akg_cuda_free(d->cu, g->dev_out);
                }
            }
        }
        free(b->seen);
        if (d->cu) {
            akg_cuda_event_free(d->cu, b->done);
        }
    }
    free(d->next);
    free(d->ready);
    for (uint32_t i = 0; i < ARR_CHUNKS; i++) {
        arrivals *c = atomic_load_explicit(&d->arr[i], memory_order_relaxed);
        for (uint32_t k = 0; c && k < (1u << ARR_CHUNK_BITS); k++) {
            if (c[k].e != c[k].in) {
                free(c[k].e);
            }
        }
        free(c);
    }
    free(d->arr);
    if (d->cu) {
        akg_cuda_close(d->cu);
    }
    akg_cache_close(d->cache);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d);
}

static const char *
disp_describe(void *dp)
{
    return ((disp *)dp)->desc;
}

static void
disp_stats(void *dp, akt_gpu_stats *out)
{
    disp *d = dp;
    out->batches = atomic_load_explicit(&d->st_batches, memory_order_relaxed);
    out->messages = atomic_load_explicit(&d->st_messages, memory_order_relaxed);
    out->largest = atomic_load_explicit(&d->st_largest, memory_order_relaxed);
    out->requeued = atomic_load_explicit(&d->st_requeued, memory_order_relaxed);
    out->told = atomic_load_explicit(&d->st_told, memory_order_relaxed);
    pthread_mutex_lock(&d->mu);
    out->device_faults = d->failover ? 1 : 0;
    pthread_mutex_unlock(&d->mu);
    snprintf(out->executor, sizeof out->executor, "%.200s%s", d->desc,
        d->failover ? " (failed over to the CPU)" : "");
}

static const akt_gpu_plugin plugin = {
    .abi = AKT_GPU_PLUGIN_ABI,
    .open = disp_open,
    .start = disp_start,
    .stop = disp_stop,
    .close = disp_close,
    .schedule = disp_schedule,
    .attach = disp_attach,
    .detach = disp_detach,
    .arriving = disp_arriving,
    .stage = disp_stage,
    .slot_start = disp_slot_start,
    .slot_free = disp_slot_free,
    .describe = disp_describe,
    .stats = disp_stats,
};

/* akt_gpu_plugin_v1 -- libakt-gpu's one exported symbol */
__attribute__((visibility("default"))) const akt_gpu_plugin *
akt_gpu_plugin_v1(void)
{
    return &plugin;
}
