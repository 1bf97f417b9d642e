/*
 * gossip.c -- the gossip state of cluster membership: addresses and member
 * status rules, vector clocks, reachability records, tombstones, and the
 * merge that makes the whole state a CRDT (a join-semilattice: merge is
 * commutative, associative and idempotent, and a member's status only
 * moves up). Pure: no I/O, no clock (membership.h).
 */
#include "cluster/membership.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- small helpers -------------------------------------------------------- */

static akt_err
grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap) {
        return AKT_OK;
    }
    uint32_t nc = *cap ? *cap : 8;
    while (nc < need) {
        if (nc > UINT32_MAX / 2) {
            return AKT_ENOMEM;
        }
        nc *= 2;
    }
    void *q = realloc(*p, (size_t)nc * elem);
    if (q == NULL) {
        return AKT_ENOMEM;
    }
    *p = q;
    *cap = nc;
    return AKT_OK;
}

#define GROW(arr, capf, need)                                                  \
    grow((void **)&(arr), &(capf), (need), sizeof(*(arr)))

static int
u64cmp(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

static int
u64_qcmp(const void *a, const void *b)
{
    return u64cmp(*(const uint64_t *)a, *(const uint64_t *)b);
}

/* index of key in a sorted uid array, or -(insertion point) - 1 */
static long
u64_find(const uint64_t *a, uint32_t n, uint64_t key)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < n && a[lo] == key) {
        return (long)lo;
    }
    return -(long)lo - 1;
}

static bool
str_ok(const char *s, size_t cap, bool nonempty)
{
    size_t n = strnlen(s, cap);
    return n < cap && (!nonempty || n > 0);
}

/* --- addresses and members ---------------------------------------------- */

int
akti_cl_addr_cmp(const akti_cl_addr *a, const akti_cl_addr *b)
{
    int c = strcmp(a->host, b->host);
    if (c != 0) {
        return c < 0 ? -1 : 1;
    }
    if (a->port != b->port) {
        return a->port < b->port ? -1 : 1;
    }
    c = strcmp(a->system, b->system);
    if (c != 0) {
        return c < 0 ? -1 : 1;
    }
    return u64cmp(a->uid, b->uid);
}

const char *
akt_member_status_name(akt_member_status s)
{
    switch (s) {
    case AKT_MEMBER_JOINING:
        return "Joining";
    case AKT_MEMBER_UP:
        return "Up";
    case AKT_MEMBER_LEAVING:
        return "Leaving";
    case AKT_MEMBER_EXITING:
        return "Exiting";
    case AKT_MEMBER_DOWN:
        return "Down";
    case AKT_MEMBER_REMOVED:
        return "Removed";
    case AKT_MEMBER_WEAKLY_UP:
        return "WeaklyUp";
    }
    return "?";
}

akt_err
akt_cluster_address_format(const akt_cluster_address *a, char *buf, size_t len)
{
    if (a == NULL || buf == NULL) {
        return AKT_EINVAL;
    }
    int n = a->port != 0
        ? snprintf(buf, len, "%s@%s:%" PRIu32 "#%016" PRIx64, a->system,
            a->host, a->port, a->uid)
        : snprintf(buf, len, "%s@%s#%016" PRIx64, a->system, a->host, a->uid);
    return n < 0 || (size_t)n >= len ? AKT_ERANGE : AKT_OK;
}

bool
akti_cl_addr_same_node(const akti_cl_addr *a, const akti_cl_addr *b)
{
    return a->port == b->port && strcmp(a->host, b->host) == 0
        && strcmp(a->system, b->system) == 0;
}

bool
akti_cl_status_valid(uint32_t s)
{
    return s <= AKT_MEMBER_WEAKLY_UP;
}

int
akti_cl_status_priority(akt_member_status s)
{
    switch (s) {
    case AKT_MEMBER_JOINING:
        return 0;
    case AKT_MEMBER_WEAKLY_UP:
        return 1;
    case AKT_MEMBER_UP:
        return 2;
    case AKT_MEMBER_LEAVING:
        return 3;
    case AKT_MEMBER_EXITING:
        return 4;
    case AKT_MEMBER_DOWN:
        return 5;
    case AKT_MEMBER_REMOVED:
        return 6;
    }
    return -1;
}

bool
akti_cl_transition_ok(akt_member_status from, akt_member_status to)
{
    switch (from) {
    case AKT_MEMBER_JOINING:
        return to == AKT_MEMBER_WEAKLY_UP || to == AKT_MEMBER_UP
            || to == AKT_MEMBER_LEAVING || to == AKT_MEMBER_DOWN
            || to == AKT_MEMBER_REMOVED;
    case AKT_MEMBER_WEAKLY_UP:
        return to == AKT_MEMBER_UP || to == AKT_MEMBER_LEAVING
            || to == AKT_MEMBER_DOWN || to == AKT_MEMBER_REMOVED;
    case AKT_MEMBER_UP:
        return to == AKT_MEMBER_LEAVING || to == AKT_MEMBER_DOWN
            || to == AKT_MEMBER_REMOVED;
    case AKT_MEMBER_LEAVING:
        return to == AKT_MEMBER_EXITING || to == AKT_MEMBER_DOWN
            || to == AKT_MEMBER_REMOVED;
    case AKT_MEMBER_EXITING:
        return to == AKT_MEMBER_REMOVED || to == AKT_MEMBER_DOWN;
    case AKT_MEMBER_DOWN:
        return to == AKT_MEMBER_REMOVED;
    case AKT_MEMBER_REMOVED:
        return false;
    }
    return false;
}

int
akti_cl_age_cmp(const akti_cl_member *a, const akti_cl_member *b)
{
    if (a->up_number != b->up_number) {
        return a->up_number < b->up_number ? -1 : 1;
    }
    return akti_cl_addr_cmp(&a->address, &b->address);
}

bool
akti_cl_member_has_role(const akti_cl_member *m, const char *role)
{
    if (role == NULL || role[0] == '\0') {
        return true;
    }
    for (uint32_t i = 0; i < m->nroles; i++) {
        if (strcmp(m->roles[i], role) == 0) {
            return true;
        }
    }
    return false;
}

bool
akt_cluster_member_has_role(const akt_cluster_member *m, const char *role)
{
    return akti_cl_member_has_role(m, role);
}

static int
role_qcmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

akt_err
akti_cl_member_init(akti_cl_member *m, const char *system, const char *host,
    uint32_t port, uint64_t uid, const char *const *roles, uint32_t nroles,
    const char *app_version)
{
    memset(m, 0, sizeof(*m));
    if (uid == 0 || system == NULL || host == NULL || system[0] == '\0'
        || host[0] == '\0' || (nroles > 0 && roles == NULL)) {
        return AKT_EINVAL;
    }
    if (strlen(system) >= sizeof(m->address.system)
        || strlen(host) >= sizeof(m->address.host)
        || nroles > AKT_CLUSTER_MAX_ROLES
        || (app_version != NULL
            && strlen(app_version) >= sizeof(m->app_version))) {
        return AKT_ERANGE;
    }
    strcpy(m->address.system, system);
    strcpy(m->address.host, host);
    m->address.port = port;
    m->address.uid = uid;
    m->status = AKT_MEMBER_JOINING;
    m->up_number = INT32_MAX;
    for (uint32_t i = 0; i < nroles; i++) {
        if (roles[i] == NULL || roles[i][0] == '\0') {
            return AKT_EINVAL;
        }
        if (strlen(roles[i]) >= AKT_CLUSTER_ROLE_LEN) {
            return AKT_ERANGE;
        }
        strcpy(m->roles[i], roles[i]);
    }
    qsort(m->roles, nroles, AKT_CLUSTER_ROLE_LEN, role_qcmp);
    uint32_t k = 0;
    for (uint32_t i = 0; i < nroles; i++) {
        if (k == 0 || strcmp(m->roles[k - 1], m->roles[i]) != 0) {
            if (k != i) {
                memcpy(m->roles[k], m->roles[i], AKT_CLUSTER_ROLE_LEN);
            }
            k++;
        }
    }
    for (uint32_t i = k; i < nroles; i++) {
        memset(m->roles[i], 0, AKT_CLUSTER_ROLE_LEN);
    }
    m->nroles = k;
    strcpy(
        m->app_version, app_version && app_version[0] ? app_version : "0.0.0");
    return AKT_OK;
}

/* a member's content beyond its address, for the merge's total order */
static int
member_content_cmp(const akti_cl_member *a, const akti_cl_member *b)
{
    int c = akti_cl_status_priority(a->status)
        - akti_cl_status_priority(b->status);
    if (c != 0) {
        return c < 0 ? -1 : 1;
    }
    /* same status: the lower up number (the older) is the greater */
    if (a->up_number != b->up_number) {
        return a->up_number > b->up_number ? -1 : 1;
    }
    c = akti_cl_addr_cmp(&a->address, &b->address);
    if (c != 0) {
        return c;
    }
    if (a->nroles != b->nroles) {
        return a->nroles < b->nroles ? -1 : 1;
    }
    for (uint32_t i = 0; i < a->nroles; i++) {
        c = strcmp(a->roles[i], b->roles[i]);
        if (c != 0) {
            return c < 0 ? -1 : 1;
        }
    }
    c = strcmp(a->app_version, b->app_version);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

/* --- gossip states ------------------------------------------------------ */

void
akti_cl_gossip_init(akti_cl_gossip *g)
{
    memset(g, 0, sizeof(*g));
}

void
akti_cl_gossip_fini(akti_cl_gossip *g)
{
    free(g->m);
    free(g->seen);
    free(g->rr);
    free(g->rv);
    free(g->vc);
    free(g->tomb);
    memset(g, 0, sizeof(*g));
}

static akt_err
gossip_reserve(akti_cl_gossip *g, uint32_t nm, uint32_t nseen, uint32_t nrr,
    uint32_t nrv, uint32_t nvc, uint32_t ntomb)
{
    if (GROW(g->m, g->capm, nm) || GROW(g->seen, g->capseen, nseen)
        || GROW(g->rr, g->caprr, nrr) || GROW(g->rv, g->caprv, nrv)
        || GROW(g->vc, g->capvc, nvc) || GROW(g->tomb, g->captomb, ntomb)) {
        return AKT_ENOMEM;
    }
    return AKT_OK;
}

akt_err
akti_cl_gossip_copy(akti_cl_gossip *dst, const akti_cl_gossip *src)
{
    if (dst == src) {
        return AKT_OK;
    }
    if (gossip_reserve(
            dst, src->nm, src->nseen, src->nrr, src->nrv, src->nvc, src->ntomb)
        != AKT_OK) {
        return AKT_ENOMEM;
    }
#define CP(f, n)                                                               \
    do {                                                                       \
        if (src->n) {                                                          \
            memcpy(dst->f, src->f, sizeof(*src->f) * src->n);                  \
        }                                                                      \
        dst->n = src->n;                                                       \
    } while (0)
    CP(m, nm);
    CP(seen, nseen);
    CP(rr, nrr);
    CP(rv, nrv);
    CP(vc, nvc);
    CP(tomb, ntomb);
#undef CP
    return AKT_OK;
}

static bool
member_equal(const akti_cl_member *a, const akti_cl_member *b)
{
    return member_content_cmp(a, b) == 0;
}

bool
akti_cl_gossip_equal(
    const akti_cl_gossip *a, const akti_cl_gossip *b, bool with_seen)
{
    if (a->nm != b->nm || a->nrr != b->nrr || a->nrv != b->nrv
        || a->nvc != b->nvc || a->ntomb != b->ntomb
        || (with_seen && a->nseen != b->nseen)) {
        return false;
    }
    for (uint32_t i = 0; i < a->nm; i++) {
        if (!member_equal(&a->m[i], &b->m[i])) {
            return false;
        }
    }
    for (uint32_t i = 0; i < a->nrr; i++) {
        const akti_cl_rrec *x = &a->rr[i], *y = &b->rr[i];
        if (x->observer != y->observer || x->subject != y->subject
            || x->version != y->version || x->status != y->status) {
            return false;
        }
    }
    for (uint32_t i = 0; i < a->nrv; i++) {
        if (a->rv[i].observer != b->rv[i].observer
            || a->rv[i].version != b->rv[i].version) {
            return false;
        }
    }
    for (uint32_t i = 0; i < a->nvc; i++) {
        if (a->vc[i].node != b->vc[i].node
            || a->vc[i].counter != b->vc[i].counter) {
            return false;
        }
    }
    for (uint32_t i = 0; i < a->ntomb; i++) {
        if (a->tomb[i].uid != b->tomb[i].uid
            || a->tomb[i].removed_ms != b->tomb[i].removed_ms) {
            return false;
        }
    }
    if (with_seen) {
        for (uint32_t i = 0; i < a->nseen; i++) {
            if (a->seen[i] != b->seen[i]) {
                return false;
            }
        }
    }
    return true;
}

static long
member_index(const akti_cl_gossip *g, uint64_t uid)
{
    for (uint32_t i = 0; i < g->nm; i++) {
        if (g->m[i].address.uid == uid) {
            return (long)i;
        }
    }
    return -1;
}

akti_cl_member *
akti_cl_gossip_member(const akti_cl_gossip *g, uint64_t uid)
{
    long i = member_index(g, uid);
    return i < 0 ? NULL : &g->m[i];
}

static long
tomb_find(const akti_cl_gossip *g, uint64_t uid)
{
    uint32_t lo = 0, hi = g->ntomb;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->tomb[mid].uid < uid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < g->ntomb && g->tomb[lo].uid == uid) {
        return (long)lo;
    }
    return -(long)lo - 1;
}

bool
akti_cl_gossip_tombstoned(const akti_cl_gossip *g, uint64_t uid)
{
    return tomb_find(g, uid) >= 0;
}

bool
akti_cl_gossip_seen_by(const akti_cl_gossip *g, uint64_t uid)
{
    return u64_find(g->seen, g->nseen, uid) >= 0;
}

uint64_t
akti_cl_gossip_seen_digest(const akti_cl_gossip *g)
{
    if (g->nseen == 0) {
        return 0;
    }
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over the sorted uids */
    for (uint32_t i = 0; i < g->nseen; i++) {
        for (int b = 0; b < 8; b++) {
            h ^= (g->seen[i] >> (8 * b)) & 0xff;
            h *= 0x100000001b3ull;
        }
    }
    return h == 0 ? 1 : h;
}

static bool
rrec_less(const akti_cl_rrec *a, const akti_cl_rrec *b)
{
    return a->observer < b->observer
        || (a->observer == b->observer && a->subject < b->subject);
}

akt_err
akti_cl_gossip_check(const akti_cl_gossip *g)
{
    for (uint32_t i = 0; i < g->nm; i++) {
        const akti_cl_member *m = &g->m[i];
        if (m->address.uid == 0 || !akti_cl_status_valid(m->status)
            || m->status == AKT_MEMBER_REMOVED || m->up_number <= 0
            || !str_ok(m->address.system, sizeof(m->address.system), true)
            || !str_ok(m->address.host, sizeof(m->address.host), true)
            || !str_ok(m->app_version, sizeof(m->app_version), false)
            || m->nroles > AKT_CLUSTER_MAX_ROLES) {
            return AKT_EPROTO;
        }
        for (uint32_t r = 0; r < m->nroles; r++) {
            if (!str_ok(m->roles[r], AKT_CLUSTER_ROLE_LEN, true)
                || (r > 0 && strcmp(m->roles[r - 1], m->roles[r]) >= 0)) {
                return AKT_EPROTO;
            }
        }
        if (i > 0 && akti_cl_addr_cmp(&g->m[i - 1].address, &m->address) >= 0) {
            return AKT_EPROTO;
        }
        if (akti_cl_gossip_tombstoned(g, m->address.uid)) {
            return AKT_EPROTO;
        }
    }
    /* uids unique (the address order sorts by host first) */
    if (g->nm > 1) {
        uint64_t *u = malloc(sizeof(*u) * g->nm);
        if (u == NULL) {
            return AKT_ENOMEM;
        }
        for (uint32_t i = 0; i < g->nm; i++) {
            u[i] = g->m[i].address.uid;
        }
        qsort(u, g->nm, sizeof(*u), u64_qcmp);
        bool dup = false;
        for (uint32_t i = 1; i < g->nm; i++) {
            dup |= u[i] == u[i - 1];
        }
        free(u);
        if (dup) {
            return AKT_EPROTO;
        }
    }
    for (uint32_t i = 0; i < g->nseen; i++) {
        if ((i > 0 && g->seen[i - 1] >= g->seen[i])
            || member_index(g, g->seen[i]) < 0) {
            return AKT_EPROTO;
        }
    }
    for (uint32_t i = 0; i < g->nvc; i++) {
        if (g->vc[i].node == 0 || g->vc[i].counter == 0
            || (i > 0 && g->vc[i - 1].node >= g->vc[i].node)
            || akti_cl_gossip_tombstoned(g, g->vc[i].node)) {
            return AKT_EPROTO;
        }
    }
    for (uint32_t i = 0; i < g->ntomb; i++) {
        if (g->tomb[i].uid == 0
            || (i > 0 && g->tomb[i - 1].uid >= g->tomb[i].uid)) {
            return AKT_EPROTO;
        }
    }
    for (uint32_t i = 0; i < g->nrv; i++) {
        if ((i > 0 && g->rv[i - 1].observer >= g->rv[i].observer)
            || member_index(g, g->rv[i].observer) < 0
            || g->rv[i].version == 0) {
            return AKT_EPROTO;
        }
    }
    uint32_t row_start = 0;
    bool row_unreachable = false;
    for (uint32_t i = 0; i < g->nrr; i++) {
        const akti_cl_rrec *r = &g->rr[i];
        if (i > 0 && !rrec_less(&g->rr[i - 1], r)) {
            return AKT_EPROTO;
        }
        if (r->observer == r->subject || r->status > AKTI_CL_TERMINATED
            || r->version == 0 || member_index(g, r->subject) < 0) {
            return AKT_EPROTO;
        }
        if (r->version > akti_cl_reach_version(g, r->observer)) {
            return AKT_EPROTO; /* also: an observer without a version */
        }
        if (i == row_start || g->rr[i - 1].observer != r->observer) {
            row_start = i;
            row_unreachable = false;
        }
        row_unreachable |= r->status != AKTI_CL_REACHABLE;
        if ((i + 1 == g->nrr || g->rr[i + 1].observer != r->observer)
            && !row_unreachable) {
            return AKT_EPROTO; /* all-reachable rows are dropped */
        }
    }
    return AKT_OK;
}

/* --- local changes ------------------------------------------------------ */

static long
vc_find(const akti_cl_gossip *g, uint64_t node)
{
    uint32_t lo = 0, hi = g->nvc;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->vc[mid].node < node) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < g->nvc && g->vc[lo].node == node) {
        return (long)lo;
    }
    return -(long)lo - 1;
}

akt_err
akti_cl_gossip_bump(akti_cl_gossip *g, uint64_t self)
{
    if (member_index(g, self) < 0) {
        return AKT_ENOENT; /* only members change the state */
    }
    if (GROW(g->seen, g->capseen, 1) != AKT_OK) {
        return AKT_ENOMEM;
    }
    long i = vc_find(g, self);
    if (i < 0) {
        if (GROW(g->vc, g->capvc, g->nvc + 1) != AKT_OK) {
            return AKT_ENOMEM;
        }
        uint32_t at = (uint32_t)(-i - 1);
        memmove(&g->vc[at + 1], &g->vc[at], sizeof(*g->vc) * (g->nvc - at));
        g->vc[at].node = self;
        g->vc[at].counter = 0;
        g->nvc++;
        i = at;
    }
    g->vc[i].counter++;
    g->nseen = 0;
    return akti_cl_gossip_see(g, self);
}

akt_err
akti_cl_gossip_see(akti_cl_gossip *g, uint64_t uid)
{
    long i = u64_find(g->seen, g->nseen, uid);
    if (i >= 0) {
        return AKT_OK;
    }
    if (member_index(g, uid) < 0) {
        return AKT_ENOENT;
    }
    if (GROW(g->seen, g->capseen, g->nseen + 1) != AKT_OK) {
        return AKT_ENOMEM;
    }
    uint32_t at = (uint32_t)(-i - 1);
    memmove(&g->seen[at + 1], &g->seen[at], sizeof(*g->seen) * (g->nseen - at));
    g->seen[at] = uid;
    g->nseen++;
    return AKT_OK;
}

akt_err
akti_cl_gossip_add(akti_cl_gossip *g, const akti_cl_member *m)
{
    if (m->address.uid == 0 || m->status == AKT_MEMBER_REMOVED
        || !akti_cl_status_valid(m->status)) {
        return AKT_EINVAL;
    }
    if (member_index(g, m->address.uid) >= 0) {
        return AKT_EEXIST;
    }
    if (akti_cl_gossip_tombstoned(g, m->address.uid)) {
        return AKT_ESTATE;
    }
    if (GROW(g->m, g->capm, g->nm + 1) != AKT_OK) {
        return AKT_ENOMEM;
    }
    uint32_t at = 0;
    while (at < g->nm && akti_cl_addr_cmp(&g->m[at].address, &m->address) < 0) {
        at++;
    }
    memmove(&g->m[at + 1], &g->m[at], sizeof(*g->m) * (g->nm - at));
    g->m[at] = *m;
    g->nm++;
    return AKT_OK;
}

akt_err
akti_cl_gossip_set_status(
    akti_cl_gossip *g, uint64_t uid, akt_member_status to, int32_t up_number)
{
    akti_cl_member *m = akti_cl_gossip_member(g, uid);
    if (m == NULL) {
        return AKT_ENOENT;
    }
    if (to == AKT_MEMBER_REMOVED || !akti_cl_transition_ok(m->status, to)) {
        return AKT_ESTATE;
    }
    m->status = to;
    if (to == AKT_MEMBER_UP) {
        m->up_number = up_number > 0 ? up_number : 1;
    }
    return AKT_OK;
}

/* drop every reachability record where uid is observer or subject, and
 * uid's row version; rows left all-reachable go too */
static void
reach_forget(akti_cl_gossip *g, uint64_t uid)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < g->nrr; i++) {
        if (g->rr[i].observer != uid && g->rr[i].subject != uid) {
            g->rr[k++] = g->rr[i];
        }
    }
    g->nrr = k;
    /* all-reachable rows */
    k = 0;
    for (uint32_t i = 0; i < g->nrr;) {
        uint32_t j = i;
        bool bad = false;
        while (j < g->nrr && g->rr[j].observer == g->rr[i].observer) {
            bad |= g->rr[j].status != AKTI_CL_REACHABLE;
            j++;
        }
        if (bad) {
            memmove(&g->rr[k], &g->rr[i], sizeof(*g->rr) * (j - i));
            k += j - i;
        }
        i = j;
    }
    g->nrr = k;
    k = 0;
    for (uint32_t i = 0; i < g->nrv; i++) {
        if (g->rv[i].observer != uid) {
            g->rv[k++] = g->rv[i];
        }
    }
    g->nrv = k;
}

akt_err
akti_cl_gossip_remove(akti_cl_gossip *g, uint64_t uid, int64_t now_ms)
{
    long i = member_index(g, uid);
    if (i < 0) {
        return AKT_ENOENT;
    }
    long t = tomb_find(g, uid);
    if (t < 0) {
        if (GROW(g->tomb, g->captomb, g->ntomb + 1) != AKT_OK) {
            return AKT_ENOMEM;
        }
        uint32_t at = (uint32_t)(-t - 1);
        memmove(
            &g->tomb[at + 1], &g->tomb[at], sizeof(*g->tomb) * (g->ntomb - at));
        g->tomb[at].uid = uid;
        g->tomb[at].removed_ms = now_ms;
        g->ntomb++;
    }
    memmove(&g->m[i], &g->m[i + 1], sizeof(*g->m) * (g->nm - (uint32_t)i - 1));
    g->nm--;
    long s = u64_find(g->seen, g->nseen, uid);
    if (s >= 0) {
        memmove(&g->seen[s], &g->seen[s + 1],
            sizeof(*g->seen) * (g->nseen - (uint32_t)s - 1));
        g->nseen--;
    }
    long v = vc_find(g, uid);
    if (v >= 0) {
        memmove(&g->vc[v], &g->vc[v + 1],
            sizeof(*g->vc) * (g->nvc - (uint32_t)v - 1));
        g->nvc--;
    }
    reach_forget(g, uid);
    return AKT_OK;
}

void
akti_cl_gossip_prune_tombstones(akti_cl_gossip *g, int64_t older_than_ms)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < g->ntomb; i++) {
        if (g->tomb[i].removed_ms >= older_than_ms) {
            g->tomb[k++] = g->tomb[i];
        }
    }
    g->ntomb = k;
}

/* --- vector clocks ------------------------------------------------------ */

akti_vc_order
akti_cl_vc_compare(const akti_cl_gossip *a, const akti_cl_gossip *b)
{
    bool a_bigger = false, b_bigger = false;
    uint32_t i = 0, j = 0;
    while (i < a->nvc || j < b->nvc) {
        if (j == b->nvc || (i < a->nvc && a->vc[i].node < b->vc[j].node)) {
            a_bigger = true; /* b has 0 there */
            i++;
        } else if (i == a->nvc || b->vc[j].node < a->vc[i].node) {
            b_bigger = true;
            j++;
        } else {
            if (a->vc[i].counter > b->vc[j].counter) {
                a_bigger = true;
            } else if (a->vc[i].counter < b->vc[j].counter) {
                b_bigger = true;
            }
            i++;
            j++;
        }
        if (a_bigger && b_bigger) {
            return AKTI_VC_CONCURRENT;
        }
    }
    if (a_bigger) {
        return AKTI_VC_AFTER;
    }
    return b_bigger ? AKTI_VC_BEFORE : AKTI_VC_SAME;
}

/* --- reachability ------------------------------------------------------- */

uint64_t
akti_cl_reach_version(const akti_cl_gossip *g, uint64_t observer)
{
    uint32_t lo = 0, hi = g->nrv;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->rv[mid].observer < observer) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < g->nrv && g->rv[lo].observer == observer ? g->rv[lo].version
                                                         : 0;
}

static akt_err
reach_set_version(akti_cl_gossip *g, uint64_t observer, uint64_t version)
{
    uint32_t at = 0;
    while (at < g->nrv && g->rv[at].observer < observer) {
        at++;
    }
    if (at < g->nrv && g->rv[at].observer == observer) {
        g->rv[at].version = version;
        return AKT_OK;
    }
    if (GROW(g->rv, g->caprv, g->nrv + 1) != AKT_OK) {
        return AKT_ENOMEM;
    }
    memmove(&g->rv[at + 1], &g->rv[at], sizeof(*g->rv) * (g->nrv - at));
    g->rv[at].observer = observer;
    g->rv[at].version = version;
    g->nrv++;
    return AKT_OK;
}

uint32_t
akti_cl_reach_status_by(
    const akti_cl_gossip *g, uint64_t observer, uint64_t subject)
{
    for (uint32_t i = 0; i < g->nrr; i++) {
        if (g->rr[i].observer == observer && g->rr[i].subject == subject) {
            return g->rr[i].status;
        }
    }
    return AKTI_CL_REACHABLE;
}

uint32_t
akti_cl_reach_status(
    const akti_cl_gossip *g, uint64_t subject, bool skip_down_observers)
{
    uint32_t st = AKTI_CL_REACHABLE;
    for (uint32_t i = 0; i < g->nrr; i++) {
        const akti_cl_rrec *r = &g->rr[i];
        if (r->subject != subject || r->status == AKTI_CL_REACHABLE) {
            continue;
        }
        if (skip_down_observers) {
            const akti_cl_member *o = akti_cl_gossip_member(g, r->observer);
            if (o != NULL && o->status == AKT_MEMBER_DOWN) {
                continue;
            }
        }
        if (r->status == AKTI_CL_TERMINATED) {
            return AKTI_CL_TERMINATED;
        }
        st = AKTI_CL_UNREACHABLE;
    }
    return st;
}

akt_err
akti_cl_reach_set(
    akti_cl_gossip *g, uint64_t observer, uint64_t subject, uint32_t status)
{
    if (observer == subject || status > AKTI_CL_TERMINATED) {
        return AKT_EINVAL;
    }
    if (member_index(g, observer) < 0 || member_index(g, subject) < 0) {
        return AKT_ENOENT;
    }
    uint32_t cur = akti_cl_reach_status_by(g, observer, subject);
    if (cur == status || cur == AKTI_CL_TERMINATED) {
        return AKT_OK;
    }
    uint64_t v = akti_cl_reach_version(g, observer) + 1;
    /* reserve first: nothing changes on AKT_ENOMEM */
    if (GROW(g->rr, g->caprr, g->nrr + 1) != AKT_OK
        || GROW(g->rv, g->caprv, g->nrv + 1) != AKT_OK) {
        return AKT_ENOMEM;
    }
    akt_err rc = reach_set_version(g, observer, v);
    if (rc != AKT_OK) {
        return rc;
    }
    uint32_t at = 0;
    while (at < g->nrr
        && (g->rr[at].observer < observer
            || (g->rr[at].observer == observer
                && g->rr[at].subject < subject))) {
        at++;
    }
    if (at < g->nrr && g->rr[at].observer == observer
        && g->rr[at].subject == subject) {
        g->rr[at].status = status;
        g->rr[at].version = v;
    } else {
        memmove(&g->rr[at + 1], &g->rr[at], sizeof(*g->rr) * (g->nrr - at));
        g->rr[at] = (akti_cl_rrec) { .observer = observer,
            .subject = subject,
            .version = v,
            .status = status };
        g->nrr++;
    }
    /* an all-reachable row is dropped (its version stays) */
    uint32_t s = at, e = at;
    while (s > 0 && g->rr[s - 1].observer == observer) {
        s--;
    }
    while (e < g->nrr && g->rr[e].observer == observer) {
        e++;
    }
    for (uint32_t i = s; i < e; i++) {
        if (g->rr[i].status != AKTI_CL_REACHABLE) {
            return AKT_OK;
        }
    }
    memmove(&g->rr[s], &g->rr[e], sizeof(*g->rr) * (g->nrr - e));
    g->nrr -= e - s;
    return AKT_OK;
}

/* --- merge -------------------------------------------------------------- */

static int
tomb_qcmp(const void *a, const void *b)
{
    const akti_cl_tomb *x = a, *y = b;
    int c = u64cmp(x->uid, y->uid);
    if (c != 0) {
        return c;
    }
    return x->removed_ms < y->removed_ms ? -1 : x->removed_ms > y->removed_ms;
}

static int
member_uid_qcmp(const void *a, const void *b)
{
    const akti_cl_member *x = a, *y = b;
    int c = u64cmp(x->address.uid, y->address.uid);
    return c != 0 ? c : member_content_cmp(x, y);
}

static int
member_addr_qcmp(const void *a, const void *b)
{
    const akti_cl_member *x = a, *y = b;
    return akti_cl_addr_cmp(&x->address, &y->address);
}

/* rows: [s, e) of observer o in a gossip */
static void
row_of(const akti_cl_gossip *g, uint64_t o, uint32_t *s, uint32_t *e)
{
    uint32_t i = 0;
    while (i < g->nrr && g->rr[i].observer < o) {
        i++;
    }
    *s = i;
    while (i < g->nrr && g->rr[i].observer == o) {
        i++;
    }
    *e = i;
}

/* total order of two rows of one observer (for a tie of versions, which
 * honest nodes never produce: the observer alone writes its row) */
static int
row_cmp(const akti_cl_rrec *a, uint32_t na, const akti_cl_rrec *b, uint32_t nb)
{
    for (uint32_t i = 0; i < na && i < nb; i++) {
        if (a[i].subject != b[i].subject) {
            return a[i].subject < b[i].subject ? -1 : 1;
        }
        if (a[i].status != b[i].status) {
            return a[i].status < b[i].status ? -1 : 1;
        }
        if (a[i].version != b[i].version) {
            return a[i].version < b[i].version ? -1 : 1;
        }
    }
    return na < nb ? -1 : na > nb ? 1 : 0;
}

akt_err
akti_cl_gossip_merge(
    const akti_cl_gossip *a, const akti_cl_gossip *b, akti_cl_gossip *out)
{
    akti_cl_gossip t;
    akti_cl_gossip_init(&t);
    akt_err rc = AKT_ENOMEM;
    akti_cl_member *all = NULL;
    uint64_t *obs = NULL;
    if (gossip_reserve(&t, a->nm + b->nm, 0, a->nrr + b->nrr, a->nrv + b->nrv,
            a->nvc + b->nvc, a->ntomb + b->ntomb)
        != AKT_OK) {
        goto out;
    }
    /* 1. tombstones: the union (the later time for one uid) */
    {
        uint32_t i = 0, j = 0;
        while (i < a->ntomb || j < b->ntomb) {
            akti_cl_tomb x;
            if (j == b->ntomb
                || (i < a->ntomb && a->tomb[i].uid < b->tomb[j].uid)) {
                x = a->tomb[i++];
            } else if (i == a->ntomb || b->tomb[j].uid < a->tomb[i].uid) {
                x = b->tomb[j++];
            } else {
                x = tomb_qcmp(&a->tomb[i], &b->tomb[j]) >= 0 ? a->tomb[i]
                                                             : b->tomb[j];
                i++;
                j++;
            }
            t.tomb[t.ntomb++] = x;
        }
    }
    /* 2. clocks: entrywise max, tombstoned nodes pruned */
    {
        uint32_t i = 0, j = 0;
        while (i < a->nvc || j < b->nvc) {
            akti_cl_vce x;
            if (j == b->nvc || (i < a->nvc && a->vc[i].node < b->vc[j].node)) {
                x = a->vc[i++];
            } else if (i == a->nvc || b->vc[j].node < a->vc[i].node) {
                x = b->vc[j++];
            } else {
                x = a->vc[i];
                if (b->vc[j].counter > x.counter) {
                    x.counter = b->vc[j].counter;
                }
                i++;
                j++;
            }
            if (!akti_cl_gossip_tombstoned(&t, x.node)) {
                t.vc[t.nvc++] = x;
            }
        }
    }
    /* 3. members: by uid, the greatest in member_content_cmp's order (the
     * higher status, then the lower up number), tombstoned ones dropped */
    if (a->nm + b->nm > 0) {
        all = malloc(sizeof(*all) * (a->nm + b->nm));
        if (all == NULL) {
            goto out;
        }
        if (a->nm) {
            memcpy(all, a->m, sizeof(*all) * a->nm);
        }
        if (b->nm) {
            memcpy(all + a->nm, b->m, sizeof(*all) * b->nm);
        }
        uint32_t n = a->nm + b->nm;
        qsort(all, n, sizeof(*all), member_uid_qcmp);
        for (uint32_t i = 0; i < n; i++) {
            /* the last of a uid's run is the greatest */
            if (i + 1 < n && all[i + 1].address.uid == all[i].address.uid) {
                continue;
            }
            if (!akti_cl_gossip_tombstoned(&t, all[i].address.uid)) {
                t.m[t.nm++] = all[i];
            }
        }
        qsort(t.m, t.nm, sizeof(*t.m), member_addr_qcmp);
    }
    /* 4. reachability: per observer (a member of the result), the row of
     * the side with the higher version; records about non-members go, and
     * so does a row left all reachable */
    if (a->nrv + b->nrv > 0) {
        obs = malloc(sizeof(*obs) * (a->nrv + b->nrv));
        if (obs == NULL) {
            goto out;
        }
        uint32_t no = 0;
        for (uint32_t i = 0; i < a->nrv; i++) {
            obs[no++] = a->rv[i].observer;
        }
        for (uint32_t i = 0; i < b->nrv; i++) {
            obs[no++] = b->rv[i].observer;
        }
        qsort(obs, no, sizeof(*obs), u64_qcmp);
        for (uint32_t k = 0; k < no; k++) {
            uint64_t o = obs[k];
            if ((k > 0 && obs[k - 1] == o) || member_index(&t, o) < 0) {
                continue;
            }
            uint64_t va = akti_cl_reach_version(a, o);
            uint64_t vb = akti_cl_reach_version(b, o);
            uint32_t as, ae, bs, be;
            row_of(a, o, &as, &ae);
            row_of(b, o, &bs, &be);
            const akti_cl_gossip *w;
            uint32_t ws, we;
            if (va != vb) {
                w = va > vb ? a : b;
            } else {
                w = row_cmp(&a->rr[as], ae - as, &b->rr[bs], be - bs) >= 0 ? a
                                                                           : b;
            }
            if (w == a) {
                ws = as;
                we = ae;
            } else {
                ws = bs;
                we = be;
            }
            t.rv[t.nrv].observer = o;
            t.rv[t.nrv].version = va > vb ? va : vb;
            t.nrv++;
            uint32_t start = t.nrr;
            bool unreachable = false;
            for (uint32_t r = ws; r < we; r++) {
                if (member_index(&t, w->rr[r].subject) >= 0) {
                    t.rr[t.nrr++] = w->rr[r];
                    unreachable |= w->rr[r].status != AKTI_CL_REACHABLE;
                }
            }
            if (!unreachable) {
                t.nrr = start;
            }
        }
    }
    /* 5. seen: nobody has seen the merged state yet */
    akti_cl_gossip_fini(out);
    *out = t;
    akti_cl_gossip_init(&t);
    rc = AKT_OK;
out:
    free(all);
    free(obs);
    akti_cl_gossip_fini(&t);
    return rc;
}

akt_err
akti_cl_gossip_merge_seen(akti_cl_gossip *g, const akti_cl_gossip *other)
{
    for (uint32_t i = 0; i < other->nseen; i++) {
        akt_err rc = akti_cl_gossip_see(g, other->seen[i]);
        if (rc != AKT_OK && rc != AKT_ENOENT) {
            return rc;
        }
    }
    return AKT_OK;
}
