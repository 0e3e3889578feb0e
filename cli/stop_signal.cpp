// StopSignals: handlers that only set a flag, and the allreduce that makes the ranks agree
// (see stop_signal.h).
#include <focus/cli/stop_signal.h>

#include <csignal>
#include <cstdint>
#include <span>

namespace focus::cli {

namespace {

// One flag per signal, each written only by its own handler: no read-modify-write in a handler,
// which another signal could interrupt on another thread.
volatile std::sig_atomic_t got_sigint = 0;
volatile std::sig_atomic_t got_sigterm = 0;

extern "C" void on_stop_signal(int signal) {
  if (signal == SIGTERM)
    got_sigterm = 1;
  else
    got_sigint = 1;
}

struct sigaction previous_int {}, previous_term {};

// The rule of received() and agreed(): SIGTERM over SIGINT.
int pick(bool sigint, bool sigterm) { return sigterm ? SIGTERM : sigint ? SIGINT : 0; }

}  // namespace

StopSignals::StopSignals() {
  got_sigint = 0;
  got_sigterm = 0;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  // SA_RESTART: a signal during a read, a write or an MPI wait resumes it instead of failing it
  // with EINTR; the loop sees the flag at its next step either way.
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &sa, &previous_int);
  sigaction(SIGTERM, &sa, &previous_term);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

int StopSignals::received() const { return pick(got_sigint != 0, got_sigterm != 0); }

int StopSignals::agreed(distributed::Communicator& comm) const {
  if (comm.size() == 1) return received();
  // Summed over the ranks: how many got each signal.
  std::int64_t counts[2] = {got_sigint != 0 ? 1 : 0, got_sigterm != 0 ? 1 : 0};
  comm.allreduce_sum(std::span<std::int64_t>(counts));
  return pick(counts[0] > 0, counts[1] > 0);
}

int stop_exit_status(int signal) { return 128 + signal; }

bool is_stop_exit_status(int status) {
  return status == stop_exit_status(SIGINT) || status == stop_exit_status(SIGTERM);
}

const char* stop_word(int signal) {
  if (signal == SIGINT) return "interrupted";
  if (signal == SIGTERM) return "terminated";
  return "stopped";
}

}  // namespace focus::cli
