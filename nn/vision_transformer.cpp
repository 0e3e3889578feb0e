// The Vision Transformer: patches -> tokens, class token, encoder, head; and attention roll-out.
#include <focus/nn/vision_transformer.h>

#include <focus/autograd/grad_mode.h>
#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_matmul.h>
#include <focus/autograd/ops_reduce.h>
#include <focus/autograd/ops_shape.h>
#include <focus/tensor/factory.h>

namespace focus::nn {

PatchEmbedding::PatchEmbedding(std::int64_t image_size, std::int64_t patch_size, std::int64_t in_channels, std::int64_t d_model,
                               DType dtype, std::int64_t overlap)
    : Module("PatchEmbedding"), image_size_(image_size), patch_size_(patch_size), in_channels_(in_channels), overlap_(overlap) {
  if (patch_size < 1 || image_size < 1 || image_size % patch_size != 0 || in_channels < 1 || d_model < 1 || overlap < 0)
    throw ValueError("PatchEmbedding: image_size must be a positive multiple of patch_size, in_channels and d_model positive, "
                     "overlap >= 0; got image_size=" + std::to_string(image_size) + ", patch_size=" + std::to_string(patch_size) +
                     ", in_channels=" + std::to_string(in_channels) + ", d_model=" + std::to_string(d_model) +
                     ", overlap=" + std::to_string(overlap));
  if (overlap == 0)
    proj = register_module("proj", std::make_shared<Linear>(in_channels * patch_size * patch_size, d_model, true, dtype));
  else
    conv = register_module("conv", std::make_shared<Conv2d>(in_channels, d_model, patch_size + 2 * overlap, patch_size,
                                                            overlap, true, dtype));
}

Tensor PatchEmbedding::forward(const Tensor& images) const {
  return with_module_path([&] {
    const std::int64_t s = image_size_, p = patch_size_, g = s / p, C = in_channels_;
    if (images.dim() != 4 || images.size(1) != C || images.size(2) != s || images.size(3) != s)
      throw ShapeError("PatchEmbedding: images must be [B, " + std::to_string(C) + ", " + std::to_string(s) + ", " + std::to_string(s) +
                       "]; got " + focus::to_string(images.shape()));
    const std::int64_t B = images.size(0);
    if (conv) return conv->forward(images).reshape({B, -1, g * g}).transpose(1, 2);  // [B, D, g, g] -> [B, N, D]
    // [B, C, g, p, g, p] -> [B, g, g, C, p, p] -> [B, N, C p p]
    const Tensor patches = images.reshape({B, C, g, p, g, p}).permute({0, 2, 4, 1, 3, 5}).reshape({B, g * g, C * p * p});
    return proj->forward(patches);
  });
}

std::string PatchEmbedding::extra_repr() const {
  return "image_size=" + std::to_string(image_size_) + ", patch_size=" + std::to_string(patch_size_) +
         ", in_channels=" + std::to_string(in_channels_) +
         (overlap_ > 0 ? ", overlap=" + std::to_string(overlap_) : std::string());
}

VisionTransformer::VisionTransformer(const VisionTransformerConfig& config) : Module("VisionTransformer"), config_(config) {
  if (config.num_classes < 2 || config.num_layers < 1)
    throw ValueError("VisionTransformer: num_classes must be at least 2 and num_layers at least 1; got num_classes=" +
                     std::to_string(config.num_classes) + ", num_layers=" + std::to_string(config.num_layers));
  const std::int64_t D = config.block.d_model;
  patch_embed = register_module(
      "patch_embed", std::make_shared<PatchEmbedding>(config.image_size, config.patch_size, config.in_channels, D, config.block.dtype,
                                                       config.patch_overlap));
  config_.block.max_len = patch_embed->num_patches() + 1;
  cls_token = register_parameter("cls_token", normal({1, 1, D}, 0.0, 0.02, config.block.dtype));
  encoder = register_module("encoder", std::make_shared<TransformerEncoder>(config_.block, config.num_layers));
  head = register_module("head", std::make_shared<Linear>(D, config.num_classes, true, config.block.dtype));
}

Tensor VisionTransformer::forward(const Tensor& images) const {
  return with_module_path([&] {
    const Tensor tokens = patch_embed->forward(images);  // [B, N, D]
    const std::int64_t B = tokens.size(0);
    const Tensor x = cat({cls_token.expand({B, 1, config_.block.d_model}), tokens}, 1);  // [B, N + 1, D]
    return head->forward(encoder->forward(x).select(1, 0));                                // the class token's output
  });
}

Tensor VisionTransformer::attention_rollout(const Tensor& images) {
  NoGradGuard no_grad;
  const bool was_training = is_training();
  eval();
  for (const auto& layer : *encoder->layers) layer->self_attn->store_attention_weights = true;
  (void)forward(images);
  const std::int64_t T = patch_embed->num_patches() + 1;
  Tensor rollout;
  for (const auto& layer : *encoder->layers) {
    auto& attn = *layer->self_attn;
    attn.store_attention_weights = false;
    Tensor a = mean(attn.last_attention_weights.to(kFloat64), {1});  // [B, T, T], heads averaged
    attn.last_attention_weights = Tensor();
    a = a + eye(T, kFloat64);                                        // the residual path
    a = a / sum(a, {-1}, true);
    rollout = rollout.defined() ? matmul(a, rollout) : a;
  }
  Tensor cls = rollout.select(1, 0).slice(1, 1, T);  // [B, N]
  cls = cls / sum(cls, {-1}, true);
  if (was_training) train();
  return cls;
}

std::string VisionTransformer::extra_repr() const {
  return "num_classes=" + std::to_string(config_.num_classes) + ", patches=" + std::to_string(patch_embed->num_patches());
}

}  // namespace focus::nn
