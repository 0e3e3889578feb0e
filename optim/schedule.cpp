// The learning-rate schedules (see schedule.h): the shared epoch counting and state, then each
// schedule's closed form.
#include <focus/optim/schedule.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <optional>
#include <sstream>

#include <focus/tensor/factory.h>

namespace focus::optim {

namespace {

const std::string kPrefix = "lr_scheduler.";

}  // namespace

LRScheduler::LRScheduler(std::string op, Optimizer& optimizer) : op_(std::move(op)), optimizer_(optimizer) {
  for (const auto& group : optimizer_.param_groups()) base_lrs_.push_back(group.lr);
}

void LRScheduler::step() {
  const std::size_t groups = optimizer_.param_groups().size();
  if (groups != base_lrs_.size())
    throw ValueError(op_ + ": the optimizer's parameter groups changed after the scheduler was made; got " +
                     std::to_string(groups) + " groups, the scheduler has " + std::to_string(base_lrs_.size()));
  ++last_epoch_;
  apply_lrs();
}

void LRScheduler::apply_lrs() {
  auto& groups = optimizer_.param_groups();
  last_lrs_.clear();
  for (std::size_t i = 0; i < groups.size(); ++i) {
    groups[i].lr = lr_at(last_epoch_, base_lrs_[i]);
    last_lrs_.push_back(groups[i].lr);
  }
}

StateDict LRScheduler::state_dict() const {
  StateDict out;
  out.emplace(kPrefix + "last_epoch", scalar_tensor(static_cast<double>(last_epoch_), kInt64));
  for (std::size_t i = 0; i < base_lrs_.size(); ++i)
    out.emplace(kPrefix + "base_lrs." + std::to_string(i), scalar_tensor(base_lrs_[i], kFloat64));
  return out;
}

void LRScheduler::load_state_dict(const StateDict& state) {
  const std::string op = op_ + ".load_state_dict";
  const std::size_t groups = optimizer_.param_groups().size();
  std::optional<std::int64_t> epoch;
  std::vector<std::optional<double>> base_lrs(groups);
  for (const auto& [key, value] : state) {
    if (!key.starts_with(kPrefix)) continue;
    const std::string entry = key.substr(kPrefix.size());
    if (entry == "last_epoch") {
      epoch = scalar_entry<std::int64_t>(op, key, value);
      if (*epoch < 0) throw ValueError(op + ": last_epoch must be >= 0; got " + std::to_string(*epoch));
      continue;
    }
    const std::string index = entry.starts_with("base_lrs.") ? entry.substr(9) : "";
    std::size_t i = 0;
    const auto [end, ec] = std::from_chars(index.data(), index.data() + index.size(), i);
    if (index.empty() || ec != std::errc() || end != index.data() + index.size())
      throw ValueError(op + ": unknown entry (schedules keep last_epoch, base_lrs.<i>); got " + key);
    if (i >= groups)
      throw ValueError(op + ": the state has more parameter groups than the optimizer (" + std::to_string(groups) +
                       "); got " + key);
    base_lrs[i] = scalar_entry<double>(op, key, value);
  }
  if (!epoch) throw ValueError(op + ": missing entry; got no " + kPrefix + "last_epoch");
  for (std::size_t i = 0; i < groups; ++i)
    if (!base_lrs[i]) throw ValueError(op + ": missing entry; got no " + kPrefix + "base_lrs." + std::to_string(i));

  last_epoch_ = *epoch;
  base_lrs_.clear();
  for (const auto& lr : base_lrs) base_lrs_.push_back(*lr);
  apply_lrs();
}

// ---- StepLR ------------------------------------------------------------------------------------
StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler("StepLR", optimizer), step_size_(step_size), gamma_(gamma) {
  if (step_size < 1) throw ValueError("StepLR: step_size must be >= 1; got step_size=" + std::to_string(step_size));
  initial_step();
}

double StepLR::lr_at(std::int64_t epoch, double base_lr) const {
  return base_lr * std::pow(gamma_, static_cast<double>(epoch / step_size_));
}

// ---- CosineAnnealingLR -------------------------------------------------------------------------
CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min)
    : LRScheduler("CosineAnnealingLR", optimizer), T_max_(T_max), eta_min_(eta_min) {
  if (T_max < 1) throw ValueError("CosineAnnealingLR: T_max must be >= 1; got T_max=" + std::to_string(T_max));
  initial_step();
}

double CosineAnnealingLR::lr_at(std::int64_t epoch, double base_lr) const {
  const double angle = std::numbers::pi * static_cast<double>(epoch) / static_cast<double>(T_max_);
  return eta_min_ + (base_lr - eta_min_) * (1 + std::cos(angle)) / 2;
}

// ---- LinearWarmup ------------------------------------------------------------------------------
LinearWarmup::LinearWarmup(Optimizer& optimizer, double start_factor, std::int64_t warmup_steps)
    : LRScheduler("LinearWarmup", optimizer), start_factor_(start_factor), warmup_steps_(warmup_steps) {
  if (!(start_factor > 0 && start_factor <= 1))
    throw ValueError("LinearWarmup: start_factor must lie in (0, 1]; got start_factor=" + number_text(start_factor));
  if (warmup_steps < 1)
    throw ValueError("LinearWarmup: warmup_steps must be >= 1; got warmup_steps=" + std::to_string(warmup_steps));
  initial_step();
}

double LinearWarmup::lr_at(std::int64_t epoch, double base_lr) const {
  const double done = static_cast<double>(std::min(epoch, warmup_steps_));
  return base_lr * (start_factor_ + (1 - start_factor_) * done / static_cast<double>(warmup_steps_));
}

// ---- NoamLR ------------------------------------------------------------------------------------
NoamLR::NoamLR(Optimizer& optimizer, std::int64_t d_model, std::int64_t warmup_steps)
    : LRScheduler("NoamLR", optimizer), d_model_(d_model), warmup_steps_(warmup_steps) {
  if (d_model < 1 || warmup_steps < 1)
    throw ValueError("NoamLR: d_model and warmup_steps must be >= 1; got d_model=" + std::to_string(d_model) +
                     ", warmup_steps=" + std::to_string(warmup_steps));
  initial_step();
}

double NoamLR::lr_at(std::int64_t epoch, double base_lr) const {
  const double n = static_cast<double>(epoch + 1);
  const double factor = std::pow(static_cast<double>(d_model_), -0.5) *
                        std::min(std::pow(n, -0.5), n * std::pow(static_cast<double>(warmup_steps_), -1.5));
  return base_lr * factor;
}

// ---- LambdaLR ----------------------------------------------------------------------------------
LambdaLR::LambdaLR(Optimizer& optimizer, std::function<double(std::int64_t)> lr_lambda)
    : LRScheduler("LambdaLR", optimizer), lr_lambda_(std::move(lr_lambda)) {
  if (!lr_lambda_) throw ValueError("LambdaLR: lr_lambda must be a callable; got an empty std::function");
  initial_step();
}

double LambdaLR::lr_at(std::int64_t epoch, double base_lr) const { return base_lr * lr_lambda_(epoch); }

}  // namespace focus::optim
