// Position schemes behind one small interface, so a Transformer block can take any of them by
// name. A scheme acts in up to four places, each a virtual with a do-nothing default:
//   embed       absolute positions added to the token embeddings [B, T, D] (sinusoidal, learned);
//   rotate      q and k [B, H, T, Dh] turned by their position before attention (rope);
//   bias        an additive per-head bias [H, Tq, Tk] on the attention scores (alibi, relative);
//   score_bias  an additive bias [B, H, Tq, Tk] computed from q and k themselves (xl).
// Every method takes absolute positions (offsets), so cached decoding, which sees only new
// positions, computes what the full sequence does. Built in: none, sinusoidal, learned,
// relative (T5's buckets), sinusoidal2d (a ViT's class token and grid of patches), rope, alibi,
// xl (Transformer-XL's relative attention); each scheme lives in its own file (positional.h,
// relative_position.h, grid_positions.h, rope.h, alibi.h, xl_positions.h). A new scheme is a
// class deriving from Positions and one register_positions call (docs/extending.md, "A new
// position scheme").
#pragma once

#include <focus/nn/module.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace focus::nn {

// What a stack tells the scheme it makes.
struct PositionsConfig {
  std::int64_t d_model = 0;
  std::int64_t nhead = 0;
  std::int64_t max_len = 0;  // the longest sequence the model takes (learned tables are this long)
  bool causal = false;       // the stack's self-attention is causal (a decoder): one-sided buckets
  DType dtype = kFloat32;
};

class Positions : public Module {
 public:
  using Module::Module;
  // x [B, T, D] at positions offset..offset+T-1 -> x with absolute positions added.
  virtual Tensor embed(const Tensor& x, std::int64_t offset) const { return (void)offset, x; }
  // q or k [.., T, Dh] at positions offset..offset+T-1 -> the same, turned by position.
  virtual Tensor rotate(const Tensor& x, std::int64_t offset) const { return (void)offset, x; }
  // The scores' bias, broadcastable to [B, H, Tq, Tk], for queries at q_offset..q_offset+Tq-1 and
  // keys at k_offset..k_offset+Tk-1; undefined when the scheme adds none.
  virtual Tensor bias(std::int64_t tq, std::int64_t tk, std::int64_t q_offset, std::int64_t k_offset) const {
    return (void)tq, (void)tk, (void)q_offset, (void)k_offset, Tensor();
  }
  // A bias from the content of q [B, H, Tq, Dh] and k [B, H, Tk, Dh] (after rotate) at those
  // offsets, broadcastable to [B, H, Tq, Tk] and added to the scaled scores as bias() is;
  // undefined when the scheme adds none.
  virtual Tensor score_bias(const Tensor& q, const Tensor& k, std::int64_t q_offset, std::int64_t k_offset) const {
    return (void)q, (void)k, (void)q_offset, (void)k_offset, Tensor();
  }
  // True when the scheme acts inside attention (rotate, bias or score_bias), where Linformer's position-less
  // summaries cannot follow it.
  virtual bool inside_attention() const { return false; }
};

// "none": no positions at all (a bag of tokens, or positions a model adds itself).
class NoPositions : public Positions {
 public:
  NoPositions() : Positions("NoPositions") {}
};

using PositionsFactory = std::function<std::shared_ptr<Positions>(const PositionsConfig&)>;

// Adds a scheme under name. Throws ValueError "register_positions: a positions with that name
// already exists; got 'rope'", or for an empty name or factory. Safe from several threads.
void register_positions(const std::string& name, PositionsFactory make);

// The scheme called name, made for config. Throws ValueError "positions: unknown name; got 'x'
// (known: none, sinusoidal, learned, relative, sinusoidal2d, rope, alibi, xl)", or the scheme's own error (rope
// with an odd head dim).
[[nodiscard]] std::shared_ptr<Positions> make_positions(const std::string& name, const PositionsConfig& config);

// Every registered name, built-in ones first.
[[nodiscard]] std::vector<std::string> positions_names();

}  // namespace focus::nn
