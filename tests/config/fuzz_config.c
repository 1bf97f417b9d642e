/*
 * fuzz_config.c -- libFuzzer target for the configuration parser.
 *
 * Feeds arbitrary bytes to akt_config_parse_string; whatever parses is
 * rendered as JSON and as HOCON, the HOCON is parsed again and must give
 * the same JSON (render and parser agree), and a few getters run over it.
 * Built with -DAKT_BUILD_FUZZ=ON and clang; see tests/config/CMakeLists.txt.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    akt_config *cfg = NULL, *back = NULL;
    akt_config_error err;
    char *json = NULL, *hocon = NULL, *json2 = NULL;
    if (akt_config_parse_string((const char *)data, size, "fuzz", &cfg, &err)
        != AKT_OK) {
        if (strncmp(err.message, "fuzz", 4) != 0
            && strncmp(err.message, "error: ", 7) != 0
            && strstr(err.message, ": error: ") == NULL) {
            fprintf(stderr, "bad error message: %s\n", err.message);
            abort();
        }
        return 0;
    }
    if (akt_config_render(cfg, AKT_CONFIG_RENDER_JSON, &json) == AKT_OK
        && akt_config_render(cfg, AKT_CONFIG_RENDER_ORIGINS, &hocon) == AKT_OK
        && strlen(hocon) < (1u << 20)) { /* skip reparsing huge expansions */
        akt_err prc = akt_config_parse_string(
            hocon, strlen(hocon), "rendered", &back, &err);
        /* a resolved tree may nest deeper than the parser accepts (a key
         * path of 200 elements holding a list, a chain of substitutions
         * each adding a level): that text is refused with AKT_ETOOBIG, by
         * design, not a round-trip failure */
        if (prc != AKT_OK && prc != AKT_ETOOBIG) {
            fprintf(stderr, "rendered HOCON does not parse: %s\n%s\n",
                err.message, hocon);
            abort();
        }
        if (back != NULL
            && akt_config_render(back, AKT_CONFIG_RENDER_JSON, &json2) == AKT_OK
            && strcmp(json, json2) != 0) {
            fprintf(stderr, "round trip differs:\n%s\n%s\n", json, json2);
            abort();
        }
    }
    static const char *const paths[]
        = { "a", "a.b", "akt.actor", "0", "x.y.z", "\"a.b\".c" };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        int64_t v;
        uint64_t u;
        const char *s;
        size_t n;
        bool b;
        double d;
        (void)akt_config_get_duration(cfg, paths[i], &v, &err);
        (void)akt_config_get_size(cfg, paths[i], &u, &err);
        (void)akt_config_get_string(cfg, paths[i], &s, &err);
        (void)akt_config_get_bool(cfg, paths[i], &b, &err);
        (void)akt_config_get_double(cfg, paths[i], &d, &err);
        if (akt_config_get_list_len(cfg, paths[i], &n, &err) == AKT_OK
            && n > 0) {
            (void)akt_config_get_list_string(cfg, paths[i], n - 1, &s, &err);
        }
        (void)akt_config_origin(cfg, paths[i]);
    }
    free(json);
    free(json2);
    free(hocon);
    akt_config_release(back);
    akt_config_release(cfg);
    return 0;
}
