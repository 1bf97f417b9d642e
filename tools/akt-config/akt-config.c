/*
 * akt-config -- parse, layer and resolve configuration files, then print
 * the effective configuration.
 *
 *   akt-config [--json] [--origins] [--bare] [--no-env] file.conf...
 *
 * Layers, lowest first: the built-in reference (left out with --bare),
 * each file in order, then AKT_* environment overrides (left out with
 * --bare or --no-env). Neither option stops a substitution that the
 * configuration cannot satisfy from reading the process environment
 * (${HOME}); run under env -i for none. Prints HOCON (with "# file:line"
 * comments under --origins) or, with --json, the concise JSON that
 * Lightbend's config library renders for the same input. Exit status: 0 on
 * success, 1 on a configuration error (printed as file:line:col: error: ...,
 * then the source line and a caret), 2 on usage.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/config.h"

/* show_line -- the offending source line and a caret under the column,
 * as compilers do, when the error names a readable file. */
static void
show_line(const akt_config_error *err)
{
    if (err->file[0] == '\0' || err->line <= 0) {
        return;
    }
    FILE *f = fopen(err->file, "rb");
    if (f == NULL) {
        return;
    }
    char buf[512];
    int line = 1;
    bool found = false;
    while (fgets(buf, sizeof buf, f) != NULL) {
        size_t n = strlen(buf);
        bool whole = n > 0 && buf[n - 1] == '\n';
        if (line == err->line) {
            found = true;
            break;
        }
        if (whole) {
            line++;
        }
    }
    fclose(f);
    if (!found) {
        return;
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    fprintf(stderr, "%s\n", buf);
    /* columns count code points; tabs stay tabs so the caret lines up */
    int col = 1;
    for (const unsigned char *p = (const unsigned char *)buf;
         *p != '\0' && col < err->col; p++) {
        if ((*p & 0xC0) == 0x80) {
            continue;
        }
        fputc(*p == '\t' ? '\t' : ' ', stderr);
        col++;
    }
    fputs("^\n", stderr);
}

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: akt-config [--json] [--origins] [--bare] [--no-env] "
        "file.conf...\n"
        "  --json     print concise JSON (as Lightbend config renders it)\n"
        "  --origins  comment each value with the file:line it came from\n"
        "  --bare     leave out the built-in reference and the AKT_*\n"
        "             environment overrides: only the files given\n"
        "  --no-env   leave out the AKT_* environment overrides\n"
        "A substitution the files cannot satisfy (${HOME}) still reads the\n"
        "environment variable of that name, with or without these options.\n");
}

int
main(int argc, char **argv)
{
    unsigned render = 0, load = 0;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    int status = 1;
    akt_config *cfg = NULL;
    char *text = NULL;
    if (files == NULL) {
        fprintf(stderr, "akt-config: out of memory\n");
        return 1;
    }
    bool opts = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) {
            opts = false;
        } else if (opts && strcmp(a, "--json") == 0) {
            render |= AKT_CONFIG_RENDER_JSON;
        } else if (opts && strcmp(a, "--origins") == 0) {
            render |= AKT_CONFIG_RENDER_ORIGINS;
        } else if (opts && strcmp(a, "--bare") == 0) {
            load |= AKT_CONFIG_LOAD_BARE | AKT_CONFIG_LOAD_NO_ENV;
        } else if (opts && strcmp(a, "--no-env") == 0) {
            load |= AKT_CONFIG_LOAD_NO_ENV;
        } else if (opts && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            usage(stdout);
            status = 0;
            goto out;
        } else if (opts && a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "akt-config: unknown option '%s'\n", a);
            usage(stderr);
            status = 2;
            goto out;
        } else {
            files[nfiles++] = a;
        }
    }
    akt_config_error err;
    akt_err rc = akt_config_load_files(files, nfiles, load, &cfg, &err);
    if (rc != AKT_OK) {
        fprintf(stderr, "%s\n", err.message);
        show_line(&err);
        goto out;
    }
    rc = akt_config_render(cfg, render, &text);
    if (rc != AKT_OK) {
        fprintf(stderr, "akt-config: cannot render: %s\n", akt_strerror(rc));
        goto out;
    }
    fputs(text, stdout);
    if (render & AKT_CONFIG_RENDER_JSON) {
        fputc('\n', stdout);
    }
    status = fflush(stdout) == 0 ? 0 : 1;
out:
    free(text);
    akt_config_release(cfg);
    free(files);
    return status;
}
