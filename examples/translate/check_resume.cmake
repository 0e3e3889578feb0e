# Resume equivalence: training N steps straight, and training about N/2 (mid-epoch), stopping
# (--stop-at saves a checkpoint), then --resume to N, give the same final checkpoint byte for byte (weights,
# optimizer and schedule state, generators, position) and the same scores line (all but seconds).
# Dropout is on, so the dropout generator's state must survive the checkpoint too.
# Run: ctest --test-dir build -R translate_resume   (-DTRANSLATE=... -DOUT=...)
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
# A tiny copy task in files: 64 training pairs, 4 test pairs.
set(words red green blue cat dog sun moon tree)
set(train_lines "")
foreach(a IN LISTS words)
  foreach(b IN LISTS words)
    string(APPEND train_lines "${a} ${b} ${a}\t${a} ${b} ${a}\n")
  endforeach()
endforeach()
file(WRITE ${OUT}/train.tsv "${train_lines}")
file(WRITE ${OUT}/test.tsv "red cat red\tred cat red\nblue sun blue\tblue sun blue\ndog dog dog\tdog dog dog\ntree moon tree\ttree moon tree\n")
set(run --train ${OUT}/train.tsv --test ${OUT}/test.tsv --d-model 16 --heads 2 --ff 32 --layers 1 --threads 1 --batch 16 --steps 40 --warmup 4
        --dropout 0.1 --seed 5)

function(train out_var)
  execute_process(COMMAND ${TRANSLATE} train ${run} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE record ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "translate train ${ARGN} failed (${rc}): ${err}")
  endif()
  string(REGEX REPLACE " seconds=[^ \n]*" "" record "${record}")
  string(STRIP "${record}" record)
  set(${out_var} "${record}" PARENT_SCOPE)
endfunction()

# The straight run also writes a report (decoding samples and attention at every evaluation): it
# must not change training, so its checkpoint still equals the split run's.
train(straight --save ${OUT}/straight.safetensors --report ${OUT}/report)
train(first_half --save ${OUT}/split.safetensors --stop-at 18)  # mid-epoch: 4 batches per epoch
if(NOT first_half STREQUAL "")
  message(FATAL_ERROR "--stop-at should stop before evaluating; printed '${first_half}'")
endif()
train(resumed --resume ${OUT}/split.safetensors --save ${OUT}/split.safetensors)
message(STATUS "straight: ${straight}")
message(STATUS "resumed:  ${resumed}")
if(NOT straight STREQUAL resumed)
  message(FATAL_ERROR "the resumed run scores differently from the straight run")
endif()
file(SHA256 ${OUT}/straight.safetensors a)
file(SHA256 ${OUT}/split.safetensors b)
if(NOT a STREQUAL b)
  message(FATAL_ERROR "the resumed run's final checkpoint differs from the straight run's")
endif()
message(STATUS "identical final checkpoints (sha256 ${a})")
