/*
 * member_proc.h -- cluster members in their own processes (cluster_node.c)
 * for the multi-process suites: start one, send it a command line, and
 * read what it prints until a condition over what was read holds or a
 * bound passes (a wait for events, never a sleep). Each process's lines
 * are kept, so a condition can look at everything seen so far.
 */
#ifndef AKT_TESTS_CLUSTER_MEMBER_PROC_H
#define AKT_TESTS_CLUSTER_MEMBER_PROC_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "remote/peer_proc.h"

#define MP_MAX_LINES 4096

typedef struct mp_member {
    peer_proc p;
    char *lines[MP_MAX_LINES];
    int nlines;
} mp_member;

/* the cluster test profile (intervals 250 ms, pause 1.5 s, stable-after
 * 3 s); roles is a HOCON list body ("" for none) */
#define MP_PROFILE_FMT                                                         \
    "akt.cluster { roles = [%s], gossip-interval = 250ms,"                     \
    " gossip-time-to-live = 1s, leader-actions-interval = 250ms,"              \
    " unreachable-nodes-reaper-interval = 250ms, seed-node-timeout = 1s,"      \
    " retry-unsuccessful-join-after = 2s, allow-weakly-up-members = 2s,"       \
    " run-coordinated-shutdown-when-down = off,"                               \
    " failure-detector { heartbeat-interval = 250ms,"                          \
    " acceptable-heartbeat-pause = 1500ms, expected-response-after = 500ms }," \
    " split-brain-resolver { stable-after = 3s } }"

static inline void
mp_clear(mp_member *m)
{
    for (int i = 0; i < m->nlines; i++) {
        free(m->lines[i]);
    }
    m->nlines = 0;
}

/* mp_start -- run cluster_node NAME with the profile and roles */
static inline int
mp_start(mp_member *m, const char *bin, const char *name, const char *roles)
{
    static char cfg[2048];
    snprintf(cfg, sizeof cfg, MP_PROFILE_FMT, roles);
    char *argv[] = { (char *)bin, (char *)name, cfg, NULL };
    mp_clear(m);
    return pp_start(&m->p, argv, 10000);
}

static inline bool
mp_send(mp_member *m, const char *line)
{
    size_t n = strlen(line);
    return write(m->p.in_fd, line, n) == (ssize_t)n
        && write(m->p.in_fd, "\n", 1) == 1;
}

/* mp_count -- how many lines read so far start with prefix and contain
 * (when not NULL) the word what */
static inline int
mp_count(const mp_member *m, const char *prefix, const char *what)
{
    int c = 0;
    for (int i = 0; i < m->nlines; i++) {
        if (strncmp(m->lines[i], prefix, strlen(prefix)) == 0
            && (what == NULL || strstr(m->lines[i], what) != NULL)) {
            c++;
        }
    }
    return c;
}

/* mp_until -- read m's lines until cond(m, arg) holds or ms pass */
static inline bool
mp_until(mp_member *m, int ms, bool (*cond)(const mp_member *, const void *),
    const void *arg)
{
    long long end = pp_now_ms() + ms;
    while (!cond(m, arg)) {
        long long left = end - pp_now_ms();
        if (left <= 0 || m->nlines >= MP_MAX_LINES
            || pp_read_line(&m->p, (int)left) != 0) {
            return cond(m, arg);
        }
        m->lines[m->nlines++] = strdup(m->p.line);
    }
    return true;
}

/* a line that starts with the text arg */
static inline bool
mp_has_line(const mp_member *m, const void *arg)
{
    return mp_count(m, (const char *)arg, NULL) > 0;
}

/* mp_wait_line -- read until a line starting with text shows */
static inline bool
mp_wait_line(mp_member *m, const char *text, int ms)
{
    return mp_until(m, ms, mp_has_line, text);
}

/* mp_wait_lines -- until n lines starting with prefix were read */
typedef struct mp_nlines {
    const char *prefix;
    int n;
} mp_nlines;

static inline bool
mp_has_nlines(const mp_member *m, const void *arg)
{
    const mp_nlines *a = arg;
    return mp_count(m, a->prefix, NULL) >= a->n;
}

static inline bool
mp_wait_lines(mp_member *m, const char *prefix, int n, int ms)
{
    mp_nlines a = { prefix, n };
    return mp_until(m, ms, mp_has_nlines, &a);
}

/* mp_forget -- drop the lines read so far (a new phase of a test) */
static inline void
mp_forget(mp_member *m)
{
    mp_clear(m);
}

static inline void
mp_kill(mp_member *m)
{
    pp_kill(&m->p);
    mp_clear(m);
}

static inline int
mp_quit(mp_member *m)
{
    (void)mp_send(m, "quit");
    int rc = pp_stop(&m->p, 10000);
    mp_clear(m);
    return rc;
}

#endif /* AKT_TESTS_CLUSTER_MEMBER_PROC_H */
