# Remoting benchmarks (loopback, two processes): akt-remote-bench.
# Uses the transport's internal header, so it links the static library and
# sees runtime/src and the generated protocol headers.
add_executable(akt-remote-bench ${CMAKE_CURRENT_LIST_DIR}/remote_bench.c)
target_include_directories(akt-remote-bench PRIVATE ${PROJECT_SOURCE_DIR}/runtime/src
  ${PROJECT_BINARY_DIR}/runtime/remote-gen)
target_compile_definitions(akt-remote-bench PRIVATE _GNU_SOURCE)
target_link_libraries(akt-remote-bench PRIVATE akt_static)
target_sources(akt-remote-bench PRIVATE ${PROJECT_SOURCE_DIR}/tests/remote/rt_msgs.c)
target_include_directories(akt-remote-bench PRIVATE ${PROJECT_SOURCE_DIR}/tests)

# The floor of a remote round trip (issue 13): raw loopback TCP, blocking
# send/recv, TCP_NODELAY, two processes. Plain C, no libakt.
add_executable(akt-tcp-pingpong ${CMAKE_CURRENT_LIST_DIR}/tcp_pingpong.c)
target_compile_definitions(akt-tcp-pingpong PRIVATE _GNU_SOURCE)
