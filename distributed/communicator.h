// How the processes of one training job talk: a Communicator gives this process's rank, the
// number of processes, and the collectives data-parallel training needs (sum over all ranks,
// broadcast from one rank, barrier). The core holds only the interface and the single-process
// communicator; the MPI one lives in the separate focus_mpi target (distributed/mpi/), so
// programs that never run on several machines never need MPI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <focus/tensor/error.h>

namespace focus::distributed {

// A collective that cannot run: a multi-process launch without an MPI build, a wrong root, a
// failed MPI call.
class DistributedError : public Error {
 public:
  using Error::Error;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;  // 0 .. size() - 1
  virtual int size() const = 0;  // processes in the job
  virtual std::string name() const = 0;  // "single process", "MPI (Open MPI v4.1.4)", ...

  // Every rank passes a buffer of the same length; afterwards each holds the element-wise sum
  // over all ranks, bitwise the same on every rank.
  virtual void allreduce_sum(std::span<float> data) = 0;
  virtual void allreduce_sum(std::span<double> data) = 0;
  virtual void allreduce_sum(std::span<std::int64_t> data) = 0;
  // Every rank passes a buffer of the same length; afterwards each holds root's bytes.
  virtual void broadcast(std::span<std::byte> data, int root) = 0;
  // Returns once every rank has entered it.
  virtual void barrier() = 0;
};

// One process alone: rank 0 of 1; the collectives leave the buffers as they are.
class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string name() const override { return "single process"; }
  void allreduce_sum(std::span<float>) override {}
  void allreduce_sum(std::span<double>) override {}
  void allreduce_sum(std::span<std::int64_t>) override {}
  void broadcast(std::span<std::byte> data, int root) override;
  void barrier() override {}
};

// How many processes the launcher says this job has, read from the variables that mpirun,
// mpiexec and srun set (OMPI_COMM_WORLD_SIZE, PMI_SIZE, ... ; a non-zero PMIX_RANK or PMI_RANK
// alone also means several). 1 when none is set. `variable` receives the variable's name.
int launched_world_size(std::string* variable = nullptr);

// The process's communicator: the one installed with set_world(), else a single-process one.
// Throws DistributedError when nothing is installed but the launcher started several processes,
// because N independent copies would each train alone and overwrite one another's checkpoints.
Communicator& world();

// Makes comm the process's communicator (null: back to the single-process default). The MPI
// build's MpiSession (distributed/mpi/mpi_communicator.h) calls it; user code rarely needs to.
void set_world(std::shared_ptr<Communicator> comm);

}  // namespace focus::distributed
