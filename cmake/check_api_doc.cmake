# Run by CTest (cmake -P): docs/api.md must have one "### `<focus/dir/file.h>`" section for each
# public header of the library folders, and none for a header that no longer exists.
# Inputs: -DSOURCE_DIR=<focus source root> -DDIRS=<the library folders, ;-separated>
file(READ ${SOURCE_DIR}/docs/api.md doc)
string(REGEX MATCHALL "### `<focus/[a-z_]+/[a-z_0-9]+\\.h>`" sections "${doc}")
set(listed)
foreach(s IN LISTS sections)
  string(REGEX REPLACE "### `<focus/(.*)>`" "\\1" h "${s}")
  list(APPEND listed ${h})
endforeach()
set(actual)
foreach(dir IN LISTS DIRS)
  file(GLOB headers RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/${dir}/*.h)
  list(APPEND actual ${headers})
endforeach()
set(missing ${actual})
list(REMOVE_ITEM missing ${listed})
set(stale ${listed})
list(REMOVE_ITEM stale ${actual})
list(LENGTH actual n)
if(missing OR stale)
  message(FATAL_ERROR "docs/api.md is out of date: headers without a section: [${missing}]; sections for "
                      "headers that do not exist: [${stale}]. Add or remove the section (its opening "
                      "comment and the one-line comments of its declarations).")
endif()
message(STATUS "docs/api.md lists all ${n} public headers")
