// focus_bench: the five workloads of docs/performance.md, each timed as 3 warm-up steps and the
// median of 20. One line per workload (per T for attention_scaling, per shape for gemm_efficiency)
// of space-separated key=value pairs, so compare.sh and the docs read the same numbers.
//   W1 seed_attention     the seed's SelfAttention, x [10, 50, 128], units 64: forward, sum, backward
//   W2 transformer_step   torch_ref.py's encoder-decoder Transformer: forward, loss, backward, Adam
//   W3 decode             greedy decoding of 512 sequences to 32 tokens with the W2 model (cached)
//   W4 attention_scaling  causal scaled dot-product attention fwd+bwd, 4 heads of 64, T = 128..4096
//   W5 gemm_efficiency    W2's matrix products through focus::matmul against cblas_sgemm directly
//   W6 attention_long     one attention layer's fwd+bwd, B=1, H=4, Dh=64, T = 1024..16384, for full
//                         (causal, the fused kernel), local:256 (causal, a 256-key window in the
//                         fused kernel) and linformer:256 (nn/linformer.h)
//   W7 image_cnn_step     fashion_cnn's training step on 128 images (conv, batch norm, pooling)
//   W8 image_vit_step     fashion_vit's training step on 128 images (49 patches + class token)
#include <focus/focus.h>
#include <focus/nn/batch_norm.h>
#include <focus/nn/conv.h>
#include <focus/nn/linformer.h>
#include <focus/nn/pooling.h>
#include <focus/nn/vision_transformer.h>
#include <focus/tensor/allocator.h>

#include <cblas.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

using namespace focus;

namespace {

struct Settings {
  int threads = 1;
  MatmulPrecision precision = MatmulPrecision::float32;
  std::string only;               // empty: every workload
  std::int64_t batch = 64;        // W2's batch (the chart against batch size varies it)
  std::vector<std::int64_t> T;    // W4's lengths; empty: 128 .. 4096
  int iters = 20, warmup = 3;
};

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Median milliseconds per call of fn after `warmup` untimed calls.
double median_ms(const std::function<void()>& fn, int warmup, int iters) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> ts;
  for (int i = 0; i < iters; ++i) {
    const double t0 = now_ms();
    fn();
    ts.push_back(now_ms() - t0);
  }
  return median(ts);
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double mib(std::size_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

// The share of allocations the caching allocator served from its free lists so far.
double cache_hit_rate() {
  const alloc::Stats st = alloc::stats();
  return st.allocations == 0 ? 0.0 : static_cast<double>(st.cache_hits) / static_cast<double>(st.allocations);
}

// ---- W1 ---------------------------------------------------------------------------------------
void seed_attention(const Settings& s) {
  manual_seed(0);
  nn::SelfAttention m(128, 64);
  const Tensor x = randn({10, 50, 128});
  const double ms = median_ms(
      [&] {
        m.zero_grad();
        m.forward(x).sum().backward();
      },
      s.warmup, s.iters);
  // Multiply-adds per step, B = 10, T = 50, C = 128, U = 64:
  //   forward  3 projections 3*B*T*C*U, scores and context 2*B*T*T*U, fc B*T*U*U
  //   backward twice each product (input gradient and weight gradient), x needs no gradient so
  //   the three projections' input gradients are skipped: 3*B*T*C*U + 4*B*T*T*U + 2*B*T*U*U
  const double B = 10, T = 50, C = 128, U = 64;
  const double macs = (3 * B * T * C * U + 2 * B * T * T * U + B * T * U * U) +
                      (3 * B * T * C * U + 4 * B * T * T * U + 2 * B * T * U * U);
  std::printf("name=seed_attention threads=%d focus_ms=%.3f gflops=%.2f mflop_per_step=%.1f peak_rss_mb=%.1f\n",
              s.threads, ms, 2 * macs / ms / 1e6, 2 * macs / 1e6, peak_rss_mb());
}

// ---- W2 and W3: torch_ref.py's Seq2Seq ----------------------------------------------------------
constexpr std::int64_t kVocab = 40, kLen = 16, kDModel = 128;

// Embeddings N(0, 1), learned positions N(0, 0.02) without a sqrt(d) scale, nn.Transformer
// (post-norm, final norms, dropout 0) with its xavier_uniform_ on every matrix, a Linear to logits.
class Seq2Seq : public nn::Module {
 public:
  Seq2Seq() : Module("Seq2Seq") {
    src_emb = register_module("src_emb", std::make_shared<nn::Embedding>(kVocab, kDModel));
    tgt_emb = register_module("tgt_emb", std::make_shared<nn::Embedding>(kVocab, kDModel));
    pos = register_parameter("pos", normal({64, kDModel}, 0, 0.02));
    nn::TransformerOptions o;
    o.d_model = kDModel;
    o.nhead = 4;
    o.dim_feedforward = 512;
    o.dropout = 0;
    tf = register_module("tf", std::make_shared<nn::Transformer>(o, 2, 2));
    for (auto& p : tf->parameters())
      if (p.dim() > 1) nn::init::xavier_uniform_(p);
    out = register_module("out", std::make_shared<nn::Linear>(kDModel, kVocab));
  }
  Tensor embed(const nn::Embedding& table, const Tensor& ids, std::int64_t offset) const {
    return table.forward(ids) + pos.narrow(0, offset, ids.size(1));
  }
  Tensor encode(const Tensor& src) const { return tf->encoder->forward(embed(*src_emb, src, 0)); }
  Tensor forward(const Tensor& src, const Tensor& tgt) const {
    AttentionMask causal;
    causal.is_causal = true;
    return out->forward(tf->forward(embed(*src_emb, src, 0), embed(*tgt_emb, tgt, 0), {}, causal));
  }
  std::shared_ptr<nn::Embedding> src_emb, tgt_emb;
  Tensor pos;
  std::shared_ptr<nn::Transformer> tf;
  std::shared_ptr<nn::Linear> out;
};

void transformer_step(const Settings& s) {
  manual_seed(0);
  Seq2Seq model;
  optim::Adam opt(model.named_parameters(), {.lr = 1e-3});
  const std::int64_t B = s.batch;
  const Tensor src = randint(3, kVocab, {B, kLen});
  const Tensor tgt = randint(3, kVocab, {B, kLen + 1});
  const Tensor tgt_in = tgt.narrow(1, 0, kLen), tgt_out = tgt.narrow(1, 1, kLen).reshape({-1});
  const double ms = median_ms(
      [&] {
        opt.zero_grad();
        const Tensor logits = model.forward(src, tgt_in);
        cross_entropy(logits.reshape({-1, kVocab}), tgt_out).backward();
        opt.step();
      },
      s.warmup, s.iters);
  // Multiply-adds of the forward pass per token (weights only; attention scores are small at T=16):
  // encoder layer 4*D*D + 2*D*F, decoder layer 8*D*D + 2*D*F, output D*V; backward is twice that.
  const double D = kDModel, F = 512, T = static_cast<double>(B * kLen);
  const double fwd = T * (2 * (4 * D * D + 2 * D * F) + 2 * (8 * D * D + 2 * D * F) + D * kVocab) +
                     static_cast<double>(B) * 4 * 4 * kLen * kLen * 32 * 2;  // 6 attentions, QK^T and PV
  std::printf("name=transformer_step threads=%d batch=%lld focus_ms=%.3f gflops=%.2f params=%lld peak_rss_mb=%.1f "
              "cache_hit_rate=%.3f\n",
              s.threads, static_cast<long long>(B), ms, 2 * 3 * fwd / ms / 1e6,
              static_cast<long long>(model.num_parameters()), peak_rss_mb(), cache_hit_rate());
}

// The W2 model as an IncrementalDecoder: one position per step against a fixed encoder memory.
class Seq2SeqDecoder : public nn::IncrementalDecoder {
 public:
  Seq2SeqDecoder(const Seq2Seq& m, Tensor memory) : m_(m), memory_(std::move(memory)) {}
  Tensor step(const Tensor& tokens) override {
    const std::int64_t N = tokens.size(0);
    const Tensor x = m_.embed(*m_.tgt_emb, tokens.reshape({N, 1}), cache_.length);
    const Tensor h = m_.tf->decoder->forward_cached(x, memory_, cache_);
    return log_softmax(m_.out->forward(h).reshape({N, -1}), -1);
  }
  void select_rows(const Tensor&) override {}  // greedy never reorders

 private:
  const Seq2Seq& m_;
  Tensor memory_;
  nn::DecoderCache cache_;
};

void decode(const Settings& s) {
  manual_seed(0);
  Seq2Seq model;
  model.eval();
  constexpr std::int64_t kRows = 512, kTokens = 32;
  const Tensor src = randint(3, kVocab, {kRows, kLen});
  nn::DecodeOptions o;
  o.bos = 1;
  o.eos = -1;  // never produced: every row decodes all kTokens, as the PyTorch side does
  o.max_len = kTokens;
  const double ms = median_ms(
      [&] {
        NoGradGuard ng;
        Seq2SeqDecoder dec(model, model.encode(src));
        const auto out = nn::greedy_decode(dec, kRows, o);
        if (out.size() != kRows || out[0].size() != kTokens) throw std::runtime_error("decode: wrong output length");
      },
      s.warmup, s.iters);
  std::printf("name=decode threads=%d rows=%lld tokens=%lld focus_ms=%.3f tokens_per_s=%.0f peak_rss_mb=%.1f "
              "cache_hit_rate=%.3f\n",
              s.threads, static_cast<long long>(kRows), static_cast<long long>(kTokens), ms,
              kRows * kTokens / (ms / 1e3), peak_rss_mb(), cache_hit_rate());
}

// ---- W4 -----------------------------------------------------------------------------------------
void attention_scaling(const Settings& s) {
  std::vector<std::int64_t> lengths = s.T;
  if (lengths.empty())
    for (std::int64_t t = 128; t <= 4096; t *= 2) lengths.push_back(t);
  for (std::int64_t T : lengths) {
    manual_seed(0);
    const Tensor q = randn({1, 4, T, 64}).requires_grad_(), k = randn({1, 4, T, 64}).requires_grad_(),
                 v = randn({1, 4, T, 64}).requires_grad_();
    AttentionMask causal;
    causal.is_causal = true;
    auto step = [&] {
      for (const Tensor* p : {&q, &k, &v}) p->zero_grad();
      scaled_dot_product_attention(q, k, v, causal).sum().backward();
    };
    // Fewer timed steps at the long lengths keep a default run under two minutes.
    const int iters = T >= 2048 ? std::max(5, s.iters / 4) : s.iters;
    const double ms = median_ms(step, std::min(s.warmup, T >= 2048 ? 1 : s.warmup), iters);
    alloc::reset_peak();
    step();
    const std::size_t peak = alloc::stats().peak_bytes;
    // The work done, not the square: QK^T and PV forward, four products backward (dP, dV, dQ,
    // dK), each over the T (T + 1) / 2 query-key pairs causal attention sees, 4 heads of 64. The
    // fused kernel skips the tiles above the diagonal (the composed PyTorch side computes and
    // masks the whole square); its recomputed scores in backward are not counted.
    const double pairs = static_cast<double>(T) * static_cast<double>(T + 1) / 2;
    const double flop = 2.0 * 4 * 64 * pairs * 6;
    std::printf("name=attention_scaling threads=%d T=%lld focus_ms=%.3f gflops=%.2f mflop_per_step=%.1f "
                "peak_alloc_mb=%.1f peak_rss_mb=%.1f\n",
                s.threads, static_cast<long long>(T), ms, flop / ms / 1e6, flop / 1e6, mib(peak), peak_rss_mb());
    std::fflush(stdout);
  }
}

// ---- W6 -----------------------------------------------------------------------------------------
// Long sequences: how time and memory grow with T for each way of attending. full: causal
// attention through the fused kernel (quadratic time, linear memory); linformer:256: keys and
// values projected to 256 rows first (linear in T), non-causal as Linformer is. The projection's
// matrices are sized for the longest T run.
void attention_long(const Settings& s) {
  std::vector<std::int64_t> lengths = s.T;
  if (lengths.empty())
    for (std::int64_t t = 1024; t <= 16384; t *= 2) lengths.push_back(t);
  const std::int64_t longest = *std::max_element(lengths.begin(), lengths.end());
  for (const std::string kind : {"full", "local:256", "linformer:256"}) {
    manual_seed(0);
    nn::LinformerProjection proj(256, longest);
    for (std::int64_t T : lengths) {
      manual_seed(1);
      const Tensor q = randn({1, 4, T, 64}).requires_grad_(), k = randn({1, 4, T, 64}).requires_grad_(),
                   v = randn({1, 4, T, 64}).requires_grad_();
      AttentionMask causal, local;
      causal.is_causal = true;
      local.is_causal = true;
      local.window = 256;  // each query sees the 256 keys before it and itself
      auto step = [&] {
        for (const Tensor* p : {&q, &k, &v}) p->zero_grad();
        proj.zero_grad();
        if (kind == "full") {
          scaled_dot_product_attention(q, k, v, causal).sum().backward();
        } else if (kind == "local:256") {
          scaled_dot_product_attention(q, k, v, local).sum().backward();
        } else {
          const auto [k2, v2] = proj.project(k, v);
          scaled_dot_product_attention(q, k2, v2).sum().backward();
        }
      };
      // Few timed steps at the long lengths: full attention at T=16384 is about 0.8 TFLOP a step.
      const int iters = T >= 4096 ? 3 : std::max(5, s.iters / 4);
      const double ms = median_ms(step, 1, iters);
      alloc::reset_peak();
      step();
      std::printf("name=attention_long threads=%d kind=%s T=%lld focus_ms=%.3f peak_mb=%.1f\n", s.threads, kind.c_str(),
                  static_cast<long long>(T), ms, mib(alloc::stats().peak_bytes));
      std::fflush(stdout);
    }
  }
}

// ---- W5 -----------------------------------------------------------------------------------------
// One matrix product of W2 at its real shape: C[M, N] = op(A) op(B), with op a transpose when the
// flag says so, as Linear's forward (x W^T), its input gradient (dY W) and weight gradient (dY^T X).
struct GemmShape {
  const char* what;
  std::int64_t batch, M, N, K;
  bool ta, tb;
};

void gemm_efficiency(const Settings& s) {
  const std::int64_t R = 64 * kLen;  // tokens in a W2 batch
  const std::vector<GemmShape> shapes = {
      {"linear_d_d_fwd", 1, R, 128, 128, false, true},   {"linear_d_d_dx", 1, R, 128, 128, false, false},
      {"linear_d_d_dw", 1, 128, 128, R, true, false},    {"linear_d_ff_fwd", 1, R, 512, 128, false, true},
      {"linear_d_ff_dx", 1, R, 128, 512, false, false},  {"linear_d_ff_dw", 1, 512, 128, R, true, false},
      {"linear_ff_d_fwd", 1, R, 128, 512, false, true},  {"linear_ff_d_dx", 1, R, 512, 128, false, false},
      {"linear_ff_d_dw", 1, 128, 512, R, true, false},   {"logits_fwd", 1, R, kVocab, 128, false, true},
      {"logits_dx", 1, R, 128, kVocab, false, false},    {"logits_dw", 1, kVocab, 128, R, true, false},
      {"scores_qkT", 256, 16, 16, 32, false, true},      {"context_pv", 256, 16, 32, 16, false, false},
  };
  constexpr int kReps = 10;  // products per timed step, so one step is well above timer noise
  double total_focus = 0, total_cblas = 0;
  for (const GemmShape& g : shapes) {
    manual_seed(0);
    // Stored operands: A is [M, K] or, transposed, [K, M]; B is [K, N] or [N, K].
    const Tensor a = randn(g.ta ? Shape{g.batch, g.K, g.M} : Shape{g.batch, g.M, g.K});
    const Tensor b = randn(g.tb ? Shape{g.batch, g.N, g.K} : Shape{g.batch, g.K, g.N});
    const Tensor a_op = g.ta ? a.mT() : a, b_op = g.tb ? b.mT() : b;
    const Tensor A = g.batch == 1 ? a_op.select(0, 0) : a_op, Bm = g.batch == 1 ? b_op.select(0, 0) : b_op;
    Tensor c;
    NoGradGuard ng;
    Tensor c_direct = empty({g.batch, g.M, g.N});
    const float* pa = a.data_ptr<float>();
    const float* pb = b.data_ptr<float>();
    float* pc = c_direct.data_ptr<float>();
    const int M = int(g.M), N = int(g.N), K = int(g.K);
    const int lda = g.ta ? M : K, ldb = g.tb ? K : N;
    auto through_focus = [&] {
      for (int r = 0; r < kReps; ++r) c = matmul(A, Bm);
    };
    auto direct = [&] {
      for (int r = 0; r < kReps; ++r)
        for (std::int64_t i = 0; i < g.batch; ++i)
          cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans, M, N, K,
                      1.0f, pa + i * g.M * g.K, lda, pb + i * g.K * g.N, ldb, 0.0f, pc + i * g.M * g.N, N);
    };
    // The two sides alternate step by step, and the ratio is the median of per-step ratios, so
    // load from other processes falls on both alike.
    std::vector<double> tf, tc, ratios;
    for (int i = 0; i < s.warmup + s.iters; ++i) {
      const double t0 = now_ms();
      through_focus();
      const double t1 = now_ms();
      direct();
      const double t2 = now_ms();
      if (i < s.warmup) continue;
      tf.push_back((t1 - t0) / kReps);
      tc.push_back((t2 - t1) / kReps);
      ratios.push_back((t1 - t0) / (t2 - t1));
    }
    const double focus_ms = median(tf), cblas_ms = median(tc), ratio = median(ratios);
    const double diff = max(abs(c.reshape({g.batch, g.M, g.N}) - c_direct)).item<float>();
    const double flop = 2.0 * g.batch * g.M * g.N * g.K;
    std::printf("name=gemm_efficiency threads=%d shape=%s batch=%lld M=%d N=%d K=%d focus_ms=%.4f cblas_ms=%.4f "
                "ratio=%.3f gflops=%.2f max_diff=%.2g\n",
                s.threads, g.what, static_cast<long long>(g.batch), M, N, K, focus_ms, cblas_ms, ratio,
                flop / focus_ms / 1e6, diff);
    total_focus += focus_ms;
    total_cblas += cblas_ms;
  }
  std::printf("name=gemm_efficiency threads=%d shape=all focus_ms=%.4f cblas_ms=%.4f ratio=%.3f\n", s.threads,
              total_focus, total_cblas, total_focus / total_cblas);
}

// ---- sgemm roofline proxy, as torch_ref.py's sgemm1024 -------------------------------------------
void sgemm1024(const Settings& s) {
  manual_seed(0);
  const Tensor a = randn({1024, 1024}), b = randn({1024, 1024});
  NoGradGuard ng;
  const double ms = median_ms([&] { (void)matmul(a, b); }, 2, 10);
  std::printf("name=sgemm1024 threads=%d focus_ms=%.3f gflops=%.1f\n", s.threads, ms, 2.0 * 1024 * 1024 * 1024 / ms / 1e6);
}

// ---- W7 and W8: the Fashion-MNIST examples' training steps ---------------------------------------
// One AdamW step on a batch of 128 random 28x28 images: forward, cross-entropy, backward, update.
// W7 is fashion_cnn's network at its defaults (two blocks of [conv 3x3 no bias, batch norm, ReLU],
// one of width 32 then two of width 64, each closed by a 2x2 max pool; a hidden layer of 128,
// dropout, linear head); W8 fashion_vit's (4x4 patches,
// d_model 64, 4 heads, 4 pre-norm GELU blocks with feed-forward 128, dropout 0). torch_extra.py
// builds the same two in PyTorch.
constexpr std::int64_t kImageBatch = 128;

std::shared_ptr<nn::Sequential> fashion_cnn(std::int64_t width) {
  auto net = std::make_shared<nn::Sequential>();
  std::int64_t in = 1;
  for (int block = 0; block < 2; ++block) {
    const std::int64_t out = width << block;
    for (int k = 0; k <= block; ++k, in = out) {  // one convolution in the first block, two in the second
      net->push_back(std::make_shared<nn::Conv2d>(in, out, 3, 1, 1, false));
      net->push_back(std::make_shared<nn::BatchNorm2d>(out));
      net->push_back(std::make_shared<nn::ReLU>());
    }
    net->push_back(std::make_shared<nn::MaxPool2d>(2));
  }
  net->push_back(std::make_shared<nn::Flatten>());
  net->push_back(std::make_shared<nn::Linear>(in * 7 * 7, 128));
  net->push_back(std::make_shared<nn::ReLU>());
  net->push_back(std::make_shared<nn::Dropout>(0.25));
  net->push_back(std::make_shared<nn::Linear>(128, 10));
  return net;
}

void image_step(const Settings& s, const char* name, nn::Module& model, const std::function<Tensor(const Tensor&)>& forward) {
  optim::AdamW opt(model.named_parameters(), {.lr = 1e-3, .weight_decay = 0.05});
  const Tensor images = randn({kImageBatch, 1, 28, 28}), labels = randint(0, 10, {kImageBatch});
  const double ms = median_ms(
      [&] {
        opt.zero_grad();
        cross_entropy(forward(images), labels).backward();
        opt.step();
      },
      s.warmup, std::max(3, s.iters / 2));
  std::printf("name=%s threads=%d batch=%lld focus_ms=%.3f images_per_s=%.0f params=%lld peak_rss_mb=%.1f\n", name, s.threads,
              static_cast<long long>(kImageBatch), ms, static_cast<double>(kImageBatch) / (ms / 1e3),
              static_cast<long long>(model.num_parameters()), peak_rss_mb());
}

void image_cnn_step(const Settings& s) {
  manual_seed(0);
  const auto net = fashion_cnn(32);
  image_step(s, "image_cnn_step", *net, [&](const Tensor& x) { return net->forward(x); });
}

void image_vit_step(const Settings& s) {
  manual_seed(0);
  nn::VisionTransformerConfig c;
  c.patch_size = 4, c.num_layers = 4;
  c.block.d_model = 64, c.block.nhead = 4, c.block.dim_feedforward = 128, c.block.dropout = 0;
  nn::VisionTransformer vit(c);
  image_step(s, "image_vit_step", vit, [&](const Tensor& x) { return vit.forward(x); });
}

std::vector<std::int64_t> parse_list(const std::string& text) {
  std::vector<std::int64_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::size_t used = 0;
    const long long v = std::stoll(item, &used);
    if (used != item.size() || v <= 0) throw std::invalid_argument(item);
    out.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::pair<std::string, void (*)(const Settings&)>> workloads = {
      {"seed_attention", seed_attention}, {"transformer_step", transformer_step},
      {"decode", decode},                 {"attention_scaling", attention_scaling},
      {"gemm_efficiency", gemm_efficiency}, {"attention_long", attention_long},
      {"sgemm1024", sgemm1024},           {"image_cnn_step", image_cnn_step},
      {"image_vit_step", image_vit_step},
  };
  Settings s;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--threads") s.threads = static_cast<int>(parse_list(value()).at(0));
      else if (arg == "--only") s.only = value();
      else if (arg == "--batch") s.batch = parse_list(value()).at(0);
      else if (arg == "--T") s.T = parse_list(value());
      else if (arg == "--iters") s.iters = static_cast<int>(parse_list(value()).at(0));
      else if (arg == "--precision") s.precision = parse_precision(value());
      else if (arg == "--help" || arg == "-h") {
        std::cout << "usage: focus_bench [--threads N] [--only NAME] [--batch B] [--T t1,t2,...] [--iters N]"
                     " [--precision float32|bf16]\n"
                     "workloads: seed_attention transformer_step decode attention_scaling gemm_efficiency image_cnn_step image_vit_step"
                     " (sgemm1024 and attention_long only with --only)\n";
        return 0;
      } else throw std::invalid_argument("unknown flag " + arg);
    }
  } catch (const std::exception& e) {
    std::cerr << "focus_bench: bad arguments (" << e.what() << "); see --help\n";
    return 2;
  }
  bool found = s.only.empty();
  for (const auto& [name, fn] : workloads) found = found || name == s.only;
  if (!found) {
    std::cerr << "focus_bench: unknown workload '" << s.only << "'; see --help\n";
    return 2;
  }
  try {
    set_num_threads(s.threads);
    set_matmul_precision(s.precision);  // ValueError naming what is missing when bf16 cannot run
    if (s.precision != MatmulPrecision::float32)
      std::cerr << "focus_bench: float32 matrix products in " << precision_name(s.precision) << "\n";
    for (const auto& [name, fn] : workloads) {
      // sgemm1024 and attention_long (minutes at T=16384) run only when asked for by name.
      if (s.only.empty() ? (name == "sgemm1024" || name == "attention_long") : name != s.only) continue;
      fn(s);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::cerr << "focus_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
