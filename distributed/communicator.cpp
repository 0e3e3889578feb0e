// The single-process communicator, the launcher check, and the process-wide communicator slot.
#include <focus/distributed/communicator.h>

#include <cstdlib>

namespace focus::distributed {

void SingleProcessCommunicator::broadcast(std::span<std::byte>, int root) {
  if (root != 0)
    throw DistributedError("broadcast: root must be a rank of the job (0 .. 0); got root=" + std::to_string(root));
}

namespace {

// The variable's value as a positive count, or 0 when unset or not a number.
long env_count(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return 0;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return (*end == '\0' && n > 0) ? n : 0;
}

std::shared_ptr<Communicator>& installed() {
  static std::shared_ptr<Communicator> comm;
  return comm;
}

}  // namespace

int launched_world_size(std::string* variable) {
  // Sizes: Open MPI's mpirun; MPICH / Intel MPI's hydra and srun --mpi=pmi2; MVAPICH.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE"}) {
    if (const long n = env_count(name); n > 0) {
      if (variable) *variable = name;
      return static_cast<int>(n);
    }
  }
  // PMIx launchers (srun --mpi=pmix, prterun) may set only the rank: a rank above 0 proves there
  // are at least two processes, though not how many.
  for (const char* name : {"PMIX_RANK", "PMI_RANK", "OMPI_COMM_WORLD_RANK"}) {
    if (const long r = env_count(name); r > 0) {
      if (variable) *variable = name;
      return static_cast<int>(r + 1);
    }
  }
  if (variable) variable->clear();
  return 1;
}

Communicator& world() {
  if (auto& comm = installed()) return *comm;
  std::string variable;
  if (launched_world_size(&variable) > 1) {
    throw DistributedError("world: a launcher started several processes but this program was built without MPI, "
                           "so each would train alone and overwrite the others' checkpoints; rebuild with "
                           "libopenmpi-dev installed (cmake -DFOCUS_WITH_MPI=ON) or run without mpirun; got " +
                           variable + "=" + std::getenv(variable.c_str()));
  }
  static SingleProcessCommunicator single;
  return single;
}

void set_world(std::shared_ptr<Communicator> comm) { installed() = std::move(comm); }

}  // namespace focus::distributed
