// Embedding.
#include <focus/nn/embedding.h>

#include <focus/autograd/ops_shape.h>
#include <focus/nn/init.h>
#include <focus/tensor/factory.h>

namespace focus::nn {

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, std::int64_t padding_idx, DType dtype)
    : Module("Embedding"), num_embeddings_(num_embeddings), embedding_dim_(embedding_dim), padding_idx_(padding_idx) {
  if (num_embeddings <= 0 || embedding_dim <= 0)
    throw ValueError("Embedding: num_embeddings and embedding_dim must be positive; got num_embeddings=" +
                     std::to_string(num_embeddings) + ", embedding_dim=" + std::to_string(embedding_dim));
  if (padding_idx < -1 || padding_idx >= num_embeddings)
    throw IndexError("Embedding: padding_idx must be -1 (none) or in [0, num_embeddings); got padding_idx=" +
                     std::to_string(padding_idx) + ", num_embeddings=" + std::to_string(num_embeddings));
  weight = register_parameter("weight", randn({num_embeddings, embedding_dim}, dtype));
  if (padding_idx >= 0) {
    Tensor row = weight.select(0, padding_idx).detach();
    init::zeros_(row);
  }
}

Tensor Embedding::forward(const Tensor& ids) const {
  return with_module_path([&] { return embedding(weight, ids, padding_idx_); });
}

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings_) + ", " + std::to_string(embedding_dim_);
  if (padding_idx_ >= 0) s += ", padding_idx=" + std::to_string(padding_idx_);
  return s;
}

}  // namespace focus::nn
