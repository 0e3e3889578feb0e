// Embedding: a lookup table [num_embeddings, embedding_dim]; int64 ids of any shape in,
// ids.shape + [embedding_dim] out. The padding_idx row starts at zero and gets no gradient.
#pragma once

#include <focus/nn/module.h>

namespace focus::nn {

class Embedding : public Module {
 public:
  // weight ~ N(0, 1) as torch; padding_idx < 0 means none (negative values count from the end
  // in torch; here only -1 = none is accepted).
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, std::int64_t padding_idx = -1,
            DType dtype = kFloat32);
  Tensor forward(const Tensor& ids) const;
  std::string extra_repr() const override;

  std::int64_t num_embeddings() const { return num_embeddings_; }
  std::int64_t embedding_dim() const { return embedding_dim_; }
  std::int64_t padding_idx() const { return padding_idx_; }
  Tensor weight;

 private:
  std::int64_t num_embeddings_, embedding_dim_, padding_idx_;
};

}  // namespace focus::nn
