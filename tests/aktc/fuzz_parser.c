/*
 * fuzz_parser.c -- libFuzzer target for aktc's front end: arbitrary bytes
 * as a .akt file through the scanner, the parser (with error recovery),
 * the semantic pass (and the @gpu body parser in it) and, when the file is
 * valid, the C and CUDA emitters (rendered to memory). Finds crashes, leaks
 * (ASan) and undefined behaviour (UBSan).
 *
 * Build: cmake -DAKT_BUILD_FUZZ=ON -DCMAKE_C_COMPILER=clang ...; run:
 *   build/tests/aktc/fuzz_aktc_parser -max_total_time=60 corpus/
 * tests/aktc/fuzz-seeds/fuzz_aktc_parser
 */
#include <stdint.h>
#include <stdlib.h>

#include "aktc.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    diag_reset(true);
    ast_file *f = ast_alloc(sizeof *f);
    f->path = ast_strdup("fuzz.akt");
    f->base = ast_strdup("fuzz.akt");
    f->real = ast_strdup("/fuzz.akt");
    f->text = ast_strndup((const char *)data, size);
    f->len = size;
    f->on_command_line = true;
    aktc_parse(f);
    f->imports = ast_imports_reverse(f->imports);
    f->decls = ast_decls_reverse(f->decls);
    sema_check(f);
    if (diag_errors() == 0) {
        char *h, *c;
        size_t hl, cl;
        emit_c_render(f, &h, &hl, &c, &cl);
        free(h);
        free(c);
        emit_cuda_render(f, &h, &hl, &c, &cl);
        free(h);
        free(c);
    }
    ast_file_free(f);
    return 0;
}
