# akt-persist-bench: the persistence targets of issue 16 (bench/persist_bench.c):
# durable events/s with 1,000 persistent actors, replay events/s, recovery
# latency. JSON lines in the docs/profiler.md schema; --smoke for CI.
add_executable(akt-persist-bench ${CMAKE_CURRENT_LIST_DIR}/persist_bench.c)
target_compile_definitions(akt-persist-bench PRIVATE _GNU_SOURCE)
target_link_libraries(akt-persist-bench PRIVATE akt_static)
set_target_properties(akt-persist-bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
target_include_directories(akt-persist-bench PRIVATE ${PROJECT_SOURCE_DIR}/tests/persist)
target_compile_definitions(akt-persist-bench PRIVATE
  AKT_PG_SERVER="${PROJECT_SOURCE_DIR}/tests/persist/pg_server.sh")
