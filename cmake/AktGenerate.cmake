# AktGenerate.cmake -- akt_generate(): compile .akt files with aktc at build
# time, like protobuf_generate().
#
#   akt_generate(TARGET <target>
#                FILES <x.akt>...
#                [IMPORT_DIRS <dir>...]   # -I for aktc (the file's own folder is always searched)
#                [OUT_DIR <dir>]          # default: ${CMAKE_CURRENT_BINARY_DIR}/akt_gen
#                [OUT_SOURCES <var>]      # receives the generated .c/.h paths
#                [GPU]                    # also --cuda_out: @gpu handlers
#                [GPU_ARCH <sm_80,sm_90>]) # with GPU: CUBINs at build time
#                                         # into OUT_DIR/kernels
#
# For each x.akt the build runs `aktc --c_out OUT_DIR --depfile ...`, adds
# x.akt.c to the target's sources and OUT_DIR to its include directories
# (PUBLIC, so dependents see the headers). The depfile lists every file x.akt
# imports, directly or not, so editing an imported file regenerates its
# dependents. Files imported by x.akt need their own entry in FILES (or in
# another target's akt_generate) for their generated .c to be compiled.
# With GPU, aktc also writes x.akt.gpu.h and x.akt.gpu.c (the @gpu handlers,
# docs/gpu.md); x.akt.gpu.c joins the sources, built with -ffp-contract=off
# (the CPU must not fuse a*b+c where the GPU does not), and the target
# links libm. GPU_ARCH also compiles the kernels with NVRTC for those
# targets into the kernel cache OUT_DIR/kernels (aktc --gpu-arch; skipped,
# with a line saying so, where NVRTC does not load): point
# akt.gpu.kernel-cache.dir at that folder (or a copy of it) and the first
# spawn of each type loads the CUBIN instead of compiling.
#
# aktc comes from the akt build itself (target aktc) or, outside it, from
# find_package(akt) (imported target akt::aktc); AKTC_EXECUTABLE overrides.
include_guard(GLOBAL)

function(akt_generate)
  cmake_parse_arguments(AG "GPU" "TARGET;OUT_DIR;OUT_SOURCES;GPU_ARCH" "FILES;IMPORT_DIRS" ${ARGN})
  if(NOT AG_TARGET OR NOT TARGET ${AG_TARGET})
    message(FATAL_ERROR "akt_generate: TARGET must name an existing target")
  endif()
  if(NOT AG_FILES)
    message(FATAL_ERROR "akt_generate: no FILES given")
  endif()
  if(AG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "akt_generate: unknown arguments ${AG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT AG_OUT_DIR)
    set(AG_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/akt_gen)
  endif()
  file(MAKE_DIRECTORY ${AG_OUT_DIR})

  if(AKTC_EXECUTABLE)
    set(aktc ${AKTC_EXECUTABLE})
    set(aktc_dep ${AKTC_EXECUTABLE})
  elseif(TARGET aktc)
    set(aktc $<TARGET_FILE:aktc>)
    set(aktc_dep aktc)
  elseif(TARGET akt::aktc)
    set(aktc $<TARGET_FILE:akt::aktc>)
    set(aktc_dep akt::aktc)
  else()
    find_program(AKTC_EXECUTABLE aktc REQUIRED)
    set(aktc ${AKTC_EXECUTABLE})
    set(aktc_dep ${AKTC_EXECUTABLE})
  endif()

  set(import_args "")
  foreach(d IN LISTS AG_IMPORT_DIRS)
    get_filename_component(d ${d} ABSOLUTE)
    list(APPEND import_args -I ${d})
  endforeach()

  set(outputs "")
  foreach(f IN LISTS AG_FILES)
    get_filename_component(abs ${f} ABSOLUTE)
    get_filename_component(name ${f} NAME)
    set(h ${AG_OUT_DIR}/${name}.h)
    set(c ${AG_OUT_DIR}/${name}.c)
    set(d ${AG_OUT_DIR}/${name}.d)
    set(gpu_args "")
    set(gpu_outputs "")
    if(AG_GPU)
      set(gpu_args --cuda_out ${AG_OUT_DIR})
      if(AG_GPU_ARCH)
        list(APPEND gpu_args --gpu-arch ${AG_GPU_ARCH}
          --gpu-cache ${AG_OUT_DIR}/kernels)
      endif()
      set(gpu_outputs ${AG_OUT_DIR}/${name}.gpu.h ${AG_OUT_DIR}/${name}.gpu.c)
      set_source_files_properties(${AG_OUT_DIR}/${name}.gpu.c PROPERTIES
        COMPILE_OPTIONS "-ffp-contract=off")
    endif()
    add_custom_command(
      OUTPUT ${h} ${c} ${gpu_outputs}
      COMMAND ${aktc} --c_out ${AG_OUT_DIR} ${gpu_args} --depfile ${d} ${import_args} ${abs}
      DEPENDS ${abs} ${aktc_dep}
      DEPFILE ${d}
      COMMENT "aktc ${f}"
      VERBATIM)
    list(APPEND outputs ${h} ${c} ${gpu_outputs})
    target_sources(${AG_TARGET} PRIVATE ${c} ${h} ${gpu_outputs})
  endforeach()
  if(AG_GPU)
    target_link_libraries(${AG_TARGET} PRIVATE m)
  endif()
  target_include_directories(${AG_TARGET} PUBLIC $<BUILD_INTERFACE:${AG_OUT_DIR}>)
  if(AG_OUT_SOURCES)
    set(${AG_OUT_SOURCES} ${outputs} PARENT_SCOPE)
  endif()
endfunction()

# akt_generate_python(TARGET <new target> FILES <x.akt>... [IMPORT_DIRS <dir>...]
#                     [OUT_DIR <dir>] [OUT_FILES <var>])
#
# A custom target (built by ALL) that runs `aktc --py_out OUT_DIR` for each
# x.akt: x_akt.py and x_akt.pyi, pure Python that imports the akt package
# (docs/python.md, "Generated modules"). OUT_DIR defaults to
# ${CMAKE_CURRENT_BINARY_DIR}/akt_py; put it on PYTHONPATH.
function(akt_generate_python)
  cmake_parse_arguments(AP "" "TARGET;OUT_DIR;OUT_FILES" "FILES;IMPORT_DIRS" ${ARGN})
  if(NOT AP_TARGET OR TARGET ${AP_TARGET})
    message(FATAL_ERROR "akt_generate_python: TARGET must name a new target")
  endif()
  if(NOT AP_FILES OR AP_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "akt_generate_python: FILES needed (unknown: ${AP_UNPARSED_ARGUMENTS})")
  endif()
  if(NOT AP_OUT_DIR)
    set(AP_OUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/akt_py)
  endif()
  file(MAKE_DIRECTORY ${AP_OUT_DIR})
  if(AKTC_EXECUTABLE)
    set(aktc ${AKTC_EXECUTABLE})
    set(aktc_dep ${AKTC_EXECUTABLE})
  elseif(TARGET aktc)
    set(aktc $<TARGET_FILE:aktc>)
    set(aktc_dep aktc)
  else()
    set(aktc $<TARGET_FILE:akt::aktc>)
    set(aktc_dep akt::aktc)
  endif()
  set(import_args "")
  foreach(d IN LISTS AP_IMPORT_DIRS)
    get_filename_component(d ${d} ABSOLUTE)
    list(APPEND import_args -I ${d})
  endforeach()
  set(outputs "")
  foreach(f IN LISTS AP_FILES)
    get_filename_component(abs ${f} ABSOLUTE)
    get_filename_component(stem ${f} NAME_WE)
    string(MAKE_C_IDENTIFIER ${stem} stem)
    string(TOLOWER ${stem} stem)
    set(py ${AP_OUT_DIR}/${stem}_akt.py)
    # the depfile names the imported .akt files: a change to one of them
    # makes the module again
    add_custom_command(
      OUTPUT ${py} ${AP_OUT_DIR}/${stem}_akt.pyi
      COMMAND ${aktc} --py_out ${AP_OUT_DIR} --depfile ${AP_OUT_DIR}/${stem}_akt.d
        ${import_args} ${abs}
      DEPENDS ${abs} ${aktc_dep}
      DEPFILE ${AP_OUT_DIR}/${stem}_akt.d
      COMMENT "aktc --py_out ${f}"
      VERBATIM)
    list(APPEND outputs ${py} ${AP_OUT_DIR}/${stem}_akt.pyi)
  endforeach()
  add_custom_target(${AP_TARGET} ALL DEPENDS ${outputs})
  if(AP_OUT_FILES)
    set(${AP_OUT_FILES} ${outputs} PARENT_SCOPE)
  endif()
endfunction()
