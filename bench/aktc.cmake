# aktc benchmarks (included by bench/CMakeLists.txt):
#   aktc_speed   aktc on a generated 10,000-message file (lines/s)
#   codec_bench  encode/decode of a 5-field message: akt msgpack vs protobuf-c
# Run: cmake --build build --target aktc-bench   (JSON on stdout)
if(NOT TARGET aktc)
  return()
endif()
include(AktGenerate)

add_executable(aktc_speed ${CMAKE_CURRENT_LIST_DIR}/aktc_speed.c)
target_compile_definitions(aktc_speed PRIVATE _GNU_SOURCE)

find_program(AKT_PROTOC_C protoc-c)
pkg_check_modules(AKT_BENCH_PBC IMPORTED_TARGET libprotobuf-c)
if(AKT_PROTOC_C AND AKT_BENCH_PBC_FOUND)
  set(_pb ${CMAKE_CURRENT_BINARY_DIR}/aktc_bench_proto)
  file(MAKE_DIRECTORY ${_pb})
  add_custom_command(
    OUTPUT ${_pb}/bench.pb-c.c ${_pb}/bench.pb-c.h
    COMMAND ${AKT_PROTOC_C} --c_out=${_pb} -I${CMAKE_CURRENT_LIST_DIR}/proto
            ${CMAKE_CURRENT_LIST_DIR}/proto/bench.proto
    DEPENDS ${CMAKE_CURRENT_LIST_DIR}/proto/bench.proto
    COMMENT "protoc-c bench.proto")
  add_executable(codec_bench_aktc ${CMAKE_CURRENT_LIST_DIR}/codec_bench.c ${_pb}/bench.pb-c.c)
  target_include_directories(codec_bench_aktc PRIVATE ${_pb})
  target_link_libraries(codec_bench_aktc PRIVATE akt_static PkgConfig::AKT_BENCH_PBC)
  target_compile_definitions(codec_bench_aktc PRIVATE _GNU_SOURCE)
  akt_generate(TARGET codec_bench_aktc FILES ${CMAKE_CURRENT_LIST_DIR}/proto/bench.akt
    OUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/aktc_bench_gen)
  set(_codec_cmd COMMAND codec_bench_aktc)
else()
  message(STATUS "codec_bench_aktc: protoc-c or libprotobuf-c not found, not built")
  set(_codec_cmd "")
endif()

add_custom_target(aktc-bench
  COMMAND aktc_speed $<TARGET_FILE:aktc>
  ${_codec_cmd}
  DEPENDS aktc aktc_speed
  USES_TERMINAL
  COMMENT "aktc benchmarks")
