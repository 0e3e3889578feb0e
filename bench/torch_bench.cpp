// torch_bench: W1 and W2 in libtorch, PyTorch's own C++ API, the peer a C++ user would pick
// instead of focus. The same models and steps as ../shared/bench/torch_ref.py (and focus_bench),
// without Python between the ops, so compare.sh can say how much of PyTorch's time is its
// interpreter. Built by bench/CMakeLists.txt only when find_package(Torch) finds Debian's
// libtorch-dev; focus never links it. Same output as focus_bench: one key=value line per workload.
//   torch_bench [--threads N] [--only seed_attention|transformer_step] [--iters N]
// Pin OpenBLAS as compare.sh does: OPENBLAS_NUM_THREADS=N OMP_NUM_THREADS=N torch_bench --threads N
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace {

double median_ms(const std::function<void()>& fn, int warmup, int iters) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> ts;
  for (int i = 0; i < iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    ts.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ts.begin(), ts.end());
  const std::size_t n = ts.size();
  return n % 2 ? ts[n / 2] : 0.5 * (ts[n / 2 - 1] + ts[n / 2]);
}

// ---- W1: the seed's attention layer, x [B=10, T=50, C=128] (no grad), units U = 64 ---------------
struct SeedAttentionImpl : torch::nn::Module {
  SeedAttentionImpl(int64_t d_in, int64_t units)
      : units(units),
        Wq(register_module("Wq", torch::nn::Linear(d_in, units))),
        Wk(register_module("Wk", torch::nn::Linear(d_in, units))),
        Wv(register_module("Wv", torch::nn::Linear(d_in, units))),
        fc(register_module("fc", torch::nn::Linear(units, units))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    const torch::Tensor q = Wq(x), k = Wk(x), v = Wv(x);
    const torch::Tensor w = torch::softmax(q.matmul(k.transpose(-1, -2)) / std::sqrt(double(units)), -1);
    return fc(w.matmul(v));
  }
  int64_t units;
  torch::nn::Linear Wq, Wk, Wv, fc;
};
TORCH_MODULE(SeedAttention);

void seed_attention(int threads, int iters) {
  torch::manual_seed(0);
  SeedAttention m(128, 64);
  const torch::Tensor x = torch::randn({10, 50, 128});
  const double ms = median_ms(
      [&] {
        m->zero_grad();
        m->forward(x).sum().backward();
      },
      3, iters);
  std::printf("name=seed_attention threads=%d libtorch_ms=%.3f\n", threads, ms);
}

// ---- W2: torch_ref.py's encoder-decoder Transformer, one Adam step ---------------------------------
// d 128, 4 heads, ff 512, 2 + 2 layers, post-norm, dropout 0, vocab V = 40, learned positions,
// batch B = 64, S = 16 source and 16 target tokens. libtorch's nn::Transformer has no batch_first,
// so the embeddings are built sequence-first [S, B, D]: the same products, no extra copies.
constexpr int64_t kVocab = 40, kLen = 16, kDModel = 128;

struct Seq2SeqImpl : torch::nn::Module {
  Seq2SeqImpl()
      : src_emb(register_module("src_emb", torch::nn::Embedding(kVocab, kDModel))),
        tgt_emb(register_module("tgt_emb", torch::nn::Embedding(kVocab, kDModel))),
        pos(register_parameter("pos", torch::randn({64, kDModel}) * 0.02)),
        tf(register_module("tf", torch::nn::Transformer(torch::nn::TransformerOptions(kDModel, 4, 2, 2)
                                                             .dim_feedforward(512)
                                                             .dropout(0.0)))),
        out(register_module("out", torch::nn::Linear(kDModel, kVocab))) {}
  // src [B, S], tgt [B, T] token ids -> logits [T, B, V]
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& tgt) {
    const int64_t S = src.size(1), T = tgt.size(1);
    const torch::Tensor mask = torch::nn::TransformerImpl::generate_square_subsequent_mask(T);
    const torch::Tensor h = tf->forward(src_emb(src.t()) + pos.narrow(0, 0, S).unsqueeze(1),
                                        tgt_emb(tgt.t()) + pos.narrow(0, 0, T).unsqueeze(1), {}, mask);
    return out(h);
  }
  torch::nn::Embedding src_emb, tgt_emb;
  torch::Tensor pos;
  torch::nn::Transformer tf;
  torch::nn::Linear out;
};
TORCH_MODULE(Seq2Seq);

void transformer_step(int threads, int iters) {
  torch::manual_seed(0);
  Seq2Seq model;
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  const int64_t B = 64;
  const torch::Tensor src = torch::randint(3, kVocab, {B, kLen}), tgt = torch::randint(3, kVocab, {B, kLen + 1});
  const torch::Tensor tgt_in = tgt.narrow(1, 0, kLen);
  const torch::Tensor tgt_out = tgt.narrow(1, 1, kLen).t().reshape({-1});  // [T, B] order, as the logits
  const double ms = median_ms(
      [&] {
        opt.zero_grad();
        const torch::Tensor logits = model->forward(src, tgt_in);
        torch::nn::functional::cross_entropy(logits.reshape({-1, kVocab}), tgt_out).backward();
        opt.step();
      },
      3, iters);
  int64_t params = 0;
  for (const auto& p : model->parameters()) params += p.numel();
  std::printf("name=transformer_step threads=%d batch=%lld libtorch_ms=%.3f params=%lld\n", threads,
              static_cast<long long>(B), ms, static_cast<long long>(params));
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, iters = 20;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 < argc && arg == "--threads") threads = std::stoi(argv[++i]);
    else if (i + 1 < argc && arg == "--iters") iters = std::stoi(argv[++i]);
    else if (i + 1 < argc && arg == "--only") only = argv[++i];
    else {
      std::cerr << "usage: torch_bench [--threads N] [--only seed_attention|transformer_step] [--iters N]\n";
      return 2;
    }
  }
  if (!only.empty() && only != "seed_attention" && only != "transformer_step") {
    std::cerr << "torch_bench: unknown workload '" << only << "'; it times seed_attention and transformer_step\n";
    return 2;
  }
  torch::set_num_threads(threads);
  if (only.empty() || only == "seed_attention") seed_attention(threads, iters);
  if (only.empty() || only == "transformer_step") transformer_step(threads, iters);
  return 0;
}
