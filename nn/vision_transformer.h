// A Vision Transformer (Dosovitskiy et al. 2021) for small images: the image cut into p x p
// patches, each flattened and projected to d_model (PatchEmbedding: a reshape and a Linear, the
// same map as a Conv2d with kernel = stride = p), a learned class token in front, a position
// scheme, the encoder stack of TransformerBlocks and a linear head on the class token's output.
// Shapes: images [B, C, H, W] -> logits [B, classes], N = (H / p) (W / p) patches, T = N + 1.
// The block is the same TransformerBlock the translator and GPT use; ViT's own choices (pre-norm,
// GELU) are the options' defaults here, and any registered norm or position scheme fits
// ("learned", or "sinusoidal2d": grid_positions.h).
#pragma once

#include <memory>

#include <focus/nn/conv.h>
#include <focus/nn/linear.h>
#include <focus/nn/transformer.h>

namespace focus::nn {

// [B, C, H, W] -> [B, N, D]: patch (i, j) is row i * (W / p) + j, its pixels flattened channel
// first, then row, then column (a Conv2d weight [D, C, p, p] reshaped to [D, C p p] is proj's).
// With overlap o > 0 the patches overlap: a Conv2d (conv) with kernel p + 2 o, stride p and
// padding o sees o more pixels on each side of each p x p patch (an overlapping patch embedding,
// as in CvT and "Early convolutions help transformers see better"); the grid stays (H / p) x (W / p).
class PatchEmbedding : public Module {
 public:
  // Throws ValueError unless image_size is a positive multiple of patch_size and overlap >= 0.
  PatchEmbedding(std::int64_t image_size, std::int64_t patch_size, std::int64_t in_channels, std::int64_t d_model,
                 DType dtype = kFloat32, std::int64_t overlap = 0);
  Tensor forward(const Tensor& images) const;
  std::string extra_repr() const override;
  std::int64_t num_patches() const { return (image_size_ / patch_size_) * (image_size_ / patch_size_); }

  std::shared_ptr<Linear> proj;  // overlap 0: the reshape and a Linear
  std::shared_ptr<Conv2d> conv;  // overlap > 0: overlapping patches

 private:
  std::int64_t image_size_, patch_size_, in_channels_, overlap_;
};

struct VisionTransformerConfig {
  std::int64_t image_size = 28;
  std::int64_t patch_size = 4;
  std::int64_t patch_overlap = 0;  // pixels each patch sees beyond each side (PatchEmbedding)
  std::int64_t in_channels = 1;
  std::int64_t num_classes = 10;
  int num_layers = 6;
  // The block; max_len is set to the patches + 1. ViT's defaults: pre-norm, GELU, learned positions.
  TransformerOptions block{.d_model = 128, .nhead = 4, .dim_feedforward = 256, .dropout = 0.1,
                           .activation = Activation::GELU, .norm_first = true, .positions = "learned"};
};

class VisionTransformer : public Module {
 public:
  // Throws ValueError for a bad size or block option (naming it).
  explicit VisionTransformer(const VisionTransformerConfig& config);
  // images [B, C, H, W] -> logits [B, num_classes].
  Tensor forward(const Tensor& images) const;
  // Where the class token looks, by attention roll-out (Abnar & Zuidema 2020): per layer the
  // heads' mean attention A plus the identity for the residual path, rows renormalised, multiplied
  // from the first layer to the last; the class token's row over the patches, renormalised to sum
  // 1. Returns [B, N] without a graph (eval mode, no dropout).
  Tensor attention_rollout(const Tensor& images);
  std::string extra_repr() const override;
  const VisionTransformerConfig& config() const { return config_; }

  std::shared_ptr<PatchEmbedding> patch_embed;
  Tensor cls_token;  // [1, 1, D]
  std::shared_ptr<TransformerEncoder> encoder;
  std::shared_ptr<Linear> head;

 private:
  VisionTransformerConfig config_;
};

}  // namespace focus::nn
