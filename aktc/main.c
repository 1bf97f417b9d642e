/*
 * main.c -- the aktc command line: options, loading files and their
 * imports, running the passes, writing outputs and the depfile.
 *
 * Exit status: 0 success, 1 errors in the input (or a breaking change under
 * --check-compat), 2 usage errors.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aktc.h"
#include "diag.h"

static const char usage_text[]
    = "usage: aktc [options] file.akt...\n"
      "       aktc --check-compat old.akt new.akt\n"
      "       aktc [-I dir]... --decode=pkg.Type file.akt... < msgpack\n"
      "       aktc [-I dir]... --encode=pkg.Type file.akt... < json\n"
      "\n"
      "Compiles .akt interface files into C (and later Python and CUDA) code.\n"
      "Without an output option the files are only checked.\n"
      "\n"
      "options:\n"
      "  -I dir             add dir to the import search path (repeatable)\n"
      "  --c_out dir        write <file>.akt.h and <file>.akt.c into dir\n"
      "  --c_docs           with --c_out: the descriptors carry the doc "
      "comments too,\n"
      "                     for reflection (akt_type.doc, akt_field.doc)\n"
      "  --py_out dir       write <stem>_akt.py and <stem>_akt.pyi into dir\n"
      "  --cuda_out dir     write <file>.akt.gpu.h and .gpu.c: the @gpu "
      "handlers\n"
      "                     for NVRTC and the CPU (docs/gpu.md)\n"
      "  --gpu-arch list    with --cuda_out: compile the kernels with NVRTC "
      "for\n"
      "                     each target (sm_80,sm_90) into the kernel cache\n"
      "  --gpu-cache dir    the kernel cache --gpu-arch writes (default: "
      "<cuda_out>/kernels)\n"
      "  --depfile file     write a Makefile-style dependency file for the "
      "outputs\n"
      "  --check-compat old new\n"
      "                     report changes in new that break peers using old\n"
      "  --decode=pkg.Type  read msgpack bytes of message pkg.Type from "
      "stdin,\n"
      "                     print them as JSON (docs/encoding.md)\n"
      "  --encode=pkg.Type  read JSON from stdin, write the msgpack bytes\n"
      "  --max-errors n     stop reporting after n errors (default 50, 0: "
      "all)\n"
      "  --version          print the version and exit\n"
      "  --help             print this help and exit\n";

static int
usage_error(const char *fmt, const char *arg)
{
    fputs("aktc: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'aktc --help' for more information.\n", stderr);
    return 2;
}

/* --- loading ------------------------------------------------------------- */

static char *
read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = ast_alloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                fputs("aktc: out of memory\n", stderr);
                exit(3);
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0) {
            break;
        }
    }
    bool err = ferror(fp);
    fclose(fp);
    if (err) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

bool
aktc_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *
dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        return ast_strdup(".");
    }
    return ast_strndup(path, (size_t)(slash - path) + (slash == path));
}

static char *
join(const char *dir, const char *name)
{
    if (name[0] == '/' || strcmp(dir, ".") == 0) {
        return ast_strdup(name);
    }
    return ast_printf("%s/%s", dir, name);
}

/* The chain of files being loaded, for reporting import cycles. */
static ast_file *loading[256];
static int nloading;

static ast_file *
find_loaded(ast_file *files, const char *real)
{
    for (ast_file *f = files; f; f = f->next) {
        if (strcmp(f->real, real) == 0) {
            return f;
        }
    }
    return NULL;
}

static ast_file *
load_at(const char *path, const aktc_opts *o, ast_file **files)
{
    char real[PATH_MAX];
    if (realpath(path, real) == NULL) {
        return NULL;
    }
    ast_file *f = find_loaded(*files, real);
    if (f) {
        return f;
    }
    f = ast_alloc(sizeof *f);
    f->path = ast_strdup(path);
    f->real = ast_strdup(real);
    const char *slash = strrchr(path, '/');
    f->base = ast_strdup(slash ? slash + 1 : path);
    f->text = read_all(path, &f->len);
    if (f->text == NULL) {
        diag_plain("cannot read '%s': %s", path, strerror(errno));
        f->text = ast_strdup("");
    } else if (f->len >= 3 && memcmp(f->text, "\xef\xbb\xbf", 3) == 0) {
        memset(f->text, ' ',
            3); /* a UTF-8 byte order mark: blank it, keep columns */
    }
    ast_file **tail = files;
    while (*tail) {
        tail = &(*tail)->next;
    }
    *tail = f;
    f->state = 1;
    if (nloading < (int)(sizeof loading / sizeof loading[0])) {
        loading[nloading++] = f;
    }
    f->nerrors = aktc_parse(f);
    f->imports = ast_imports_reverse(f->imports);
    f->decls = ast_decls_reverse(f->decls);
    char *dir = dir_of(path);
    for (ast_import *i = f->imports; i; i = i->next) {
        /* the importing file's folder first, then -I folders in order */
        char *cand = join(dir, i->path);
        for (int k = 0; !is_file(cand) && k < o->nimport_dirs; k++) {
            free(cand);
            cand = join(o->import_dirs[k], i->path);
        }
        if (!is_file(cand)) {
            diag_error(f, i->loc, "cannot find imported file '%s'", i->path);
            free(cand);
            continue;
        }
        char r[PATH_MAX];
        ast_file *g = realpath(cand, r) ? find_loaded(*files, r) : NULL;
        if (g && g->state == 1) {
            int start = 0;
            for (int k = 0; k < nloading; k++) {
                if (loading[k] == g) {
                    start = k;
                }
            }
            char *chain = ast_strdup("");
            for (int k = start; k < nloading; k++) {
                char *c = ast_printf("%s%s -> ", chain, loading[k]->path);
                free(chain);
                chain = c;
            }
            diag_error(f, i->loc, "import cycle: %s%s", chain, g->path);
            free(chain);
            i->file = g;
        } else {
            i->file = load_at(cand, o, files);
        }
        free(cand);
    }
    free(dir);
    nloading--;
    f->state = 2;
    return f;
}

ast_file *
aktc_load(const char *path, const aktc_opts *o, ast_file **files,
    bool on_command_line)
{
    if (!is_file(path)) {
        diag_plain("cannot read '%s': %s", path,
            errno ? strerror(errno) : "not a regular file");
        return NULL;
    }
    ast_file *f = load_at(path, o, files);
    if (f && on_command_line) {
        f->on_command_line = true;
    }
    return f;
}

/* --- depfile ------------------------------------------------------------- */

static void
dep_escape(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == ' ' || *s == '#') {
            fputc('\\', fp);
        } else if (*s == '$') {
            fputc('$', fp);
        }
        fputc(*s, fp);
    }
}

static void
collect_deps(ast_file *f, ast_file **seen, int *nseen, int max)
{
    for (int i = 0; i < *nseen; i++) {
        if (seen[i] == f) {
            return;
        }
    }
    if (*nseen < max) {
        seen[(*nseen)++] = f;
    }
    for (ast_import *i = f->imports; i; i = i->next) {
        if (i->file) {
            collect_deps(i->file, seen, nseen, max);
        }
    }
}

/* One rule per output of the run, "<out>: <input> <imports...>": the
 * C header and source (--c_out; also when no output folder is given, in
 * "."), the Python module and stub (--py_out), the CUDA pair
 * (--cuda_out). */
static int
write_depfile(const char *path, ast_file *files, const char *c_out,
    const char *py_out, const char *cuda_out)
{
    FILE *fp = fopen(path, "w");
    if (fp == NULL) {
        diag_plain("cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    for (ast_file *f = files; f; f = f->next) {
        if (!f->on_command_line) {
            continue;
        }
        ast_file *seen[1024];
        int nseen = 0;
        collect_deps(f, seen, &nseen, 1024);
        char *outs[6];
        int nout = 0;
        if (c_out || (!py_out && !cuda_out)) {
            const char *d = c_out ? c_out : ".";
            outs[nout++] = ast_printf("%s/%s.h", d, f->base);
            outs[nout++] = ast_printf("%s/%s.c", d, f->base);
        }
        if (py_out) {
            char *m = emit_py_module_name(f);
            outs[nout++] = ast_printf("%s/%s.py", py_out, m);
            outs[nout++] = ast_printf("%s/%s.pyi", py_out, m);
            free(m);
        }
        if (cuda_out) {
            outs[nout++] = ast_printf("%s/%s.gpu.h", cuda_out, f->base);
            outs[nout++] = ast_printf("%s/%s.gpu.c", cuda_out, f->base);
        }
        for (int e = 0; e < nout; e++) {
            dep_escape(fp, outs[e]);
            free(outs[e]);
            fputs(":", fp);
            for (int i = 0; i < nseen; i++) {
                char real[PATH_MAX];
                fputc(' ', fp);
                dep_escape(
                    fp, realpath(seen[i]->path, real) ? real : seen[i]->path);
            }
            fputc('\n', fp);
        }
    }
    if (fclose(fp) != 0) {
        diag_plain("cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* --- main ---------------------------------------------------------------- */

static void
free_files(ast_file *f)
{
    while (f) {
        ast_file *next = f->next;
        ast_file_free(f);
        f = next;
    }
}

int
main(int argc, char **argv)
{
    aktc_opts o = { 0 };
    const char *inputs[1024];
    int ninputs = 0;
    const char *import_dirs[256];
    const char *py_out = NULL, *cuda_out = NULL;
    bool c_docs = false;
    const char *gpu_arch = NULL, *gpu_cache = NULL;
    const char *compat_old = NULL, *compat_new = NULL;
    const char *decode_type = NULL, *encode_type = NULL;
    o.import_dirs = import_dirs;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
#define TAKE(opt)                                                              \
    (strcmp(a, opt) == 0                                                       \
            ? (i + 1 < argc ? (val = argv[++i], 1) : (val = NULL, 1))          \
            : strncmp(a, opt "=", sizeof(opt)) == 0                            \
            ? (val = a + sizeof(opt), 1)                                       \
            : 0)
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("aktc %s (generated code ABI 1)\n", AKTC_VERSION);
            return 0;
        } else if (strncmp(a, "-I", 2) == 0 && strcmp(a, "-I") != 0) {
            if (o.nimport_dirs < 256) {
                import_dirs[o.nimport_dirs++] = a + 2;
            }
        } else if (TAKE("-I")) {
            if (val == NULL) {
                return usage_error("option '%s' needs a directory", a);
            }
            if (o.nimport_dirs < 256) {
                import_dirs[o.nimport_dirs++] = val;
            }
        } else if (TAKE("--c_out")) {
            if (val == NULL) {
                return usage_error("option '%s' needs a directory", a);
            }
            o.c_out = val;
        } else if (TAKE("--py_out")) {
            if (val == NULL) {
                return usage_error("option '%s' needs a directory", a);
            }
            py_out = val;
        } else if (TAKE("--cuda_out")) {
            if (val == NULL) {
                return usage_error("option '%s' needs a directory", a);
            }
            cuda_out = val;
        } else if (TAKE("--gpu-arch")) {
            if (val == NULL || *val == '\0') {
                return usage_error(
                    "option '%s' needs targets (sm_80,sm_90)", a);
            }
            const char *bad = aktc_gpu_arch_bad(val);
            if (bad) {
                return usage_error("--gpu-arch: '%s' is not a CUBIN target "
                                   "(sm_ and a compute capability: sm_90)",
                    bad);
            }
            gpu_arch = val;
        } else if (TAKE("--gpu-cache")) {
            if (val == NULL) {
                return usage_error("option '%s' needs a directory", a);
            }
            gpu_cache = val;
        } else if (TAKE("--depfile")) {
            if (val == NULL) {
                return usage_error("option '%s' needs a file name", a);
            }
            o.depfile = val;
        } else if (TAKE("--decode")) {
            if (val == NULL || *val == '\0') {
                return usage_error("option '%s' needs a type name", a);
            }
            decode_type = val;
        } else if (TAKE("--encode")) {
            if (val == NULL || *val == '\0') {
                return usage_error("option '%s' needs a type name", a);
            }
            encode_type = val;
        } else if (TAKE("--max-errors")) {
            if (val == NULL) {
                return usage_error("option '%s' needs a number", a);
            }
            char *end;
            long n = strtol(val, &end, 10);
            if (*end || n < 0) {
                return usage_error("bad number for --max-errors: '%s'", val);
            }
            diag_set_limit((int)n);
        } else if (strcmp(a, "--c_docs") == 0) {
            c_docs = true;
        } else if (strcmp(a, "--check-compat") == 0) {
            if (i + 2 >= argc) {
                return usage_error("%s needs two files: old.akt new.akt", a);
            }
            compat_old = argv[++i];
            compat_new = argv[++i];
        } else if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++) {
                if (ninputs < 1024) {
                    inputs[ninputs++] = argv[i];
                }
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option '%s'", a);
        } else if (ninputs < 1024) {
            inputs[ninputs++] = a;
        } else {
            return usage_error("too many input files (at most 1024)%s", "");
        }
#undef TAKE
    }

    if (compat_old) {
        if (ninputs > 0) {
            return usage_error("--check-compat takes exactly two files%s", "");
        }
        ast_file *oldf = NULL, *newf = NULL;
        ast_file *o1 = aktc_load(compat_old, &o, &oldf, true);
        if (o1) {
            sema_check(oldf);
        }
        ast_file *n1 = aktc_load(compat_new, &o, &newf, true);
        if (n1) {
            sema_check(newf);
        }
        int rc = 1;
        if (o1 && n1 && diag_errors() == 0) {
            rc = compat_check(o1, n1) > 0 ? 1 : 0;
        }
        free_files(oldf);
        free_files(newf);
        return rc;
    }

    if (ninputs == 0) {
        return usage_error("no input files%s", "");
    }
    if (decode_type && encode_type) {
        return usage_error("--decode and --encode exclude each other%s", "");
    }
    if ((gpu_arch || gpu_cache) && cuda_out == NULL) {
        return usage_error(
            "%s needs --cuda_out", gpu_arch ? "--gpu-arch" : "--gpu-cache");
    }
    if (c_docs && o.c_out == NULL) {
        return usage_error("--c_docs needs --c_out%s", "");
    }
    if (gpu_cache && gpu_arch == NULL) {
        return usage_error("--gpu-cache needs --gpu-arch%s", "");
    }
    if (py_out && !aktc_is_dir(py_out)) {
        diag_plain("output directory '%s' does not exist", py_out);
        return 1;
    }
    const char *out_dirs[] = { o.c_out, cuda_out };
    for (int i = 0; i < 2; i++) {
        if (out_dirs[i] && !aktc_is_dir(out_dirs[i])) {
            diag_plain("output directory '%s' does not exist", out_dirs[i]);
            return 1;
        }
    }

    /* outputs are named by base name: two inputs must not share one */
    for (int i = 0; i < ninputs; i++) {
        const char *bi
            = strrchr(inputs[i], '/') ? strrchr(inputs[i], '/') + 1 : inputs[i];
        for (int j = 0; j < i; j++) {
            const char *bj = strrchr(inputs[j], '/')
                ? strrchr(inputs[j], '/') + 1
                : inputs[j];
            if (strcmp(bi, bj) == 0 && strcmp(inputs[i], inputs[j]) != 0) {
                diag_plain("'%s' and '%s' would both write %s.h and %s.c",
                    inputs[j], inputs[i], bi, bi);
                return 1;
            }
        }
    }
    ast_file *files = NULL;
    for (int i = 0; i < ninputs; i++) {
        aktc_load(inputs[i], &o, &files, true);
    }
    /* Also after syntax errors: the tree holds only complete nodes, and one
     * run should show every problem. */
    sema_check(files);
    int rc = 0;
    if (diag_errors() > 0) {
        rc = 1;
    } else if (decode_type) {
        rc = aktc_wire_decode(files, decode_type);
    } else if (encode_type) {
        rc = aktc_wire_encode(files, encode_type);
    } else {
        if (o.c_out) {
            for (ast_file *f = files; f; f = f->next) {
                if (f->on_command_line && emit_c(f, o.c_out, c_docs) != 0) {
                    rc = 1;
                }
            }
        }
        if (py_out) {
            for (ast_file *f = files; f; f = f->next) {
                if (f->on_command_line && emit_py(f, py_out) != 0) {
                    rc = 1;
                }
            }
        }
        if (cuda_out) { /* emit_cuda.c: <base>.gpu.h, <base>.gpu.c */
            for (ast_file *f = files; f; f = f->next) {
                if (f->on_command_line && emit_cuda(f, cuda_out) != 0) {
                    rc = 1;
                }
            }
            if (rc == 0 && gpu_arch) {
                char *dflt
                    = gpu_cache ? NULL : ast_printf("%s/kernels", cuda_out);
                rc = aktc_gpu_arch(
                    files, gpu_arch, gpu_cache ? gpu_cache : dflt);
                free(dflt);
            }
        }
        if (rc == 0 && o.depfile
            && write_depfile(o.depfile, files, o.c_out, py_out, cuda_out)
                != 0) {
            rc = 1;
        }
    }
    free_files(files);
    return rc;
}
