# akt-bench-timers: the timing wheel (bench/timers_bench.c): cost to start
# and cancel a timer, and the throughput of 1,000,000 concurrent timers
# firing. JSON lines; --smoke for a tiny run.
add_executable(akt-bench-timers ${CMAKE_CURRENT_LIST_DIR}/timers_bench.c)
target_compile_definitions(akt-bench-timers PRIVATE _GNU_SOURCE)
target_link_libraries(akt-bench-timers PRIVATE akt_static)
set_target_properties(akt-bench-timers PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
