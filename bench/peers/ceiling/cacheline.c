/* Cache-line ping-pong between two threads on two different cores: the
 * ceiling for any cross-core hand-off on this machine at this moment.
 * bench/run-peers runs it before and after the suite and prints it beside the
 * table (cross-core figures move with where the host places the vCPUs).
 *
 * Build: cc -O2 -pthread -o cacheline cacheline.c
 * Run:   ./cacheline [--n ROUND_TRIPS]      (one JSON line, docs/profiler.md)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Alignas(64) _Atomic uint64_t line;
static long n_rt = 1000000;

static void pin(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

static void *pong(void *arg) {
  (void)arg;
  pin(1);
  for (uint64_t i = 1; i <= (uint64_t)n_rt; ++i) {
    while (atomic_load_explicit(&line, memory_order_acquire) != 2 * i - 1)
      ;
    atomic_store_explicit(&line, 2 * i, memory_order_release);
  }
  return NULL;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i)
    if (strcmp(argv[i], "--n") == 0 && i + 1 < argc)
      n_rt = atol(argv[++i]);
  if (n_rt <= 0 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
    fprintf(stderr, "cacheline: needs --n > 0 and 2 cores\n");
    return 2;
  }
  pin(0);
  pthread_t t;
  pthread_create(&t, NULL, pong, NULL);
  double t0 = now();
  for (uint64_t i = 1; i <= (uint64_t)n_rt; ++i) {
    atomic_store_explicit(&line, 2 * i - 1, memory_order_release);
    while (atomic_load_explicit(&line, memory_order_acquire) != 2 * i)
      ;
  }
  double s = now() - t0;
  pthread_join(t, NULL);
  char cpu[256] = "unknown", buf[512];
  FILE *f = fopen("/proc/cpuinfo", "r");
  while (f && fgets(buf, sizeof buf, f))
    if (strncmp(buf, "model name", 10) == 0) {
      char *c = strchr(buf, ':');
      if (c) {
        c += 1 + strspn(c + 1, " \t");
        c[strcspn(c, "\n\"\\")] = 0;
        snprintf(cpu, sizeof cpu, "%s", c);
      }
      break;
    }
  if (f)
    fclose(f);
  printf("{\"runtime\":\"c\",\"scenario\":\"cacheline\",\"params\":{\"n\":%ld},"
         "\"messages\":%ld,\"seconds\":%.6f,\"rate\":%.1f,"
         "\"unit\":\"round_trips/s\",\"threads\":2,\"p50_us\":null,"
         "\"p99_us\":null,\"version\":\"-\",\"one_way_ns\":%.1f,"
         "\"machine\":{\"cores\":%ld,\"cpu\":\"%s\"}}\n",
         n_rt, 2 * n_rt, s, n_rt / s, s / n_rt / 2 * 1e9,
         sysconf(_SC_NPROCESSORS_ONLN), cpu);
  return 0;
}
