# Stopping translate train from outside: a signal after the first checkpointed step saves a
# checkpoint and ends with 128 + the signal; the checkpoint loads and resumes. Beside it lies a
# temporary file that a killed save of a process that no longer runs left behind: the save
# removes it, and leaves alone a lookalike of a running process and an unrelated file.
#   cmake -DTRANSLATE=<exe> -DOUT=<dir> -DSIGNAL_WHEN=<scripts/signal_when.sh> -DSIGNAL=TERM|INT
#         [-DMPIEXEC=<launcher and flags, "|"-separated>] [-DSEND_TO=self|rank1] [-DEXPECT=<status>]
#         -P check_signal.cmake
# With MPIEXEC the job runs as 2 ranks and the signal goes to mpirun (SEND_TO=self) or to rank 1
# alone (SEND_TO=rank1: the ranks must agree to stop, and rank 0 saves). Open MPI 4.1's mpirun,
# itself signalled, sends SIGTERM to every rank (after SIGCONT and odls_base_sigkill_timeout
# seconds, SIGKILL after as many again) and exits 1 whatever the ranks return; when a rank ends
# with 143 on its own, mpirun exits 143. EXPECT: the status expected (default 128 + the signal).
# The run, the status and the stop line: cmake/stop_signal_check.cmake, shared with char_lm.
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/stop_signal_check.cmake)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
set(ck ${OUT}/run.safetensors)
set(tiny --task copy --d-model 16 --heads 2 --ff 32 --layers 1 --threads 1 --batch 16 --warmup 10)

# Beside the checkpoint: a temporary of a pid above the kernel's pid_max (no process can have it),
# one of pid 1 (init, always running: its save could be under way), and a file that only looks
# like a temporary.
file(READ /proc/sys/kernel/pid_max pid_max)
string(STRIP "${pid_max}" pid_max)
math(EXPR dead "${pid_max} + 1")
file(WRITE ${ck}.tmp.${dead}.0 "half a checkpoint")
file(WRITE ${ck}.tmp.1.0 "someone else's save in progress")
file(WRITE ${ck}.tmp.x.0 "not a temporary of ours")

focus_run_until_signal(file:${ck} ${ck} saved ${TRANSLATE} train ${tiny} --steps 1000000 --save-every 1 --save ${ck})

file(GLOB left RELATIVE ${OUT} ${OUT}/run.safetensors*)
list(SORT left)
set(want run.safetensors run.safetensors.tmp.1.0 run.safetensors.tmp.x.0)
if(NOT left STREQUAL want)
  message(FATAL_ERROR "beside the checkpoint: [${left}]; expected [${want}] (the dead process's temporary removed, "
                      "the rest kept)")
endif()

# The checkpoint loads and translates, and a resumed run continues from the saved step.
execute_process(COMMAND ${TRANSLATE} run --load ${ck} --threads 1 0123 RESULT_VARIABLE status OUTPUT_VARIABLE out
                ERROR_VARIABLE run_err)
if(NOT status EQUAL 0 OR out STREQUAL "")
  message(FATAL_ERROR "the checkpoint does not load (${status}): ${run_err}")
endif()
math(EXPR until "${saved} + 2")
execute_process(COMMAND ${TRANSLATE} train ${tiny} --steps 1000000 --save ${ck} --resume ${ck} --stop-at ${until}
                RESULT_VARIABLE status ERROR_VARIABLE resume_err)
if(NOT status EQUAL 0 OR NOT resume_err MATCHES "resumed ${ck} at step ${saved} of 1000000\n.*stopped at step ${until} of")
  message(FATAL_ERROR "resuming from step ${saved} failed (${status}): ${resume_err}")
endif()
message(STATUS "SIG${SIGNAL} at step ${saved}: exit ${EXPECT}, checkpoint saved, loads and resumes; stale temporary removed")
