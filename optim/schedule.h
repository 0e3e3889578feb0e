// Learning-rate schedules acting on an Optimizer's groups, with torch.optim.lr_scheduler's step
// counting: the constructor sets every group's lr for the first optimizer.step() (epoch 0), and
// scheduler.step() after each optimizer.step() moves to the next epoch. Each schedule is a closed
// form of (epoch, base lr), so a restored state gives the same lrs bit for bit.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <focus/optim/optimizer.h>

namespace focus::optim {

// The base: lr of group i at epoch e = lr_at(e, base_lrs[i]), where base_lrs[i] is group i's lr
// when the scheduler was made (torch's initial_lr). Holds a reference: the optimizer must outlive it.
class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Call after optimizer.step(): advances the epoch and writes the new lr into every group.
  // Throws ValueError if groups were added to the optimizer after the scheduler was made.
  void step();
  double get_last_lr() const { return last_lrs_.at(0); }  // the first group's
  const std::vector<double>& get_last_lrs() const { return last_lrs_; }
  std::int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }

  //   "lr_scheduler.last_epoch"     int64, rank 0
  //   "lr_scheduler.base_lrs.<i>"   float64, rank 0, one per group
  StateDict state_dict() const;
  // Restores a state_dict() and writes the lrs of the restored epoch into the optimizer's groups
  // (so it works before or after optimizer.load_state_dict). Entries outside "lr_scheduler." are
  // ignored. Throws ValueError for an unknown or missing entry or a different number of groups.
  // Takes io::load_safetensors(path).tensors as it is.
  void load_state_dict(const StateDict& state);

 protected:
  // op names the schedule in messages. The derived constructor checks its options, then calls
  // initial_step() (a virtual lr_at does not reach the derived class from this constructor).
  LRScheduler(std::string op, Optimizer& optimizer);
  void initial_step() { step(); }
  // The lr at epoch (>= 0) of a group whose base lr is base_lr.
  virtual double lr_at(std::int64_t epoch, double base_lr) const = 0;
  const std::string& op() const { return op_; }

 private:
  void apply_lrs();

  std::string op_;
  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  std::vector<double> last_lrs_;
  std::int64_t last_epoch_ = -1;
};

// lr = base * gamma^floor(epoch / step_size). As torch's StepLR.
class StepLR final : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);

 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;

 private:
  std::int64_t step_size_;
  double gamma_;
};

// lr = eta_min + (base - eta_min) * (1 + cos(pi * epoch / T_max)) / 2: half a cosine from base
// down to eta_min at epoch T_max (and back up after, as torch). As torch's CosineAnnealingLR.
class CosineAnnealingLR final : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min = 0);

 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;

 private:
  std::int64_t T_max_;
  double eta_min_;
};

// lr = base * (start_factor + (1 - start_factor) * min(epoch, warmup_steps) / warmup_steps):
// linear from base * start_factor to base over warmup_steps steps, then constant. As torch's
// LinearLR(start_factor, end_factor = 1, total_iters = warmup_steps). start_factor in (0, 1].
class LinearWarmup final : public LRScheduler {
 public:
  LinearWarmup(Optimizer& optimizer, double start_factor, std::int64_t warmup_steps);

 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;

 private:
  double start_factor_;
  std::int64_t warmup_steps_;
};

// "Attention Is All You Need" (section 5.3), with n = epoch + 1 the number of the update about
// to be taken (1 for the first):
//   lr = base * d_model^-0.5 * min(n^-0.5, n * warmup_steps^-1.5)
// Linear warm-up for warmup_steps updates, then decay as 1/sqrt(n); the peak, at n = warmup_steps,
// is base / sqrt(d_model * warmup_steps). base is the group's lr when the scheduler is made: a
// pure multiplier (the paper's schedule is base = 1; make the optimizer with lr = 1 for it).
class NoamLR final : public LRScheduler {
 public:
  NoamLR(Optimizer& optimizer, std::int64_t d_model, std::int64_t warmup_steps);

 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;

 private:
  std::int64_t d_model_;
  std::int64_t warmup_steps_;
};

// lr = base * lr_lambda(epoch). As torch's LambdaLR. The function is not part of the saved state:
// a resumed run passes the same one.
class LambdaLR final : public LRScheduler {
 public:
  LambdaLR(Optimizer& optimizer, std::function<double(std::int64_t epoch)> lr_lambda);

 protected:
  double lr_at(std::int64_t epoch, double base_lr) const override;

 private:
  std::function<double(std::int64_t)> lr_lambda_;
};

}  // namespace focus::optim
