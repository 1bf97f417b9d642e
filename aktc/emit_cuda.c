/*
 * emit_cuda.c -- the CUDA emitter (--cuda_out): x.akt -> x.akt.gpu.h and
 * x.akt.gpu.c.
 *
 * x.akt.gpu.h is the one shared handler header: the GPU prelude (wrapping
 * and checked integer helpers, fmin/fmax, NaN canonicalisation), per actor
 * the device state struct, per @gpu handler its in/out structs and the
 * handler function (the checked body, printed by gpu_body.c), the per-actor
 * batch loop, the batch kernel (under __CUDACC__) and the CPU batch loop
 * (elsewhere). It is valid C11, C++17 and NVRTC input; NVRTC gets its text
 * unchanged. Below a guard it declares the host API (akt/gpu.h).
 *
 * x.akt.gpu.c is the host side: the header's text as NVRTC's source, the
 * handler table entries (run on the CPU or stage for the GPU dispatcher),
 * packing of messages into batch columns and replies out of them, and the
 * descriptors of akt/gpu.h.
 *
 * The fixed text is in templates/cuda/ (gpu.h.tmpl, gpu.c.tmpl) (embedded at
 * build time by embed_cuda_templates.cmake). Output is deterministic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aktc.h"
#include "diag.h"
#include "gpu.h"

extern const unsigned char aktc_tmpl_cuda_header[];
extern const unsigned char aktc_tmpl_cuda_source[];

/* --- templates -------------------------------------------------------------
 * A template is a list of blocks, each opened by a line "@@ name"; a block
 * is copied with each {{key}} replaced by its value. */

static const char *
block_of(const char *tmpl, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    const char *p = tmpl;
    while (p && *p) {
        if (strncmp(p, "@@ ", 3) == 0 && strncmp(p + 3, name, nl) == 0
            && p[3 + nl] == '\n') {
            const char *start = p + 3 + nl + 1;
            const char *end = start;
            while (*end
                && !(end[0] == '@' && end[1] == '@' && end[2] == ' '
                    && (end == start || end[-1] == '\n'))) {
                end++;
            }
            *len = (size_t)(end - start);
            return start;
        }
        p = strchr(p, '\n');
        if (p) {
            p++;
        }
    }
    fprintf(stderr, "aktc: internal error: no template block '%s'\n", name);
    exit(3);
}

/* fill -- append block `name` of tmpl to out; kv: key, value, ..., NULL */
static void
fill(aktc_sb *out, const unsigned char *tmpl, const char *name,
    const char *const *kv)
{
    size_t len;
    const char *s = block_of((const char *)tmpl, name, &len);
    const char *end = s + len;
    while (s < end) {
        const char *open = strstr(s, "{{");
        if (open == NULL || open >= end) {
            aktc_sb_putn(out, s, (size_t)(end - s));
            return;
        }
        /* "{{{" opens a brace then a hole */
        while (open[2] == '{') {
            open++;
        }
        aktc_sb_putn(out, s, (size_t)(open - s));
        const char *close = strstr(open, "}}");
        size_t kl = (size_t)(close - open - 2);
        const char *val = NULL;
        for (size_t i = 0; kv[i]; i += 2) {
            if (strlen(kv[i]) == kl && memcmp(kv[i], open + 2, kl) == 0) {
                val = kv[i + 1];
            }
        }
        if (val == NULL) {
            fprintf(stderr, "aktc: internal error: no value for {{%.*s}}\n",
                (int)kl, open + 2);
            exit(3);
        }
        aktc_sb_puts(out, val);
        s = close + 2;
    }
}

/* --- names -------------------------------------------------------------- */

static const char *
last_name(const char *qname)
{
    const char *dot = strrchr(qname, '.');
    return dot ? dot + 1 : qname;
}

/* one handler's C names */
typedef struct hnames {
    char *in, *out; /* pkg_AMsgIn, pkg_AMsgOut (or an empty struct name) */
} hnames;

static hnames
names_of(const ast_decl *a, const ast_handler *h)
{
    hnames n;
    n.in = ast_printf("%s%sIn", a->cname, last_name(h->msg));
    n.out = ast_printf("%s%sOut", a->cname, last_name(h->msg));
    return n;
}

static void
names_free(hnames *n)
{
    free(n->in);
    free(n->out);
}

/* --- the header ------------------------------------------------------------
 */

static const gtell *
tells_of(const ast_handler *h)
{
    return h && h->gpu_body ? h->gpu_body->tells : NULL;
}

static const char *const tell_to_names[] = { "", "sender", "self", "a ref" };

/* the members of d's struct; for a handler's out struct (h given), each
 * tell's too: a struct with its flag, its target and the message's fields */
static void
members(aktc_sb *b, const ast_decl *d, const ast_handler *h)
{
    bool any = false;
    for (const ast_field *fl = d ? d->fields : NULL; fl; fl = fl->next) {
        gtype t = aktc_gpu_field_type(fl);
        aktc_sb_printf(b, "    %s %s; /* %llu */\n", aktc_gpu_ctype(t),
            fl->name, (unsigned long long)fl->number);
        any = true;
    }
    int k = 0;
    for (const gtell *t = tells_of(h); t; t = t->next, k++) {
        aktc_sb_printf(b,
            "    struct {\n"
            "        uint8_t sent_;\n");
        if (t->to == GTO_REF) {
            aktc_sb_puts(b, "        akt_gpu_ref to_;\n");
        }
        for (const ast_field *fl = t->msg->fields; fl; fl = fl->next) {
            aktc_sb_printf(b, "        %s %s;\n",
                aktc_gpu_ctype(aktc_gpu_field_type(fl)), fl->name);
        }
        aktc_sb_printf(b, "    } tell%d_; /* tell(%s, %s) */\n", k,
            tell_to_names[t->to], t->msg->qname);
        any = true;
    }
    if (!any) {
        /* C has no empty structs */
        aktc_sb_puts(b, "    uint8_t unused_;\n");
    }
}

/* the loads of one message's columns into `in` (base: first column) */
static void
loads(aktc_sb *b, const ast_decl *d, int base, const char *ind, const char *src)
{
    int k = base;
    for (const ast_field *fl = d ? d->fields : NULL; fl; fl = fl->next, k++) {
        gtype t = aktc_gpu_field_type(fl);
        if (t == GT_BOOL) {
            aktc_sb_printf(b, "%sin.%s = ((const uint8_t *)%s[%d])[r] != 0;\n",
                ind, fl->name, src, k);
        } else {
            aktc_sb_printf(b, "%sin.%s = ((const %s *)%s[%d])[r];\n", ind,
                fl->name, aktc_gpu_ctype(t), src, k);
        }
    }
    if (d == NULL || d->fields == NULL) {
        aktc_sb_printf(b, "%sin.unused_ = 0;\n", ind);
    }
}

/* out = the reply's defaults, each tell not sent and at its defaults */
static void
inits(aktc_sb *b, const ast_decl *d, const ast_handler *h, const char *ind)
{
    for (const ast_field *fl = d ? d->fields : NULL; fl; fl = fl->next) {
        aktc_sb_printf(b, "%sout.%s = ", ind, fl->name);
        aktc_gpu_print_default(b, fl);
        aktc_sb_puts(b, ";\n");
    }
    int k = 0;
    for (const gtell *t = tells_of(h); t; t = t->next, k++) {
        aktc_sb_printf(b, "%sout.tell%d_.sent_ = 0;\n", ind, k);
        if (t->to == GTO_REF) {
            aktc_sb_printf(
                b, "%sout.tell%d_.to_ = akt_gpu_ref_none();\n", ind, k);
        }
        for (const ast_field *fl = t->msg->fields; fl; fl = fl->next) {
            aktc_sb_printf(b, "%sout.tell%d_.%s = ", ind, k, fl->name);
            aktc_gpu_print_default(b, fl);
            aktc_sb_puts(b, ";\n");
        }
    }
    if ((d == NULL || d->fields == NULL) && tells_of(h) == NULL) {
        aktc_sb_printf(b, "%sout.unused_ = 0;\n", ind);
    }
}

/* one store of value (an out member) into column k */
static void
store_col(
    aktc_sb *b, const ast_field *fl, int k, const char *value, const char *ind)
{
    gtype t = aktc_gpu_field_type(fl);
    if (t == GT_BOOL) {
        aktc_sb_printf(
            b, "%s((uint8_t *)a->out[%d])[r] = %s ? 1 : 0;\n", ind, k, value);
    } else {
        aktc_sb_printf(b, "%s((%s *)a->out[%d])[r] = %s;\n", ind,
            aktc_gpu_ctype(t), k, value);
    }
}

static int nfields(const ast_decl *d);

/* the reply's fields, then each tell's flag, target and fields, into
 * the handler's out columns from base */
static void
stores(aktc_sb *b, const ast_decl *d, const ast_handler *h, int base,
    const char *ind)
{
    int k = base;
    for (const ast_field *fl = d ? d->fields : NULL; fl; fl = fl->next, k++) {
        char *v = ast_printf("out.%s", fl->name);
        store_col(b, fl, k, v, ind);
        free(v);
    }
    int n = 0;
    for (const gtell *t = tells_of(h); t; t = t->next, n++) {
        aktc_sb_printf(b, "%s((uint8_t *)a->out[%d])[r] = out.tell%d_.sent_;\n",
            ind, k++, n);
        if (t->to == GTO_REF) {
            aktc_sb_printf(b,
                "%s((akt_gpu_ref *)a->out[%d])[r] = out.tell%d_.to_;\n", ind,
                k++, n);
        }
        for (const ast_field *fl = t->msg->fields; fl; fl = fl->next, k++) {
            char *v = ast_printf("out.tell%d_.%s", n, fl->name);
            store_col(b, fl, k, v, ind);
            free(v);
        }
    }
}

/* a handler's out columns: its reply's fields and its tells' */
static int
nouts(const ast_handler *h)
{
    int n = nfields(h->reply_decl);
    for (const gtell *t = tells_of(h); t; t = t->next) {
        n += aktc_gpu_tell_cols(t);
    }
    return n;
}

static int
nfields(const ast_decl *d)
{
    int n = 0;
    for (const ast_field *fl = d ? d->fields : NULL; fl; fl = fl->next) {
        n++;
    }
    return n;
}

static char *
guard_of(const ast_file *f)
{
    char *g = ast_printf("%s_%s_GPU_H", f->prefix, f->base);
    for (char *p = g; *p; p++) {
        if (*p >= 'a' && *p <= 'z') {
            *p = (char)(*p - 'a' + 'A');
        } else if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) {
            *p = '_';
        }
    }
    return g;
}

/* the check function of each enum a @gpu actor of f has a field of
 * (state, messages, replies, tells), once each */
typedef struct enum_set {
    const ast_decl **v;
    size_t n, cap;
} enum_set;

static void
enums_add(enum_set *e, const ast_decl *d)
{
    for (const ast_field *fl = d ? d->fields : NULL; fl; fl = fl->next) {
        const ast_decl *en = aktc_gpu_field_enum(fl);
        bool seen = en == NULL;
        for (size_t i = 0; i < e->n && !seen; i++) {
            seen = e->v[i] == en;
        }
        if (seen) {
            continue;
        }
        if (e->n == e->cap) {
            e->cap = e->cap ? e->cap * 2 : 8;
            e->v = realloc(e->v, e->cap * sizeof *e->v);
            if (e->v == NULL) {
                fputs("aktc: out of memory\n", stderr);
                exit(3);
            }
        }
        e->v[e->n++] = en;
    }
}

static void
enum_checks(const ast_file *f, aktc_sb *out)
{
    enum_set e = { 0 };
    for (const ast_decl *a = f->decls; a; a = a->next) {
        if (a->kind != DECL_ACTOR || !aktc_gpu_actor_has_gpu(a)) {
            continue;
        }
        enums_add(&e, a->state);
        for (const ast_handler *h = a->handlers; h; h = h->next) {
            enums_add(&e, h->msg_decl);
            enums_add(&e, h->reply_decl);
            for (const gtell *t = tells_of(h); t; t = t->next) {
                enums_add(&e, t->msg);
            }
        }
    }
    for (size_t i = 0; i < e.n; i++) {
        aktc_sb cases = { 0 };
        for (const ast_enumval *v = e.v[i]->values; v; v = v->next) {
            aktc_sb_printf(&cases, "    case %lld:\n", (long long)v->value);
        }
        const char *kv[] = { "qname", e.v[i]->qname, "macro", e.v[i]->macro,
            "snake", e.v[i]->snake, "cases", cases.s ? cases.s : "", NULL };
        fill(out, aktc_tmpl_cuda_header, "enum_check", kv);
        aktc_sb_free(&cases);
    }
    free(e.v);
}

static void
render_header(const ast_file *f, aktc_sb *out)
{
    char *guard = guard_of(f);
    char *stem = aktc_file_stem(f->base);
    const char *common[] = { "base", f->base, "version", AKTC_VERSION, "pkg",
        f->pkg, "prefix", f->prefix, "stem", stem, "guard", guard, NULL };
    fill(out, aktc_tmpl_cuda_header, "file_begin", common);
    fill(out, aktc_tmpl_cuda_header, "prelude", common);
    enum_checks(f, out);
    bool any = false;
    for (const ast_decl *a = f->decls; a; a = a->next) {
        if (a->kind != DECL_ACTOR || !aktc_gpu_actor_has_gpu(a)) {
            continue;
        }
        any = true;
        aktc_sb m = { 0 };
        members(&m, a->state, NULL);
        const char *kv[]
            = { "qname", a->qname, "cname", a->cname, "members", m.s, NULL };
        fill(out, aktc_tmpl_cuda_header, "types", kv);
        aktc_sb_free(&m);
        /* in/out structs and handlers */
        for (const ast_handler *h = a->handlers; h; h = h->next) {
            if (!h->gpu || h->gpu_body == NULL) {
                continue;
            }
            hnames n = names_of(a, h);
            aktc_sb im = { 0 }, om = { 0 };
            members(&im, h->msg_decl, NULL);
            members(&om, h->reply_decl, h);
            const char *kin[] = { "name", n.in, "members", im.s, NULL };
            fill(out, aktc_tmpl_cuda_header, "io_struct", kin);
            const char *kout[] = { "name", n.out, "members", om.s, NULL };
            fill(out, aktc_tmpl_cuda_header, "io_struct", kout);
            aktc_sb_free(&im);
            aktc_sb_free(&om);
            aktc_sb body = { 0 }, decls = { 0 };
            aktc_sb_puts(
                &decls, "    (void)state;\n    (void)in;\n    (void)out;\n");
            if (aktc_gpu_body_needs_status(h->gpu_body)) {
                aktc_sb_puts(&decls, "    int32_t st_ = 0;\n");
            }
            aktc_gpu_print_body(&body, h->gpu_body, 4);
            char line[32];
            snprintf(line, sizeof line, "%d", h->loc.first_line);
            char *arrow
                = h->reply ? ast_printf(" -> %s", h->reply) : ast_strdup("");
            const char *kh[] = { "qname", a->qname, "msg", h->msg, "arrow",
                arrow, "file", f->base, "line", line, "snake", a->snake,
                "hsnake", h->snake, "cname", a->cname, "in", n.in, "out", n.out,
                "decls", decls.s, "body", body.s ? body.s : "", NULL };
            fill(out, aktc_tmpl_cuda_header, "handler", kh);
            free(arrow);
            aktc_sb_free(&body);
            aktc_sb_free(&decls);
            names_free(&n);
        }
        /* the per-actor loop */
        const char *ka[] = { "snake", a->snake, "cname", a->cname, NULL };
        fill(out, aktc_tmpl_cuda_header, "actor_begin", ka);
        int hid = 0, in_base = 0, out_base = 0;
        for (const ast_handler *h = a->handlers; h; h = h->next) {
            if (!h->gpu || h->gpu_body == NULL) {
                continue;
            }
            hnames n = names_of(a, h);
            aktc_sb ld = { 0 }, in = { 0 }, st = { 0 };
            loads(&ld, h->msg_decl, in_base, "            ", "a->in");
            inits(&in, h->reply_decl, h, "            ");
            if (nouts(h) > 0) {
                aktc_sb_puts(&st, "            if (rc == AKT_GPU_OK) {\n");
                stores(&st, h->reply_decl, h, out_base, "                ");
                aktc_sb_puts(&st, "            }\n");
            }
            char hs[16];
            snprintf(hs, sizeof hs, "%d", hid);
            const char *kc[] = { "hid", hs, "in", n.in, "out", n.out, "load",
                ld.s ? ld.s : "", "init", in.s ? in.s : "", "snake", a->snake,
                "hsnake", h->snake, "store", st.s ? st.s : "", NULL };
            fill(out, aktc_tmpl_cuda_header, "actor_case", kc);
            aktc_sb_free(&ld);
            aktc_sb_free(&in);
            aktc_sb_free(&st);
            names_free(&n);
            hid++;
            in_base += nfields(h->msg_decl);
            out_base += nouts(h);
        }
        fill(out, aktc_tmpl_cuda_header, "actor_end", ka);
    }
    if (any) {
        fill(out, aktc_tmpl_cuda_header, "host_begin", common);
        for (const ast_decl *a = f->decls; a; a = a->next) {
            if (a->kind != DECL_ACTOR || !aktc_gpu_actor_has_gpu(a)) {
                continue;
            }
            const char *kv[] = { "qname", a->qname, "snake", a->snake, "cname",
                a->cname, "handler_decls", "", NULL };
            fill(out, aktc_tmpl_cuda_header, "host_actor", kv);
        }
        fill(out, aktc_tmpl_cuda_header, "host_end", common);
    }
    fill(out, aktc_tmpl_cuda_header, "file_end", common);
    free(guard);
    free(stem);
}

/* --- the host source -------------------------------------------------------
 */

/* a C string literal of one line of text (with its newline) */
static void
c_line(aktc_sb *b, const char *s, size_t n)
{
    aktc_sb_puts(b, "    \"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            aktc_sb_printf(b, "\\%c", c);
        } else if (c == '\n') {
            aktc_sb_puts(b, "\\n");
        } else if (c == '?' && i + 1 < n && s[i + 1] == '?') {
            aktc_sb_puts(b, "?\"\""); /* no trigraphs */
        } else if (c < 0x20 || c >= 0x7f) {
            aktc_sb_printf(b, "\\%03o", c);
        } else {
            aktc_sb_putn(b, (const char *)&c, 1);
        }
    }
    aktc_sb_puts(b, "\",\n");
}

/* a host field's value (expr) in its device form, and back: refs are
 * converted, everything else is the same C value */
static char *
to_dev(const ast_field *fl, const char *expr)
{
    return aktc_gpu_field_type(fl) == GT_REF
        ? ast_printf("akt_gpu_ref_of(%s)", expr)
        : ast_strdup(expr);
}

static char *
from_dev(const ast_field *fl, const char *expr)
{
    return aktc_gpu_field_type(fl) == GT_REF
        ? ast_printf("akt_gpu_ref_to(%s)", expr)
        : ast_strdup(expr);
}

static void
pack_fields(aktc_sb *b, const ast_decl *d)
{
    int k = 0;
    for (const ast_field *fl = d ? d->fields : NULL; fl; fl = fl->next, k++) {
        gtype t = aktc_gpu_field_type(fl);
        if (t == GT_BOOL) {
            aktc_sb_printf(b, "    ((uint8_t *)cols[%d])[r] = m->%s ? 1 : 0;\n",
                k, fl->name);
        } else {
            char *m = ast_printf("m->%s", fl->name);
            char *v = to_dev(fl, m);
            aktc_sb_printf(
                b, "    ((%s *)cols[%d])[r] = %s;\n", aktc_gpu_ctype(t), k, v);
            free(m);
            free(v);
        }
    }
    if (k == 0) {
        aktc_sb_puts(b, "    (void)m;\n    (void)cols;\n    (void)r;\n");
    }
}

static void
unpack_fields(aktc_sb *b, const ast_decl *d)
{
    int k = 0;
    for (const ast_field *fl = d ? d->fields : NULL; fl; fl = fl->next, k++) {
        gtype t = aktc_gpu_field_type(fl);
        if (t == GT_BOOL) {
            aktc_sb_printf(b,
                "    m->%s = ((const uint8_t *)cols[%d])[r] != 0;\n", fl->name,
                k);
        } else {
            char *c
                = ast_printf("((const %s *)cols[%d])[r]", aktc_gpu_ctype(t), k);
            char *v = from_dev(fl, c);
            aktc_sb_printf(b, "    m->%s = %s;\n", fl->name, v);
            free(c);
            free(v);
        }
    }
    if (k == 0) {
        aktc_sb_puts(b, "    (void)m;\n    (void)cols;\n    (void)r;\n");
    }
}

static int
size_of(gtype t)
{
    return t == GT_BOOL || t == GT_I8 || t == GT_U8 ? 1
        : t == GT_I16 || t == GT_U16                ? 2
        : t == GT_I32 || t == GT_U32 || t == GT_F32 ? 4
        : t == GT_REF                               ? 16
                                                    : 8;
}

static void
sizes(aktc_sb *b, const ast_decl *d, bool *first)
{
    for (const ast_field *fl = d ? d->fields : NULL; fl; fl = fl->next) {
        aktc_sb_printf(
            b, "%s%d", *first ? "" : ", ", size_of(aktc_gpu_field_type(fl)));
        *first = false;
    }
}

/* the out columns' sizes of a handler's tells */
static void
tell_sizes(aktc_sb *b, const ast_handler *h, bool *first)
{
    for (const gtell *t = tells_of(h); t; t = t->next) {
        aktc_sb_printf(
            b, "%s1%s", *first ? "" : ", ", t->to == GTO_REF ? ", 16" : "");
        *first = false;
        sizes(b, t->msg, first);
    }
}

static void
render_source(const ast_file *f, const char *header, aktc_sb *out)
{
    char *stem = aktc_file_stem(f->base);
    const char *common[] = { "base", f->base, "version", AKTC_VERSION, "pkg",
        f->pkg, "prefix", f->prefix, "stem", stem, NULL };
    fill(out, aktc_tmpl_cuda_source, "file_begin", common);
    bool any = false;
    for (const ast_decl *a = f->decls; a; a = a->next) {
        any = any || (a->kind == DECL_ACTOR && aktc_gpu_actor_has_gpu(a));
    }
    if (!any) {
        aktc_sb_puts(out, "/* no @gpu handlers in this file */\n");
        free(stem);
        return;
    }
    fill(out, aktc_tmpl_cuda_source, "source_begin", common);
    for (const char *p = header; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        c_line(out, p, n);
        p += n;
    }
    fill(out, aktc_tmpl_cuda_source, "source_end", common);
    for (const ast_decl *a = f->decls; a; a = a->next) {
        if (a->kind != DECL_ACTOR || !aktc_gpu_actor_has_gpu(a)) {
            continue;
        }
        aktc_sb td = { 0 }, fd = { 0 };
        for (const ast_field *fl = a->state->fields; fl; fl = fl->next) {
            char *cx = ast_printf("c->%s", fl->name);
            char *gx = ast_printf("g->%s", fl->name);
            char *tv = to_dev(fl, cx), *fv = from_dev(fl, gx);
            aktc_sb_printf(&td, "    g->%s = %s;\n", fl->name, tv);
            aktc_sb_printf(&fd, "    c->%s = %s;\n", fl->name, fv);
            free(cx);
            free(gx);
            free(tv);
            free(fv);
        }
        if (a->state->fields == NULL) {
            aktc_sb_puts(&td, "    (void)c;\n    g->unused_ = 0;\n");
            aktc_sb_puts(&fd, "    (void)g;\n    (void)c;\n");
        }
        const char *ka[] = { "qname", a->qname, "snake", a->snake, "cname",
            a->cname, "to_dev", td.s, "from_dev", fd.s, NULL };
        fill(out, aktc_tmpl_cuda_source, "actor_begin", ka);
        aktc_sb_free(&td);
        aktc_sb_free(&fd);
        aktc_sb entries = { 0 }, table = { 0 }, ins = { 0 }, outs = { 0 };
        bool first_in = true, first_out = true;
        int hid = 0, in_base = 0, out_base = 0;
        for (const ast_handler *h = a->handlers; h; h = h->next) {
            if (!h->gpu || h->gpu_body == NULL) {
                continue;
            }
            hnames n = names_of(a, h);
            aktc_sb pk = { 0 }, up = { 0 }, ld = { 0 }, in = { 0 }, rp = { 0 },
                    sd = { 0 };
            pack_fields(&pk, h->msg_decl);
            const char *kh[] = { "msg", h->msg, "snake", a->snake, "hsnake",
                h->snake, "msg_cname", h->msg_decl->cname, "pack", pk.s, NULL };
            fill(out, aktc_tmpl_cuda_source, "handler", kh);
            if (h->reply_decl) {
                unpack_fields(&up, h->reply_decl);
                const char *kr[] = { "snake", a->snake, "hsnake", h->snake,
                    "reply_cname", h->reply_decl->cname, "reply_snake",
                    h->reply_decl->snake, "unpack", up.s, NULL };
                fill(out, aktc_tmpl_cuda_source, "handler_reply", kr);
            }
            /* each tell: its message from its columns (the batch), and its
             * entry in the handler's table */
            aktc_sb tt = { 0 };
            int ntells = 0, tcol = nfields(h->reply_decl);
            for (const gtell *t = tells_of(h); t; t = t->next, ntells++) {
                aktc_sb tu = { 0 };
                unpack_fields(&tu, t->msg);
                char ks[16];
                snprintf(ks, sizeof ks, "%d", ntells);
                const char *kt[] = { "snake", a->snake, "hsnake", h->snake, "k",
                    ks, "msg_cname", t->msg->cname, "msg_snake", t->msg->snake,
                    "to", tell_to_names[t->to], "msg", t->msg->qname, "unpack",
                    tu.s, NULL };
                fill(out, aktc_tmpl_cuda_source, "handler_tell", kt);
                aktc_sb_free(&tu);
                static const char *const to_const[] = { "", "AKT_GPU_TO_SENDER",
                    "AKT_GPU_TO_SELF", "AKT_GPU_TO_REF" };
                aktc_sb_printf(&tt,
                    "    {.msg = &%s_desc, .to = %s, .col = %d,\n"
                    "        .fill = %s_gpu_%s_tell%d},\n",
                    t->msg->snake, to_const[t->to], tcol, a->snake, h->snake,
                    ntells);
                tcol += aktc_gpu_tell_cols(t);
            }
            if (ntells > 0) {
                const char *ktt[] = { "snake", a->snake, "hsnake", h->snake,
                    "tells", tt.s, NULL };
                fill(out, aktc_tmpl_cuda_source, "handler_tells", ktt);
            }
            aktc_sb_free(&tt);
            /* the glue */
            int k = 0;
            for (const ast_field *fl = h->msg_decl->fields; fl;
                 fl = fl->next, k++) {
                char *mx = ast_printf("msg->%s", fl->name);
                char *v = to_dev(fl, mx);
                aktc_sb_printf(&ld, "    in.%s = %s;\n", fl->name, v);
                free(mx);
                free(v);
            }
            if (k == 0) {
                aktc_sb_puts(&ld, "    in.unused_ = 0;\n    (void)msg;\n");
            }
            inits(&in, h->reply_decl, h, "    ");
            /* the messages it sends, made before the state is committed
             * (no memory: the message fails and changes nothing), sent
             * after it, the tells first, in order, then the reply */
            const char *fail_nomem = ntells ? "        goto nomem_;\n"
                                            : "        return AKT_ENOMEM;\n";
            int n2 = 0;
            for (const gtell *t = tells_of(h); t; t = t->next, n2++) {
                aktc_sb_printf(
                    &rp, "    %s *tell%d_ = NULL;\n", t->msg->cname, n2);
            }
            n2 = 0;
            for (const gtell *t = tells_of(h); t; t = t->next, n2++) {
                aktc_sb_printf(&rp,
                    "    if (out.tell%d_.sent_) {\n"
                    "        tell%d_ = %s_alloc(0);\n"
                    "        if (tell%d_ == NULL) {\n"
                    "            goto nomem_;\n"
                    "        }\n",
                    n2, n2, t->msg->snake, n2);
                for (const ast_field *fl = t->msg->fields; fl; fl = fl->next) {
                    char *ox = ast_printf("out.tell%d_.%s", n2, fl->name);
                    char *v = from_dev(fl, ox);
                    aktc_sb_printf(
                        &rp, "        tell%d_->%s = %s;\n", n2, fl->name, v);
                    free(ox);
                    free(v);
                }
                aktc_sb_puts(&rp, "    }\n");
            }
            if (h->reply_decl) {
                aktc_sb_printf(&rp,
                    "    %s *reply = %s_alloc(0);\n"
                    "    if (reply == NULL) {\n%s"
                    "    }\n",
                    h->reply_decl->cname, h->reply_decl->snake, fail_nomem);
                for (const ast_field *fl = h->reply_decl->fields; fl;
                     fl = fl->next) {
                    char *ox = ast_printf("out.%s", fl->name);
                    char *v = from_dev(fl, ox);
                    aktc_sb_printf(&rp, "    reply->%s = %s;\n", fl->name, v);
                    free(ox);
                    free(v);
                }
            }
            n2 = 0;
            for (const gtell *t = tells_of(h); t; t = t->next, n2++) {
                char *to = t->to == GTO_SENDER
                    ? ast_strdup("akt_ctx_sender(ctx)")
                    : t->to == GTO_SELF
                    ? ast_strdup("akt_ctx_self(ctx)")
                    : ast_printf("akt_gpu_ref_to(out.tell%d_.to_)", n2);
                aktc_sb_printf(&sd,
                    "    /* tell(%s, %s): one to no actor is dropped */\n"
                    "    if (tell%d_ != NULL\n"
                    "        && akt_tell(%s, tell%d_, akt_ctx_self(ctx)) "
                    "!= AKT_OK) {\n"
                    "        akt_msg_free(tell%d_);\n"
                    "    }\n",
                    tell_to_names[t->to], t->msg->qname, n2, to, n2, n2);
                free(to);
            }
            if (h->reply_decl) {
                aktc_sb_puts(&sd,
                    "    /* a reply nobody can take is dropped, as a batch's "
                    "would be */\n"
                    "    if (akt_reply(ctx, reply) != AKT_OK) {\n"
                    "        akt_msg_free(reply);\n"
                    "    }\n"
                    "    return AKT_OK;\n");
            } else {
                aktc_sb_puts(&sd, "    return AKT_OK;\n");
            }
            if (ntells) {
                aktc_sb_puts(&sd, "nomem_:\n");
                for (int i = 0; i < ntells; i++) {
                    aktc_sb_printf(&sd, "    akt_msg_free(tell%d_);\n", i);
                }
                aktc_sb_puts(&sd, "    return AKT_ENOMEM;\n");
            }
            char hs[16];
            snprintf(hs, sizeof hs, "%d", hid);
            const char *kg[] = { "snake", a->snake, "hsnake", h->snake, "cname",
                a->cname, "msg_cname", h->msg_decl->cname, "hid", hs, "in",
                n.in, "out", n.out, "load", ld.s, "init", in.s ? in.s : "",
                "reply", rp.s ? rp.s : "", "send", sd.s, NULL };
            fill(out, aktc_tmpl_cuda_source, "glue", kg);
            aktc_sb_printf(&entries, "    .on_%s = %s_gpu_on_%s,\n", h->snake,
                a->snake, h->snake);
            int ni = nfields(h->msg_decl), no = nouts(h);
            char *tells = ntells
                ? ast_printf(
                    ",\n        .ntells = %d, .tells = %s_gpu_%s_tells", ntells,
                    a->snake, h->snake)
                : ast_strdup("");
            aktc_sb_printf(&table,
                "    {.msg = &%s_desc, .reply = %s%s%s, .name = \"%s\",\n"
                "        .in_base = %d, .nin = %d, .out_base = %d, .nout = "
                "%d,\n"
                "        .pack = %s_gpu_%s_pack, .reply_fill = %s%s%s%s%s},\n",
                h->msg_decl->snake, h->reply_decl ? "&" : "",
                h->reply_decl ? h->reply_decl->snake : "NULL",
                h->reply_decl ? "_desc" : "", h->msg_decl->qname, in_base, ni,
                out_base, no, a->snake, h->snake,
                h->reply_decl ? a->snake : "NULL", h->reply_decl ? "_gpu_" : "",
                h->reply_decl ? h->snake : "", h->reply_decl ? "_reply" : "",
                tells);
            free(tells);
            sizes(&ins, h->msg_decl, &first_in);
            sizes(&outs, h->reply_decl, &first_out);
            tell_sizes(&outs, h, &first_out);
            in_base += ni;
            out_base += no;
            hid++;
            aktc_sb_free(&pk);
            aktc_sb_free(&up);
            aktc_sb_free(&ld);
            aktc_sb_free(&in);
            aktc_sb_free(&rp);
            aktc_sb_free(&sd);
            names_free(&n);
        }
        char nin[16], nout[16], nh[16];
        snprintf(nin, sizeof nin, "%d", in_base);
        snprintf(nout, sizeof nout, "%d", out_base);
        snprintf(nh, sizeof nh, "%d", hid);
        const char *ke[] = { "qname", a->qname, "snake", a->snake, "cname",
            a->cname, "prefix", f->prefix, "stem", stem, "entries", entries.s,
            "table", table.s, "in_sizes", ins.s ? ins.s : "0", "out_sizes",
            outs.s ? outs.s : "0", "nin", nin, "nout", nout, "nhandlers", nh,
            NULL };
        fill(out, aktc_tmpl_cuda_source, "actor_end", ke);
        aktc_sb_free(&entries);
        aktc_sb_free(&table);
        aktc_sb_free(&ins);
        aktc_sb_free(&outs);
    }
    free(stem);
}

/* --- files -------------------------------------------------------------- */

int
emit_cuda_render(const ast_file *f, char **header, size_t *header_len,
    char **source, size_t *source_len)
{
    aktc_sb h = { 0 }, c = { 0 };
    render_header(f, &h);
    render_source(f, h.s, &c);
    *header = h.s;
    *header_len = h.len;
    *source = c.s;
    *source_len = c.len;
    return 0;
}

/* write path unless it already holds exactly data (no rebuild cascades) */
static int
write_if_changed(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "rb");
    if (fp) {
        char *old = malloc(len + 1);
        size_t n = old ? fread(old, 1, len + 1, fp) : 0;
        fclose(fp);
        bool same = old && n == len && memcmp(old, data, len) == 0;
        free(old);
        if (same) {
            return 0;
        }
    }
    char *tmp = ast_printf("%s.tmp", path);
    fp = fopen(tmp, "wb");
    if (fp == NULL || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
        diag_plain("cannot write '%s': %s", path, strerror(errno));
        if (fp) {
            remove(tmp);
        }
        free(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        diag_plain("cannot write '%s': %s", path, strerror(errno));
        remove(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

int
emit_cuda(const ast_file *f, const char *dir)
{
    char *h, *c;
    size_t hl, cl;
    emit_cuda_render(f, &h, &hl, &c, &cl);
    char *hp = ast_printf("%s/%s.gpu.h", dir, f->base);
    char *cp = ast_printf("%s/%s.gpu.c", dir, f->base);
    int rc = write_if_changed(hp, h, hl);
    if (rc == 0) {
        rc = write_if_changed(cp, c, cl);
    }
    free(hp);
    free(cp);
    free(h);
    free(c);
    return rc;
}
