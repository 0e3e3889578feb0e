// Stopping a training run from outside without losing it: StopSignals catches SIGINT (Ctrl-C) and
// SIGTERM (what kill, batch schedulers and mpirun send) while it lives. The handlers only record
// that the signal came; the training loop asks at a step boundary (every rank of a data-parallel
// job at the same step), saves, and the program exits with the status a shell reports for that
// signal: 128 + its number, 130 for SIGINT, 143 for SIGTERM.
#pragma once

#include <focus/distributed/communicator.h>

namespace focus::cli {

// One at a time per process. Each handler acts once (SA_RESETHAND): a second Ctrl-C, or a second
// SIGTERM, ends the program at once as if no handler were installed, for when saving hangs.
class StopSignals {
 public:
  // Installs the handlers for SIGINT and SIGTERM and forgets any signal recorded before.
  StopSignals();
  // Puts the previous handlers back.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The signal this process received since construction: SIGTERM if one came (a scheduler's
  // request outranks a keystroke), else SIGINT if one came, else 0.
  [[nodiscard]] int received() const;
  // The signal the whole job acts on: received() over every rank of comm, by the same rule, the
  // same value on every rank. A collective (one allreduce of two integers; alone, no communication):
  // every rank calls it at the same point of each step, so all stop at the same step even when
  // the signal reached them at different steps.
  [[nodiscard]] int agreed(distributed::Communicator& comm) const;
};

// 128 + signal: what a shell reports for a program that signal ended (130 SIGINT, 143 SIGTERM).
[[nodiscard]] int stop_exit_status(int signal);

// Is status one that stop_exit_status gives (130, 143)? Under mpirun such an exit is one every rank
// agreed on at the same step, not a failure: a program's main ends MPI normally for it, where
// distributed::MpiSession::finish would MPI_Abort the job (and could cut rank 0's save short).
[[nodiscard]] bool is_stop_exit_status(int status);

// How a message names the stop: "interrupted" (SIGINT), "terminated" (SIGTERM), else "stopped".
[[nodiscard]] const char* stop_word(int signal);

}  // namespace focus::cli
