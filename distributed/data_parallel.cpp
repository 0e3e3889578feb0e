// Packing tensors into flat buffers for the collectives of data-parallel training, and unpacking
// the results. One collective per buffer: many small messages cost far more than one large one.
#include <focus/distributed/data_parallel.h>

#include <focus/autograd/grad_mode.h>
#include <focus/tensor/factory.h>

#include <cstring>

namespace focus::distributed {

namespace {

std::size_t bytes_of(const Tensor& t) { return static_cast<std::size_t>(t.numel()) * element_size(t.dtype()); }

// The tensor's elements in row-major order, wherever its view points.
const std::byte* raw_bytes(const Tensor& contiguous) {
  return static_cast<const std::byte*>(contiguous.storage()->data()) +
         static_cast<std::size_t>(contiguous.offset()) * element_size(contiguous.dtype());
}

void check_root(const Communicator& comm, int root, const char* op) {
  if (root < 0 || root >= comm.size())
    throw DistributedError(std::string(op) + ": root must be a rank of the job (0 .. " + std::to_string(comm.size() - 1) +
                           "); got root=" + std::to_string(root));
}

// Packs the gradients of the params of dtype T (zeros for a missing .grad), sums them over all
// ranks, and sets each param's .grad to its slice of the sum.
template <class T>
void allreduce_dtype(Communicator& comm, const std::vector<Tensor>& params, DType dtype) {
  std::int64_t total = 0;
  for (const auto& p : params)
    if (p.dtype() == dtype) total += p.numel();
  if (total == 0) return;
  std::vector<T> flat(static_cast<std::size_t>(total), T(0));
  std::size_t at = 0;
  for (const auto& p : params) {
    if (p.dtype() != dtype) continue;
    const Tensor g = p.grad();
    if (g.defined()) {
      const Tensor c = g.contiguous();
      std::memcpy(flat.data() + at, raw_bytes(c), bytes_of(c));
    }
    at += static_cast<std::size_t>(p.numel());
  }
  comm.allreduce_sum(std::span<T>(flat));
  at = 0;
  for (const auto& p : params) {
    if (p.dtype() != dtype) continue;
    Tensor g = Tensor::empty(p.shape(), dtype);
    std::memcpy(g.template data_ptr<T>(), flat.data() + at, bytes_of(g));
    p.set_grad(g);
    at += static_cast<std::size_t>(p.numel());
  }
}

}  // namespace

void broadcast_parameters(Communicator& comm, const std::vector<Tensor>& tensors, int root) {
  check_root(comm, root, "broadcast_parameters");
  if (comm.size() == 1) return;
  std::size_t total = 0;
  for (const auto& t : tensors) total += bytes_of(t);
  std::vector<std::byte> flat(total);
  std::size_t at = 0;
  if (comm.rank() == root) {
    for (const auto& t : tensors) {
      const Tensor c = t.contiguous();
      std::memcpy(flat.data() + at, raw_bytes(c), bytes_of(c));
      at += bytes_of(c);
    }
  }
  comm.broadcast(std::span<std::byte>(flat), root);
  if (comm.rank() == root) return;
  NoGradGuard no_grad;  // a plain overwrite of leaves, not a step of the graph
  at = 0;
  for (const auto& t : tensors) {
    Tensor received = Tensor::empty(t.shape(), t.dtype());
    std::memcpy(static_cast<std::byte*>(received.storage()->data()), flat.data() + at, bytes_of(t));
    Tensor target = t;
    target.copy_(received);
    at += bytes_of(t);
  }
}

void allreduce_gradients(Communicator& comm, const std::vector<Tensor>& params) {
  for (const auto& p : params)
    if (p.dtype() != kFloat32 && p.dtype() != kFloat64)
      throw DTypeError("allreduce_gradients: parameters must be float32 or float64; got " +
                       std::string(dtype_name(p.dtype())) + " of shape " + focus::to_string(p.shape()));
  if (comm.size() == 1) return;  // nothing to add: the gradients stay as backward left them
  allreduce_dtype<float>(comm, params, kFloat32);
  allreduce_dtype<double>(comm, params, kFloat64);
}

Shard shard_range(std::int64_t n, int rank, int size) {
  if (size < 1 || rank < 0 || rank >= size || n < 0)
    throw ValueError("shard_range: need n >= 0 and 0 <= rank < size; got n=" + std::to_string(n) + ", rank=" +
                     std::to_string(rank) + ", size=" + std::to_string(size));
  return {n * rank / size, n * (rank + 1) / size};
}

void split_generator(Generator& gen, int rank) {
  if (rank <= 0) return;
  const std::uint64_t draw = (static_cast<std::uint64_t>(gen.next_u32()) << 32) | gen.next_u32();
  // The rank times an odd 64-bit constant (2^64 / golden ratio) spreads neighbouring ranks apart.
  gen.manual_seed(draw ^ (static_cast<std::uint64_t>(rank) * 0x9E3779B97F4A7C15ull));
}

}  // namespace focus::distributed
