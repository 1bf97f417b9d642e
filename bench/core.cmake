# akt-savina: the core runtime's Savina-style benchmarks (JSON lines; see
# bench/akt_savina.c and docs/profiler.md). Output: ${CMAKE_BINARY_DIR}/bench/akt-savina
add_executable(akt-savina ${CMAKE_CURRENT_LIST_DIR}/akt_savina.c)
target_compile_definitions(akt-savina PRIVATE _GNU_SOURCE)
target_link_libraries(akt-savina PRIVATE akt_static)
set_target_properties(akt-savina PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
