// cli::StopSignals in one process: which signal it records (SIGTERM over SIGINT), that each handler
// acts once, that it puts the previous handlers back, and the exit statuses and words the
// programs use. Signals are raised in this thread, so each handler has run when raise returns.
// (The agreement between ranks is tested under mpirun: tests/mpi/test_mpi.cpp.)
#include <doctest/doctest.h>

#include <csignal>
#include <string>

#include <focus/cli/stop_signal.h>

using namespace focus;

namespace {

volatile std::sig_atomic_t test_handler_calls = 0;
extern "C" void count_call(int) { test_handler_calls = test_handler_calls + 1; }

// The current handler of signal, without changing it.
void (*handler_of(int signal))(int) {
  struct sigaction now {};
  sigaction(signal, nullptr, &now);
  return now.sa_handler;
}

// Installs count_call for SIGINT and SIGTERM (doctest's own handlers report a raised SIGTERM as a
// crash) and puts the previous handlers back at the end of the test.
struct CountingHandlers {
  struct sigaction previous_int {}, previous_term {};
  CountingHandlers() {
    struct sigaction sa {};
    sa.sa_handler = count_call;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &previous_int);
    sigaction(SIGTERM, &sa, &previous_term);
    test_handler_calls = 0;
  }
  ~CountingHandlers() {
    sigaction(SIGINT, &previous_int, nullptr);
    sigaction(SIGTERM, &previous_term, nullptr);
  }
};

}  // namespace

TEST_CASE("stop_signal: records SIGINT and SIGTERM, SIGTERM outranking SIGINT, alone, agreed is received") {
  CountingHandlers outer;
  distributed::SingleProcessCommunicator alone;
  cli::StopSignals signals;
  CHECK(signals.received() == 0);
  CHECK(signals.agreed(alone) == 0);
  std::raise(SIGINT);
  CHECK(signals.received() == SIGINT);
  CHECK(signals.agreed(alone) == SIGINT);
  std::raise(SIGTERM);
  CHECK(signals.received() == SIGTERM);
  CHECK(signals.agreed(alone) == SIGTERM);
  CHECK(test_handler_calls == 0);  // StopSignals's handlers took both
}

TEST_CASE("stop_signal: each handler acts once, and the previous handlers come back at the end of the scope") {
  CountingHandlers outer;
  {
    cli::StopSignals signals;
    CHECK((handler_of(SIGINT) != count_call));
    CHECK((handler_of(SIGTERM) != count_call));
    std::raise(SIGTERM);
    // A second SIGTERM would now end the process: the default action is back for it alone.
    CHECK((handler_of(SIGTERM) == SIG_DFL));
    CHECK((handler_of(SIGINT) != SIG_DFL));
    CHECK(signals.received() == SIGTERM);
  }
  CHECK((handler_of(SIGINT) == count_call));
  CHECK((handler_of(SIGTERM) == count_call));
  cli::StopSignals fresh;  // forgets what the scope before it recorded
  CHECK(fresh.received() == 0);
}

TEST_CASE("stop_signal: exit statuses are 128 + the signal, and the words name the stop") {
  CHECK(cli::stop_exit_status(SIGINT) == 130);
  CHECK(cli::stop_exit_status(SIGTERM) == 143);
  CHECK(cli::is_stop_exit_status(130));
  CHECK(cli::is_stop_exit_status(143));
  for (const int other : {0, 1, 2, 128, 137})  // success, failure, usage error, SIGKILL
    CHECK_FALSE(cli::is_stop_exit_status(other));
  CHECK(std::string(cli::stop_word(SIGINT)) == "interrupted");
  CHECK(std::string(cli::stop_word(SIGTERM)) == "terminated");
  CHECK(std::string(cli::stop_word(0)) == "stopped");
}
