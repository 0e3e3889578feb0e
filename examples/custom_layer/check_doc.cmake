# Run by CTest (cmake -P): docs/extending.md must show swish.cpp's op exactly, from `namespace
# custom {` and its `using` lines through the end of swish(), so the page a user follows cannot
# drift from the code the tests compile and run. (That the page's block compiles on its own is
# docs_snippets' job, tests/docs/.)
# Inputs: -DSOURCE=<swish.cpp> -DDOC=<docs/extending.md>
file(READ ${SOURCE} source)
file(READ ${DOC} doc)
string(FIND "${source}" "namespace custom {\n" begin)
string(FIND "${source}" "Tensor swish(const Tensor& x, const Tensor& beta) {" body)
if(begin EQUAL -1 OR body EQUAL -1 OR body LESS begin)
  message(FATAL_ERROR "check_doc: cannot find namespace custom and swish() in ${SOURCE}")
endif()
# swish() is the first function in the namespace; its body ends at the first closing brace in column 0.
string(SUBSTRING "${source}" ${body} -1 rest)
string(FIND "${rest}" "\n}\n" close)
math(EXPR length "${body} - ${begin} + ${close} + 3")
string(SUBSTRING "${source}" ${begin} ${length} op)
string(FIND "${doc}" "${op}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "docs/extending.md does not show swish.cpp's op (namespace, using lines and swish()) "
                      "verbatim; update one to match the other. The code:\n${op}")
endif()
message(STATUS "docs/extending.md shows swish.cpp's op verbatim, using lines included")
