// Drawing the next token from a language model's logits: temperature (sharpen or flatten the
// distribution; 0 means always the most likely token) and top-k (draw only among the k most likely
// tokens, so the long tail of unlikely ones never derails a sample). Draws come from a focus
// Generator, so a seed gives the same text on every machine.
#pragma once

#include <cstdint>

#include <focus/tensor/random.h>
#include <focus/tensor/tensor.h>

namespace focus::nn {

struct SamplingOptions {
  double temperature = 1.0;  // p ~ softmax(logits / temperature); 0: greedy (argmax)
  std::int64_t top_k = 0;    // keep the k largest logits (ties broken by lower index); 0: all
};

// logits [N, V] (or [V]) -> int64 [N] (or []) token ids, one draw per row from
// softmax(logits / temperature) restricted to the top_k largest logits. One uniform draw per
// row is taken from gen (none when greedy). Throws ValueError for temperature < 0, top_k < 0 or
// a NaN logit, ShapeError for another rank or V = 0, DTypeError for non-floating logits.
[[nodiscard]] Tensor sample_logits(const Tensor& logits, const SamplingOptions& options, Generator& gen);

}  // namespace focus::nn
