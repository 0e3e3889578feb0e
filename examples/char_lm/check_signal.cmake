# Stopping char_lm from outside: a signal after the first step is logged ends training at the next
# step, saves a checkpoint (rank 0 alone under mpirun), says where, skips the evaluation and the
# sample, and exits with 128 + the signal. The checkpoint is the only file written, and a
# --resume from it in one process continues from the saved step and runs to the end.
#   cmake -DCHAR_LM=<exe> -DOUT=<dir> -DSIGNAL_WHEN=<scripts/signal_when.sh> -DSIGNAL=TERM|INT
#         [-DMPIEXEC=<launcher and flags, "|"-separated>] [-DSEND_TO=self|rank1] [-DEXPECT=<status>]
#         -P check_signal.cmake
# Under mpirun, as in examples/translate/check_signal.cmake: SEND_TO=self signals mpirun (Open MPI
# 4.1 then sends SIGTERM to the ranks and exits 1), SEND_TO=rank1 signals rank 1 alone (the ranks
# must agree to stop together; mpirun exits with their status).
cmake_minimum_required(VERSION 3.25)
if(NOT DEFINED SEND_TO)
  set(SEND_TO self)
endif()
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
set(ck ${OUT}/run.safetensors)
set(launcher "")
if(DEFINED MPIEXEC)
  string(REPLACE "|" ";" launcher "${MPIEXEC}")
endif()
execute_process(COMMAND bash ${SIGNAL_WHEN} ${SIGNAL} "line:^step +1 " ${SEND_TO} ${OUT}/train.out ${OUT}/train.err
                        ${launcher} ${CHAR_LM} --steps 1000000 --context 32 --d-model 32 --layers 1 --batch 8 --warmup 10
                        --threads 1 --save ${ck}
                RESULT_VARIABLE helper OUTPUT_VARIABLE result ERROR_VARIABLE helper_err)
if(NOT helper EQUAL 0)
  message(FATAL_ERROR "signal_when failed: ${helper_err}")
endif()
file(READ ${OUT}/train.out out)
file(READ ${OUT}/train.err err)
message("${out}${err}")
if(NOT DEFINED EXPECT)
  if(SIGNAL STREQUAL "INT")
    set(EXPECT 130)
  else()
    set(EXPECT 143)
  endif()
endif()
if(NOT result MATCHES "status=${EXPECT}\n")
  message(FATAL_ERROR "after SIG${SIGNAL} char_lm ended with ${result}; expected status=${EXPECT}")
endif()
if(SIGNAL STREQUAL "INT" AND NOT (DEFINED MPIEXEC AND SEND_TO STREQUAL "self"))
  set(word interrupted)
else()
  set(word terminated)  # a signalled mpirun sends SIGTERM to the ranks, whatever it received
endif()
if(NOT err MATCHES "(^|\n)${word} at step ([0-9]+) of 1000000 \\(loss [0-9.]+\\); saved ${ck}\n")
  message(FATAL_ERROR "no '${word} at step N of 1000000 (loss L); saved ${ck}' line")
endif()
set(reached ${CMAKE_MATCH_2})
if(reached LESS 1)
  message(FATAL_ERROR "stopped at step ${reached}, before the step that was logged")
endif()
if(out MATCHES "valid_bpc=|--- sample")
  message(FATAL_ERROR "a stopped run must not evaluate or sample")
endif()
file(GLOB written RELATIVE ${OUT} ${OUT}/*.safetensors*)
if(NOT written STREQUAL "run.safetensors")
  message(FATAL_ERROR "expected the one checkpoint run.safetensors, found: [${written}]")
endif()

# The options come from the checkpoint; --steps may differ: 20 more steps, then the report.
math(EXPR until "${reached} + 20")
execute_process(COMMAND ${CHAR_LM} --resume ${ck} --steps ${until} --threads 1 --sample 20
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT status EQUAL 0 OR NOT err MATCHES "resumed ${ck} at step ${reached} of ${until}\n"
   OR NOT out MATCHES "step +${until} .*loss fell from .*valid_bpc=.*--- sample")
  message(FATAL_ERROR "resuming from step ${reached} to ${until} failed (${status})")
endif()
message(STATUS "SIG${SIGNAL} at step ${reached}: exit ${EXPECT}, no evaluation, checkpoint saved; resumed to step ${until}")
