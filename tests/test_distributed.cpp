// The communicator interface without MPI: the single-process communicator, the launcher check
// that refuses a multi-process start of a build without MPI, and the packing of data-parallel
// training, seen through a fake two-rank communicator that records what it is asked to send.
// The MPI runs themselves are in tests/mpi/ (label mpi, started with mpirun -np 2).
#include <doctest/doctest.h>
#include <focus/distributed/communicator.h>
#include <focus/distributed/data_parallel.h>
#include <focus/focus.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

using namespace focus;
using namespace focus::distributed;

namespace {

// Rank `rank` of 2. allreduce_sum adds what the other rank would send (`other_float`,
// `other_double`) and records every buffer it was given; broadcast records the buffer (the root
// sends it) or fills it with `root_bytes` (a receiver gets them).
class FakeTwoRanks final : public Communicator {
 public:
  explicit FakeTwoRanks(int rank) : rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return 2; }
  std::string name() const override { return "fake"; }
  void allreduce_sum(std::span<float> data) override {
    floats.emplace_back(data.begin(), data.end());
    for (std::size_t i = 0; i < data.size(); ++i) data[i] += other_float.at(i);
  }
  void allreduce_sum(std::span<double> data) override {
    doubles.emplace_back(data.begin(), data.end());
    for (std::size_t i = 0; i < data.size(); ++i) data[i] += other_double.at(i);
  }
  void allreduce_sum(std::span<std::int64_t>) override {}
  void broadcast(std::span<std::byte> data, int root) override {
    CHECK(root == 0);
    if (rank_ == root) sent.assign(data.begin(), data.end());
    else std::memcpy(data.data(), root_bytes.data(), data.size());
  }
  void barrier() override {}

  std::vector<float> other_float;
  std::vector<double> other_double;
  std::vector<std::vector<float>> floats;
  std::vector<std::vector<double>> doubles;
  std::vector<std::byte> sent, root_bytes;

 private:
  int rank_;
};

template <class T>
void append_bytes(std::vector<std::byte>& out, const std::vector<T>& values) {
  const auto* p = reinterpret_cast<const std::byte*>(values.data());
  out.insert(out.end(), p, p + values.size() * sizeof(T));
}

// Sets (or unsets, for nullopt) an environment variable for the scope, then puts it back.
class EnvScope {
 public:
  EnvScope(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value->c_str(), 1);
    else unsetenv(name);
  }
  ~EnvScope() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }
  EnvScope(const EnvScope&) = delete;
  EnvScope& operator=(const EnvScope&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// No launcher variable set, whatever the shell running the tests has.
struct NoLauncher {
  EnvScope a{"OMPI_COMM_WORLD_SIZE", std::nullopt}, b{"PMI_SIZE", std::nullopt}, c{"MV2_COMM_WORLD_SIZE", std::nullopt},
      d{"PMIX_RANK", std::nullopt}, e{"PMI_RANK", std::nullopt}, f{"OMPI_COMM_WORLD_RANK", std::nullopt};
};

}  // namespace

TEST_CASE("distributed: the single-process communicator is rank 0 of 1 and leaves buffers as they are") {
  SingleProcessCommunicator comm;
  CHECK(comm.rank() == 0);
  CHECK(comm.size() == 1);
  std::vector<float> f{1.5f, -2.0f};
  std::vector<double> d{3.25};
  std::vector<std::int64_t> i{7, 8};
  comm.allreduce_sum(std::span<float>(f));
  comm.allreduce_sum(std::span<double>(d));
  comm.allreduce_sum(std::span<std::int64_t>(i));
  CHECK(f == std::vector<float>{1.5f, -2.0f});
  CHECK(d == std::vector<double>{3.25});
  CHECK(i == std::vector<std::int64_t>{7, 8});
  std::vector<std::byte> bytes{std::byte{1}, std::byte{2}};
  comm.broadcast(std::span<std::byte>(bytes), 0);
  CHECK(bytes == std::vector<std::byte>{std::byte{1}, std::byte{2}});
  comm.barrier();
  CHECK_THROWS_WITH_AS(comm.broadcast(std::span<std::byte>(bytes), 1),
                       "broadcast: root must be a rank of the job (0 .. 0); got root=1", DistributedError);
}

TEST_CASE("distributed: launched_world_size reads the variables mpirun, mpiexec and srun set") {
  NoLauncher none;
  std::string variable = "x";
  CHECK(launched_world_size(&variable) == 1);
  CHECK(variable.empty());
  {
    EnvScope size("OMPI_COMM_WORLD_SIZE", "4");
    CHECK(launched_world_size(&variable) == 4);
    CHECK(variable == "OMPI_COMM_WORLD_SIZE");
  }
  {
    EnvScope size("PMI_SIZE", "3");
    CHECK(launched_world_size(&variable) == 3);
    CHECK(variable == "PMI_SIZE");
  }
  {
    EnvScope rank("PMIX_RANK", "0");  // rank 0 alone says nothing about the others
    CHECK(launched_world_size() == 1);
  }
  {
    EnvScope rank("PMIX_RANK", "2");  // rank 2 means at least 3 processes
    CHECK(launched_world_size(&variable) == 3);
    CHECK(variable == "PMIX_RANK");
  }
  {
    EnvScope junk("OMPI_COMM_WORLD_SIZE", "two");
    CHECK(launched_world_size() == 1);
  }
}

TEST_CASE("distributed: world() is one process, and refuses a multi-process launch of a build without MPI") {
  NoLauncher none;
  CHECK(world().size() == 1);
  CHECK(world().name() == "single process");
  {
    EnvScope size("OMPI_COMM_WORLD_SIZE", "1");  // mpirun -np 1: one process is fine
    CHECK(world().size() == 1);
  }
  EnvScope size("OMPI_COMM_WORLD_SIZE", "2");
  CHECK_THROWS_WITH_AS(world(),
                       "world: a launcher started several processes but this program was built without MPI, so each "
                       "would train alone and overwrite the others' checkpoints; rebuild with libopenmpi-dev installed "
                       "(cmake -DFOCUS_WITH_MPI=ON) or run without mpirun; got OMPI_COMM_WORLD_SIZE=2",
                       DistributedError);
}

TEST_CASE("distributed: allreduce_gradients sums one flat buffer per dtype, missing gradients as zeros") {
  // a and c are float32 (c has no gradient, as after an empty shard), b is float64.
  Tensor a = zeros({2, 2}).requires_grad_();
  Tensor b = zeros({3}, kFloat64).requires_grad_();
  Tensor c = zeros({2}).requires_grad_();
  a.set_grad(tensor(std::vector<float>{1, 2, 3, 4}, {2, 2}));
  b.set_grad(tensor(std::vector<double>{0.5, 0.25, 0.125}));
  FakeTwoRanks comm(1);
  comm.other_float = {10, 20, 30, 40, 50, 60};
  comm.other_double = {100, 200, 300};
  allreduce_gradients(comm, {a, b, c});

  // One collective per dtype, the parameters in order, zeros standing in for c's gradient.
  REQUIRE(comm.floats.size() == 1);
  REQUIRE(comm.doubles.size() == 1);
  CHECK(comm.floats[0] == std::vector<float>{1, 2, 3, 4, 0, 0});
  CHECK(comm.doubles[0] == std::vector<double>{0.5, 0.25, 0.125});
  CHECK(a.grad().to_vector<float>() == std::vector<float>{11, 22, 33, 44});
  CHECK(a.grad().shape() == Shape{2, 2});
  CHECK(b.grad().to_vector<double>() == std::vector<double>{100.5, 200.25, 300.125});
  REQUIRE(c.grad().defined());
  CHECK(c.grad().to_vector<float>() == std::vector<float>{50, 60});
}

TEST_CASE("distributed: allreduce_gradients leaves one process's gradients alone and rejects integer parameters") {
  Tensor a = zeros({2}).requires_grad_();
  Tensor unused = zeros({2}).requires_grad_();
  a.set_grad(tensor(std::vector<float>{1, 2}));
  SingleProcessCommunicator single;
  allreduce_gradients(single, {a, unused});
  CHECK(a.grad().to_vector<float>() == std::vector<float>{1, 2});
  CHECK_FALSE(unused.grad().defined());

  FakeTwoRanks comm(0);
  const Tensor ids = zeros({3}, kInt64);
  CHECK_THROWS_WITH_AS(allreduce_gradients(comm, {a, ids}),
                       "allreduce_gradients: parameters must be float32 or float64; got int64 of shape [3]", DTypeError);
}

TEST_CASE("distributed: broadcast_parameters sends root's bytes in one buffer and overwrites the other ranks'") {
  const std::vector<float> w{1.5f, -2.5f, 3.0f, 0.25f};
  const std::vector<std::int64_t> steps{7, -9};
  const std::vector<double> scale{0.1};
  std::vector<std::byte> expected;
  append_bytes(expected, w);
  append_bytes(expected, steps);
  append_bytes(expected, scale);

  SUBCASE("the root packs its tensors in order") {
    FakeTwoRanks comm(0);
    // The transpose is a non-contiguous view: it is sent in its own row-major order.
    Tensor wt = tensor(std::vector<float>{1.5f, 3.0f, -2.5f, 0.25f}, {2, 2}).transpose(0, 1);
    broadcast_parameters(comm, {wt, tensor(steps), tensor(scale)});
    CHECK(comm.sent == expected);
  }
  SUBCASE("a receiver's tensors take root's values, parameters included") {
    FakeTwoRanks comm(1);
    comm.root_bytes = expected;
    Tensor p = zeros({2, 2}).requires_grad_();
    Tensor s = zeros({2}, kInt64);
    Tensor d = zeros({1}, kFloat64);
    broadcast_parameters(comm, {p, s, d});
    CHECK(p.to_vector<float>() == w);
    CHECK(p.requires_grad());
    CHECK(s.to_vector<std::int64_t>() == steps);
    CHECK(d.to_vector<double>() == scale);
  }
  SUBCASE("the root must be a rank") {
    FakeTwoRanks comm(0);
    CHECK_THROWS_WITH_AS(broadcast_parameters(comm, {}, 2),
                         "broadcast_parameters: root must be a rank of the job (0 .. 1); got root=2", DistributedError);
  }
}

TEST_CASE("distributed: shard_range cuts n rows into contiguous shards that differ by at most one") {
  const Shard s0 = shard_range(10, 0, 3), s1 = shard_range(10, 1, 3), s2 = shard_range(10, 2, 3);
  CHECK((s0.begin == 0 && s0.end == 3));
  CHECK((s1.begin == 3 && s1.end == 6));
  CHECK((s2.begin == 6 && s2.end == 10));
  // Fewer rows than ranks: some shards are empty, none overlap.
  CHECK(shard_range(1, 0, 2).size() == 0);
  CHECK((shard_range(1, 1, 2).begin == 0 && shard_range(1, 1, 2).end == 1));
  CHECK(shard_range(64, 0, 1).size() == 64);
  CHECK_THROWS_WITH_AS((void)shard_range(10, 3, 3), "shard_range: need n >= 0 and 0 <= rank < size; got n=10, rank=3, size=3",
                       ValueError);
}

TEST_CASE("distributed: split_generator keeps rank 0's stream and gives each other rank its own") {
  Generator g0(42), g1(42), g2(42), reference(42);
  split_generator(g0, 0);
  split_generator(g1, 1);
  split_generator(g2, 2);
  std::vector<std::uint32_t> d0, d1, d2, dr;
  for (int i = 0; i < 4; ++i) {
    d0.push_back(g0.next_u32());
    d1.push_back(g1.next_u32());
    d2.push_back(g2.next_u32());
    dr.push_back(reference.next_u32());
  }
  CHECK(d0 == dr);
  CHECK(d1 != dr);
  CHECK(d2 != dr);
  CHECK(d1 != d2);
  // The same rank from the same state always gets the same stream (a rerun repeats itself).
  Generator again(42);
  split_generator(again, 1);
  CHECK(again.next_u32() == d1[0]);
}
