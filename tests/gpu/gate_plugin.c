/*
 * gate_plugin.c -- a stand-in for libakt-gpu (tests/gpu/open_test.c): its
 * open() writes one byte to the descriptor in $AKT_TEST_GATE_OUT (it has
 * started), then blocks until one byte can be read from
 * $AKT_TEST_GATE_IN, as a slow dlopen of the CUDA driver or a long cuInit
 * would, and reports no device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "plugin.h"

static void *
gate_open(const akt_gpu_host *host, akt_system *sys, const akt_gpu_options *o,
    char *why, size_t len)
{
    (void)host;
    (void)sys;
    (void)o;
    const char *out = getenv("AKT_TEST_GATE_OUT");
    const char *in = getenv("AKT_TEST_GATE_IN");
    char c = 'o';
    if (out == NULL || in == NULL || write(atoi(out), &c, 1) != 1
        || read(atoi(in), &c, 1) != 1) {
        snprintf(why, len, "gate plugin: no gate");
        return NULL;
    }
    snprintf(why, len, "gate plugin: the gate opened, no device here");
    return NULL;
}

static const akt_gpu_plugin gate = {
    .abi = AKT_GPU_PLUGIN_ABI,
    .open = gate_open,
};

__attribute__((visibility("default"))) const akt_gpu_plugin *
akt_gpu_plugin_v1(void)
{
    return &gate;
}
