# mlp_spirals --resume (-DMLP_SPIRALS=<exe> -DOUT=<dir>): 60 steps straight, and 30 steps (--stop-at
# saves) then --resume to 60, must print the same last loss line, first and last losses and
# accuracies, and leave byte-identical checkpoints and pictures: AdamW's moments, the schedule's
# step and the weights all survive the file, and the data come back from the recorded --seed.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
set(small --points 200 --hidden 16 --seed 3 --threads 1)

# Runs mlp_spirals with ARGN and fails unless it exits 0; sets out and err in the caller.
function(spirals)
  execute_process(COMMAND ${MLP_SPIRALS} ${ARGN} RESULT_VARIABLE s OUTPUT_VARIABLE o ERROR_VARIABLE e)
  if(NOT s EQUAL 0)
    message(FATAL_ERROR "mlp_spirals ${ARGN} failed (${s}):\n${o}${e}")
  endif()
  set(out "${o}" PARENT_SCOPE)
  set(err "${e}" PARENT_SCOPE)
endfunction()

# The report from step 60 on, without the time and the picture's path.
function(report_of text var)
  if(NOT text MATCHES "(step +60 .*)")
    message(FATAL_ERROR "no step 60 line in:\n${text}")
  endif()
  string(REGEX REPLACE " seconds=[0-9.]+ svg=[^\n]*" "" report "${CMAKE_MATCH_1}")
  set(${var} "${report}" PARENT_SCOPE)
endfunction()

spirals(${small} --steps 60 --save ${OUT}/straight.safetensors --svg ${OUT}/straight.svg)
report_of("${out}" straight)
spirals(${small} --steps 60 --save ${OUT}/split.safetensors --stop-at 30 --svg ${OUT}/split.svg)
if(NOT err MATCHES "stopped at step 30 of 60 \\(loss [0-9.]+\\); saved ${OUT}/split.safetensors\n" OR out MATCHES "test_accuracy=")
  message(FATAL_ERROR "--stop-at 30 should save and stop before evaluating:\n${out}${err}")
endif()
# Points, turns, noise, hidden, seed and lr come from the checkpoint, and so does the length.
spirals(--resume ${OUT}/split.safetensors --save ${OUT}/split.safetensors --threads 1 --svg ${OUT}/split.svg)
if(NOT err MATCHES "resumed ${OUT}/split.safetensors at step 30 of 60\n")
  message(FATAL_ERROR "the resumed run did not say where it resumed:\n${err}")
endif()
report_of("${out}" resumed)
message(STATUS "straight:\n${straight}")
message(STATUS "resumed:\n${resumed}")
if(NOT straight STREQUAL resumed)
  message(FATAL_ERROR "the resumed run reports differently from the straight run")
endif()
foreach(file safetensors svg)
  file(SHA256 ${OUT}/straight.${file} a)
  file(SHA256 ${OUT}/split.${file} b)
  if(NOT a STREQUAL b)
    message(FATAL_ERROR "the resumed run's .${file} differs from the straight run's")
  endif()
endforeach()
message(STATUS "identical reports, checkpoints and pictures")
