// Positional encodings, added to token embeddings [B, T, D]:
// SinusoidalPositionalEncoding: the fixed sin/cos table of "Attention Is All You Need"
//   (PE[pos, 2i] = sin(pos / 10000^(2i/D)), PE[pos, 2i+1] = cos(...)); a non-persistent buffer.
// LearnedPositionalEncoding: a trained table "weight" [max_len, D], initialised N(0, 0.02^2).
// Both take the position of the first token (offset), for decoding with a cache. They are the
// "sinusoidal" and "learned" schemes of positions.h: their embed() is forward().
#pragma once

#include <focus/nn/positions.h>

namespace focus::nn {

class SinusoidalPositionalEncoding : public Positions {
 public:
  SinusoidalPositionalEncoding(std::int64_t d_model, std::int64_t max_len = 512, DType dtype = kFloat32);
  // x [B, T, D] -> x + PE[offset : offset + T]
  Tensor forward(const Tensor& x, std::int64_t offset = 0) const;
  Tensor embed(const Tensor& x, std::int64_t offset) const override { return forward(x, offset); }
  std::string extra_repr() const override;
  std::int64_t max_len() const { return max_len_; }

 private:
  std::int64_t d_model_, max_len_;
  Tensor pe_;
};

class LearnedPositionalEncoding : public Positions {
 public:
  LearnedPositionalEncoding(std::int64_t max_len, std::int64_t d_model, DType dtype = kFloat32);
  Tensor forward(const Tensor& x, std::int64_t offset = 0) const;
  Tensor embed(const Tensor& x, std::int64_t offset) const override { return forward(x, offset); }
  std::string extra_repr() const override;
  std::int64_t max_len() const { return max_len_; }
  Tensor weight;

 private:
  std::int64_t max_len_, d_model_;
};

}  // namespace focus::nn
