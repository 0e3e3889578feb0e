// Matmul precision (tensor/precision.h): bf16 rounding by known bit patterns; float32 products of
// 2^17 multiply-adds or more under MatmulPrecision::bf16 equal the float64 product of the
// bf16-rounded operands (so the rounding, and only it, happened) in every layout matmul hands to
// the backend, and smaller ones stay float32; Linear trains
// with float32 parameters and gradients; the same bits at 1 and 2 threads; float64 untouched.
// In a build without oneDNN, or on a CPU without AVX512_BF16, bf16 is refused with the reason.
#include "op_table.h"

#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_matmul.h>
#include <focus/autograd/ops_reduce.h>
#include <focus/cli/args.h>
#include <focus/nn/linear.h>
#include <focus/tensor/fast_math.h>
#include <focus/tensor/precision.h>
#include <focus/tensor/threads.h>
#include <focus/train/flags.h>

#include <bit>
#include <cstring>

using namespace focus;
using focus::testing::check_close;
using focus::testing::max_abs_diff;

namespace {

std::uint16_t bf16_bits(std::uint32_t float_bits) {
  std::uint16_t out = 0;
  const float x = std::bit_cast<float>(float_bits);
  kernel::rows::to_bf16(&out, &x, 1);
  return out;
}

// t (float32) with every element rounded to bf16, widened to float64.
Tensor rounded_to_bf16(const Tensor& t) {
  const Tensor c = t.contiguous();
  const std::int64_t n = c.numel();
  std::vector<std::uint16_t> bits(static_cast<std::size_t>(n));
  kernel::rows::to_bf16(bits.data(), c.data_ptr<float>(), n);
  Tensor out = Tensor::empty(c.shape(), kFloat64);
  for (std::int64_t i = 0; i < n; ++i)
    out.data_ptr<double>()[i] = std::bit_cast<float>(static_cast<std::uint32_t>(bits[i]) << 16);
  return out;
}

Tensor randu32(const Shape& s, std::uint64_t seed) {
  Generator g(seed);
  return uniform(s, -1, 1, kFloat32, &g);
}

struct Threads {
  int before = get_num_threads();
  explicit Threads(int n) { set_num_threads(n); }
  ~Threads() { set_num_threads(before); }
};

}  // namespace

TEST_CASE("precision: to_bf16 rounds to nearest even, keeps NaN a NaN and flushes subnormals") {
  CHECK(bf16_bits(0x3f800000u) == 0x3f80);  // 1
  CHECK(bf16_bits(0x3f808000u) == 0x3f80);  // 1 + 2^-8, halfway: down to the even 1
  CHECK(bf16_bits(0x3f818000u) == 0x3f82);  // halfway above an odd last bit: up to even
  CHECK(bf16_bits(0x3f808001u) == 0x3f81);  // just above halfway: up
  CHECK(bf16_bits(0x3f807fffu) == 0x3f80);  // just below: down
  CHECK(bf16_bits(0x80000000u) == 0x8000);  // -0
  CHECK(bf16_bits(0xff800000u) == 0xff80);  // -inf
  CHECK(bf16_bits(0x7f7fffffu) == 0x7f80);  // the largest float rounds to inf, as IEEE says
  CHECK(bf16_bits(0x7f800001u) == 0x7fc0);  // a signalling NaN whose payload would round to inf
  CHECK(bf16_bits(0xffc00000u) == 0xffc0);
  CHECK(bf16_bits(0x00000001u) == 0x0000);  // subnormals become zeros of their sign
  CHECK(bf16_bits(0x00400000u) == 0x0000);
  CHECK(bf16_bits(0x807fffffu) == 0x8000);
  CHECK(bf16_bits(0x00800000u) == 0x0080);  // the smallest normal stays
  // A long row goes through the vector loop; it must agree with one element at a time.
  const Tensor x = randu32(Shape{1000}, 3);
  std::vector<std::uint16_t> row(1000);
  kernel::rows::to_bf16(row.data(), x.data_ptr<float>(), 1000);
  for (int i = 0; i < 1000; ++i) REQUIRE(row[i] == bf16_bits(std::bit_cast<std::uint32_t>(x.data_ptr<float>()[i])));
}

TEST_CASE("precision: names parse both ways and bad names are refused") {
  CHECK(parse_precision("bf16") == MatmulPrecision::bf16);
  CHECK(parse_precision("float32") == MatmulPrecision::float32);
  CHECK(std::string(precision_name(MatmulPrecision::bf16)) == "bf16");
  CHECK_ERROR(ValueError, (void)parse_precision("fp16"), "precision: must be float32 or bf16", "fp16");
  CHECK(get_matmul_precision() == MatmulPrecision::float32);  // the default
}

TEST_CASE("precision: bf16 is refused with the reason where it cannot run, and --precision says so") {
  const std::string why = bf16_unavailable_reason();
  std::vector<std::string> words{"prog", "--precision", "bf16"};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  cli::Args args(static_cast<int>(argv.size()), argv.data());
  const auto flags = train::CommonFlags::declare(args, {});
  args.finish();
  CHECK(flags.precision == MatmulPrecision::bf16);
  if (why.empty()) {
    MESSAGE("bf16 products are available in this build and on this CPU");
    CHECK_NOTHROW(flags.validate());
    MatmulPrecisionScope scope(MatmulPrecision::bf16);
    CHECK(get_matmul_precision() == MatmulPrecision::bf16);
  } else {
    MESSAGE("bf16 unavailable: " << why);
    CHECK_ERROR(cli::UsageError, flags.validate(), "--precision bf16: ", why);
    CHECK_ERROR(ValueError, set_matmul_precision(MatmulPrecision::bf16), "set_matmul_precision: bf16 is not available", why);
    CHECK(get_matmul_precision() == MatmulPrecision::float32);
  }
  train::CommonFlags bad;
  std::vector<std::string> words2{"prog", "--precision", "fp8"};
  std::vector<char*> argv2;
  for (auto& w : words2) argv2.push_back(w.data());
  cli::Args args2(static_cast<int>(argv2.size()), argv2.data());
  CHECK_ERROR(cli::UsageError, (void)train::CommonFlags::declare(args2, {}), "--precision must be float32 or bf16", "fp8");
}

TEST_CASE("precision: bf16 products are float32 sums of bf16-rounded operands, in every layout") {
  if (!bf16_unavailable_reason().empty()) {
    CHECK_ERROR(ValueError, set_matmul_precision(MatmulPrecision::bf16), "bf16 is not available");
    return;
  }
  struct Case {
    const char* what;
    Tensor a, b;
  };
  const Tensor big_a = randu32(Shape{300, 256}, 1), big_b = randu32(Shape{256, 200}, 2);
  const std::vector<Case> cases{
      {"2-D", randu32(Shape{67, 53}, 3), randu32(Shape{53, 49}, 4)},
      {"a transposed", randu32(Shape{53, 67}, 5).transpose(0, 1), randu32(Shape{53, 49}, 6)},
      {"b transposed", randu32(Shape{67, 53}, 7), randu32(Shape{49, 53}, 8).transpose(0, 1)},
      {"sliced columns", randu32(Shape{67, 70}, 9).slice(1, 5, 58), randu32(Shape{53, 49}, 10)},
      {"batched, broadcast b", randu32(Shape{3, 1, 40, 48}, 11), randu32(Shape{2, 48, 70}, 12)},
      {"batch folded into rows", randu32(Shape{4, 33, 40}, 13), randu32(Shape{40, 30}, 14)},
      {"large, cut into pieces", big_a, big_b},
  };
  for (const auto& c : cases) {
    const Tensor exact = matmul(c.a, c.b);
    Tensor product;
    {
      MatmulPrecisionScope scope(MatmulPrecision::bf16);
      product = matmul(c.a, c.b);
    }
    CHECK(product.dtype() == kFloat32);
    const Tensor reference = matmul(rounded_to_bf16(c.a), rounded_to_bf16(c.b));
    const double scale = max_abs_diff(reference, zeros_like(reference)) + 1;
    const double to_reference = max_abs_diff(product.to(kFloat64), reference);
    const double to_float32 = max_abs_diff(product, exact);
    MESSAGE(std::string(c.what) << ": |bf16 - rounded reference| = " << to_reference << ", |bf16 - float32| = " << to_float32);
    CHECK(to_reference <= 2e-6 * scale * std::sqrt(double(c.a.size(-1))));  // float32 summation only
    CHECK(to_float32 > 1e-4);  // the operands were rounded
    CHECK(to_float32 < 3e-2 * scale);
  }
}

TEST_CASE("precision: products under 2^17 multiply-adds stay float32 under bf16") {
  if (!bf16_unavailable_reason().empty()) {
    CHECK_ERROR(ValueError, set_matmul_precision(MatmulPrecision::bf16), "bf16 is not available");
    return;
  }
  // oneDNN's per-call cost outweighs bf16's gain there (tensor/matmul.cpp, kBackendMinMacs).
  const Tensor a = randu32(Shape{256, 16, 32}, 51), b = randu32(Shape{256, 32, 16}, 52);
  const Tensor exact = matmul(a, b);
  MatmulPrecisionScope scope(MatmulPrecision::bf16);
  CHECK(max_abs_diff(matmul(a, b), exact) == 0);
}

TEST_CASE("precision: under bf16 Linear keeps float32 parameters and gradients close to float32's, and float64 is untouched") {
  if (!bf16_unavailable_reason().empty()) {
    CHECK_ERROR(ValueError, set_matmul_precision(MatmulPrecision::bf16), "bf16 is not available");
    return;
  }
  manual_seed(4);
  auto layer = std::make_shared<nn::Linear>(64, 48);
  const Tensor x = randu32(Shape{8, 20, 64}, 21);
  const auto run = [&](MatmulPrecision p) {
    MatmulPrecisionScope scope(p);
    layer->zero_grad();
    const Tensor xg = x.detach().requires_grad_(true);
    const Tensor y = layer->forward(xg);
    sum(mul(y, y)).backward();
    return std::vector<Tensor>{y.detach(), xg.grad(), layer->weight.grad(), layer->bias.grad()};
  };
  const auto full = run(MatmulPrecision::float32), half = run(MatmulPrecision::bf16);
  const char* names[] = {"output", "input grad", "weight grad", "bias grad"};
  for (int i = 0; i < 4; ++i) {
    CHECK(half[i].dtype() == kFloat32);
    const double scale = max_abs_diff(full[i], zeros_like(full[i]));
    const double d = max_abs_diff(half[i], full[i]);
    MESSAGE(std::string(names[i]) << ": max |bf16 - float32| = " << d << " of max " << scale);
    CHECK(d > 0);
    CHECK(d < 2e-2 * scale);
  }
  CHECK(layer->weight.dtype() == kFloat32);

  const Tensor a = randu32(Shape{30, 40}, 31).to(kFloat64), b = randu32(Shape{40, 20}, 32).to(kFloat64);
  const Tensor exact = matmul(a, b);
  MatmulPrecisionScope scope(MatmulPrecision::bf16);
  CHECK(max_abs_diff(matmul(a, b), exact) == 0);
}

TEST_CASE("precision: bf16 products are the same bits at 1 and 2 threads") {
  if (!bf16_unavailable_reason().empty()) {
    CHECK_ERROR(ValueError, set_matmul_precision(MatmulPrecision::bf16), "bf16 is not available");
    return;
  }
  const Tensor a = randu32(Shape{6, 130, 96}, 41), b = randu32(Shape{96, 250}, 42);
  const Tensor c = randu32(Shape{6, 96, 64}, 43);
  MatmulPrecisionScope scope(MatmulPrecision::bf16);
  const auto products = [&] { return std::pair{matmul(a, b), matmul(a, c)}; };
  std::pair<Tensor, Tensor> one, two;
  {
    Threads t(1);
    one = products();
  }
  {
    Threads t(2);
    two = products();
  }
  CHECK(max_abs_diff(one.first, two.first) == 0);
  CHECK(max_abs_diff(one.second, two.second) == 0);
}
