# char_lm's checkpoints (-DCHAR_LM=<exe> -DOUT=<dir> -DCHECK=...):
#   equal   40 steps straight, and 17 steps (--stop-at saves) then --resume to 40, print the same
#           last step, losses, valid_bpc and sample and leave byte-identical checkpoints. Dropout
#           is on and the sample draws from the windows' generator, so both generators must
#           survive the checkpoint, as must AdamW's and the schedule's state.
#   errors  a --resume that contradicts the checkpoint (a model flag, the text's characters) is
#           one line naming both values and exit 2; a missing, truncated or foreign checkpoint
#           one line naming the file and exit 1.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
set(tiny --context 32 --d-model 32 --layers 1 --batch 8 --warmup 10 --threads 1 --seed 5)

# Runs char_lm with ARGN; sets status, out and err in the caller.
function(char_lm)
  execute_process(COMMAND ${CHAR_LM} ${ARGN} RESULT_VARIABLE s OUTPUT_VARIABLE o ERROR_VARIABLE e)
  set(status "${s}" PARENT_SCOPE)
  set(out "${o}" PARENT_SCOPE)
  set(err "${e}" PARENT_SCOPE)
endfunction()

# Fails unless the last run exited with want and wrote exactly one line to stderr, matching regex.
function(expect_error want regex)
  string(REGEX MATCHALL "\n" lines "${err}")
  list(LENGTH lines n)
  if(NOT status EQUAL want OR NOT n EQUAL 1 OR NOT err MATCHES "^char_lm: ${regex}\n$")
    message(FATAL_ERROR "expected exit ${want} and one line 'char_lm: ${regex}'; got exit ${status}:\n${err}")
  endif()
  message(STATUS "exit ${status}: ${err}")
endfunction()

if(CHECK STREQUAL "equal")
  # The report from the last step on, without the time it took.
  function(report_of text var)
    if(NOT text MATCHES "(step +40 .*)")
      message(FATAL_ERROR "no step 40 line in:\n${text}")
    endif()
    string(REGEX REPLACE " train_seconds=[0-9.]+" "" report "${CMAKE_MATCH_1}")
    set(${var} "${report}" PARENT_SCOPE)
  endfunction()
  char_lm(${tiny} --steps 40 --sample 30 --save ${OUT}/straight.safetensors)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "the straight run failed (${status}): ${err}")
  endif()
  report_of("${out}" straight)
  char_lm(${tiny} --steps 40 --sample 30 --save ${OUT}/split.safetensors --stop-at 17)
  if(NOT status EQUAL 0 OR NOT err MATCHES "stopped at step 17 of 40 \\(loss [0-9.]+\\); saved ${OUT}/split.safetensors\n"
     OR out MATCHES "valid_bpc=")
    message(FATAL_ERROR "--stop-at 17 should save and stop before evaluating (${status}): ${out}${err}")
  endif()
  # The options come from the checkpoint; only what does not define the run is given again.
  char_lm(--resume ${OUT}/split.safetensors --save ${OUT}/split.safetensors --threads 1 --sample 30)
  if(NOT status EQUAL 0 OR NOT err MATCHES "resumed ${OUT}/split.safetensors at step 17 of 40\n")
    message(FATAL_ERROR "the resumed run failed (${status}): ${err}")
  endif()
  report_of("${out}" resumed)
  message(STATUS "straight:\n${straight}")
  message(STATUS "resumed:\n${resumed}")
  if(NOT straight STREQUAL resumed)
    message(FATAL_ERROR "the resumed run reports differently from the straight run")
  endif()
  file(SHA256 ${OUT}/straight.safetensors a)
  file(SHA256 ${OUT}/split.safetensors b)
  if(NOT a STREQUAL b)
    message(FATAL_ERROR "the resumed run's final checkpoint differs from the straight run's")
  endif()
  message(STATUS "identical reports and final checkpoints (sha256 ${a})")
elseif(CHECK STREQUAL "errors")
  set(ck ${OUT}/run.safetensors)
  char_lm(${tiny} --steps 20 --sample 0 --save ${ck} --stop-at 3)
  if(NOT status EQUAL 0 OR NOT EXISTS ${ck})
    message(FATAL_ERROR "no checkpoint to resume (${status}): ${err}")
  endif()
  char_lm(--resume ${ck} --d-model 48 --sample 0)
  expect_error(2 "--d-model 48 contradicts the checkpoint ${ck}, trained with --d-model 32")
  char_lm(--resume ${ck} --lr 0.01 --sample 0)
  expect_error(2 "--lr 0.01 contradicts the checkpoint ${ck}, trained with --lr 0.003")
  set(abc "")
  foreach(i RANGE 1000)  # enough text for a validation part
    string(APPEND abc "abc cab bca ${i}\n")
  endforeach()
  file(WRITE ${OUT}/abc.txt "${abc}")
  char_lm(--resume ${ck} --text ${OUT}/abc.txt --prompt a --sample 0)
  expect_error(2 "--text ${OUT}/abc.txt has other characters than the text of ${ck} \\(15 distinct, against [0-9]+\\)")
  char_lm(--resume ${OUT}/missing.safetensors)
  expect_error(1 "load_safetensors: ${OUT}/missing.safetensors: cannot open: .*")
  # The length field and the start of the header: the rest is missing.
  execute_process(COMMAND head -c 200 ${ck} OUTPUT_FILE ${OUT}/truncated.safetensors)
  char_lm(--resume ${OUT}/truncated.safetensors)
  expect_error(1 "load_safetensors: ${OUT}/truncated.safetensors: .*")
  # A valid safetensors file that is not char_lm's: a header with metadata only.
  execute_process(COMMAND bash -c [[printf '\x20\0\0\0\0\0\0\0{"__metadata__":{"format":"pt"}}' > "$0"]] ${OUT}/other.safetensors)
  char_lm(--resume ${OUT}/other.safetensors)
  expect_error(1 "checkpoint ${OUT}/other.safetensors: not char_lm's; got no metadata '[a-z.-]+'")
  # The checkpoint is unharmed and still resumes.
  char_lm(--resume ${ck} --sample 0 --threads 1)
  if(NOT status EQUAL 0 OR NOT err MATCHES "resumed ${ck} at step 3 of 20\n")
    message(FATAL_ERROR "the checkpoint no longer resumes (${status}): ${err}")
  endif()
else()
  message(FATAL_ERROR "CHECK must be equal or errors; got '${CHECK}'")
endif()
