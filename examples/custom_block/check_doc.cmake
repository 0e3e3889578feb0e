# Run by CTest (cmake -P): docs/extending.md must show this folder's scheme and norm as they are,
# so the page a user follows cannot drift from the code the tests compile and run. For each
# header, everything below `#pragma once`; for each source, everything below its own
# `#include "<name>.h"`: the page's block joins the two into one file that docs_snippets compiles.
# Inputs: -DDIR=<examples/custom_block> -DDOC=<docs/extending.md>
file(READ ${DOC} doc)
foreach(name kerple scale_norm)
  foreach(file ${name}.h ${name}.cpp)
    file(READ ${DIR}/${file} source)
    if(file MATCHES "\\.h$")
      set(start_line "#pragma once\n\n")
    else()
      set(start_line "#include \"${name}.h\"\n\n")
    endif()
    string(FIND "${source}" "${start_line}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "check_doc: ${file} has no line ${start_line}")
    endif()
    string(LENGTH "${start_line}" skip)
    math(EXPR at "${at} + ${skip}")
    string(SUBSTRING "${source}" ${at} -1 shown)
    string(FIND "${doc}" "${shown}" found)
    if(found EQUAL -1)
      message(FATAL_ERROR "docs/extending.md does not show ${file} (below ${start_line}) verbatim; update one to "
                          "match the other. The code:\n${shown}")
    endif()
    message(STATUS "docs/extending.md shows ${file} verbatim")
  endforeach()
endforeach()
