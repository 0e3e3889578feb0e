# Stopping char_lm from outside: a signal after the first step is logged ends training at the next
# step, saves a checkpoint (rank 0 alone under mpirun), says where, skips the evaluation and the
# sample, and exits with 128 + the signal. The checkpoint is the only file written, and a
# --resume from it in one process continues from the saved step and runs to the end.
#   cmake -DCHAR_LM=<exe> -DOUT=<dir> -DSIGNAL_WHEN=<scripts/signal_when.sh> -DSIGNAL=TERM|INT
#         [-DMPIEXEC=<launcher and flags, "|"-separated>] [-DSEND_TO=self|rank1] [-DEXPECT=<status>]
#         -P check_signal.cmake
# The run, the status and the stop line are checked as for every program on the training kit
# (cmake/stop_signal_check.cmake); this file adds char_lm's own checks.
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/stop_signal_check.cmake)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
set(ck ${OUT}/run.safetensors)
focus_run_until_signal("line:^step +1 " ${ck} reached ${CHAR_LM} --steps 1000000 --context 32 --d-model 32 --layers 1
                       --batch 8 --warmup 10 --threads 1 --save ${ck})
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
