// The learning-rate schedule of focus's training programs: a linear warm-up from lr / warmup to
// the peak over `warmup` steps, then a decay (cosine or linear) to final_fraction of the peak at
// step total, or a constant rate. As a factor of the peak, for optim::LambdaLR.
#pragma once

#include <focus/train/flags.h>

#include <cstdint>
#include <functional>

namespace focus::train {

// factor(step) for step = 0, 1, ...: (step + 1) / warmup while step < warmup; then, with
// p = min(1, (step - warmup) / max(1, total - warmup)), final_fraction + (1 - final_fraction) *
// (1 + cos(pi p)) / 2 (cosine), final_fraction + (1 - final_fraction) * (1 - p) (linear), or 1.
// Throws ValueError for warmup < 0, total < 1 or final_fraction outside [0, 1].
[[nodiscard]] std::function<double(std::int64_t)> warmup_then_decay(std::int64_t warmup, std::int64_t total,
                                                                    double final_fraction, Decay decay = Decay::cosine);

// The same from the common flags, for a run of total steps.
[[nodiscard]] std::function<double(std::int64_t)> schedule_from(const CommonFlags& flags, std::int64_t total);

}  // namespace focus::train
