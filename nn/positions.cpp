// The position-scheme registry: the built-in schemes, then the registered ones.
#include <focus/nn/positions.h>

#include <focus/nn/alibi.h>
#include <focus/nn/grid_positions.h>
#include <focus/nn/positional.h>
#include <focus/nn/registry.h>
#include <focus/nn/relative_position.h>
#include <focus/nn/rope.h>
#include <focus/nn/xl_positions.h>

namespace focus::nn {

namespace {

using Made = std::shared_ptr<Positions>;

NamedRegistry<PositionsFactory>& registry() {
  static NamedRegistry<PositionsFactory> r(
      "positions",
      {{"none", [](const PositionsConfig&) -> Made { return std::make_shared<NoPositions>(); }},
       {"sinusoidal",
        [](const PositionsConfig& c) -> Made {
          return std::make_shared<SinusoidalPositionalEncoding>(c.d_model, c.max_len, c.dtype);
        }},
       {"learned",
        [](const PositionsConfig& c) -> Made {
          return std::make_shared<LearnedPositionalEncoding>(c.max_len, c.d_model, c.dtype);
        }},
       // T5's defaults (32 buckets up to distance 128), one-sided in a causal stack.
       {"relative",
        [](const PositionsConfig& c) -> Made {
          return std::make_shared<RelativePositionBias>(c.nhead, RelativeBuckets{.bidirectional = !c.causal}, c.dtype);
        }},
       // A Vision Transformer's class token and square grid of patches (grid_positions.h).
       {"sinusoidal2d",
        [](const PositionsConfig& c) -> Made { return std::make_shared<GridSinusoidalPositions>(c.d_model, c.max_len, c.dtype); }},
       {"rope", [](const PositionsConfig& c) -> Made { return std::make_shared<RotaryPositions>(c.d_model, c.nhead); }},
       {"alibi", [](const PositionsConfig& c) -> Made { return std::make_shared<ALiBiPositions>(c.nhead, c.dtype); }},
       {"xl", [](const PositionsConfig& c) -> Made { return std::make_shared<RelativeXLPositions>(c.d_model, c.nhead, c.dtype); }}});
  return r;
}

}  // namespace

void register_positions(const std::string& name, PositionsFactory make) { registry().add(name, std::move(make)); }

std::shared_ptr<Positions> make_positions(const std::string& name, const PositionsConfig& config) {
  return registry().find(name)(config);
}

std::vector<std::string> positions_names() { return registry().names(); }

}  // namespace focus::nn
