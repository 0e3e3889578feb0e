# Run by CTest (cmake -P) as docs_snippets: the snippets the build compiled are the pages' current
# ones (extracted again here and compared), every snippet that runs exits 0, and one that prints
# prints exactly the output block its page shows after it (conventions: tests/docs/snippets.cmake).
# Inputs: -DSOURCE_DIR=<focus source root> -DSNIPPET_DIR=<the build's extracted snippets>
#         -DBIN_DIR=<where the snippet programs are> -DWORK=<a scratch folder>
cmake_policy(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/snippets.cmake)

file(REMOVE_RECURSE ${WORK})
focus_extract_snippets(${SOURCE_DIR} ${WORK}/fresh)
file(GLOB fresh RELATIVE ${WORK}/fresh ${WORK}/fresh/*)
foreach(f IN LISTS fresh)
  file(READ ${WORK}/fresh/${f} now)
  set(built "")
  if(EXISTS ${SNIPPET_DIR}/${f})
    file(READ ${SNIPPET_DIR}/${f} built)
  endif()
  if(NOT now STREQUAL built)
    message(FATAL_ERROR "docs_snippets: the pages changed since the build extracted their snippets (${f} differs); "
                        "rebuild (cmake --build <dir>) so the new snippets are compiled, then run this test again")
  endif()
endforeach()

include(${SNIPPET_DIR}/manifest.cmake)
file(MAKE_DIRECTORY ${WORK}/run)
set(ran 0)
set(objects 0)
foreach(name IN LISTS DOC_SNIPPETS)
  set(where ${DOC_SNIPPET_${name}_WHERE})
  if(NOT DOC_SNIPPET_${name}_KIND STREQUAL "program")
    math(EXPR objects "${objects} + 1")
    continue()
  endif()
  set(exe ${BIN_DIR}/docs_snippet_${name})
  if(NOT EXISTS ${exe})
    message(FATAL_ERROR "docs_snippets: ${where}: ${exe} was not built; build the target docs_snippet_${name}")
  endif()
  # In a scratch folder, so a snippet that writes files leaves nothing in the tree.
  execute_process(COMMAND ${exe} WORKING_DIRECTORY ${WORK}/run RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err TIMEOUT 60)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "docs_snippets: ${where}: the snippet exited with ${rc}:\n${out}${err}")
  endif()
  if(DEFINED DOC_SNIPPET_${name}_OUTPUT)
    file(READ ${SNIPPET_DIR}/${DOC_SNIPPET_${name}_OUTPUT} shown)
    if(NOT out STREQUAL shown)
      message(FATAL_ERROR "docs_snippets: ${where}: the page shows an output the snippet does not print.\n"
                          "The page shows:\n${shown}\nThe snippet prints:\n${out}")
    endif()
  elseif(NOT out STREQUAL "")
    message(FATAL_ERROR "docs_snippets: ${where}: the snippet prints, but its page does not show the output; add "
                        "it after the snippet as a ```text block marked <!-- snippet: output -->. It prints:\n${out}")
  endif()
  math(EXPR ran "${ran} + 1")
  message(STATUS "${where}: ran, exit 0")
endforeach()
list(LENGTH DOC_SNIPPETS n)
message(STATUS "docs_snippets: ${n} snippets are current and compiled; ${ran} ran as shown, ${objects} compile only")
