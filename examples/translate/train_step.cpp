// The training step's loss, alone or as one rank of several (see train_step.h).
#include "train_step.h"

#include <focus/distributed/data_parallel.h>
#include <focus/text/vocab.h>

namespace translate {

namespace {

Tensor token_loss(const Translator& model, const data::Batch& b, const CrossEntropyOptions& ce) {
  const Tensor logits = model.forward(b);  // [B, T, V]
  return cross_entropy(logits.reshape({-1, model.config().tgt_vocab}), b.tgt_out.reshape({-1}), ce);
}

}  // namespace

StepLoss batch_loss(const Translator& model, const std::vector<data::TokenPair>& examples,
                    const std::vector<std::int64_t>& batch, const CrossEntropyOptions& ce,
                    distributed::Communicator& comm) {
  using text::Vocab;
  StepLoss out;
  if (comm.size() == 1) {
    const data::Batch b = data::collate(examples, batch, Vocab::kPad, Vocab::kBos, Vocab::kEos);
    out.loss = token_loss(model, b, ce);
    out.value = out.loss.item<double>();
    out.tokens = b.target_tokens;
    return out;
  }
  const auto shard = distributed::shard_range(static_cast<std::int64_t>(batch.size()), comm.rank(), comm.size());
  // stats: this rank's token-loss sum and token count, then (after the allreduce) the batch's.
  std::vector<double> stats{0, 0};
  Tensor sum;
  if (shard.size() > 0) {  // a short last batch can leave a rank without rows
    const std::vector<std::int64_t> rows(batch.begin() + shard.begin, batch.begin() + shard.end);
    const data::Batch b = data::collate(examples, rows, Vocab::kPad, Vocab::kBos, Vocab::kEos);
    CrossEntropyOptions sum_ce = ce;
    sum_ce.reduction = Reduction::Sum;
    sum = token_loss(model, b, sum_ce);
    stats = {sum.item<double>(), static_cast<double>(b.target_tokens)};
  }
  comm.allreduce_sum(std::span<double>(stats));
  if (sum.defined()) out.loss = sum / stats[1];
  out.value = stats[0] / stats[1];
  out.tokens = static_cast<std::int64_t>(stats[1]);
  return out;
}

void backward(const StepLoss& step, const Translator& model, distributed::Communicator& comm) {
  if (step.loss.defined()) step.loss.backward();
  distributed::allreduce_gradients(comm, model.parameters());  // nothing to do alone
}

}  // namespace translate
