# Fails when a doctest case name holds a ';': doctest_discover_tests reads names as a CMake list,
# so such a name becomes fragments registered as tests that select no case. Run by CTest with
# -DTESTS=<focus_tests binary>.
execute_process(COMMAND "${TESTS}" --list-test-cases --no-version
                OUTPUT_VARIABLE listing RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "test names: '${TESTS} --list-test-cases' exited with ${status}")
endif()
# Marked before any list operation, which would split at the very character looked for.
string(REPLACE ";" "<semicolon>" marked "${listing}")
string(REGEX MATCHALL "[^\n]*<semicolon>[^\n]*" bad "${marked}")
list(LENGTH bad count)
if(count GREATER 0)
  list(JOIN bad "\n  " shown)
  string(REPLACE "<semicolon>" ";" shown "${shown}")
  message(FATAL_ERROR "test names: ${count} case name(s) hold a ';', which CTest splits into "
                      "tests that run nothing; rename them:\n  ${shown}")
endif()
message(STATUS "test names: no case name holds a ';'")
