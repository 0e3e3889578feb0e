// Warm-up then decay (see schedule.h).
#include <focus/train/schedule.h>

#include <focus/tensor/error.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace focus::train {

std::function<double(std::int64_t)> warmup_then_decay(std::int64_t warmup, std::int64_t total, double final_fraction,
                                                     Decay decay) {
  if (warmup < 0 || total < 1 || !(final_fraction >= 0 && final_fraction <= 1))
    throw ValueError("warmup_then_decay: needs warmup >= 0, total >= 1 and final_fraction in [0, 1]; got warmup=" +
                     std::to_string(warmup) + ", total=" + std::to_string(total) +
                     ", final_fraction=" + std::to_string(final_fraction));
  return [=](std::int64_t step) {
    if (step < warmup) return static_cast<double>(step + 1) / static_cast<double>(warmup);
    const double p = std::min(1.0, static_cast<double>(step - warmup) / std::max(1.0, static_cast<double>(total - warmup)));
    switch (decay) {
      case Decay::cosine: return final_fraction + (1 - final_fraction) * 0.5 * (1 + std::cos(std::numbers::pi * p));
      case Decay::linear: return final_fraction + (1 - final_fraction) * (1 - p);
      case Decay::constant: break;
    }
    return 1.0;
  };
}

std::function<double(std::int64_t)> schedule_from(const CommonFlags& flags, std::int64_t total) {
  return warmup_then_decay(flags.warmup, total, flags.final_lr_fraction, flags.decay);
}

}  // namespace focus::train
