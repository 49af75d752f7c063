# cmake -DPROGRAM=... [-DARGS=a;b] -DEXPECT=text -P ExpectFailure.cmake
# Runs PROGRAM and passes when it exits with a failure and its output contains EXPECT: for tests
# that a test program fails (rather than skips or passes) under some condition.
execute_process(COMMAND ${PROGRAM} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} passed, but was expected to fail:\n${out}${err}")
endif()
string(FIND "${out}${err}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${PROGRAM} failed (${rc}) without saying \"${EXPECT}\":\n${out}${err}")
endif()
message(STATUS "${PROGRAM} failed as expected (${rc}), saying \"${EXPECT}\"")
