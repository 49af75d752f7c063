# pg_library(NAME SOURCES ... DEPS ...)     one library per src/ folder: pg_<NAME>
# pg_test(NAME SOURCES ... DEPS ... LABELS ...)  a GoogleTest executable registered with CTest
# pg_benchmark(NAME SOURCES ... DEPS ...)   a Google Benchmark executable (off by default)
function(pg_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(pg_${name} STATIC ${ARG_SOURCES})
  pg_expose_headers(pg_${name})
  target_link_libraries(pg_${name} PUBLIC ${ARG_DEPS} PRIVATE pg_warnings)
endfunction()

# Gives `target` an include root of its own that holds links to its own headers only (those under
# the current source directory, without the folders of nested libraries): src/state/live_state.h
# appears as <root>/state/live_state.h. A target therefore sees the headers of the libraries it
# links, and no others: an #include the DEPS do not allow fails to compile, whatever
# src/layers.json says (tools/check_layers.py checks the DEPS against the layers).
function(pg_expose_headers target)
  set(root ${PROJECT_BINARY_DIR}/include/${target})
  file(REMOVE_RECURSE ${root})
  file(GLOB_RECURSE headers RELATIVE ${PROJECT_SOURCE_DIR}/src CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_SOURCE_DIR}/*.h)
  foreach(header ${headers})
    get_filename_component(dir ${PROJECT_SOURCE_DIR}/src/${header} DIRECTORY)
    set(nested FALSE)
    while(NOT dir STREQUAL CMAKE_CURRENT_SOURCE_DIR)
      if(EXISTS ${dir}/CMakeLists.txt)
        set(nested TRUE)
        break()
      endif()
      get_filename_component(dir ${dir} DIRECTORY)
    endwhile()
    if(nested)
      continue()
    endif()
    get_filename_component(link_dir ${root}/${header} DIRECTORY)
    file(MAKE_DIRECTORY ${link_dir})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${header} ${root}/${header} SYMBOLIC)
  endforeach()
  target_include_directories(${target} PUBLIC ${root})
endfunction()

function(pg_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT PG_BUILD_TESTS)
    return()
  endif()
  if(NOT TARGET pg_test_main)
    # Our main: lists every skip, and fails a program that skips when CI is set
    # (tests/support/test_main.cc).
    add_library(pg_test_main STATIC ${PROJECT_SOURCE_DIR}/tests/support/test_main.cc)
    target_link_libraries(pg_test_main PUBLIC GTest::gtest PRIVATE pg_warnings)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock pg_test_main pg_warnings)
  target_compile_definitions(${name} PRIVATE
    PG_SHARED_DATA_DIR="${PG_SHARED_DATA_DIR}"
    PG_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    PG_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
  # `unit_tests` builds what the unit-labelled tests run, and only that (the sanitizer run).
  if("unit" IN_LIST ARG_LABELS)
    pg_unit_tests_need(${name})
  endif()
  # A program that skipped tests shows as skipped, not passed. In CI (CI set when configuring)
  # the program itself fails on a skip, and that failure must not be shown as a skip.
  if(NOT DEFINED ENV{CI} OR "$ENV{CI}" STREQUAL "" OR "$ENV{CI}" STREQUAL "0")
    set_tests_properties(${name} PROPERTIES SKIP_REGULAR_EXPRESSION "test\\(s\\) SKIPPED:")
  endif()
endfunction()

# Makes target `unit_tests` build `targets` (programs a unit-labelled test runs).
function(pg_unit_tests_need)
  if(NOT TARGET unit_tests)
    add_custom_target(unit_tests)
  endif()
  add_dependencies(unit_tests ${ARGN})
endfunction()

function(pg_benchmark name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT PG_BUILD_BENCHMARKS)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark pg_warnings)
  target_compile_definitions(${name} PRIVATE PG_SHARED_DATA_DIR="${PG_SHARED_DATA_DIR}")
endfunction()

# pg_embed_file(OUT_VAR INPUT FUNCTION)  generates a .cc that returns INPUT's bytes from FUNCTION
# (a qualified name such as pg::api::OpenApiDocument) and sets OUT_VAR to that source's path.
function(pg_embed_file out_var input function)
  string(REGEX REPLACE "[^A-Za-z0-9]" "_" stem "${function}")
  set(output "${CMAKE_CURRENT_BINARY_DIR}/embedded_${stem}.cc")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${output} -DFUNCTION=${function}
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFile.cmake
    DEPENDS "${input}" ${PROJECT_SOURCE_DIR}/cmake/EmbedFile.cmake
    COMMENT "Embedding ${input}")
  set(${out_var} "${output}" PARENT_SCOPE)
endfunction()

# pg_fuzzer(NAME SOURCES ... DEPS ... [INCLUDES ...]) in a test build: the fuzz target NAME (fuzz/NAME.cc) linked
# with fuzz/replay_main.cc instead of libFuzzer, as the unit test <target>_fuzz_replay that feeds
# it every committed seed and every regression input (fuzz/seeds/<target>, fuzz/regressions/
# <target>). The fuzz preset's cmake/PgFuzzing.cmake redefines pg_fuzzer as the libFuzzer build.
function(pg_fuzzer name)
  if(NOT PG_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;INCLUDES" ${ARGN})
  string(REGEX REPLACE "_fuzzer$" "" target ${name})
  if(NOT TARGET pg_fuzz_replay_main)
    add_library(pg_fuzz_replay_main STATIC ${PROJECT_SOURCE_DIR}/fuzz/replay_main.cc)
    target_link_libraries(pg_fuzz_replay_main PRIVATE pg_warnings)
  endif()
  add_executable(${target}_replay ${ARG_SOURCES})
  target_include_directories(${target}_replay PRIVATE ${PROJECT_SOURCE_DIR} ${ARG_INCLUDES})
  target_link_libraries(${target}_replay PRIVATE ${ARG_DEPS} pg_fuzz_replay_main pg_warnings)
  set(inputs ${PROJECT_SOURCE_DIR}/fuzz/seeds/${target})
  if(EXISTS ${PROJECT_SOURCE_DIR}/fuzz/regressions/${target})
    list(APPEND inputs ${PROJECT_SOURCE_DIR}/fuzz/regressions/${target})
  endif()
  add_test(NAME ${target}_fuzz_replay COMMAND ${target}_replay ${inputs})
  set_tests_properties(${target}_fuzz_replay PROPERTIES LABELS unit TIMEOUT 300)
  pg_unit_tests_need(${target}_replay)
endfunction()
