// The data-parallel loss step (see loss.h).
#include <focus/train/loss.h>

#include <focus/autograd/ops_elementwise.h>
#include <focus/distributed/data_parallel.h>
#include <focus/tensor/error.h>

#include <span>

namespace focus::train {

StepLoss data_parallel_loss(distributed::Communicator& comm, std::int64_t rows, const RowsLoss& loss_of) {
  if (rows < 1) throw ValueError("data_parallel_loss: a batch needs at least one row; got rows=" + std::to_string(rows));
  StepLoss out;
  if (comm.size() == 1) {  // kept apart so a one-process run computes exactly the program's own mean
    auto [loss, count] = loss_of(0, rows, Reduction::Mean);
    out.value = loss.item<double>();
    out.loss = std::move(loss);
    out.count = count;
    return out;
  }
  const auto shard = distributed::shard_range(rows, comm.rank(), comm.size());
  std::vector<double> stats{0, 0};  // this rank's loss sum and count; after the allreduce, the batch's
  Tensor sum;
  if (shard.size() > 0) {
    auto [loss, count] = loss_of(shard.begin, shard.end, Reduction::Sum);
    stats = {loss.item<double>(), count};
    sum = std::move(loss);
  }
  comm.allreduce_sum(std::span<double>(stats));
  if (sum.defined()) out.loss = sum / stats[1];
  out.value = stats[0] / stats[1];
  out.count = stats[1];
  return out;
}

void backward(const StepLoss& step, const std::vector<Tensor>& params, distributed::Communicator& comm) {
  if (step.loss.defined()) step.loss.backward();
  distributed::allreduce_gradients(comm, params);  // nothing to do alone
}

}  // namespace focus::train
