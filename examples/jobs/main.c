/*
 * jobs -- a pool of three workers behind a round-robin router, supervised
 * one-for-one. Job 5 is poison: its worker fails, the ask for it fails at
 * once with the failure's code (no waiting for the timeout), the worker is
 * restarted (its state starts over, its mailbox is kept), and every other
 * job is still answered. Then the router is stopped with a PoisonPill (it
 * finishes what is queued) and a death watch from main sees it go.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.akt.h"

#define NJOBS  10
#define POISON 5

static _Atomic int restarts;

static void
check(akt_err err, const char *what)
{
    if (err != AKT_OK) {
        fprintf(stderr, "jobs: %s: %s\n", what, akt_strerror(err));
        exit(1);
    }
}

static akt_err
on_job(jobs_WorkerState *state, akt_ctx *ctx, const jobs_Job *job)
{
    if (job->n == 0) {
        /* the supervisor decides what happens next (here: restart) */
        return akt_ctx_fail(
            ctx, AKT_EFAILED, "poison job %llu", (unsigned long long)job->id);
    }
    state->handled++;
    uint64_t sum = job->n * (job->n + 1) / 2;
    char path[128];
    if (akt_ref_path(akt_ctx_self(ctx), path, sizeof path) != AKT_OK) {
        strcpy(path, "?");
    }
    jobs_Done *done = jobs_done_new(job->id, sum, path);
    akt_err err = done ? jobs_worker_reply_job(ctx, done) : AKT_ENOMEM;
    if (err != AKT_OK) {
        akt_msg_free(done); /* not consumed on error */
    }
    return err;
}

static akt_err
worker_post_restart(void *state, akt_ctx *ctx, akt_err reason)
{
    char why[96];
    akt_ctx_failure_reason(ctx, why, sizeof why);
    printf("a worker restarted after: %s (%s)\n", why, akt_err_name(reason));
    atomic_fetch_add(&restarts, 1);
    return AKT_OK;
}

static const jobs_WorkerHandlers worker = { .on_job = on_job };
static const akt_lifecycle worker_life
    = { .post_restart = worker_post_restart };

int
main(void)
{
    akt_system *sys;
    check(akt_system_create("jobs", NULL, &sys), "system");

    akt_props props;
    check(jobs_worker_props(&worker, &props), "props");
    props.lifecycle = &worker_life;
    akt_supervisor_strategy restart = {
        .kind = AKT_ONE_FOR_ONE, .max_restarts = 10, .within_ns = AKT_SEC(60)
    };
    akt_router_opts ro = { .logic = AKT_ROUTE_ROUND_ROBIN,
        .routee_props = &props,
        .instances = 3,
        .supervisor = &restart };
    akt_ref pool;
    check(akt_router_spawn(sys, &ro, "pool", &pool), "router");

    /* send every job first (they run in parallel), then collect */
    akt_future *f[NJOBS + 1] = { 0 };
    for (uint64_t id = 1; id <= NJOBS; id++) {
        jobs_Job *job = jobs_job_new(id, id == POISON ? 0 : id * 1000);
        check(jobs_worker_ask_job(
                  jobs_worker_ref(pool), job, AKT_SEC(10), &f[id]),
            "ask");
    }
    int answered = 0, failed = 0;
    char seen[3][128] = { { 0 } };
    int nseen = 0;
    for (uint64_t id = 1; id <= NJOBS; id++) {
        if (f[id] == NULL) {
            continue;
        }
        jobs_Done *done;
        akt_err err = jobs_worker_ask_job_wait(f[id], AKT_SEC(10), &done);
        if (err != AKT_OK) {
            /* the handler failed: the ask fails at once with its code */
            printf("job %llu: failed (%s)\n", (unsigned long long)id,
                akt_err_name(err));
            failed++;
            akt_future_release(f[id]);
            continue;
        }
        printf("job %llu: sum %llu by %s\n", (unsigned long long)done->id,
            (unsigned long long)done->sum, done->worker.ptr);
        int known = 0;
        for (int i = 0; i < nseen; i++) {
            known |= strcmp(seen[i], done->worker.ptr) == 0;
        }
        if (!known && nseen < 3) {
            snprintf(seen[nseen++], sizeof seen[0], "%s", done->worker.ptr);
        }
        answered++;
        akt_msg_free(done);
        akt_future_release(f[id]);
    }

    /* stop the router after what it has queued; watch it go */
    akt_future *gone;
    check(akt_watch_future(pool, &gone), "watch");
    check(akt_poison_pill(pool), "poison pill");
    check(akt_future_wait(gone, AKT_SEC(10), NULL), "router stop");
    akt_future_release(gone);

    printf("%d jobs answered by %d workers, %d failed, %d restart%s, "
           "router stopped\n",
        answered, nseen, failed, atomic_load(&restarts),
        atomic_load(&restarts) == 1 ? "" : "s");
    akt_system_free(sys);
    return answered == NJOBS - 1 && failed == 1 && atomic_load(&restarts) == 1
        ? 0
        : 1;
}
