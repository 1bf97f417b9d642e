# akt-gpu-bench: the GPU batch engine (bench/gpu_bench.c): messages per
# second of the CPU batch loop (one core) and, where a device is usable,
# of one batch launch (copy in, kernel, copy out) at 1 / 1,024 / 16,384 /
# 262,144 messages; a compute-heavy handler (1,024 flops per message) on
# the GPU against one CPU core; the round trip of one ask to a GPU-placed
# actor (p50/p99). JSON lines; --smoke for a tiny run.
if(TARGET akt_gpu_core)
  add_executable(akt-gpu-bench ${CMAKE_CURRENT_LIST_DIR}/gpu_bench.c)
  target_compile_definitions(akt-gpu-bench PRIVATE _GNU_SOURCE
    AKT_BENCH_GPU_LIB="$<TARGET_FILE:akt-gpu>")
  target_link_libraries(akt-gpu-bench PRIVATE akt_static akt_gpu_core m ${CMAKE_DL_LIBS})
  akt_generate(TARGET akt-gpu-bench GPU FILES ${CMAKE_CURRENT_LIST_DIR}/gpu_bench.akt
    OUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/gen-gpu)
  add_dependencies(akt-gpu-bench akt-gpu)
  set_target_properties(akt-gpu-bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endif()
