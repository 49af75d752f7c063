# pg_library(NAME SOURCES ... DEPS ...)     one library per src/ folder: pg_<NAME>
# pg_test(NAME SOURCES ... DEPS ... LABELS ...)  a GoogleTest executable registered with CTest
# pg_benchmark(NAME SOURCES ... DEPS ...)   a Google Benchmark executable (off by default)
function(pg_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(pg_${name} STATIC ${ARG_SOURCES})
  target_include_directories(pg_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(pg_${name} PUBLIC ${ARG_DEPS} PRIVATE pg_warnings)
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
  # A program that skipped tests shows as skipped, not passed. In CI (CI set when configuring)
  # the program itself fails on a skip, and that failure must not be shown as a skip.
  if(NOT DEFINED ENV{CI} OR "$ENV{CI}" STREQUAL "" OR "$ENV{CI}" STREQUAL "0")
    set_tests_properties(${name} PROPERTIES SKIP_REGULAR_EXPRESSION "test\\(s\\) SKIPPED:")
  endif()
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
