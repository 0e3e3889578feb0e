// attention_bias_bench: scaled_dot_product_attention with an additive bias [H, T, T] (ALiBi, T5),
// forward + backward, on the fused kernel against the composed path, to decide which one Auto
// should run (issue 17: "composed fallback only where measured to be no slower"). Float32, one
// thread, B=8, H=4, Dh=32, T = 128, 512, 1024; causal and not, the bias constant (ALiBi) or
// requiring grad (a learned T5 table). The two paths alternate (with, as a yardstick, the fused
// kernel without the bias), and each reports its best of 5 in wall-clock and in CPU time (the
// process's: one thread), since a shared machine stretches the wall clock. One line per setting:
//   name=attention_bias T=.. causal=.. bias_grad=.. fused_ms=.. composed_ms=.. ... no_bias_ms=..
#include <focus/focus.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>
#include <vector>

using namespace focus;

namespace {

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e3 + double(t.tv_nsec) * 1e-6;
}

struct Best {
  double wall = std::numeric_limits<double>::infinity(), cpu = wall;
};

// One forward and backward: the gradients of q, k, v (and the bias when it requires grad); the
// best wall-clock and CPU times so far are kept in best.
void step(const std::vector<Tensor>& inputs, const Tensor& bias, bool causal, AttentionPath path, Best& best) {
  AttentionMask mask;
  mask.is_causal = causal;
  mask.bias = bias;
  AttentionOptions options;
  options.path = path;
  const double t0 = now_ms(), c0 = cpu_ms();
  {
    const Tensor out = scaled_dot_product_attention(inputs[0], inputs[1], inputs[2], mask, options);
    const auto grads = grad({sum(out)}, inputs);
    if (grads.size() != inputs.size()) std::printf("missing gradients\n");
  }  // the graph and the gradients are freed inside the timing, as a training step frees them
  best.wall = std::min(best.wall, now_ms() - t0);
  best.cpu = std::min(best.cpu, cpu_ms() - c0);
}

}  // namespace

int main() {
  set_num_threads(1);
  const std::int64_t B = 8, H = 4, Dh = 32;
  const int rounds = 5;
  for (std::int64_t T : {128, 512, 1024}) {
    for (bool causal : {true, false}) {
      for (bool bias_grad : {false, true}) {
        Generator g(1);
        std::vector<Tensor> inputs;
        for (int i = 0; i < 3; ++i) inputs.push_back(uniform({B, H, T, Dh}, -1, 1, kFloat32, &g).requires_grad_());
        Tensor bias = uniform({H, T, T}, -1, 1, kFloat32, &g);
        if (bias_grad) {
          bias.requires_grad_();
          inputs.push_back(bias);
        }
        const std::vector<Tensor> qkv(inputs.begin(), inputs.begin() + 3);
        // One untimed step of each warms the allocator and the caches.
        Best fused, composed, no_bias, warm;
        step(inputs, bias, causal, AttentionPath::Fused, warm);
        step(inputs, bias, causal, AttentionPath::Composed, warm);
        for (int r = 0; r < rounds; ++r) {
          step(inputs, bias, causal, AttentionPath::Fused, fused);
          step(inputs, bias, causal, AttentionPath::Composed, composed);
          step(qkv, Tensor(), causal, AttentionPath::Fused, no_bias);
        }
        std::printf("name=attention_bias B=%lld H=%lld Dh=%lld T=%lld causal=%d bias_grad=%d fused_ms=%.2f "
                    "composed_ms=%.2f fused_cpu_ms=%.2f composed_cpu_ms=%.2f composed/fused=%.2f no_bias_ms=%.2f "
                    "no_bias_cpu_ms=%.2f\n",
                    (long long)B, (long long)H, (long long)Dh, (long long)T, int(causal), int(bias_grad), fused.wall,
                    composed.wall, fused.cpu, composed.cpu, composed.cpu / fused.cpu, no_bias.wall, no_bias.cpu);
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
