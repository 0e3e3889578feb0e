# translate train under mpirun -np 2 (MPIEXEC: the launcher and its flags, "|"-separated): it
# must finish, print one score record (rank 0's), write exactly one checkpoint (and its metrics
# log), and that checkpoint must load in a plain one-process eval.
string(REPLACE "|" ";" launcher "${MPIEXEC}")
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${launcher} ${TRANSLATE} train --task copy --steps 20 --threads 1 --save ${OUT}/model.safetensors
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "mpirun translate train exited with ${status}")
endif()
if(NOT err MATCHES "data-parallel: 2 processes over MPI")
  message(FATAL_ERROR "translate did not run as 2 data-parallel ranks")
endif()
string(REGEX MATCHALL "exact_match=" records "${out}")
list(LENGTH records n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one score record (rank 0's), got ${n}")
endif()
# Rank 0 alone writes: the checkpoint and its metrics log beside it (train/metrics_log.h).
file(GLOB written RELATIVE ${OUT} ${OUT}/*)
list(SORT written)
if(NOT written STREQUAL "model.metrics.jsonl;model.safetensors")
  message(FATAL_ERROR "expected the one checkpoint model.safetensors and its model.metrics.jsonl, found: ${written}")
endif()
execute_process(COMMAND ${TRANSLATE} eval --load ${OUT}/model.safetensors --task copy --threads 1
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0 OR NOT out MATCHES "exact_match=")
  message(FATAL_ERROR "eval of the checkpoint failed (${status}): ${out}${err}")
endif()
