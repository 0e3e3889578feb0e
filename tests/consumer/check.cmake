# The package test (run by CTest with cmake -P): install the focus build tree into a fresh
# prefix, then configure, build and run tests/consumer against that prefix alone, the way a
# project outside the repository would. Also checks the installed package files carry no path of
# this machine's source or build tree and no sanitizer or -march flags, and that the version file
# refuses a version focus is not.
# It also builds examples/custom_layer and examples/custom_block there, as docs/extending.md tells
# a user to, and runs them.
# Inputs: -DBUILD_DIR=<focus build tree> -DCONSUMER=<tests/consumer> -DWORK=<scratch folder>
#         -DSOURCE_DIR=<focus source root> -DGENERATOR=<CMake generator>
function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "package test: ${what} failed (exit ${rc}):\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK})
set(prefix ${WORK}/prefix)
run_step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

foreach(f include/focus/focus.h include/focus/tensor/tensor.h include/focus/nn/linear.h include/focus/nn/positions.h
          include/focus/nn/norm.h include/focus/nn/transformer_block.h include/focus/train/block_flags.h)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "package test: ${f} was not installed")
  endif()
endforeach()
file(GLOB_RECURSE libs ${prefix}/*/libfocus.a)
file(GLOB_RECURSE configs ${prefix}/*/cmake/focus/focusConfig.cmake)
file(GLOB_RECURSE versions ${prefix}/*/cmake/focus/focusConfigVersion.cmake)
file(GLOB_RECURSE targets ${prefix}/*/cmake/focus/focusTargets*.cmake)
if(NOT libs OR NOT configs OR NOT versions OR NOT targets)
  message(FATAL_ERROR "package test: missing from the install: library=[${libs}] config=[${configs}] "
                      "version=[${versions}] targets=[${targets}]")
endif()
foreach(f IN LISTS configs targets)
  file(READ ${f} text)
  foreach(bad "${SOURCE_DIR}" "${BUILD_DIR}" "-fsanitize" "-march" "-fno-math-errno" "/usr/lib")
    string(FIND "${text}" "${bad}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "package test: ${f} mentions '${bad}', which belongs to this machine's build only")
    endif()
  endforeach()
endforeach()
message(STATUS "installed: ${libs} ${configs}")

# A version focus is not must be refused by the version file.
execute_process(COMMAND ${CMAKE_COMMAND} -S ${CONSUMER} -B ${WORK}/wrong_version -G ${GENERATOR}
                        -DCMAKE_PREFIX_PATH=${prefix} -DFOCUS_WANT_VERSION=99.0
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0 OR NOT "${out}${err}" MATCHES "version")
  message(FATAL_ERROR "package test: find_package(focus 99.0) should fail on the version; exit ${rc}:\n${out}\n${err}")
endif()

run_step("configuring the consumer" ${CMAKE_COMMAND} -S ${CONSUMER} -B ${WORK}/build -G ${GENERATOR}
         -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix}
         -DFOCUS_CUSTOM_LAYER_DIR=${SOURCE_DIR}/examples/custom_layer
         -DFOCUS_CUSTOM_BLOCK_DIR=${SOURCE_DIR}/examples/custom_block)
run_step("building the consumer" ${CMAKE_COMMAND} --build ${WORK}/build)
run_step("running the consumer" ${WORK}/build/consumer)
message(STATUS "the consumer printed:\n${step_output}")
foreach(want "Linear(in_features=3, out_features=2, bias=true)" "weight.grad=tensor([[4., 4., 4.]"
             "bias.grad=tensor([4., 4.]")
  string(FIND "${step_output}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "package test: the consumer's output lacks '${want}'")
  endif()
endforeach()

# The custom layer of docs/extending.md, built outside the repository: checks pass, loss falls.
run_step("running custom_layer built against the install" ${WORK}/build/custom_layer --steps 300)
message(STATUS "custom_layer printed:\n${step_output}")

# The position scheme and norm of docs/extending.md, registered by name in a program built outside
# the repository: gradchecks, cached decoding and errors pass, the loss falls.
run_step("running custom_block built against the install" ${WORK}/build/custom_block)
message(STATUS "custom_block printed:\n${step_output}")
