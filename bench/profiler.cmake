# akt-profiler: tell / ask / fanout / cpu, median of R reps after a warm-up
# (JSON lines or a markdown table; see bench/akt_profiler.c and
# docs/profiler.md). Output: ${CMAKE_BINARY_DIR}/bench/akt-profiler
add_executable(akt-profiler ${CMAKE_CURRENT_LIST_DIR}/akt_profiler.c)
target_compile_definitions(akt-profiler PRIVATE _GNU_SOURCE)
target_link_libraries(akt-profiler PRIVATE akt_static)
set_target_properties(akt-profiler PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
