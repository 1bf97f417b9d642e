/*
 * particles -- N particle actors (1,000,000 by default) integrating their
 * positions with a @gpu Step handler (particles.akt). The same program
 * runs them on the CPU or the GPU dispatcher; it prints a checksum over
 * every particle's final state, which is the same bits either way.
 *
 *   particles [--n N] [--steps S] [--placement cpu|gpu|auto]
 *
 * On a machine without a GPU, --placement gpu fails with the reason
 * (akt.gpu.executor = cpu, or AKT_akt__gpu__executor=cpu in the
 * environment, runs the GPU dispatcher's batches on the CPU).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <akt/akt.h>
#include <akt/gpu.h>

#include "particles.akt.gpu.h"

#define SEC INT64_C(1000000000)

/* a deterministic start for particle i */
static float
unit(uint64_t i, uint64_t salt)
{
    uint64_t h = (i + 1) * 0x9e3779b97f4a7c15ull ^ salt;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return (float)((double)(h >> 40) / (double)(1ull << 24)) * 2.0f - 1.0f;
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    long n = 1000000, steps = 10;
    akt_placement placement = AKT_PLACEMENT_CPU;
    const char *pname = "cpu";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--n") == 0 && i + 1 < argc) {
            n = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) {
            steps = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--placement") == 0 && i + 1 < argc) {
            pname = argv[++i];
            if (strcmp(pname, "cpu") == 0) {
                placement = AKT_PLACEMENT_CPU;
            } else if (strcmp(pname, "gpu") == 0) {
                placement = AKT_PLACEMENT_GPU;
            } else if (strcmp(pname, "auto") == 0) {
                placement = AKT_PLACEMENT_AUTO;
            } else {
                fprintf(stderr, "particles: placement cpu, gpu or auto\n");
                return 2;
            }
        } else {
            fprintf(stderr,
                "usage: particles [--n N] [--steps S] [--placement "
                "cpu|gpu|auto]\n");
            return 2;
        }
    }
    if (n <= 0 || steps < 0) {
        fprintf(stderr, "particles: --n must be positive, --steps >= 0\n");
        return 2;
    }
    akt_system *sys;
    if (akt_system_create("particles", NULL, &sys) != AKT_OK) {
        return 1;
    }
    akt_props props;
    particles_particle_gpu_props(NULL, placement, &props);
    particles_ParticleRef *p = malloc((size_t)n * sizeof *p);
    if (p == NULL) {
        fprintf(stderr, "particles: out of memory for %ld refs\n", n);
        return 1;
    }
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        akt_ref r;
        akt_err err = akt_spawn(sys, &props, NULL, &r);
        if (err != AKT_OK) {
            char why[512] = "";
            akt_gpu_available(sys, why, sizeof why);
            fprintf(stderr, "particles: spawn on %s: %s%s%s\n", pname,
                akt_err_name(err), why[0] ? ": " : "", why);
            return 1;
        }
        p[i] = particles_particle_ref(r);
        particles_particle_tell_place(p[i],
            particles_place_new(unit((uint64_t)i, 1), unit((uint64_t)i, 2),
                unit((uint64_t)i, 3) * 4.0f, unit((uint64_t)i, 4) * 4.0f));
    }
    for (long s = 0; s < steps; s++) {
        for (long i = 0; i < n; i++) {
            particles_Step *m = particles_step_new(0.01f, 0.0f, -9.81f, 8);
            if (particles_particle_tell_step(p[i], m) != AKT_OK) {
                akt_msg_free(m);
                fprintf(stderr, "particles: tell failed\n");
                return 1;
            }
        }
    }
    /* ask every particle where it is, a window of asks at a time */
    uint64_t sum = 0xcbf29ce484222325ull;
    long bounces = 0;
    enum { WINDOW = 8192 };
    akt_future **f = malloc(WINDOW * sizeof *f);
    for (long base = 0; base < n; base += WINDOW) {
        long k = n - base < WINDOW ? n - base : WINDOW;
        for (long i = 0; i < k; i++) {
            if (particles_particle_ask_where(
                    p[base + i], particles_where_new(), 60 * SEC, &f[i])
                != AKT_OK) {
                fprintf(stderr, "particles: ask failed\n");
                return 1;
            }
        }
        for (long i = 0; i < k; i++) {
            particles_Position *pos = NULL;
            akt_err err
                = particles_particle_ask_where_wait(f[i], 60 * SEC, &pos);
            akt_future_release(f[i]);
            if (err != AKT_OK) {
                fprintf(stderr, "particles: particle %ld: %s\n", base + i,
                    akt_err_name(err));
                return 1;
            }
            float v[4] = { pos->x, pos->y, pos->vx, pos->vy };
            const unsigned char *b = (const unsigned char *)v;
            for (size_t j = 0; j < sizeof v; j++) {
                sum = (sum ^ b[j]) * 0x100000001b3ull;
            }
            bounces += pos->bounces;
            akt_msg_free(pos);
        }
    }
    double secs = now_s() - t0;
    akt_gpu_stats st;
    bool on_gpu = akt_gpu_stats_get(sys, &st) == AKT_OK && st.messages > 0;
    printf("particles: %ld particles, %ld steps, placement %s%s%s\n", n, steps,
        pname, on_gpu ? ": " : "", on_gpu ? st.executor : "");
    printf("checksum %016" PRIx64 " (%ld bounces) in %.2f s\n", sum, bounces,
        secs);
    free(f);
    free(p);
    akt_system_free(sys);
    return 0;
}
