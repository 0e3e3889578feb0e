# char_lm under mpirun -np 2 (MPIEXEC: the launcher and its flags, "|"-separated). CHECK says which:
#   train                the job finishes, rank 0 announces the 2 ranks, and prints the one
#                        valid_bpc record and the one sample (the other rank stays quiet);
#   matches_one_process  without dropout, the job's first and last losses equal those of the same
#                        run in one process, up to float rounding.
string(REPLACE "|" ";" launcher "${MPIEXEC}")
set(tiny --steps 30 --context 32 --d-model 32 --layers 1 --batch 8 --dropout 0 --threads 1)

# Runs char_lm with the flags in ARGN (under the launcher when the first is LAUNCHED); fails the
# test unless it exits 0. Sets out and err in the caller.
function(run_char_lm)
  set(prefix "")
  if(ARGV0 STREQUAL "LAUNCHED")
    set(prefix ${launcher})
    list(REMOVE_AT ARGN 0)
  endif()
  execute_process(COMMAND ${prefix} ${CHAR_LM} ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE o ERROR_VARIABLE e)
  message("${o}${e}")
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "char_lm ${ARGN} exited with ${status}")
  endif()
  set(out "${o}" PARENT_SCOPE)
  set(err "${e}" PARENT_SCOPE)
endfunction()

# The "loss fell from F to L" line's two numbers ("%.4f") as integers in units of 1e-4.
function(losses text first_var last_var)
  if(NOT text MATCHES "loss fell from ([0-9]+)\\.([0-9][0-9][0-9][0-9]) to ([0-9]+)\\.([0-9][0-9][0-9][0-9])")
    message(FATAL_ERROR "no 'loss fell from F to L' line")
  endif()
  math(EXPR first "${CMAKE_MATCH_1} * 10000 + 1${CMAKE_MATCH_2} - 10000")  # the leading 1 keeps 0123 decimal
  math(EXPR last "${CMAKE_MATCH_3} * 10000 + 1${CMAKE_MATCH_4} - 10000")
  set(${first_var} ${first} PARENT_SCOPE)
  set(${last_var} ${last} PARENT_SCOPE)
endfunction()

if(CHECK STREQUAL "train")
  run_char_lm(LAUNCHED ${tiny} --sample 40)
  if(NOT err MATCHES "data-parallel: 2 processes over MPI")
    message(FATAL_ERROR "char_lm did not run as 2 data-parallel ranks")
  endif()
  foreach(record "valid_bpc=" "--- sample")
    string(REGEX MATCHALL "${record}" found "${out}")
    list(LENGTH found n)
    if(NOT n EQUAL 1)
      message(FATAL_ERROR "expected one '${record}' (rank 0's), got ${n}")
    endif()
  endforeach()
elseif(CHECK STREQUAL "matches_one_process")
  run_char_lm(${tiny} --sample 0)
  losses("${out}" alone_first alone_last)
  run_char_lm(LAUNCHED ${tiny} --sample 0)
  losses("${out}" mpi_first mpi_last)
  # Tolerance 2e-4 (2 in the last printed digit). The two runs compute the same mean loss and
  # gradient in a different order: one process sums all 256 characters' float32 losses at once,
  # the two ranks sum 128 each and add the halves (in double), and the gradients' sums are split
  # alike. Those rounding differences (~1e-7 relative) pass through 30 Adam steps. A rank that
  # trained on the wrong windows, or whose gradients were not summed, is off by far more. (A
  # gradient scaled by a constant would pass: Adam and clipping to norm 1 undo such a factor.)
  foreach(which first last)
    math(EXPR diff "${alone_${which}} - ${mpi_${which}}")
    if(diff GREATER 2 OR diff LESS -2)
      message(FATAL_ERROR "the ${which} loss differs: ${alone_${which}} alone, ${mpi_${which}} under mpirun (units of 1e-4)")
    endif()
  endforeach()
  message("first loss ${alone_first} / ${mpi_first}, last loss ${alone_last} / ${mpi_last} (alone / 2 ranks, units of 1e-4)")
else()
  message(FATAL_ERROR "CHECK must be train or matches_one_process; got '${CHECK}'")
endif()
