# Run by CTest (cmake -P): docs/extending.md must show swish() exactly as swish.cpp defines it,
# so the page a user follows cannot drift from the code the tests compile and run.
# Inputs: -DSOURCE=<swish.cpp> -DDOC=<docs/extending.md>
file(READ ${SOURCE} source)
file(READ ${DOC} doc)
string(FIND "${source}" "Tensor swish(const Tensor& x, const Tensor& beta) {" begin)
string(FIND "${source}" "\n}\n" end REVERSE)
if(begin EQUAL -1 OR end EQUAL -1)
  message(FATAL_ERROR "check_doc: cannot find swish() in ${SOURCE}")
endif()
# swish() is the first function in the file; its body ends at the first closing brace in column 0.
string(SUBSTRING "${source}" ${begin} -1 rest)
string(FIND "${rest}" "\n}\n" close)
math(EXPR length "${close} + 3")
string(SUBSTRING "${rest}" 0 ${length} function)
string(FIND "${doc}" "${function}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "docs/extending.md does not show swish() from examples/custom_layer/swish.cpp verbatim; "
                      "update one to match the other. The code:\n${function}")
endif()
message(STATUS "docs/extending.md shows swish() verbatim")
