# Run by CTest (cmake -P) as docs_api_headers: docs/api.md must be exactly what api_doc
# (docs/tools/api_doc.cpp) makes from the headers of the library folders, so a header's comment and
# the page never drift apart; and every file the page names in passing (tensor/parallel.h,
# docs/threads.md, tensor_print.cpp) must exist.
# Inputs: -DAPI_DOC=<the api_doc program> -DSOURCE_DIR=<focus source root>
#         -DDIRS=<the library folders, separated by commas> -DUPDATE=<the command that rewrites the page>
if(NOT EXISTS "${API_DOC}")
  message(FATAL_ERROR "docs_api_headers: the api_doc program is not built; got API_DOC=${API_DOC}. "
                      "Build it first: cmake --build <build dir> --target api_doc")
endif()
string(REPLACE "," ";" DIRS "${DIRS}")
execute_process(COMMAND ${API_DOC} --source ${SOURCE_DIR} --dirs "${DIRS}" --check ${SOURCE_DIR}/docs/api.md
                        --hint "${UPDATE}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  string(STRIP "${out}${err}" report)
  message(FATAL_ERROR "${report}")
endif()
string(STRIP "${out}" out)
message(STATUS "${out}")
file(READ ${SOURCE_DIR}/docs/api.md doc)

# Paths written in the text: "focus/" is the include prefix, so focus/nn/linear.h is nn/linear.h; a
# bare file name must name a file somewhere in the source folders (not in a build tree).
# The page is cut into words of path characters, which cannot hold a list's ; [ or ].
string(REGEX REPLACE "[^A-Za-z0-9_/.-]+" ";" words "${doc}")
set(bare_dirs ${DIRS} examples tests bench docs cmake scripts)
set(absent)
set(checked)
foreach(word IN LISTS words)
  string(REGEX REPLACE "[.]+$" "" path "${word}")  # a sentence's full stop
  if(NOT path MATCHES "[A-Za-z0-9_]\\.(h|cpp|md|cmake|sh|py)$")
    continue()
  endif()
  string(REGEX REPLACE "^focus/" "" path "${path}")
  list(FIND checked "${path}" seen)
  if(NOT seen EQUAL -1)
    continue()
  endif()
  list(APPEND checked ${path})
  if(path MATCHES "/")
    if(NOT EXISTS ${SOURCE_DIR}/${path})
      list(APPEND absent ${path})
    endif()
  elseif(NOT EXISTS ${SOURCE_DIR}/${path})
    set(found)
    foreach(dir IN LISTS bare_dirs)
      file(GLOB_RECURSE found ${SOURCE_DIR}/${dir}/${path})
      if(found)
        break()
      endif()
    endforeach()
    if(NOT found)
      list(APPEND absent ${path})
    endif()
  endif()
endforeach()
list(LENGTH checked n_paths)
if(absent)
  message(FATAL_ERROR "docs/api.md names files that do not exist: [${absent}]. Name the file that holds it "
                      "(the page is mostly the headers' comments: fix the header's comment too).")
endif()
message(STATUS "docs/api.md: the ${n_paths} files it names exist")
