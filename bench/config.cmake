# config_parse: parse time of a generated ~1 MB HOCON file (JSON result).
add_executable(akt-bench-config-parse ${CMAKE_CURRENT_LIST_DIR}/config_parse.c)
target_compile_definitions(akt-bench-config-parse PRIVATE _GNU_SOURCE)
target_link_libraries(akt-bench-config-parse PRIVATE akt_static)
