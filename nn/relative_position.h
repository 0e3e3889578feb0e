// Relative position bias with T5's buckets (Raffel et al. 2020, "Exploring the Limits of Transfer
// Learning"): each head learns one score per bucket of key - query distance, added to its attention
// scores. Near distances get a bucket each, far ones share logarithmically wider buckets up to
// max_distance, beyond which all share the last. The bias goes to attention as AttentionMask::bias.
#pragma once

#include <focus/nn/positions.h>

namespace focus::nn {

struct RelativeBuckets {
  bool bidirectional = true;      // encoder: keys before and after a query get separate buckets
  std::int64_t num_buckets = 32;  // T5's defaults
  std::int64_t max_distance = 128;
};

// The bucket of relative_position = key position - query position, T5's rule:
//   n = -relative_position (how far back the key lies);
//   bidirectional: half the buckets each side, the upper half for keys ahead (n < 0), then n = |n|;
//   causal: keys ahead (n < 0) all fall into bucket 0, with n = 0;
//   with B the buckets of one side and e = B / 2: n < e is bucket n; else
//   e + floor(log(n / e) / log(max_distance / e) * (B - e)), at most B - 1.
// The logarithm is taken in float64; T5 takes it in float32, which could put a distance on a
// bucket edge one bucket lower (positions_ref.py finds no such distance in -300..300 for the
// settings it tests). Throws ValueError when num_buckets < 2 (4 when bidirectional) or
// max_distance <= e.
[[nodiscard]] std::int64_t relative_position_bucket(std::int64_t relative_position,
                                                    const RelativeBuckets& buckets = {});

// The buckets int64 [Tq, Tk] for queries at q_offset..q_offset+Tq-1 and keys at
// k_offset..k_offset+Tk-1 (a cached decoding step: q_offset = the cache's length, k_offset = 0).
[[nodiscard]] Tensor relative_position_buckets(std::int64_t tq, std::int64_t tk, std::int64_t q_offset = 0,
                                               std::int64_t k_offset = 0, const RelativeBuckets& buckets = {});

// table [num_buckets, H] looked up at buckets int64 [Tq, Tk] -> bias [H, Tq, Tk]; differentiable in
// the table (each bucket's gradient sums the scores that used it).
[[nodiscard]] Tensor relative_position_bias(const Tensor& table, const Tensor& buckets);

// The learned table of T5's relative attention bias, "weight" [num_buckets, nhead], initialised
// N(0, 0.02^2) as focus's other learned position tables. T5 shares one between all layers of a
// stack: hold one module and pass its bias to every layer.
class RelativePositionBias : public Positions {
 public:
  RelativePositionBias(std::int64_t nhead, const RelativeBuckets& buckets = {}, DType dtype = kFloat32);
  // -> [H, Tq, Tk] for the positions as relative_position_buckets takes them.
  Tensor forward(std::int64_t tq, std::int64_t tk, std::int64_t q_offset = 0, std::int64_t k_offset = 0) const;
  // The "relative" scheme of positions.h: its bias is forward().
  Tensor bias(std::int64_t tq, std::int64_t tk, std::int64_t q_offset, std::int64_t k_offset) const override {
    return forward(tq, tk, q_offset, k_offset);
  }
  bool inside_attention() const override { return true; }
  std::string extra_repr() const override;
  const RelativeBuckets& buckets() const { return buckets_; }

  Tensor weight;

 private:
  std::int64_t nhead_;
  RelativeBuckets buckets_;
};

}  // namespace focus::nn
