// Batching for sequence-to-sequence training: group examples of similar length (so little of
// each batch is padding), pad them into tensors, and shift targets for teacher forcing.
#pragma once

#include <cstdint>
#include <vector>

#include <focus/tensor/random.h>
#include <focus/tensor/tensor.h>

namespace focus::data {

// One example as token ids, without bos/eos.
struct TokenPair {
  std::vector<std::int64_t> src, tgt;
};

struct Batch {
  Tensor src;          // int64 [B, S], padded with pad
  Tensor src_lengths;  // int64 [B]
  Tensor tgt_in;       // int64 [B, T]: bos, y1 .. yn, padded
  Tensor tgt_out;      // int64 [B, T]: y1 .. yn, eos, padded (the loss ignores pad)
  Tensor tgt_lengths;  // int64 [B]: n + 1
  std::int64_t target_tokens = 0;  // sum of tgt_lengths: what the loss averages over
};

// Splits example indices into batches of at most batch_size: indices sorted by (source length,
// target length), cut into consecutive runs, then the runs shuffled with gen. The same gen state
// gives the same batches.
std::vector<std::vector<std::int64_t>> length_batches(const std::vector<TokenPair>& examples, std::int64_t batch_size,
                                                      Generator& gen);

Batch collate(const std::vector<TokenPair>& examples, const std::vector<std::int64_t>& indices, std::int64_t pad,
              std::int64_t bos, std::int64_t eos);

}  // namespace focus::data
