// One training step's loss and gradients, for a process alone or for one rank of a data-parallel
// job started with mpirun (see distributed/data_parallel.h). Every rank builds the same batches
// from the same seed and takes its own contiguous rows of each.
#pragma once

#include "model.h"

#include <focus/data/batching.h>
#include <focus/distributed/communicator.h>

#include <vector>

namespace translate {

struct StepLoss {
  Tensor loss;              // what this rank backpropagates; undefined when its shard is empty
  double value = 0;         // the mean token loss over the whole batch, the same on every rank
  std::int64_t tokens = 0;  // target tokens in the whole batch
};

// Alone: the mean cross-entropy over the batch's target tokens, as it always was. One of N ranks:
// this rank's rows, their token losses summed and divided by the token count summed over all
// ranks (a rank's own mean would weigh its tokens wrongly: padding and ignore_index make the
// ranks' token counts differ), so the ranks' losses add up to the mean over the whole batch.
StepLoss batch_loss(const Translator& model, const std::vector<data::TokenPair>& examples,
                    const std::vector<std::int64_t>& batch, const CrossEntropyOptions& ce,
                    distributed::Communicator& comm);

// Backpropagates step.loss, then sums the gradients over all ranks: every rank then holds the
// gradient of the whole batch's mean and its optimizer takes the same step.
void backward(const StepLoss& step, const Translator& model, distributed::Communicator& comm);

}  // namespace translate
