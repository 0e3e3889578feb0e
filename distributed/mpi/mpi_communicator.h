// The MPI communicator, in its own library (focus_mpi, focus::mpi) so that focus::focus never
// needs MPI. A program opts in with one object in main; under mpirun every rank then finds its
// MPI communicator through distributed::world(), and without mpirun it runs as one process:
//
//   int main(int argc, char** argv) {
//     focus::distributed::MpiSession mpi(argc, argv);
//     return mpi.finish(run(argc, argv));
//   }
//
// This header does not include <mpi.h>: code that uses focus_mpi needs no MPI headers.
#pragma once

#include <memory>

#include <focus/distributed/communicator.h>

namespace focus::distributed {

// A communicator over MPI_COMM_WORLD. MPI must be initialised (MpiSession does it). Errors of
// MPI calls come back as DistributedError, not as MPI's default abort. allreduce_sum is a reduce
// to rank 0 followed by a broadcast, so every rank holds the very same bits (MPI_Allreduce only
// recommends that), which keeps the ranks' parameters bitwise identical step after step.
std::shared_ptr<Communicator> make_mpi_communicator();

// Under a launcher (mpirun: an MPI launcher such as mpirun), initialises MPI (unless the program
// already did), installs the MPI communicator as world(), and finalises MPI when it goes out of
// scope; started on its own, the program stays a single process and MPI is never initialised.
// One per process, made first thing in main.
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv);
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  ~MpiSession();

  // Passes the program's exit status through. A non-zero status on a job of several ranks ends
  // the whole job with MPI_Abort: the other ranks may be waiting in a collective for this one and
  // would otherwise wait forever. This is the one place focus ends a process, and only because
  // main asked for it with the status it was about to return.
  int finish(int status);

 private:
  bool active_ = false;    // MPI is in use: the launcher started this process
  bool finalize_ = false;  // this session initialised MPI, so it finalises it
};

}  // namespace focus::distributed
