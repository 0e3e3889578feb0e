# Run by CTest (cmake -P): the README sample must exit 0, and README.md must show both its code
# (main.cpp without the opening comment lines) and exactly what it prints.
# Inputs: -DEXE=<readme_sample binary> -DSOURCE=<main.cpp> -DREADME=<README.md>.
execute_process(COMMAND ${EXE} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readme_sample failed (exit ${rc}):\n${out}${err}")
endif()
message(STATUS "readme_sample printed:\n${out}")

file(READ ${SOURCE} source)
file(READ ${README} readme)
string(REGEX REPLACE "^(//[^\n]*\n)+" "" code "${source}")
string(FIND "${readme}" "${code}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md does not show examples/readme_sample/main.cpp (below its opening "
                      "comment) verbatim; update one to match the other. The code:\n${code}")
endif()
string(FIND "${readme}" "${out}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "README.md does not show the sample's output verbatim; it prints:\n${out}")
endif()
