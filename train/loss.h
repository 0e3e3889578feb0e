// One training step's loss for a process alone or for one rank of a data-parallel job started
// with mpirun (distributed/data_parallel.h), written once for every program. Every rank builds
// the same batch and takes its own contiguous rows of it.
//
// Alone, the program's mean loss over the batch, exactly as it computes it. One of N ranks: the
// rank's rows, their losses summed and divided by the count summed over all ranks (a rank's own
// mean would weigh its rows wrongly: padding and ignore_index make the ranks' counts differ), so
// the ranks' losses add up to the mean over the whole batch; a rank whose shard is empty (a
// short batch, fewer rows than ranks) adds nothing but still joins the collectives.
#pragma once

#include <focus/distributed/communicator.h>
#include <focus/tensor/tensor.h>
#include <focus/autograd/ops_nn.h>

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace focus::train {

struct StepLoss {
  Tensor loss;        // what this rank backpropagates; undefined when its shard is empty
  double value = 0;   // the mean over the whole batch, the same on every rank
  double count = 0;   // what the mean is over (tokens, examples), summed over the ranks
};

// The loss of rows [begin, end) of the batch with the given reduction (Mean or Sum, as
// cross_entropy's), and what it counts (tokens that are not padding, examples).
using RowsLoss = std::function<std::pair<Tensor, double>(std::int64_t begin, std::int64_t end, Reduction reduction)>;

// Alone: loss_of(0, rows, Mean). Under several ranks: this rank's shard with Sum, then one
// allreduce of {sum, count}. Throws ValueError for rows < 1.
[[nodiscard]] StepLoss data_parallel_loss(distributed::Communicator& comm, std::int64_t rows, const RowsLoss& loss_of);

// Backpropagates step.loss (when defined), then sums the gradients of params over all ranks:
// every rank then holds the gradient of the whole batch's mean and its optimizer takes the same step.
void backward(const StepLoss& step, const std::vector<Tensor>& params, distributed::Communicator& comm);

}  // namespace focus::train
