// MPI behind the Communicator interface: MPI_COMM_WORLD, errors returned (not fatal) and turned
// into DistributedError, and buffers longer than an int's count sent in pieces.
#include <focus/distributed/mpi/mpi_communicator.h>

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace focus::distributed {

namespace {

void check(int code, const char* op) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw DistributedError(std::string(op) + ": the MPI call failed; got " + std::string(text, static_cast<std::size_t>(length)));
}

// MPI counts are int; longer buffers go in pieces of at most this many elements.
constexpr std::size_t kPiece = std::size_t(1) << 30;

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MpiCommunicator");
    check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MpiCommunicator");
    check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MpiCommunicator");
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    check(MPI_Get_library_version(version, &length), "MpiCommunicator");
    // "Open MPI v4.1.4, package: ..." -> "MPI (Open MPI v4.1.4)"
    std::string v(version, static_cast<std::size_t>(length));
    v = v.substr(0, v.find_first_of(",\n"));
    name_ = "MPI (" + v + ")";
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string name() const override { return name_; }

  void allreduce_sum(std::span<float> data) override { sum(data.data(), data.size(), MPI_FLOAT); }
  void allreduce_sum(std::span<double> data) override { sum(data.data(), data.size(), MPI_DOUBLE); }
  void allreduce_sum(std::span<std::int64_t> data) override { sum(data.data(), data.size(), MPI_INT64_T); }

  void broadcast(std::span<std::byte> data, int root) override {
    if (root < 0 || root >= size_)
      throw DistributedError("broadcast: root must be a rank of the job (0 .. " + std::to_string(size_ - 1) +
                             "); got root=" + std::to_string(root));
    for (std::size_t at = 0; at < data.size(); at += kPiece) {
      const auto n = static_cast<int>(std::min(kPiece, data.size() - at));
      check(MPI_Bcast(data.data() + at, n, MPI_BYTE, root, MPI_COMM_WORLD), "broadcast");
    }
  }

  void barrier() override { check(MPI_Barrier(MPI_COMM_WORLD), "barrier"); }

 private:
  // Reduce to rank 0, then broadcast rank 0's sum: every rank gets the same bits.
  template <class T>
  void sum(T* data, std::size_t count, MPI_Datatype type) {
    for (std::size_t at = 0; at < count; at += kPiece) {
      const auto n = static_cast<int>(std::min(kPiece, count - at));
      void* send = rank_ == 0 ? MPI_IN_PLACE : static_cast<void*>(data + at);
      check(MPI_Reduce(send, data + at, n, type, MPI_SUM, 0, MPI_COMM_WORLD), "allreduce_sum");
      check(MPI_Bcast(data + at, n, type, 0, MPI_COMM_WORLD), "allreduce_sum");
    }
  }

  int rank_ = 0, size_ = 1;
  std::string name_;
};

}  // namespace

std::shared_ptr<Communicator> make_mpi_communicator() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) throw DistributedError("make_mpi_communicator: MPI must be initialised first; got MPI_Initialized=0");
  return std::make_shared<MpiCommunicator>();
}

namespace {

// Any variable an MPI launcher sets, even for a job of one process or for rank 0 of a PMIx launch
// that gives only ranks: then MPI must be initialised, or the other ranks would wait for this one.
bool started_by_launcher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMI_SIZE", "PMI_RANK", "PMIX_RANK",
                           "MV2_COMM_WORLD_SIZE"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

}  // namespace

MpiSession::MpiSession(int& argc, char**& argv) {
  // Started without a launcher: stay one process and never touch MPI. MPI_Init as a singleton
  // costs seconds (Open MPI starts its runtime), which every plain run would pay.
  if (!started_by_launcher()) return;
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    check(MPI_Init(&argc, &argv), "MpiSession");
    finalize_ = true;
  }
  set_world(make_mpi_communicator());
  active_ = true;
}

MpiSession::~MpiSession() {
  if (!active_) return;
  set_world(nullptr);
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (finalize_ && !finalised) MPI_Finalize();
}

int MpiSession::finish(int status) {
  if (status != 0 && world().size() > 1) MPI_Abort(MPI_COMM_WORLD, status);
  return status;
}

}  // namespace focus::distributed
