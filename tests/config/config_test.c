/*
 * config_test.c -- Check suites for the configuration subsystem, one per
 * module: parse (syntax and diagnostics), resolve (substitutions), layers
 * (reference, files, environment, code), getters (typed reads and their
 * errors), render (JSON/HOCON output), alloc (every allocation failing in
 * turn) and threads (shared configs read concurrently). The conformance
 * and diagnostics cases for akt-config live beside this file.
 */
#include <check.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "akt/config.h"
#include "config/cfg.h"

/* --- helpers ------------------------------------------------------------- */

static akt_config *
parse_ok(const char *text)
{
    akt_config *cfg = NULL;
    akt_config_error err;
    akt_err rc
        = akt_config_parse_string(text, strlen(text), "test.conf", &cfg, &err);
    ck_assert_msg(rc == AKT_OK, "parse failed: %s", err.message);
    return cfg;
}

static akt_err
parse_err(const char *text, akt_config_error *err)
{
    akt_config *cfg = NULL;
    akt_err rc
        = akt_config_parse_string(text, strlen(text), "test.conf", &cfg, err);
    ck_assert_ptr_null(cfg);
    return rc;
}

static char *
json_of(const akt_config *cfg)
{
    char *out = NULL;
    ck_assert_int_eq(
        akt_config_render(cfg, AKT_CONFIG_RENDER_JSON, &out), AKT_OK);
    return out;
}

static void
assert_json(const char *text, const char *want)
{
    akt_config *cfg = parse_ok(text);
    char *got = json_of(cfg);
    ck_assert_str_eq(got, want);
    free(got);
    akt_config_release(cfg);
}

static char tmpdir[64];

static void
make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/akt-config-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* teardown of every test: the directory make_tmpdir made goes, with all
 * that the test wrote into it (nothing is left in /tmp by a run) */
static void
remove_tmpdir(void)
{
    if (tmpdir[0] != '\0') {
        nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        tmpdir[0] = '\0';
    }
}

static char *
write_tmp(const char *name, const char *text)
{
    static char path[4][160];
    static int slot;
    char *p = path[slot++ % 4];
    snprintf(p, 160, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return p;
}

/* --- parse ---------------------------------------------------------------- */

START_TEST(parser_builds_objects_arrays_and_scalars)
{
    assert_json("a = 1\nb : [x, \"y\", 2.5, true, null]\nc { d = {} }\n",
        "{\"a\":1,\"b\":[\"x\",\"y\",2.5,true,null],\"c\":{\"d\":{}}}");
}
END_TEST

START_TEST(dotted_keys_become_nested_objects_that_merge)
{
    assert_json("a.b.c = 1\na.b.d = 2\na { e = 3 }\n\"x.y\" = 4\n",
        "{\"a\":{\"b\":{\"c\":1,\"d\":2},\"e\":3},\"x.y\":4}");
}
END_TEST

START_TEST(newlines_and_commas_both_separate_fields)
{
    assert_json("{ a = 1, b = 2\n c = 3,\n}", "{\"a\":1,\"b\":2,\"c\":3}");
}
END_TEST

START_TEST(unterminated_string_reports_file_line_and_column)
{
    akt_config_error err;
    ck_assert_int_eq(
        parse_err("a = 1\nb = \"open\nc = 2\n", &err), AKT_ESYNTAX);
    ck_assert_str_eq(err.message,
        "test.conf:2:5: error: unterminated quoted string: expected '\"' "
        "before the end of the line");
    ck_assert_str_eq(err.file, "test.conf");
    ck_assert_int_eq(err.line, 2);
    ck_assert_int_eq(err.col, 5);
}
END_TEST

START_TEST(syntax_error_names_what_was_expected)
{
    akt_config_error err;
    ck_assert_int_eq(parse_err("a = [1, 2\n}\n", &err), AKT_ESYNTAX);
    ck_assert_str_eq(err.message,
        "test.conf:2:1: error: syntax error: unexpected '}', expecting a "
        "value, ']' or ','");
}
END_TEST

START_TEST(first_error_is_reported_after_recovery_continues)
{
    akt_config_error err;
    /* the parser recovers at the newline and keeps going; the report is
     * the first error, with its own position */
    ck_assert_int_eq(parse_err("a = 1 }\nb = ]\nc = 3\n", &err), AKT_ESYNTAX);
    ck_assert_int_eq(err.line, 1);
    ck_assert_int_eq(err.col, 7);
}
END_TEST

START_TEST(missing_file_is_enoent_with_its_name)
{
    akt_config *cfg = NULL;
    akt_config_error err;
    ck_assert_int_eq(
        akt_config_parse_file("/nonexistent/app.conf", &cfg, &err), AKT_ENOENT);
    ck_assert_ptr_null(cfg);
    ck_assert_str_eq(err.message, "/nonexistent/app.conf: error: no such file");
}
END_TEST

START_TEST(missing_required_include_is_an_error_and_plain_one_is_not)
{
    make_tmpdir();
    char *inc = write_tmp("main.conf",
        "include \"absent.conf\"\na = 1\ninclude required(\"gone.conf\")\n");
    akt_config *cfg = NULL;
    akt_config_error err;
    ck_assert_int_eq(akt_config_parse_file(inc, &cfg, &err), AKT_ENOENT);
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(err.col, 1);
    ck_assert_ptr_nonnull(
        strstr(err.message, "error: required include 'gone.conf' not found"));
}
END_TEST

START_TEST(include_is_relative_to_the_including_file)
{
    make_tmpdir();
    char sub[200];
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    write_tmp("sub/inner.conf", "inner = yes\n");
    write_tmp("sub/outer.conf", "include \"inner.conf\"\nouter = 1\n");
    char *main = write_tmp("main.conf", "include \"sub/outer.conf\"\n");
    akt_config *cfg = NULL;
    akt_config_error err;
    ck_assert_int_eq(akt_config_parse_file(main, &cfg, &err), AKT_OK);
    const char *s;
    ck_assert_int_eq(akt_config_get_string(cfg, "inner", &s, NULL), AKT_OK);
    ck_assert_str_eq(s, "yes");
    const char *o = akt_config_origin(cfg, "inner");
    ck_assert_ptr_nonnull(o);
    ck_assert_ptr_nonnull(strstr(o, "sub/inner.conf:1"));
    akt_config_release(cfg);
}
END_TEST

START_TEST(include_cycle_is_reported_at_the_closing_include)
{
    make_tmpdir();
    write_tmp("a.conf", "x = 1\ninclude \"b.conf\"\n");
    write_tmp("b.conf", "y = 1\n\ninclude \"a.conf\"\n");
    char path[200];
    snprintf(path, sizeof path, "%s/a.conf", tmpdir);
    akt_config *cfg = NULL;
    akt_config_error err;
    ck_assert_int_eq(akt_config_parse_file(path, &cfg, &err), AKT_EINVAL);
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(err.col, 1);
    ck_assert_ptr_nonnull(strstr(
        err.message, "error: include cycle: a.conf -> b.conf -> a.conf"));
}
END_TEST

START_TEST(deep_nesting_is_an_error_not_a_crash)
{
    size_t n = 100000;
    char *text = malloc(n * 2 + 8);
    ck_assert_ptr_nonnull(text);
    strcpy(text, "a = ");
    memset(text + 4, '[', n);
    text[4 + n] = '\0';
    akt_config_error err;
    ck_assert_int_eq(parse_err(text, &err), AKT_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(err.message, "nesting deeper than"));
    free(text);
}
END_TEST

START_TEST(hostile_bytes_give_errors_never_crashes)
{
    static const char *const inputs[] = {
        "\x00\x01\x02",
        "a = \"\\u12",
        "${",
        "${?",
        "a = ${\"",
        "\"\"\"",
        "include",
        "include required(",
        "include file(\"x\"",
        "a = \xff\xfe",
        "a = [1, {b = ${c}}",
        "{{{{",
        "}}}}",
        "a = \"\\uD800\"",
        "+=",
        "a += ",
        ",",
        "a = 1 +",
        "include \"\"",
        "a.\"\".b = 1",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        akt_config *cfg = NULL;
        akt_config_error err;
        size_t len = i == 0 ? 3 : strlen(inputs[i]);
        akt_err rc = akt_config_parse_string(inputs[i], len, "x", &cfg, &err);
        if (rc == AKT_OK) {
            akt_config_release(cfg);
        } else {
            ck_assert_ptr_nonnull(strstr(err.message, "error: "));
        }
    }
}
END_TEST

/* --- resolve -------------------------------------------------------------- */

START_TEST(substitution_keeps_the_type_of_its_target)
{
    akt_config *cfg = parse_ok("n = 5\nm = ${n}\nl = ${list}\nlist = [1]\n");
    int64_t v;
    ck_assert_int_eq(akt_config_get_int(cfg, "m", &v, NULL), AKT_OK);
    ck_assert_int_eq(v, 5);
    size_t len;
    ck_assert_int_eq(akt_config_get_list_len(cfg, "l", &len, NULL), AKT_OK);
    ck_assert_uint_eq(len, 1);
    akt_config_release(cfg);
}
END_TEST

START_TEST(optional_substitution_that_finds_nothing_keeps_earlier_value)
{
    assert_json(
        "a = 1\na = ${?AKT_TEST_SURELY_UNSET}\nb = ${?nothing}\n", "{\"a\":1}");
}
END_TEST

START_TEST(substitution_cycle_is_einval_with_its_location)
{
    akt_config_error err;
    ck_assert_int_eq(parse_err("a = ${b}\nb = ${a}\n", &err), AKT_EINVAL);
    ck_assert_str_eq(err.message,
        "test.conf:1:5: error: substitution cycle: ${b} refers back to "
        "itself");
}
END_TEST

START_TEST(unresolvable_substitution_names_the_path)
{
    akt_config_error err;
    ck_assert_int_eq(parse_err("a {\n  b = ${x.y}\n}\n", &err), AKT_EINVAL);
    ck_assert_int_eq(err.line, 2);
    ck_assert_int_eq(err.col, 7);
    ck_assert_ptr_nonnull(
        strstr(err.message, "could not resolve substitution ${x.y}"));
}
END_TEST

START_TEST(environment_satisfies_a_substitution)
{
    setenv("AKT_TEST_ENV_VALUE", "from-env", 1);
    akt_config *cfg = parse_ok("a = ${AKT_TEST_ENV_VALUE}\n");
    const char *s;
    ck_assert_int_eq(akt_config_get_string(cfg, "a", &s, NULL), AKT_OK);
    ck_assert_str_eq(s, "from-env");
    ck_assert_str_eq(akt_config_origin(cfg, "a"), "env var AKT_TEST_ENV_VALUE");
    akt_config_release(cfg);
}
END_TEST

START_TEST(self_reference_and_append_use_the_earlier_value)
{
    assert_json("p = a\np = ${p}\":b\"\nl = [1]\nl += 2\n",
        "{\"l\":[1,2],\"p\":\"a:b\"}");
}
END_TEST

START_TEST(expansion_bomb_is_rejected)
{
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text, "k0 = xxxxxxxxxxxxxxxx\n");
    for (int i = 1; i < 60; i++) {
        n += (size_t)snprintf(
            text + n, sizeof text - n, "k%d = ${k%d}${k%d}\n", i, i - 1, i - 1);
    }
    akt_config_error err;
    ck_assert_int_eq(parse_err(text, &err), AKT_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(err.message, "expand to more than"));
}
END_TEST

START_TEST(long_substitution_chain_is_bounded)
{
    size_t cap = 20000 * 24;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    size_t n = 0;
    for (int i = 0; i < 20000; i++) {
        n += (size_t)snprintf(text + n, cap - n, "k%d = ${k%d}\n", i, i + 1);
    }
    n += (size_t)snprintf(text + n, cap - n, "k20000 = end\n");
    akt_config_error err;
    ck_assert_int_eq(parse_err(text, &err), AKT_ETOOBIG);
    free(text);
}
END_TEST

/* --- layers --------------------------------------------------------------- */

START_TEST(reference_defines_every_key_the_runtime_reads)
{
    static const char *const keys[] = {
        "akt.actor.default-dispatcher.type",
        "akt.actor.default-dispatcher.workers",
        "akt.actor.default-dispatcher.throughput",
        "akt.actor.default-dispatcher.spin-before-park",
        "akt.actor.blocking-dispatcher.workers",
        "akt.actor.default-mailbox.type",
        "akt.actor.default-mailbox.capacity",
        "akt.actor.default-mailbox.overflow",
        "akt.actor.default-mailbox.block-timeout",
        "akt.actor.ask-timeout",
        "akt.actor.supervision.max-restarts",
        "akt.actor.supervision.within",
        "akt.actor.memory-reserve.system-messages",
        "akt.actor.memory-reserve.extensions",
        "akt.actor.dead-letters.log",
        "akt.actor.dead-letters.log-max",
        "akt.scheduler.tick",
        "akt.scheduler.wheel-size",
        "akt.codec.max-depth",
        "akt.codec.max-length",
        "akt.loglevel",
    };
    akt_config *ref = NULL;
    akt_config_error err;
    ck_assert_int_eq(akt_config_reference(&ref, &err), AKT_OK);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        ck_assert_msg(akt_config_has(ref, keys[i]), "missing %s", keys[i]);
    }
    int64_t ns, v;
    uint64_t bytes;
    bool on;
    const char *s;
    ck_assert_int_eq(
        akt_config_get_duration(ref, "akt.actor.ask-timeout", &ns, NULL),
        AKT_OK);
    ck_assert_int_eq(ns, 5000000000LL);
    ck_assert_int_eq(
        akt_config_get_size(ref, "akt.codec.max-length", &bytes, NULL), AKT_OK);
    ck_assert_uint_eq(bytes, 64ull << 20);
    ck_assert_int_eq(akt_config_get_int(ref,
                         "akt.actor.default-dispatcher.throughput", &v, NULL),
        AKT_OK);
    ck_assert_int_eq(v, 32);
    ck_assert_int_eq(
        akt_config_get_bool(ref, "akt.actor.dead-letters.log", &on, NULL),
        AKT_OK);
    ck_assert(on);
    ck_assert_int_eq(akt_config_get_string(
                         ref, "akt.actor.default-mailbox.overflow", &s, NULL),
        AKT_OK);
    ck_assert_str_eq(s, "drop-new");
    ck_assert_int_eq(akt_config_get_duration(ref,
                         "akt.actor.default-mailbox.block-timeout", &ns, NULL),
        AKT_OK);
    ck_assert_int_eq(ns, 100000000LL);
    ck_assert_ptr_nonnull(
        strstr(akt_config_origin(ref, "akt.loglevel"), "reference.conf:"));
    akt_config_release(ref);
}
END_TEST

/* leaves -- "| `a.b.c` |" for every leaf under v, each checked in doc. */
static int
check_leaves(const cv *v, char *path, size_t pn, const char *doc)
{
    int missing = 0;
    for (size_t i = 0; i < v->u.obj.n; i++) {
        const cfg_field *f = &v->u.obj.f[i];
        size_t n = pn;
        n += (size_t)snprintf(
            path + n, 512 - n, "%s%s", pn ? "." : "", f->key.s);
        if (f->val->kind == CV_OBJ) {
            missing += check_leaves(f->val, path, n, doc);
        } else {
            /* reference.conf documents each key in the comment above it */
            const char *text = (const char *)akti_cfg_reference_conf;
            int line = 1;
            const char *prev = text, *cur = text;
            while (line < f->val->line && (cur = strchr(cur, '\n'))) {
                cur++;
                line++;
                if (line == f->val->line - 1) {
                    prev = cur;
                }
            }
            while (*prev == ' ') {
                prev++;
            }
            if (*prev != '#') {
                fprintf(stderr, "reference.conf:%d: %s has no comment above\n",
                    f->val->line, path);
                missing++;
            }
            char row[600];
            snprintf(row, sizeof row, "| `%s` |", path);
            if (strstr(doc, row) == NULL) {
                fprintf(stderr, "docs/config.md lacks a row for %s\n", path);
                missing++;
            }
        }
        path[pn] = '\0';
    }
    return missing;
}

START_TEST(documentation_lists_every_reference_key)
{
    FILE *f = fopen(CONFIG_TEST_DIR "/../../docs/config.md", "rb");
    ck_assert_ptr_nonnull(f);
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = '\0';
    cfg_arena a = { 0 };
    cv *root = NULL;
    ck_assert_int_eq(
        akti_cfg_load_text(&a, (const char *)akti_cfg_reference_conf,
            akti_cfg_reference_conf_len, "reference.conf", NULL, &root, NULL),
        AKT_OK);
    ck_assert_int_eq(akti_cfg_resolve(&a, root, NULL), AKT_OK);
    char path[512] = "";
    ck_assert_int_eq(check_leaves(root, path, 0, doc), 0);
    akti_cfg_arena_free(&a);
}
END_TEST

START_TEST(app_file_overrides_reference_and_keeps_other_defaults)
{
    make_tmpdir();
    char *app = write_tmp(
        "app.conf", "akt.actor.default-dispatcher.throughput = 5\n");
    akt_config *cfg = NULL;
    akt_config_error err;
    ck_assert_int_eq(akt_config_load(app, &cfg, &err), AKT_OK);
    int64_t v;
    ck_assert_int_eq(akt_config_get_int(cfg,
                         "akt.actor.default-dispatcher.throughput", &v, NULL),
        AKT_OK);
    ck_assert_int_eq(v, 5);
    ck_assert_int_eq(
        akt_config_get_int(
            cfg, "akt.actor.default-dispatcher.spin-before-park", &v, NULL),
        AKT_OK);
    ck_assert_int_eq(v, 200);
    ck_assert_ptr_nonnull(strstr(
        akt_config_origin(cfg, "akt.actor.default-dispatcher.throughput"),
        "app.conf:1"));
    akt_config_release(cfg);
}
END_TEST

START_TEST(load_reads_the_file_named_by_AKT_CONFIG)
{
    make_tmpdir();
    char *app = write_tmp("env.conf", "akt.loglevel = debug\n");
    setenv("AKT_CONFIG", app, 1);
    akt_config *cfg = NULL;
    ck_assert_int_eq(akt_config_load(NULL, &cfg, NULL), AKT_OK);
    const char *s;
    ck_assert_int_eq(
        akt_config_get_string(cfg, "akt.loglevel", &s, NULL), AKT_OK);
    ck_assert_str_eq(s, "debug");
    akt_config_release(cfg);
}
END_TEST

START_TEST(environment_override_reaches_dashed_keys_and_parses_values)
{
    setenv("AKT_akt__actor__default_dispatcher__throughput", "7", 1);
    setenv("AKT_akt__actor__ask_timeout", "250ms", 1);
    setenv("AKT_akt__custom__new_key", "[a, b]", 1);
    setenv("AKT_akt__loglevel", "a:b", 1); /* not HOCON: taken as a string */
    akt_config *cfg = NULL;
    akt_config_error err;
    ck_assert_int_eq(akt_config_load(NULL, &cfg, &err), AKT_OK);
    int64_t v;
    ck_assert_int_eq(akt_config_get_int(cfg,
                         "akt.actor.default-dispatcher.throughput", &v, NULL),
        AKT_OK);
    ck_assert_int_eq(v, 7);
    ck_assert_str_eq(
        akt_config_origin(cfg, "akt.actor.default-dispatcher.throughput"),
        "env var AKT_akt__actor__default_dispatcher__throughput");
    ck_assert_int_eq(
        akt_config_get_duration(cfg, "akt.actor.ask-timeout", &v, NULL),
        AKT_OK);
    ck_assert_int_eq(v, 250000000);
    size_t n;
    ck_assert_int_eq(
        akt_config_get_list_len(cfg, "akt.custom.new-key", &n, NULL), AKT_OK);
    ck_assert_uint_eq(n, 2);
    const char *s;
    ck_assert_int_eq(
        akt_config_get_string(cfg, "akt.loglevel", &s, NULL), AKT_OK);
    ck_assert_str_eq(s, "a:b");
    akt_config_release(cfg);
}
END_TEST

START_TEST(lower_layer_substitution_sees_the_higher_layer_value)
{
    make_tmpdir();
    const char *files[2];
    files[0] = strdup(write_tmp("low.conf", "port = 1\nurl = \"h:\"${port}\n"));
    files[1] = strdup(write_tmp("high.conf", "port = 2\nlist += x\n"));
    akt_config *cfg = NULL;
    akt_config_error err;
    ck_assert_int_eq(
        akt_config_load_files(files, 2,
            AKT_CONFIG_LOAD_BARE | AKT_CONFIG_LOAD_NO_ENV, &cfg, &err),
        AKT_OK);
    char *j = json_of(cfg);
    ck_assert_str_eq(j, "{\"list\":[\"x\"],\"port\":2,\"url\":\"h:2\"}");
    free(j);
    akt_config_release(cfg);
    free((void *)files[0]);
    free((void *)files[1]);
}
END_TEST

START_TEST(with_fallback_merges_objects_and_prefers_the_config)
{
    akt_config *hi = parse_ok("a { x = 1 }\nb = hi\n");
    akt_config *lo = parse_ok("a { x = 0, y = 2 }\nb = lo\nc = 3\n");
    akt_config *m = NULL;
    ck_assert_int_eq(akt_config_with_fallback(hi, lo, &m, NULL), AKT_OK);
    akt_config_release(hi);
    akt_config_release(lo); /* m keeps what it shares alive */
    char *j = json_of(m);
    ck_assert_str_eq(j, "{\"a\":{\"x\":1,\"y\":2},\"b\":\"hi\",\"c\":3}");
    free(j);
    akt_config_release(m);
}
END_TEST

START_TEST(override_is_the_code_layer_and_leaves_the_original_alone)
{
    akt_config *base = parse_ok("a { x = 1, y = 2 }\nl = [1]\nn = 5\n");
    akt_config *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL;
    akt_config_error err;
    ck_assert_int_eq(akt_config_override(base, "a.x", "10", &o1, &err), AKT_OK);
    ck_assert_int_eq(
        akt_config_override(o1, "l", "${l} [2]", &o2, &err), AKT_OK);
    ck_assert_int_eq(
        akt_config_override(o2, "a", "{ z = 3 }", &o3, &err), AKT_OK);
    ck_assert_int_eq(
        akt_config_override(o3, "n", "${?UNSET_FOR_SURE}", &o4, &err), AKT_OK);
    char *j = json_of(o4);
    ck_assert_str_eq(
        j, "{\"a\":{\"x\":10,\"y\":2,\"z\":3},\"l\":[1,2],\"n\":5}");
    free(j);
    j = json_of(base);
    ck_assert_str_eq(j, "{\"a\":{\"x\":1,\"y\":2},\"l\":[1],\"n\":5}");
    free(j);
    ck_assert_str_eq(akt_config_origin(o1, "a.x"), "code:1");
    akt_config_release(o1);
    o1 = NULL;
    ck_assert_int_eq(
        akt_config_override(base, "a..b", "1", &o1, &err), AKT_EINVAL);
    ck_assert_ptr_null(o1);
    ck_assert_int_eq(
        akt_config_override(base, "n", "1, m = 2", &o1, &err), AKT_EINVAL);
    ck_assert_ptr_null(o1);
    ck_assert_int_eq(
        akt_config_override(base, "n", "\"open", &o1, &err), AKT_ESYNTAX);
    ck_assert_str_eq(err.message,
        "code:1:5: error: unterminated quoted string: expected '\"' before "
        "the end of the line");
    akt_config_release(base);
    akt_config_release(o2);
    akt_config_release(o3);
    akt_config_release(o4);
}
END_TEST

START_TEST(sub_object_outlives_its_parent)
{
    akt_config *cfg = parse_ok("a { b { c = deep } }\n");
    akt_config *sub = NULL;
    ck_assert_int_eq(akt_config_get_object(cfg, "a.b", &sub, NULL), AKT_OK);
    akt_config_release(cfg);
    const char *s;
    ck_assert_int_eq(akt_config_get_string(sub, "c", &s, NULL), AKT_OK);
    ck_assert_str_eq(s, "deep");
    ck_assert_ptr_eq(akt_config_retain(sub), sub);
    akt_config_release(sub);
    akt_config_release(sub);
}
END_TEST

/* --- getters -------------------------------------------------------------- */

START_TEST(durations_convert_every_unit_to_nanoseconds)
{
    akt_config *cfg = parse_ok(
        "a = 250ms\nb = 5 s\nc = 2 minutes\nd = 250\ne = 1.5s\nf = 3 us\n"
        "g = 1d\nh = 10 nanos\ni = \"2 hours\"\nj = 1 m\n");
    static const struct {
        const char *k;
        int64_t ns;
    } want[] = {
        { "a", 250000000LL },
        { "b", 5000000000LL },
        { "c", 120000000000LL },
        { "d", 250000000LL },
        { "e", 1500000000LL },
        { "f", 3000LL },
        { "g", 86400000000000LL },
        { "h", 10LL },
        { "i", 7200000000000LL },
        { "j", 60000000000LL },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int64_t ns = -1;
        ck_assert_int_eq(
            akt_config_get_duration(cfg, want[i].k, &ns, NULL), AKT_OK);
        ck_assert_msg(ns == want[i].ns, "%s: %lld", want[i].k, (long long)ns);
    }
    akt_config_release(cfg);
}
END_TEST

START_TEST(sizes_use_binary_letters_and_decimal_words)
{
    akt_config *cfg = parse_ok("a = 64 KiB\nb = 1m\nc = 10MB\nd = 512\n"
                               "e = 1.5k\nf = 2 gigabytes\ng = 3 bytes\n");
    static const struct {
        const char *k;
        uint64_t b;
    } want[] = {
        { "a", 65536 },
        { "b", 1048576 },
        { "c", 10000000 },
        { "d", 512 },
        { "e", 1536 },
        { "f", 2000000000 },
        { "g", 3 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint64_t b = 0;
        ck_assert_int_eq(akt_config_get_size(cfg, want[i].k, &b, NULL), AKT_OK);
        ck_assert_msg(
            b == want[i].b, "%s: %llu", want[i].k, (unsigned long long)b);
    }
    akt_config_release(cfg);
}
END_TEST

START_TEST(type_mismatch_names_key_origin_and_expected_type)
{
    akt_config *cfg = parse_ok("a {\n  timeout = soon\n  n = 1.5\n}\n");
    akt_config_error err;
    int64_t v;
    ck_assert_int_eq(
        akt_config_get_duration(cfg, "a.timeout", &v, &err), AKT_ETYPE);
    ck_assert_str_eq(err.message,
        "test.conf:2:13: error: 'a.timeout' is string \"soon\"; expected a "
        "duration such as 250ms, 5 s or 2 minutes (a bare number is ms)");
    ck_assert_int_eq(akt_config_get_int(cfg, "a.n", &v, &err), AKT_ETYPE);
    ck_assert_str_eq(err.message,
        "test.conf:3:7: error: 'a.n' is number 1.5; expected a whole number "
        "in the int64 range");
    akt_config *obj = NULL;
    ck_assert_int_eq(akt_config_get_object(cfg, "a.n", &obj, &err), AKT_ETYPE);
    ck_assert_ptr_null(obj);
    akt_config_release(cfg);
}
END_TEST

START_TEST(missing_and_null_keys_are_enoent)
{
    akt_config *cfg = parse_ok("n = null\n");
    akt_config_error err;
    const char *s;
    ck_assert(!akt_config_has(cfg, "n"));
    ck_assert(!akt_config_has(cfg, "absent"));
    ck_assert_int_eq(
        akt_config_get_string(cfg, "absent.key", &s, &err), AKT_ENOENT);
    ck_assert_str_eq(
        err.message, "error: no setting at 'absent.key' (expected a string)");
    ck_assert_int_eq(akt_config_get_string(cfg, "n", &s, &err), AKT_ENOENT);
    ck_assert_ptr_null(akt_config_origin(cfg, "absent"));
    akt_config_release(cfg);
}
END_TEST

START_TEST(booleans_accept_hocon_words)
{
    akt_config *cfg = parse_ok(
        "a = on\nb = off\nc = yes\nd = no\ne = true\nf = \"false\"\ng = 1\n");
    bool v;
    static const char *const keys[] = { "a", "b", "c", "d", "e", "f" };
    for (size_t i = 0; i < 6; i++) {
        ck_assert_int_eq(akt_config_get_bool(cfg, keys[i], &v, NULL), AKT_OK);
        ck_assert(v == (i % 2 == 0));
    }
    ck_assert_int_eq(akt_config_get_bool(cfg, "g", &v, NULL), AKT_ETYPE);
    akt_config_release(cfg);
}
END_TEST

START_TEST(numbers_convert_between_strings_ints_and_doubles)
{
    akt_config *cfg = parse_ok("i = 42\nd = 2.5\ns = \"17\"\nx = 1.0\n");
    int64_t i;
    double d;
    const char *s;
    ck_assert_int_eq(akt_config_get_int(cfg, "s", &i, NULL), AKT_OK);
    ck_assert_int_eq(i, 17);
    ck_assert_int_eq(akt_config_get_int(cfg, "x", &i, NULL), AKT_OK);
    ck_assert_int_eq(i, 1);
    ck_assert_int_eq(akt_config_get_double(cfg, "i", &d, NULL), AKT_OK);
    ck_assert(d == 42.0);
    ck_assert_int_eq(akt_config_get_double(cfg, "d", &d, NULL), AKT_OK);
    ck_assert(d == 2.5);
    ck_assert_int_eq(akt_config_get_string(cfg, "x", &s, NULL), AKT_OK);
    ck_assert_str_eq(s, "1.0"); /* numbers read as strings keep their text */
    akt_config_release(cfg);
}
END_TEST

START_TEST(list_getters_index_elements_and_check_range)
{
    akt_config *cfg = parse_ok("l = [a, 2, {x = 1}]\n");
    const char *s;
    int64_t v;
    akt_config_error err;
    ck_assert_int_eq(akt_config_get_list_string(cfg, "l", 0, &s, NULL), AKT_OK);
    ck_assert_str_eq(s, "a");
    ck_assert_int_eq(akt_config_get_list_int(cfg, "l", 1, &v, NULL), AKT_OK);
    ck_assert_int_eq(v, 2);
    ck_assert_int_eq(
        akt_config_get_list_string(cfg, "l", 2, &s, &err), AKT_ETYPE);
    ck_assert_ptr_nonnull(strstr(err.message, "'l[2]' is object"));
    ck_assert_int_eq(
        akt_config_get_list_int(cfg, "l", 3, &v, &err), AKT_ERANGE);
    ck_assert_int_eq(akt_config_get_list_int(cfg, "l", 0, &v, &err), AKT_ETYPE);
    akt_config_release(cfg);
}
END_TEST

START_TEST(duration_overflow_is_erange)
{
    akt_config *cfg = parse_ok("a = 300000 days\nb = -1 KiB\n");
    int64_t ns;
    uint64_t b;
    ck_assert_int_eq(akt_config_get_duration(cfg, "a", &ns, NULL), AKT_ERANGE);
    ck_assert_int_eq(akt_config_get_size(cfg, "b", &b, NULL), AKT_ERANGE);
    akt_config_release(cfg);
}
END_TEST

START_TEST(quoted_path_elements_reach_keys_with_dots)
{
    akt_config *cfg = parse_ok("\"a.b\" { c = 1 }\n");
    int64_t v;
    ck_assert_int_eq(akt_config_get_int(cfg, "\"a.b\".c", &v, NULL), AKT_OK);
    ck_assert_int_eq(v, 1);
    ck_assert(!akt_config_has(cfg, "a.b.c"));
    akt_config_release(cfg);
}
END_TEST

/* --- render --------------------------------------------------------------- */

START_TEST(json_sorts_keys_like_lightbend)
{
    assert_json("b = 1\na = 2\n10 = 3\n9 = 4\nB = 5\n",
        "{\"9\":4,\"10\":3,\"B\":5,\"a\":2,\"b\":1}");
}
END_TEST

START_TEST(json_escapes_control_characters_like_lightbend)
{
    assert_json("s = \"a\\u0001b\\tc\\\"d\\\\e\\u007f\"\n",
        "{\"s\":\"a\\u0001b\\tc\\\"d\\\\e\\u007f\"}");
}
END_TEST

START_TEST(hocon_rendering_with_origins_parses_back_to_the_same_tree)
{
    akt_config *ref = NULL;
    ck_assert_int_eq(akt_config_reference(&ref, NULL), AKT_OK);
    char *hocon = NULL;
    ck_assert_int_eq(
        akt_config_render(ref, AKT_CONFIG_RENDER_ORIGINS, &hocon), AKT_OK);
    ck_assert_ptr_nonnull(strstr(hocon, "# reference.conf:"));
    ck_assert_ptr_nonnull(strstr(hocon, "ask-timeout = \"5s\""));
    akt_config *back = parse_ok(hocon);
    char *j1 = json_of(ref), *j2 = json_of(back);
    ck_assert_str_eq(j1, j2);
    free(j1);
    free(j2);
    free(hocon);
    akt_config_release(back);
    akt_config_release(ref);
}
END_TEST

/* --- alloc ---------------------------------------------------------------- */

static const char rich[]
    = "include \"nothing-here.conf\"\n"
      "a { b = [1, 2, {c = \"x\\u00e9\"}], d = ${a.b} [3] }\n"
      "a.e = \"\"\"triple\"\"\" text\n"
      "l = [1]\nl += 2\np = x\np = ${p}y\nq = ${?NOPE}\n"
      "o = {x = 1} {y = 2}\nm = ${o} {z = 3}\n"
      "t = 5 s\nsz = 64 KiB\n"
      "k1 = 1\nk2 = 2\nk3 = 3\nk4 = 4\nk5 = 5\nk6 = 6\nk7 = 7\nk8 = 8\nk9 = "
      "9\n"
      /* look-back, an optional cycle, restricted lookups through merges */
      "lb1 = 1\nlb2 = ${lb1}\nlb1 = ${lb2}\nla = ${?lc}foo\nlc = ${?la}\n"
      "md = {}\nms = ${md}\nms { a = 1, b = ${ms.a} }\nsp = ${?NOPE} ${?NOPE}\n"
      "dd { x = [] }\ncc : ${dd}\ncc { x : ${cc.x}[1], x : ${cc.x}[2] }\n";

static const char *scenario_file; /* includes another file */

/* scenario -- everything the API does, once; AKT_OK or the first error. */
static akt_err
scenario(void)
{
    akt_config *cfg = NULL, *ref = NULL, *fb = NULL, *ov = NULL, *sub = NULL;
    akt_config *loaded = NULL;
    char *text = NULL;
    akt_config_error err;
    akt_err rc
        = akt_config_parse_string(rich, sizeof rich - 1, "rich", &cfg, &err);
    if (rc != AKT_OK) {
        goto out;
    }
    /* files, includes, the reference and environment overrides */
    rc = akt_config_load_files(&scenario_file, 1, 0, &loaded, &err);
    if (rc != AKT_OK) {
        goto out;
    }
    rc = akt_config_reference(&ref, &err);
    if (rc != AKT_OK) {
        goto out;
    }
    rc = akt_config_with_fallback(cfg, ref, &fb, &err);
    if (rc != AKT_OK) {
        goto out;
    }
    rc = akt_config_override(fb, "l", "${l} [3]", &ov, &err);
    if (rc != AKT_OK) {
        goto out;
    }
    rc = akt_config_get_object(ov, "a", &sub, &err);
    if (rc != AKT_OK) {
        goto out;
    }
    rc = akt_config_render(ov, AKT_CONFIG_RENDER_JSON, &text);
    if (rc != AKT_OK) {
        goto out;
    }
    free(text);
    text = NULL;
    rc = akt_config_render(ov, AKT_CONFIG_RENDER_ORIGINS, &text);
    if (rc != AKT_OK) {
        goto out;
    }
    if (akt_config_origin(ov, "t") == NULL) {
        rc = AKT_ENOMEM; /* the one getter that allocates */
        goto out;
    }
    int64_t ns;
    rc = akt_config_get_duration(ov, "t", &ns, &err);
    if (rc == AKT_OK) {
        rc = akt_config_get_string(
            ov, "\"a\".e", &(const char *) { NULL }, &err);
    }
    if (rc == AKT_OK) {
        /* a failed error path must not allocate either */
        akt_err e2 = akt_config_get_int(ov, "p", &ns, &err);
        if (e2 != AKT_ETYPE) {
            rc = e2;
        }
    }
out:
    free(text);
    akt_config_release(loaded);
    akt_config_release(sub);
    akt_config_release(ov);
    akt_config_release(fb);
    akt_config_release(ref);
    akt_config_release(cfg);
    return rc;
}

START_TEST(every_allocation_failure_is_reported_and_leaks_nothing)
{
    make_tmpdir();
    write_tmp("inc.conf", "akt.actor { extra = [1, 2], ask-timeout = 1s }\n");
    scenario_file = strdup(write_tmp("app.conf",
        "include \"inc.conf\"\nakt.actor.extra += 3\nx = ${akt.loglevel}\n"));
    setenv("AKT_akt__scheduler__tick", "2ms", 1);
    ck_assert_int_eq(scenario(), AKT_OK); /* the scenario itself works */
    long n;
    for (n = 1; n < 100000; n++) {
        akti_cfg_fail_alloc(n);
        akt_err rc = scenario();
        bool failed = akti_cfg_alloc_failed();
        akti_cfg_fail_alloc(0);
        if (!failed) {
            ck_assert_int_eq(rc, AKT_OK);
            break;
        }
        ck_assert_msg(
            rc == AKT_ENOMEM, "allocation %ld: got %s", n, akt_err_name(rc));
    }
    ck_assert_msg(n > 50, "only %ld allocations: hook not in use?", n);
    ck_assert_int_lt(n, 100000);
}
END_TEST

/* --- threads -------------------------------------------------------------- */

static void *
reader(void *arg)
{
    akt_config *cfg = arg;
    for (int i = 0; i < 2000; i++) {
        int64_t v;
        akt_config *o = NULL;
        if (akt_config_get_int(cfg, "a.x", &v, NULL) != AKT_OK || v != 1
            || akt_config_override(cfg, "a.y", "${a.x}", &o, NULL) != AKT_OK
            || akt_config_origin(cfg, "a.x") == NULL) {
            return (void *)1;
        }
        akt_config_release(o);
    }
    return NULL;
}

START_TEST(shared_config_is_safe_to_read_and_extend_from_many_threads)
{
    akt_config *cfg = parse_ok("a { x = 1 }\n");
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(pthread_create(&t[i], NULL, reader, cfg), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        ck_assert_ptr_null(r);
    }
    akt_config_release(cfg);
}
END_TEST

/* --- hocon: issue 11 section 3, each case as Lightbend config has it ----- */

/* Every expected value here was checked against Lightbend config (built
 * from its source) on the same text; an error case is an error there too,
 * and here it must be exactly this message. */
typedef struct hocon_case {
    const char *what; /* the rule it pins down */
    const char *text;
    const char *json; /* the value, or NULL: an error ... */
    const char *error; /* ... with exactly this message */
} hocon_case;

static const hocon_case hocon_cases[] = {
    /* a newline (or a comment) between a key and its separator */
    { "newline before ':' (valid JSON)", "{ \"foo\"\n : 42 }", "{\"foo\":42}",
        NULL },
    { "newline before '='", "a\n= 1", "{\"a\":1}", NULL },
    { "blank lines after a path key", "a.b\n\n  : 1", "{\"a\":{\"b\":1}}",
        NULL },
    { "newline before '{'", "a\n{ b = 1 }", "{\"a\":{\"b\":1}}", NULL },
    { "comments before '+='", "a # comment\n// another\n+= 1", "{\"a\":[1]}",
        NULL },
    { "a key may not span lines", "{ foo \n bar : 10 }", NULL,
        "test.conf:2:2: error: syntax error: unexpected unquoted text, "
        "expecting '{', '=' / ':' or '+='" },
    /* include: newlines and comments, no space before '(' */
    { "newline after include", "include\n\"absent-file\"\na = 1", "{\"a\":1}",
        NULL },
    { "comment after include", "include # comment\n\"absent-file\"\na = 1",
        "{\"a\":1}", NULL },
    { "newlines inside file()", "include file(\n\"absent-file\"\n)\na = 1",
        "{\"a\":1}", NULL },
    { "newlines and comments inside required(file())",
        "include required(\n  file( \"absent-file\" ) # why not\n)", NULL,
        "test.conf:1:1: error: required include 'absent-file' not found "
        "(looked for absent-file.conf, absent-file.json and absent-file)" },
    { "space before file's '('", "include file (\"absent-file\")", NULL,
        "test.conf:1:9: error: malformed include: no whitespace is allowed "
        "between 'file' and '('" },
    { "space before required's '('", "include required (\"absent-file\")", NULL,
        "test.conf:1:9: error: malformed include: no whitespace is allowed "
        "between 'required' and '('" },
    { "unquoted include as a key", "{ include : { \"a\" : 1 } }", NULL,
        "test.conf:1:11: error: malformed include: 'include' at the start "
        "of a key must be followed by a quoted file name, file(), url(), "
        "classpath() or required() (write \"include\" for a key of that "
        "name)" },
    { "unquoted include with an unquoted name", "{ include foo }", NULL,
        "test.conf:1:11: error: malformed include: 'include' at the start "
        "of a key must be followed by a quoted file name, file(), url(), "
        "classpath() or required() (write \"include\" for a key of that "
        "name)" },
    { "include with a value after it", "{ include \"bar\" : 10 }", NULL,
        "test.conf:1:17: error: syntax error: unexpected '=' / ':', "
        "expecting '}', ',' or newline" },
    { "quoted include is a key", "{ \"include\" : { \"a\" : 1 } }",
        "{\"include\":{\"a\":1}}", NULL },
    { "include as a value", "a = include \"x\"", "{\"a\":\"include x\"}",
        NULL },
    { "include in an array", "a = [ include ]", "{\"a\":[\"include\"]}", NULL },
    { "include later in a key", "{ foo include : 42 }", "{\"foo include\":42}",
        NULL },
    /* non-ASCII whitespace (every code point: whitespace_is_unicode) */
    { "no-break space around '='",
        "a\xc2\xa0=\xc2\xa0"
        "1",
        "{\"a\":1}", NULL },
    { "BOM before the first key",
        "\xef\xbb\xbf"
        "a = 1",
        "{\"a\":1}", NULL },
    { "em space inside a concatenation stays", "a = x \xe2\x80\x83 y",
        "{\"a\":\"x \xe2\x80\x83 y\"}", NULL },
    { "em spaces around a substitution's path",
        "a = 1, b = ${\xe2\x80\x83"
        "a\xe2\x80\x83}",
        "{\"a\":1,\"b\":1}", NULL },
    /* substitutions that look back to the previous value */
    { "indirect self-reference", "a=1, b=${a}, a=${b}", "{\"a\":1,\"b\":1}",
        NULL },
    { "doubly indirect self-reference", "a=1, b=${c}, c=${a}, a=${b}",
        "{\"a\":1,\"b\":1,\"c\":1}", NULL },
    { "optional indirect self-reference", "a=${?b}foo, b=${?a}",
        "{\"a\":\"foo\",\"b\":\"foo\"}", NULL },
    { "undefined optionals keep the space between them", "a = ${?foo} ${?bar}",
        "{\"a\":\" \"}", NULL },
    { "undefined optionals without space: no field", "a = ${?foo}${?bar}", "{}",
        NULL },
    { "self-reference inside a merged object",
        "d = {}\ns = ${d}\ns { a = 1, b = ${s.a} }",
        "{\"d\":{},\"s\":{\"a\":1,\"b\":1}}", NULL },
    { "object literals of a concatenation merge first",
        "s = { a = 1 } { b = ${s.a} }", "{\"s\":{\"a\":1,\"b\":1}}", NULL },
    { "a self-reference in a concatenation with a substitution is a cycle",
        "d = {}\ns = ${d} { a = 1, b = ${s.a} }", NULL,
        "test.conf:2:5: error: substitution cycle: this value depends on "
        "itself" },
    { "self-reference along a path looks back",
        "foo : { a : { c : 1 } }\nfoo : ${foo.a}\nfoo : { a : 2 }",
        "{\"foo\":{\"a\":2,\"c\":1}}", NULL },
    { "a field of an object looks forward",
        "bar : { foo : 42, baz : ${bar.foo} }\nbar : { foo : 43 }",
        "{\"bar\":{\"baz\":43,\"foo\":43}}", NULL },
    { "a parent seen from a field that looks back", "a.x = {}\na.x = ${a}",
        "{\"a\":{\"x\":{\"x\":{}}}}", NULL },
    { "a parent seen from inside a merged object",
        "a = 1\na.x = { y = 1, y = ${a} }",
        "{\"a\":{\"x\":{\"y\":{\"x\":{\"y\":1}}}}}", NULL },
    { "a merge met again while a field of it looks back",
        "a.x = 2 ${?b}\na.x = { x = 11 1, x = ${a.x} }",
        "{\"a\":{\"x\":{\"x\":{\"x\":\"11 1\"}}}}", NULL },
    { "an array seen from a field of its element that looks back",
        "a = [1, { y = ${a}, y = ${?a.x.y} }]", "{\"a\":[1,{\"y\":[1,{}]}]}",
        NULL },
    { "never look back from inside an array", "a=1, a=[${a}, 2]", NULL,
        "test.conf:1:9: error: substitution cycle: ${a} refers back to "
        "itself" },
    { "a substitution of something undefined",
        "a = ${AKT_TEST_B}\nAKT_TEST_B = ${?a}", NULL,
        "test.conf:1:5: error: could not resolve substitution "
        "${AKT_TEST_B}: its value is undefined (an optional substitution "
        "that found nothing, or one in a cycle) and there is no environment "
        "variable AKT_TEST_B" },
    /* numbers; the end of an unterminated """ */
    { "'+' in a run of number characters", "x = [ 10e+3e ]", NULL,
        "test.conf:1:10: error: reserved character '+' is not allowed "
        "outside quotes ('10e+3e' is not a number)" },
    { "number-like text", "x = [ 10e3e3, 1-e3, 1.0.0, 1e+5s ]",
        "{\"x\":[\"10e3e3\",\"1-e3\",\"1.0.0\",\"1e+5s\"]}", NULL },
    { "unterminated triple quote: where the input ends",
        "ok = 1\ntext = \"\"\"starts here\nand never ends\n", NULL,
        "test.conf:4:1: error: unterminated triple-quoted string (opened at "
        "line 2, column 8): expected '\"\"\"' before the end of the input" },
    /* the documentation's example, and what it used to say */
    { "docs: concatenation with a substitution",
        "who = world\ngreeting = \"Hello, \"${who}\"!\"",
        "{\"greeting\":\"Hello, world!\",\"who\":\"world\"}", NULL },
    { "docs: ',' ends a value, '!' is reserved",
        "who = world\ngreeting = Hello, ${who}!", NULL,
        "test.conf:2:19: error: syntax error: unexpected substitution, "
        "expecting a key, end of input or newline" },
};

START_TEST(hocon_case_behaves_as_the_reference)
{
    const hocon_case *c = &hocon_cases[_i];
    akt_config *cfg = NULL;
    akt_config_error err;
    memset(&err, 0, sizeof err);
    akt_err rc = akt_config_parse_string(
        c->text, strlen(c->text), "test.conf", &cfg, &err);
    if (c->json != NULL) {
        ck_assert_msg(rc == AKT_OK, "%s: %s", c->what, err.message);
        char *got = json_of(cfg);
        ck_assert_msg(strcmp(got, c->json) == 0, "%s:\n got %s\nwant %s",
            c->what, got, c->json);
        free(got);
        akt_config_release(cfg);
    } else {
        ck_assert_msg(rc != AKT_OK, "%s: no error", c->what);
        ck_assert_msg(strcmp(err.message, c->error) == 0,
            "%s:\n got %s\nwant %s", c->what, err.message, c->error);
    }
}
END_TEST

START_TEST(whitespace_is_unicode)
{
    /* HOCON: Zs, Zl, Zp, the BOM, \t \v \f \r and 0x1C-0x1F; not U+0085,
     * U+180E or U+200B */
    static const unsigned ws[] = { 0x09, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e,
        0x1f, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
        0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f,
        0x3000, 0xfeff };
    static const unsigned not_ws[] = { 0x85, 0x180e, 0x200b };
    for (size_t i = 0; i < sizeof ws / sizeof ws[0] + 3; i++) {
        bool is_ws = i < sizeof ws / sizeof ws[0];
        unsigned cp = is_ws ? ws[i] : not_ws[i - sizeof ws / sizeof ws[0]];
        char u[5] = { 0 };
        if (cp < 0x80) {
            u[0] = (char)cp;
        } else if (cp < 0x800) {
            u[0] = (char)(0xc0 | cp >> 6);
            u[1] = (char)(0x80 | (cp & 0x3f));
        } else {
            u[0] = (char)(0xe0 | cp >> 12);
            u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
            u[2] = (char)(0x80 | (cp & 0x3f));
        }
        char text[64];
        snprintf(text, sizeof text, "a%s=%s[1,%s2]%s", u, u, u, u);
        akt_config *cfg = NULL;
        akt_config_error err;
        akt_err rc = akt_config_parse_string(
            text, strlen(text), "test.conf", &cfg, &err);
        if (!is_ws) { /* text: "a<cp>" = "<cp>" [...] cannot concatenate */
            ck_assert_msg(rc != AKT_OK, "U+%04X taken as whitespace", cp);
            continue;
        }
        ck_assert_msg(rc == AKT_OK, "U+%04X: %s", cp, err.message);
        char *got = json_of(cfg);
        ck_assert_msg(strcmp(got, "{\"a\":[1,2]}") == 0, "U+%04X: %s", cp, got);
        free(got);
        akt_config_release(cfg);
    }
}
END_TEST

START_TEST(include_of_a_basename_merges_its_json_and_conf)
{
    make_tmpdir();
    write_tmp("x.json", "{ \"a\" : 1, \"b\" : 1, \"o\" : { \"j\" : 1 } }");
    write_tmp("x.conf", "b = 2, c = 2, o.c = 2");
    write_tmp("only.json", "{ \"j\" : true }");
    write_tmp("plain.inc", "inc = 1");
    char *main = write_tmp("main.conf",
        "both { include \"x\" }\n"
        "json { include \"x.json\" }\n"
        "conf {\n  include\n    # the argument may come lines later\n"
        "    file(\n      \"x.conf\"\n    )\n}\n"
        "req { include required(\"only\") }\n"
        "inc { include \"plain.inc\" }\n");
    akt_config *cfg = NULL;
    akt_config_error err;
    ck_assert_msg(
        akt_config_parse_file(main, &cfg, &err) == AKT_OK, "%s", err.message);
    char *got = json_of(cfg);
    ck_assert_str_eq(got,
        "{\"both\":{\"a\":1,\"b\":2,\"c\":2,\"o\":{\"c\":2,\"j\":1}},"
        "\"conf\":{\"b\":2,\"c\":2,\"o\":{\"c\":2}},"
        "\"inc\":{\"inc\":1},"
        "\"json\":{\"a\":1,\"b\":1,\"o\":{\"j\":1}},"
        "\"req\":{\"j\":true}}");
    free(got);
    akt_config_release(cfg);
}
END_TEST

/* --- runner --------------------------------------------------------------- */

static Suite *
suite(const char *name, const TTest *const *tests)
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, NULL, remove_tmpdir);
    for (; *tests != NULL; tests++) {
        tcase_add_test(tc, *tests);
    }
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    /* tests that read the environment start from a known one */
    unsetenv("AKT_CONFIG");
    const TTest *parse[] = { parser_builds_objects_arrays_and_scalars,
        dotted_keys_become_nested_objects_that_merge,
        newlines_and_commas_both_separate_fields,
        unterminated_string_reports_file_line_and_column,
        syntax_error_names_what_was_expected,
        first_error_is_reported_after_recovery_continues,
        missing_file_is_enoent_with_its_name,
        missing_required_include_is_an_error_and_plain_one_is_not,
        include_is_relative_to_the_including_file,
        include_cycle_is_reported_at_the_closing_include,
        deep_nesting_is_an_error_not_a_crash,
        hostile_bytes_give_errors_never_crashes, NULL };
    const TTest *resolve[] = { substitution_keeps_the_type_of_its_target,
        optional_substitution_that_finds_nothing_keeps_earlier_value,
        substitution_cycle_is_einval_with_its_location,
        unresolvable_substitution_names_the_path,
        environment_satisfies_a_substitution,
        self_reference_and_append_use_the_earlier_value,
        expansion_bomb_is_rejected, long_substitution_chain_is_bounded, NULL };
    const TTest *layers[] = { reference_defines_every_key_the_runtime_reads,
        documentation_lists_every_reference_key,
        app_file_overrides_reference_and_keeps_other_defaults,
        load_reads_the_file_named_by_AKT_CONFIG,
        environment_override_reaches_dashed_keys_and_parses_values,
        lower_layer_substitution_sees_the_higher_layer_value,
        with_fallback_merges_objects_and_prefers_the_config,
        override_is_the_code_layer_and_leaves_the_original_alone,
        sub_object_outlives_its_parent, NULL };
    const TTest *getters[] = { durations_convert_every_unit_to_nanoseconds,
        sizes_use_binary_letters_and_decimal_words,
        type_mismatch_names_key_origin_and_expected_type,
        missing_and_null_keys_are_enoent, booleans_accept_hocon_words,
        numbers_convert_between_strings_ints_and_doubles,
        list_getters_index_elements_and_check_range,
        duration_overflow_is_erange, quoted_path_elements_reach_keys_with_dots,
        NULL };
    const TTest *render[] = { json_sorts_keys_like_lightbend,
        json_escapes_control_characters_like_lightbend,
        hocon_rendering_with_origins_parses_back_to_the_same_tree, NULL };
    const TTest *alloc[]
        = { every_allocation_failure_is_reported_and_leaks_nothing, NULL };
    const TTest *threads[]
        = { shared_config_is_safe_to_read_and_extend_from_many_threads, NULL };
    const TTest *hocon[] = { whitespace_is_unicode,
        include_of_a_basename_merges_its_json_and_conf, NULL };
    Suite *hs = suite("config_hocon", hocon);
    TCase *ht = tcase_create("config_hocon_cases");
    tcase_add_checked_fixture(ht, NULL, remove_tmpdir);
    tcase_add_loop_test(ht, hocon_case_behaves_as_the_reference, 0,
        (int)(sizeof hocon_cases / sizeof hocon_cases[0]));
    suite_add_tcase(hs, ht);
    SRunner *sr = srunner_create(suite("config_parse", parse));
    srunner_add_suite(sr, hs);
    srunner_add_suite(sr, suite("config_resolve", resolve));
    srunner_add_suite(sr, suite("config_layers", layers));
    srunner_add_suite(sr, suite("config_getters", getters));
    srunner_add_suite(sr, suite("config_render", render));
    srunner_add_suite(sr, suite("config_alloc", alloc));
    srunner_add_suite(sr, suite("config_threads", threads));
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
