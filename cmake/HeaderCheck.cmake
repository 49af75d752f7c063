# Every header of src/ compiles on its own (included first, and twice, in a file of its own), so
# a header that leans on what its includer happened to include before it fails the build.
# On with PG_CHECK_HEADERS (the ci preset): the object library pg_header_check, part of `all`.
file(GLOB_RECURSE pg_headers RELATIVE ${PROJECT_SOURCE_DIR}/src CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/src/*.h)
if(NOT TARGET pg_store_testing)
  # The role conformance suites (GoogleTest) exist only where the tests are built.
  list(FILTER pg_headers EXCLUDE REGEX "^store/testing/")
endif()
set(pg_header_sources)
foreach(header ${pg_headers})
  string(MAKE_C_IDENTIFIER ${header} stem)
  set(source ${PROJECT_BINARY_DIR}/header_check/${stem}.cc)
  file(CONFIGURE OUTPUT ${source} CONTENT "#include \"${header}\"\n#include \"${header}\"\n")
  list(APPEND pg_header_sources ${source})
endforeach()
add_library(pg_header_check OBJECT ${pg_header_sources})
# The libraries whose usage requirements (include paths, definitions) the headers need.
target_link_libraries(pg_header_check PRIVATE pg_app pg_demo pg_osm pg_graph pg_graph_build
  pg_routing pg_analytics pg_replay pg_simulator pg_mqtt pg_ingest_mqtt pg_guidance pg_simulation
  pg_web pg_cli pg_history CLI11::CLI11 pg_warnings)
if(TARGET pg_store_testing)
  target_link_libraries(pg_header_check PRIVATE pg_store_testing)
endif()
