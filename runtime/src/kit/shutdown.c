/*
 * shutdown.c -- coordinated shutdown and the SIGTERM/SIGINT trigger.
 *
 * Run-once: akt_system_terminate's exchange on sys->terminating decides
 * which trigger runs the phases; akt_shutdown_run first claims the reason
 * with a CAS, so the reason reported is the winner's. With no task
 * registered the actors are stopped at once, on the caller (what the core
 * did before the kit existed); otherwise a thread runs the phases, each
 * task's future awaited until the phase's deadline, then stops the actors.
 *
 * Signals are process-wide: one handler writes the signal number to a
 * pipe, one watcher thread reads it and starts the shutdown of every
 * system that enabled akt.coordinated-shutdown.run-by-signal (a registry
 * under a mutex -- the only state here outside an akt_system, as signals
 * themselves are outside any system).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kit/kit.h"

typedef struct kit_sd_task {
    struct kit_sd_task *next;
    char *name;
    akt_shutdown_task_fn fn;
    void *arg;
    void (*fini)(void *);
} kit_sd_task;

static const char *phase_names[AKT_PHASE_COUNT] = {
    "service-unbind",
    "service-requests-done",
    "service-stop",
    "before-cluster-shutdown",
    "cluster-leave",
    "cluster-shutdown",
    "before-actor-system-terminate",
    "actor-system-terminate",
};

const char *
akt_shutdown_phase_name(akt_shutdown_phase p)
{
    return p >= 0 && p < AKT_PHASE_COUNT ? phase_names[p] : NULL;
}

akt_err
akt_shutdown_add_task(akt_system *sys, akt_shutdown_phase phase,
    const char *name, akt_shutdown_task_fn fn, void *arg, void (*fini)(void *))
{
    if (sys == NULL || sys->kit == NULL || fn == NULL || phase < 0
        || phase >= AKT_PHASE_COUNT) {
        return AKT_EINVAL;
    }
    kit_sys *k = kit_sys_of(sys);
    kit_sd_task *t = calloc(1, sizeof(*t));
    if (t == NULL || (t->name = strdup(name ? name : "task")) == NULL) {
        free(t);
        return AKT_ENOMEM;
    }
    t->fn = fn;
    t->arg = arg;
    t->fini = fini;
    pthread_mutex_lock(&k->sd_mu);
    if (atomic_load(&sys->terminating)) {
        pthread_mutex_unlock(&k->sd_mu);
        free(t->name);
        free(t);
        return AKT_ECLOSED;
    }
    kit_sd_task **pp = &k->sd_tasks[phase];
    while (*pp) {
        pp = &(*pp)->next; /* run in the order added */
    }
    *pp = t;
    pthread_mutex_unlock(&k->sd_mu);
    return AKT_OK;
}

akt_err
akt_shutdown_set_phase_timeout(
    akt_system *sys, akt_shutdown_phase phase, int64_t timeout_ns)
{
    if (sys == NULL || sys->kit == NULL || phase < 0 || phase >= AKT_PHASE_COUNT
        || timeout_ns <= 0) {
        return AKT_EINVAL;
    }
    kit_sys *k = kit_sys_of(sys);
    pthread_mutex_lock(&k->sd_mu);
    k->set.phase_timeout_ns[phase] = timeout_ns;
    pthread_mutex_unlock(&k->sd_mu);
    return AKT_OK;
}

uint32_t
akt_shutdown_timeouts(akt_system *sys)
{
    return sys && sys->kit ? atomic_load(&kit_sys_of(sys)->sd_timeouts) : 0;
}

const char *
akt_shutdown_reason(akt_system *sys)
{
    return sys && sys->kit ? atomic_load(&kit_sys_of(sys)->sd_reason) : NULL;
}

static bool
claim_reason(kit_sys *k, const char *reason)
{
    /* sd_reason_buf is written only by the claimer, before publishing */
    static const char placeholder[] = "";
    const char *expect = NULL;
    if (!atomic_compare_exchange_strong(&k->sd_reason, &expect, placeholder)) {
        return false;
    }
    snprintf(k->sd_reason_buf, sizeof(k->sd_reason_buf), "%s", reason);
    atomic_store(&k->sd_reason, k->sd_reason_buf);
    return true;
}

akt_err
akt_shutdown_run(akt_system *sys, const char *reason)
{
    if (sys == NULL || sys->kit == NULL) {
        return AKT_EINVAL;
    }
    if (!claim_reason(kit_sys_of(sys), reason ? reason : "unknown")) {
        return AKT_ECLOSED;
    }
    return akt_system_terminate(sys);
}

void
akti_shutdown_run_phases(akt_system *sys)
{
    kit_sys *k = kit_sys_of(sys);
    const char *reason = atomic_load(&k->sd_reason);
    for (int p = 0; p < AKT_PHASE_COUNT; p++) {
        pthread_mutex_lock(&k->sd_mu);
        kit_sd_task *list = k->sd_tasks[p];
        int64_t timeout = k->set.phase_timeout_ns[p];
        pthread_mutex_unlock(&k->sd_mu);
        if (list == NULL) {
            continue;
        }
        int64_t deadline = akti_now_ns() + timeout;
        akt_future *futs[64];
        const char *names[64];
        size_t nf = 0;
        for (kit_sd_task *t = list; t; t = t->next) {
            akt_future *f = NULL;
            akt_err rc = t->fn(sys, reason, t->arg, &f);
            if (rc != AKT_OK) {
                akt_log(sys, AKT_LOG_WARNING, AKT_REF_NONE,
                    "coordinated shutdown: task %s of phase %s failed: %s",
                    t->name, phase_names[p], akt_err_name(rc));
            }
            if (f && nf < 64) {
                futs[nf] = f;
                names[nf++] = t->name;
            } else if (f) {
                akt_future_wait(f, deadline - akti_now_ns(), NULL);
                akt_future_release(f);
            }
        }
        bool timed_out = false;
        for (size_t i = 0; i < nf; i++) {
            int64_t left = deadline - akti_now_ns();
            void *reply = NULL;
            akt_err rc = left > 0 ? akt_future_wait(futs[i], left, &reply)
                                  : AKT_ETIMEDOUT;
            if (rc == AKT_ETIMEDOUT && !akt_future_is_done(futs[i])) {
                timed_out = true;
                akt_log(sys, AKT_LOG_WARNING, AKT_REF_NONE,
                    "coordinated shutdown: task %s of phase %s did not finish "
                    "in time",
                    names[i], phase_names[p]);
            }
            akt_msg_free(reply);
            akt_future_release(futs[i]);
        }
        if (timed_out) {
            atomic_fetch_add(&k->sd_timeouts, 1);
            akt_log(sys, AKT_LOG_WARNING, AKT_REF_NONE,
                "coordinated shutdown: phase %s timed out after %lld ms",
                phase_names[p], (long long)(timeout / 1000000));
        }
    }
    akti_system_terminate_now(sys);
}

static void *
sd_main(void *arg)
{
    akti_shutdown_run_phases(arg);
    akti_msg_cache_flush();
    return NULL;
}

void
akti_kit_terminate(akt_system *sys)
{
    kit_sys *k = kit_sys_of(sys);
    if (k == NULL) {
        akti_system_terminate_now(sys);
        return;
    }
    claim_reason(
        k, "system terminate"); /* a trigger that came first keeps its */
    bool any = false;
    pthread_mutex_lock(&k->sd_mu);
    for (int p = 0; p < AKT_PHASE_COUNT; p++) {
        any = any || k->sd_tasks[p] != NULL;
    }
    if (any) {
        if (pthread_create(&k->sd_thread, NULL, sd_main, sys) == 0) {
            k->sd_thread_started = true;
        } else {
            any = false; /* no thread: run the phases here */
            pthread_mutex_unlock(&k->sd_mu);
            akti_shutdown_run_phases(sys);
            return;
        }
    }
    pthread_mutex_unlock(&k->sd_mu);
    if (!any) {
        akti_system_terminate_now(sys);
    }
}

void
akti_shutdown_fini(akt_system *sys, kit_sys *k)
{
    for (int p = 0; p < AKT_PHASE_COUNT; p++) {
        kit_sd_task *t = k->sd_tasks[p];
        while (t) {
            kit_sd_task *n = t->next;
            if (t->fini) {
                t->fini(t->arg);
            }
            free(t->name);
            free(t);
            t = n;
        }
        k->sd_tasks[p] = NULL;
    }
}

/* --- signals
 * ---------------------------------------------------------------------------
 */

/* sig_life_mu orders registering against the end of the signal thread
 * (held across its join, never taken by the thread itself); sig_mu guards
 * the registry, which the thread reads */
static pthread_mutex_t sig_life_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sig_mu = PTHREAD_MUTEX_INITIALIZER;
static akt_system **sig_systems;
static size_t sig_n, sig_cap;
static int sig_pipe[2] = { -1, -1 };
static bool sig_installed;
static struct sigaction sig_old_term, sig_old_int;
static pthread_t sig_thread;
static bool sig_thread_running;

static void
sig_handler(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;
    ssize_t r = write(sig_pipe[1], &b, 1);
    (void)r;
    errno = saved;
}

static void *
sig_main(void *arg)
{
    (void)arg;
    for (;;) {
        unsigned char b;
        ssize_t r = read(sig_pipe[0], &b, 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0 || b == 0) {
            return NULL; /* 0: the last system unregistered (no signal is 0) */
        }
        pthread_mutex_lock(&sig_mu);
        for (size_t i = 0; i < sig_n; i++) {
            akt_shutdown_run(
                sig_systems[i], b == SIGINT ? "SIGINT" : "SIGTERM");
        }
        pthread_mutex_unlock(&sig_mu);
    }
}

void
akti_signals_register(akt_system *sys)
{
    pthread_mutex_lock(&sig_life_mu);
    pthread_mutex_lock(&sig_mu);
    if (!sig_installed) {
        /* the pipe stays for the life of the process (a handler that
         * runs late must never write to a closed, maybe reused, fd); the
         * thread runs while a system is registered, and is joined when
         * the last one unregisters */
        if (sig_pipe[0] < 0) {
            if (pipe(sig_pipe) != 0) {
                pthread_mutex_unlock(&sig_mu);
                pthread_mutex_unlock(&sig_life_mu);
                return;
            }
            fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
            fcntl(sig_pipe[0], F_SETFD, FD_CLOEXEC);
            fcntl(sig_pipe[1], F_SETFD, FD_CLOEXEC);
        }
        if (!sig_thread_running
            && pthread_create(&sig_thread, NULL, sig_main, NULL) == 0) {
            sig_thread_running = true;
        }
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = sig_handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGTERM, &sa, &sig_old_term);
        sigaction(SIGINT, &sa, &sig_old_int);
        sig_installed = true;
    }
    if (sig_n == sig_cap) {
        size_t nc = sig_cap ? sig_cap * 2 : 4;
        akt_system **nv = realloc(sig_systems, nc * sizeof(*nv));
        if (nv == NULL) {
            pthread_mutex_unlock(&sig_mu);
            pthread_mutex_unlock(&sig_life_mu);
            return;
        }
        sig_systems = nv;
        sig_cap = nc;
    }
    sig_systems[sig_n++] = sys;
    kit_sys_of(sys)->signals_registered = true;
    pthread_mutex_unlock(&sig_mu);
    pthread_mutex_unlock(&sig_life_mu);
}

void
akti_signals_unregister(akt_system *sys)
{
    pthread_mutex_lock(&sig_life_mu);
    pthread_mutex_lock(&sig_mu);
    bool join = false;
    for (size_t i = 0; i < sig_n; i++) {
        if (sig_systems[i] == sys) {
            sig_systems[i] = sig_systems[--sig_n];
            break;
        }
    }
    kit_sys_of(sys)->signals_registered = false;
    if (sig_n == 0 && sig_installed) {
        /* the last one: give the process its handlers back */
        sigaction(SIGTERM, &sig_old_term, NULL);
        sigaction(SIGINT, &sig_old_int, NULL);
        sig_installed = false;
        free(sig_systems);
        sig_systems = NULL;
        sig_cap = 0;
        join = sig_thread_running;
        sig_thread_running = false;
    }
    pthread_mutex_unlock(&sig_mu);
    if (join) {
        /* a byte no signal writes ends the thread; joined, so nothing of
         * it is left when the process exits (valgrind) */
        unsigned char quit = 0;
        ssize_t r;
        do {
            r = write(sig_pipe[1], &quit, 1);
        } while (r < 0 && errno == EINTR);
        pthread_join(sig_thread, NULL);
    }
    pthread_mutex_unlock(&sig_life_mu);
}
