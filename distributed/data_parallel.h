// Data-parallel training on top of a Communicator: every rank holds the whole model, takes its
// own shard of each batch, and after backward the gradients are summed over all ranks, so every
// rank's optimizer takes the same step and the parameters stay bitwise the same everywhere.
//
//   Communicator& comm = distributed::world();
//   distributed::broadcast_parameters(comm, model.parameters());   // rank 0's initial values
//   each step: loss = (sum of this rank's token losses) / (token count summed over ranks);
//              loss.backward(); distributed::allreduce_gradients(comm, model.parameters());
//              clip, optimizer step as usual
#pragma once

#include <cstdint>
#include <vector>

#include <focus/distributed/communicator.h>
#include <focus/tensor/random.h>
#include <focus/tensor/tensor.h>

namespace focus::distributed {

// Copies root's values of the tensors (parameters, buffers) into the same tensors on every rank:
// all of them packed into one byte buffer and sent with one broadcast. Every rank passes tensors
// of the same shapes and dtypes in the same order.
void broadcast_parameters(Communicator& comm, const std::vector<Tensor>& tensors, int root = 0);

// Sums the .grad of every parameter over all ranks, in place: the gradients are packed into one
// flat buffer per dtype (float32, float64), one allreduce each, and unpacked into fresh .grad
// tensors. A parameter without .grad on this rank (its shard was empty, or it was unused)
// contributes zeros and leaves with the sum as its .grad. With one rank the gradients are left
// as backward made them. Throws DTypeError for a parameter neither float32 nor float64.
void allreduce_gradients(Communicator& comm, const std::vector<Tensor>& params);

// The rows [begin, end) of n that rank takes: rank * n / size up to (rank + 1) * n / size, so the
// shards are contiguous, cover every row once, and differ in size by at most one.
struct Shard {
  std::int64_t begin = 0, end = 0;
  std::int64_t size() const { return end - begin; }
};
[[nodiscard]] Shard shard_range(std::int64_t n, int rank, int size);

// Gives a rank above 0 its own random stream (dropout masks must differ across ranks, or every
// shard drops the same units): reseeds gen from its next draw mixed with the rank. Rank 0's
// stream is left alone, so a one-process run draws exactly what it drew before.
void split_generator(Generator& gen, int rank);

}  // namespace focus::distributed
