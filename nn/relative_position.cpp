// T5's relative position buckets, the table lookup that turns them into a per-head bias, and the
// module that learns the table.
#include <focus/nn/relative_position.h>

#include <focus/autograd/ops_shape.h>
#include <focus/tensor/factory.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace focus::nn {

namespace {
void check_buckets(const char* op, const RelativeBuckets& b) {
  const std::int64_t least = b.bidirectional ? 4 : 2;
  if (b.num_buckets < least)
    throw ValueError(std::string(op) + ": num_buckets must be >= " + std::to_string(least) +
                     (b.bidirectional ? " when bidirectional" : " when causal") +
                     "; got num_buckets=" + std::to_string(b.num_buckets));
  const std::int64_t exact = (b.bidirectional ? b.num_buckets / 2 : b.num_buckets) / 2;
  if (b.max_distance <= exact)
    throw ValueError(std::string(op) + ": max_distance must exceed the exact buckets (" + std::to_string(exact) +
                     " for num_buckets=" + std::to_string(b.num_buckets) +
                     "); got max_distance=" + std::to_string(b.max_distance));
}

std::int64_t bucket_of(std::int64_t relative_position, const RelativeBuckets& b) {
  std::int64_t n = -relative_position, side = b.num_buckets, bucket = 0;
  if (b.bidirectional) {
    side /= 2;
    if (n < 0) bucket += side;
    n = n < 0 ? -n : n;
  } else {
    n = std::max<std::int64_t>(n, 0);
  }
  const std::int64_t exact = side / 2;
  if (n < exact) return bucket + n;
  const double scaled = std::log(static_cast<double>(n) / static_cast<double>(exact)) /
                        std::log(static_cast<double>(b.max_distance) / static_cast<double>(exact)) *
                        static_cast<double>(side - exact);
  return bucket + std::min(exact + static_cast<std::int64_t>(scaled), side - 1);
}
}  // namespace

std::int64_t relative_position_bucket(std::int64_t relative_position, const RelativeBuckets& buckets) {
  check_buckets("relative_position_bucket", buckets);
  return bucket_of(relative_position, buckets);
}

Tensor relative_position_buckets(std::int64_t tq, std::int64_t tk, std::int64_t q_offset, std::int64_t k_offset,
                                 const RelativeBuckets& buckets) {
  check_buckets("relative_position_buckets", buckets);
  if (tq < 0 || tk < 0 || q_offset < 0 || k_offset < 0)
    throw ValueError("relative_position_buckets: sizes and offsets must be >= 0; got Tq=" + std::to_string(tq) +
                     ", Tk=" + std::to_string(tk) + ", q_offset=" + std::to_string(q_offset) +
                     ", k_offset=" + std::to_string(k_offset));
  std::vector<std::int64_t> out(tq * tk);
  for (std::int64_t i = 0; i < tq; ++i)
    for (std::int64_t j = 0; j < tk; ++j) out[i * tk + j] = bucket_of((k_offset + j) - (q_offset + i), buckets);
  return tensor(out, {tq, tk});
}

// table [NB, H], buckets [Tq, Tk] -> embedding [Tq, Tk, H] -> permute -> [H, Tq, Tk]
// backward (embedding's own): dtable[b, h] = sum of g[h, i, j] over the (i, j) in bucket b
Tensor relative_position_bias(const Tensor& table, const Tensor& buckets) {
  check_floating("relative_position_bias", table);
  check_dtype("relative_position_bias (buckets)", buckets, kInt64);
  if (table.dim() != 2 || buckets.dim() != 2)
    throw ShapeError("relative_position_bias: need table [num_buckets, H] and buckets [Tq, Tk]; got table=" +
                     to_string(table.shape()) + ", buckets=" + to_string(buckets.shape()));
  return embedding(table, buckets).permute({2, 0, 1});
}

RelativePositionBias::RelativePositionBias(std::int64_t nhead, const RelativeBuckets& buckets, DType dtype)
    : Positions("RelativePositionBias"), nhead_(nhead), buckets_(buckets) {
  if (nhead <= 0) throw ValueError("RelativePositionBias: nhead must be positive; got nhead=" + std::to_string(nhead));
  check_buckets("RelativePositionBias", buckets);
  weight = register_parameter("weight", normal({buckets.num_buckets, nhead}, 0.0, 0.02, dtype));
}

Tensor RelativePositionBias::forward(std::int64_t tq, std::int64_t tk, std::int64_t q_offset,
                                     std::int64_t k_offset) const {
  return with_module_path(
      [&] { return relative_position_bias(weight, relative_position_buckets(tq, tk, q_offset, k_offset, buckets_)); });
}

std::string RelativePositionBias::extra_repr() const {
  return "nhead=" + std::to_string(nhead_) + ", num_buckets=" + std::to_string(buckets_.num_buckets) +
         ", max_distance=" + std::to_string(buckets_.max_distance) +
         ", bidirectional=" + (buckets_.bidirectional ? "true" : "false");
}

}  // namespace focus::nn
