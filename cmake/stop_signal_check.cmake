# The part every training program's signal test shares (the programs on train/ stop alike): run a
# training command under scripts/signal_when.sh, which sends SIGNAL once WHEN holds, then check the
# exit status and the one stop line "<interrupted|terminated> at step S of T (loss L); saved CK".
# Included by examples/<program>/check_signal.cmake, which adds its program's own checks.
#   focus_run_until_signal(<WHEN> <checkpoint> <result var: the step saved> <command...>)
# Reads SIGNAL_WHEN, SIGNAL, OUT, and optionally MPIEXEC ("|"-separated launcher and flags),
# SEND_TO (self | rank1; default self) and EXPECT (default 128 + the signal). Leaves the program's
# stdout and stderr in the caller's `out` and `err`. Under mpirun, SEND_TO=self signals mpirun
# (Open MPI 4.1 then sends SIGTERM to the ranks and exits 1), SEND_TO=rank1 signals rank 1 alone
# (the ranks must agree to stop together; mpirun exits with their status).
function(focus_run_until_signal when ck result_var)
  if(NOT DEFINED SEND_TO)
    set(SEND_TO self)
  endif()
  set(launcher "")
  if(DEFINED MPIEXEC)
    string(REPLACE "|" ";" launcher "${MPIEXEC}")
  endif()
  execute_process(COMMAND bash ${SIGNAL_WHEN} ${SIGNAL} ${when} ${SEND_TO} ${OUT}/train.out ${OUT}/train.err ${launcher} ${ARGN}
                  RESULT_VARIABLE helper OUTPUT_VARIABLE result ERROR_VARIABLE helper_err)
  if(NOT helper EQUAL 0)
    message(FATAL_ERROR "signal_when failed: ${helper_err}")
  endif()
  file(READ ${OUT}/train.out o)
  file(READ ${OUT}/train.err e)
  message("${o}${e}")
  set(expect ${EXPECT})
  if(NOT DEFINED EXPECT)
    set(expect 143)
    if(SIGNAL STREQUAL "INT")
      set(expect 130)
    endif()
  endif()
  if(NOT result MATCHES "status=${expect}\n")
    message(FATAL_ERROR "after SIG${SIGNAL} the program ended with ${result}; expected status=${expect}")
  endif()
  set(word terminated)  # a signalled mpirun sends SIGTERM to the ranks, whatever it received
  if(SIGNAL STREQUAL "INT" AND NOT (DEFINED MPIEXEC AND SEND_TO STREQUAL "self"))
    set(word interrupted)
  endif()
  if(NOT e MATCHES "(^|\n)${word} at step ([0-9]+) of ([0-9]+)( \\(loss [0-9.]+\\))?; saved ${ck}\n")
    message(FATAL_ERROR "no '${word} at step N of T (loss L); saved ${ck}' line")
  endif()
  if(CMAKE_MATCH_2 LESS 1)
    message(FATAL_ERROR "stopped at step ${CMAKE_MATCH_2}, before the first step was done")
  endif()
  set(${result_var} ${CMAKE_MATCH_2} PARENT_SCOPE)
  set(out "${o}" PARENT_SCOPE)
  set(err "${e}" PARENT_SCOPE)
  set(EXPECT ${expect} PARENT_SCOPE)
endfunction()
