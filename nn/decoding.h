// Autoregressive decoding for any model that can advance one position at a time with a cache
// (each new token costs one position, not the whole prefix again): greedy search and beam
// search. The model implements IncrementalDecoder; nn::TransformerDecoder::forward_cached and
// DecoderCache are the usual way to do so.
#pragma once

#include <cstdint>
#include <vector>

#include <focus/tensor/tensor.h>

namespace focus::nn {

class IncrementalDecoder {
 public:
  virtual ~IncrementalDecoder() = default;
  // tokens: int64 [N], the newest token of each of the N rows being decoded. Advances the cache
  // by one position and returns log-probabilities of the next token, [N, V].
  virtual Tensor step(const Tensor& tokens) = 0;
  // Keeps rows `rows` (int64 [N']) of everything cached, in that order (beam search reorders
  // and duplicates rows as hypotheses are extended).
  virtual void select_rows(const Tensor& rows) = 0;
};

struct DecodeOptions {
  std::int64_t bos = 1, eos = 2;
  std::int64_t max_len = 64;    // generated tokens, eos not counted
  int beam = 1;                 // 1: greedy
  double length_penalty = 0.6;  // beam: hypotheses ranked by log p / ((5 + len) / 6)^length_penalty (GNMT)
};

// Decodes `rows` sequences greedily (the decoder holds `rows` rows). Returns the tokens of each,
// without bos and eos.
std::vector<std::vector<std::int64_t>> greedy_decode(IncrementalDecoder& decoder, std::int64_t rows,
                                                     const DecodeOptions& options);

// Beam search over `rows` inputs; the decoder must hold rows * beam rows, each input repeated
// beam times consecutively (row r * beam + b). Returns the best hypothesis per input.
std::vector<std::vector<std::int64_t>> beam_search(IncrementalDecoder& decoder, std::int64_t rows,
                                                   const DecodeOptions& options);

}  // namespace focus::nn
