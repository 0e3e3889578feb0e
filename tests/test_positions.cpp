// Position schemes and RMSNorm, the foundation of issue 17's configurable block: RMSNorm, RoPE,
// ALiBi, T5's relative position bias, and the additive bias of scaled_dot_product_attention.
// Each: a hand-checkable forward, forward numbers against tests/reference/positions_ref.py
// (PyTorch 1.13, float64, the formulas written out there), gradcheck in float64, "cached equals
// full" (positions computed in pieces equal the whole, 1e-12), and the error messages.
#include "op_table.h"

#include <focus/nn/alibi.h>
#include <focus/nn/relative_position.h>
#include <focus/nn/rms_norm.h>
#include <focus/nn/rope.h>
#include <focus/nn/xl_positions.h>

#include <cmath>

using namespace focus;
using namespace focus::testing;

namespace {

// The closed-form patterns of positions_ref.py (and nn_layers_ref.py).
Tensor pattern(const Shape& shape, int k) {
  std::vector<double> v(numel_of(shape));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.2 * std::sin(0.37 * double(i) + 1.3 * k);
  return tensor(v, shape);
}

Tensor inputs(const Shape& shape, double scale = 1) {
  std::vector<double> v(numel_of(shape));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = scale * std::sin(0.11 * double(i) + 0.5);
  return tensor(v, shape);
}

struct Ref {
  double sum, sumsq;
  std::vector<double> first;
};

// Also returns the largest difference seen, for the report.
double check_ref(const Tensor& y, const Ref& r, double tol = 1e-12) {
  const auto v = y.to_vector<double>();
  double s = 0, s2 = 0;
  for (double x : v) s += x, s2 += x * x;
  double worst = std::max(std::abs(s - r.sum), std::abs(s2 - r.sumsq));
  CHECK_MESSAGE(std::abs(s - r.sum) < tol, "sum " << s << " vs torch " << r.sum);
  CHECK_MESSAGE(std::abs(s2 - r.sumsq) < tol, "sumsq " << s2 << " vs torch " << r.sumsq);
  for (std::size_t i = 0; i < r.first.size(); ++i) {
    worst = std::max(worst, std::abs(v[i] - r.first[i]));
    CHECK_MESSAGE(std::abs(v[i] - r.first[i]) < tol, "element " << i << ": " << v[i] << " vs torch " << r.first[i]);
  }
  MESSAGE("max abs diff against torch: " << worst);
  return worst;
}

void check_gradcheck(const std::function<Tensor(const Inputs&)>& fn, const Inputs& in) {
  const auto r = gradcheck(fn, in);
  CHECK_MESSAGE(r.ok, r.message);
}

// Exact equality up to tol of two tensors of one shape.
void check_same(const Tensor& a, const Tensor& b, double tol, const std::string& what) {
  REQUIRE_MESSAGE(a.shape() == b.shape(), what << ": shapes " << a.shape() << " vs " << b.shape());
  const double d = max_abs_diff(a, b);
  CHECK_MESSAGE(d <= tol, what << ": max diff " << d << " > " << tol);
}

}  // namespace

// ---- RMSNorm -------------------------------------------------------------------------------------

TEST_CASE("positions: RMSNorm by hand, parameter names and repr") {
  nn::RMSNorm norm(Shape{2}, 0.0, true, kFloat64);
  CHECK(norm.named_parameters().size() == 1);
  CHECK(norm.named_parameters()[0].first == "weight");
  CHECK(norm.to_string() == "RMSNorm(normalized_shape=[2], eps=0, elementwise_affine=true)");
  // rms([3, 4]) = sqrt((9 + 16) / 2) = sqrt(12.5)
  const Tensor y = norm.forward(tensor(std::vector<double>{3, 4, -1, 1}, {2, 2}));
  const auto v = y.to_vector<double>();
  CHECK(v[0] == doctest::Approx(3 / std::sqrt(12.5)).epsilon(1e-15));
  CHECK(v[1] == doctest::Approx(4 / std::sqrt(12.5)).epsilon(1e-15));
  CHECK(v[2] == doctest::Approx(-1).epsilon(1e-15));
  CHECK(v[3] == doctest::Approx(1).epsilon(1e-15));
  nn::RMSNorm plain(Shape{3}, 1e-6, false);
  CHECK(plain.parameters().empty());
  CHECK(nn::RMSNorm(8).to_string() == "RMSNorm(normalized_shape=[8], eps=1e-06, elementwise_affine=true)");
}

TEST_CASE("positions: rms_norm matches torch's formula (positions_ref.py)") {
  check_ref(nn::rms_norm(inputs({2, 3, 5}), {5}, 1.0 + pattern({5}, 0), 1e-6),
            Ref{21.3436906024792,
                37.444809282891,
                {0.724490192382462, 0.928305997410293, 1.13081499004221, 1.31489960470368, 1.46341705767917,
                 0.918157931055463}});
  check_ref(nn::rms_norm(inputs({2, 3, 4}), {3, 4}, pattern({3, 4}, 1), 1e-5),
            Ref{0.0429804398102489,
                0.569177353578044,
                {0.108932799329059, 0.134422871364758, 0.138684688810124, 0.116248707354024, 0.0673670285529631,
                 -0.00171966727395551}});
}

TEST_CASE("positions: RMSNorm gradcheck for the input and the weight on odd shapes") {
  check_gradcheck([](const Inputs& in) { return nn::rms_norm(in[0], {7}, in[1], 1e-6); },
                  {leaf({3, 5, 7}, 1), leaf({7}, 2)});
  check_gradcheck(
      [](const Inputs& in) {
        return nn::rms_norm(in[0], {3, 5}, in[1], 1e-5);
      },
      {leaf({2, 3, 5}, 3), leaf({3, 5}, 4)});
  nn::RMSNorm norm(Shape{5}, 1e-6, true, kFloat64);
  {
    NoGradGuard ng;
    norm.weight.copy_(pattern({5}, 2) + 1.0);
  }
  check_gradcheck([&](const Inputs& in) { return norm.forward(in[0]); }, {leaf({1, 5}, 5), norm.weight});
}

TEST_CASE("positions: RMSNorm errors name the rule and the shapes") {
  nn::RMSNorm norm(Shape{4}, 1e-6, true, kFloat64);
  CHECK_ERROR(ShapeError, norm.forward(inputs({2, 3})),
              "rms_norm: normalized_shape must be non-empty and match the trailing dims of x; got x=[2, 3], "
              "normalized_shape=[4]");
  CHECK_ERROR(ShapeError, nn::rms_norm(inputs({2, 4}), {4}, inputs({3})),
              "rms_norm: weight must have normalized_shape; got weight=[3], normalized_shape=[4]");
  CHECK_ERROR(ValueError, nn::rms_norm(inputs({2, 4}), {4}, Tensor(), -1.0), "rms_norm: eps must be >= 0; got eps=-1");
  CHECK_ERROR(ValueError, nn::RMSNorm(Shape{}), "RMSNorm: normalized_shape must not be empty");
  CHECK_ERROR(ValueError, nn::RMSNorm(Shape{3, 0}), "RMSNorm: normalized_shape must have no zero dims; got [3, 0]");
}

// ---- RoPE ----------------------------------------------------------------------------------------

TEST_CASE("positions: RoPE by hand rotates each pair by position times frequency") {
  // Dh = 4: pairs (0, 2) turn by p, (1, 3) by p / 100 (base 10000^(2/4) = 100).
  const Tensor x = tensor(std::vector<double>{1, 1, 0, 0}, {1, 4}).expand({3, 4}).contiguous();
  const auto v = nn::apply_rope(x, 2).to_vector<double>();
  for (int t = 0; t < 3; ++t) {
    const double p = 2 + t;
    CHECK(v[t * 4 + 0] == doctest::Approx(std::cos(p)).epsilon(1e-15));
    CHECK(v[t * 4 + 2] == doctest::Approx(std::sin(p)).epsilon(1e-15));
    CHECK(v[t * 4 + 1] == doctest::Approx(std::cos(p / 100)).epsilon(1e-15));
    CHECK(v[t * 4 + 3] == doctest::Approx(std::sin(p / 100)).epsilon(1e-15));
  }
}

TEST_CASE("positions: RoPE matches torch's rotate_half formula (positions_ref.py)") {
  check_ref(nn::apply_rope(inputs({2, 3, 4, 6}), 0), Ref{12.3749570316033,
                                                         71.6872137452814,
                                                         {0.479425538604203, 0.572867460100481, 0.659384671971473,
                                                          0.737931371109963, 0.807558100405114, 0.867423225594017}});
  check_ref(nn::apply_rope(inputs({1, 2, 3, 8}), 5, 500.0),
            Ref{0.737588265411848,
                27.8158383590591,
                {0.910381961726669, -0.47421241955023, 0.439669315285711, 0.691959391205468, -0.230659091211574,
                 0.925052841888625}});
}

TEST_CASE("positions: RoPE gradcheck, and scores depend only on the distance") {
  check_gradcheck([](const Inputs& in) { return nn::apply_rope(in[0], 3); }, {leaf({2, 3, 6}, 6)});
  check_gradcheck([](const Inputs& in) { return nn::apply_rope(in[0], 0, 100.0); }, {leaf({5, 2}, 7)});
  // q at m, k at n: (R_m q) . (R_n k) is the same for (m, n) = (1, 4) and (11, 14).
  const Tensor q = leaf({1, 8}, 8).detach(), k = leaf({1, 8}, 9).detach();
  const double near = matmul(nn::apply_rope(q, 1), nn::apply_rope(k, 4).mT()).item<double>();
  const double far = matmul(nn::apply_rope(q, 11), nn::apply_rope(k, 14).mT()).item<double>();
  CHECK(std::abs(near - far) < 1e-12);
}

TEST_CASE("positions: RoPE cached equals full (offset continues the positions)") {
  const Tensor x = leaf({2, 3, 9, 6}, 10).detach();
  const Tensor full = nn::apply_rope(x, 0);
  for (auto [a, b] : {std::pair{0, 4}, std::pair{4, 5}, std::pair{5, 9}})
    check_same(nn::apply_rope(x.slice(2, a, b), a), full.slice(2, a, b), 1e-12, "rope pieces");
}

TEST_CASE("positions: RoPE errors") {
  CHECK_ERROR(ValueError, nn::apply_rope(inputs({2, 3, 5}), 0),
              "rope: the head dim Dh must be even (dims rotate in pairs); got Dh=5, x=[2, 3, 5]");
  CHECK_ERROR(ValueError, nn::apply_rope(inputs({3, 4}), -1), "rope: offset must be >= 0; got offset=-1");
  CHECK_ERROR(ValueError, nn::apply_rope(inputs({3, 4}), 0, 1.0), "rope: base must be > 1; got base=1");
  CHECK_ERROR(ShapeError, nn::apply_rope(inputs({4}), 0), "rope: x must be [.., T, Dh]; got x=[4]");
}

// ---- ALiBi ---------------------------------------------------------------------------------------

TEST_CASE("positions: ALiBi slopes follow the paper (powers of two by hand, others from positions_ref.py)") {
  const auto s8 = nn::alibi_slopes(8, kFloat64).to_vector<double>();
  for (int i = 0; i < 8; ++i) CHECK(s8[i] == std::ldexp(1.0, -(i + 1)));  // 1/2, 1/4, .., 1/256
  CHECK(nn::alibi_slopes(1, kFloat64).to_vector<double>() == std::vector<double>{1.0 / 256});
  const std::vector<std::pair<int, std::vector<double>>> torch_slopes = {
      {6, std::vector<double>{0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125}},
      {12, std::vector<double>{0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625, 0.70710678118654757,
                               0.35355339059327384, 0.17677669529663695, 0.088388347648318488}},
  };
  for (const auto& entry : torch_slopes) {  // not a structured binding: CHECK_MESSAGE's lambda captures (clang 14)
    const auto& h = entry.first;
    const auto& want = entry.second;
    const auto got = nn::alibi_slopes(h, kFloat64).to_vector<double>();
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i)
      CHECK_MESSAGE(std::abs(got[i] - want[i]) < 1e-15,
                    "nhead=" << h << " slope " << i << ": " << got[i] << " vs " << want[i]);
  }
  CHECK_ERROR(ValueError, nn::alibi_slopes(0), "alibi_slopes: nhead must be positive; got nhead=0");
}

TEST_CASE("positions: ALiBi bias by hand and against positions_ref.py") {
  const Tensor slopes = tensor(std::vector<double>{0.5, 2.0});
  // queries at 3, 4; keys at 1..4
  const Tensor b = nn::alibi_bias(slopes, 2, 4, 3, 1);
  CHECK(b.shape() == Shape{2, 2, 4});
  CHECK(b.to_vector<double>() == std::vector<double>{-1, -0.5, -0, -0.5, -1.5, -1, -0.5, -0,  //
                                                     -4, -2, -0, -2, -6, -4, -2, -0});
  check_ref(nn::alibi_bias(nn::alibi_slopes(6, kFloat64), 3, 7, 4, 1),
            Ref{-39.23828125, 39.5425872802734, {-0.75, -0.5, -0.25, -0, -0.25, -0.5}});
}

TEST_CASE("positions: ALiBi gradcheck in the slopes, and cached equals full") {
  check_gradcheck([](const Inputs& in) { return nn::alibi_bias(in[0], 3, 5, 2, 0); }, {leaf({3}, 11)});
  const Tensor slopes = nn::alibi_slopes(5, kFloat64);
  const Tensor full = nn::alibi_bias(slopes, 9, 9);
  for (auto [a, b] : {std::pair{0, 3}, std::pair{3, 4}, std::pair{4, 9}})
    check_same(nn::alibi_bias(slopes, b - a, b, a, 0), full.slice(1, a, b).slice(2, 0, b), 1e-12, "alibi pieces");
}

TEST_CASE("positions: ALiBi errors") {
  const Tensor slopes = nn::alibi_slopes(4, kFloat64);
  CHECK_ERROR(ValueError, nn::alibi_bias(slopes, 2, 3, -1, 0),
              "alibi_bias: sizes and offsets must be >= 0; got Tq=2, Tk=3, q_offset=-1, k_offset=0");
  CHECK_ERROR(ShapeError, nn::alibi_bias(slopes.reshape({2, 2}), 2, 3),
              "alibi_bias: slopes must be [H]; got slopes=[2, 2]");
}

// ---- T5 relative position bias -----------------------------------------------------------------

namespace {
// sum over relative positions r in -300..300 of (r + 301) * bucket(r): the script's checksum.
std::int64_t bucket_checksum(const nn::RelativeBuckets& b) {
  std::int64_t s = 0;
  for (std::int64_t r = -300; r <= 300; ++r) s += (r + 301) * nn::relative_position_bucket(r, b);
  return s;
}
}  // namespace

TEST_CASE("positions: T5 buckets match positions_ref.py (both directions, causal)") {
  const nn::RelativeBuckets t5;  // bidirectional, 32 buckets, max_distance 128
  // Near distances one bucket each; keys ahead in the upper half; far ones share the last.
  CHECK(nn::relative_position_bucket(0, t5) == 0);
  CHECK(nn::relative_position_bucket(-1, t5) == 1);
  CHECK(nn::relative_position_bucket(-7, t5) == 7);
  CHECK(nn::relative_position_bucket(1, t5) == 17);
  CHECK(nn::relative_position_bucket(-1000, t5) == 15);
  CHECK(nn::relative_position_bucket(1000, t5) == 31);
  // positions_ref.py: a checksum over -300..300 and sampled buckets, four settings
  {
    const nn::RelativeBuckets b{true, 32, 128};
    CHECK(bucket_checksum(b) == 4692590);
    for (auto rw : std::vector<std::pair<std::int64_t, std::int64_t>>{{-300, 15},
                                                                             {-128, 15},
                                                                             {-100, 15},
                                                                             {-64, 14},
                                                                             {-20, 10},
                                                                             {-16, 10},
                                                                             {-9, 8},
                                                                             {-8, 8},
                                                                             {-7, 7},
                                                                             {-1, 1},
                                                                             {0, 0},
                                                                             {1, 17},
                                                                             {7, 23},
                                                                             {8, 24},
                                                                             {16, 26},
                                                                             {20, 26},
                                                                             {100, 31},
                                                                             {300, 31}})
      CHECK_MESSAGE(nn::relative_position_bucket(rw.first, b) == rw.second, "relative position " << rw.first);
  }
  {
    const nn::RelativeBuckets b{false, 32, 128};
    CHECK(bucket_checksum(b) == 1155805);
    for (auto rw : std::vector<std::pair<std::int64_t, std::int64_t>>{{-300, 31},
                                                                             {-128, 31},
                                                                             {-100, 30},
                                                                             {-64, 26},
                                                                             {-20, 17},
                                                                             {-16, 16},
                                                                             {-9, 9},
                                                                             {-8, 8},
                                                                             {-7, 7},
                                                                             {-1, 1},
                                                                             {0, 0},
                                                                             {1, 0},
                                                                             {7, 0},
                                                                             {8, 0},
                                                                             {16, 0},
                                                                             {20, 0},
                                                                             {100, 0},
                                                                             {300, 0}})
      CHECK_MESSAGE(nn::relative_position_bucket(rw.first, b) == rw.second, "relative position " << rw.first);
  }
  {
    const nn::RelativeBuckets b{true, 8, 20};
    CHECK(bucket_checksum(b) == 1079386);
    for (auto rw : std::vector<std::pair<std::int64_t, std::int64_t>>{{-300, 3},
                                                                             {-128, 3},
                                                                             {-100, 3},
                                                                             {-64, 3},
                                                                             {-20, 3},
                                                                             {-16, 3},
                                                                             {-9, 3},
                                                                             {-8, 3},
                                                                             {-7, 3},
                                                                             {-1, 1},
                                                                             {0, 0},
                                                                             {1, 5},
                                                                             {7, 7},
                                                                             {8, 7},
                                                                             {16, 7},
                                                                             {20, 7},
                                                                             {100, 7},
                                                                             {300, 7}})
      CHECK_MESSAGE(nn::relative_position_bucket(rw.first, b) == rw.second, "relative position " << rw.first);
  }
  {
    const nn::RelativeBuckets b{false, 10, 50};
    CHECK(bucket_checksum(b) == 383383);
    for (auto rw : std::vector<std::pair<std::int64_t, std::int64_t>>{{-300, 9},
                                                                             {-128, 9},
                                                                             {-100, 9},
                                                                             {-64, 9},
                                                                             {-20, 8},
                                                                             {-16, 7},
                                                                             {-9, 6},
                                                                             {-8, 6},
                                                                             {-7, 5},
                                                                             {-1, 1},
                                                                             {0, 0},
                                                                             {1, 0},
                                                                             {7, 0},
                                                                             {8, 0},
                                                                             {16, 0},
                                                                             {20, 0},
                                                                             {100, 0},
                                                                             {300, 0}})
      CHECK_MESSAGE(nn::relative_position_bucket(rw.first, b) == rw.second, "relative position " << rw.first);
  }
}

TEST_CASE("positions: T5 bias against positions_ref.py, gradcheck in the table, cached equals full") {
  const nn::RelativeBuckets small{true, 8, 20};
  check_ref(nn::relative_position_bias(pattern({8, 3}, 0), nn::relative_position_buckets(4, 6, 2, 0, small)),
            Ref{6.67039531386764,
                1.14270630968658,
                {0.159313094447217, 0.17913973713601, 0, -0.133847971455252, 0.0735921021144769, 0.0735921021144769}});
  const Tensor buckets = nn::relative_position_buckets(3, 5, 1, 0, {false, 6, 10});
  check_gradcheck([&](const Inputs& in) { return nn::relative_position_bias(in[0], buckets); }, {leaf({6, 2}, 12)});

  nn::RelativePositionBias rpb(3, small, kFloat64);
  const Tensor full = rpb.forward(10, 10);
  CHECK(full.shape() == Shape{3, 10, 10});
  for (auto [a, b] : {std::pair{0, 6}, std::pair{6, 7}, std::pair{7, 10}})
    check_same(rpb.forward(b - a, b, a, 0), full.slice(1, a, b).slice(2, 0, b), 1e-12, "t5 pieces");
}

TEST_CASE("positions: RelativePositionBias names, repr and errors") {
  nn::RelativePositionBias rpb(4);
  CHECK(rpb.named_parameters().size() == 1);
  CHECK(rpb.named_parameters()[0].first == "weight");
  CHECK(rpb.weight.shape() == Shape{32, 4});
  CHECK(rpb.to_string() == "RelativePositionBias(nhead=4, num_buckets=32, max_distance=128, bidirectional=true)");
  CHECK_ERROR(ValueError, nn::RelativePositionBias(0), "RelativePositionBias: nhead must be positive; got nhead=0");
  CHECK_ERROR(ValueError, nn::relative_position_bucket(0, {true, 3, 10}),
              "relative_position_bucket: num_buckets must be >= 4 when bidirectional; got num_buckets=3");
  CHECK_ERROR(ValueError, nn::relative_position_buckets(2, 2, 0, 0, {false, 32, 16}),
              "relative_position_buckets: max_distance must exceed the exact buckets (16 for num_buckets=32); got "
              "max_distance=16");
  CHECK_ERROR(ValueError, rpb.forward(2, -1), "sizes and offsets must be >= 0; got Tq=2, Tk=-1");
  CHECK_ERROR(
      ShapeError, nn::relative_position_bias(pattern({8}, 0), nn::relative_position_buckets(2, 2)),
      "relative_position_bias: need table [num_buckets, H] and buckets [Tq, Tk]; got table=[8], buckets=[2, 2]");
}

// ---- the additive bias of scaled_dot_product_attention -----------------------------------------

TEST_CASE("positions: attention with an additive bias matches positions_ref.py") {
  const Tensor q = inputs({2, 3, 4, 5}), k = inputs({2, 3, 6, 5}, 0.7), v = pattern({2, 3, 6, 5}, 2);
  AttentionMask biased;
  biased.bias = pattern({3, 4, 6}, 3) * 5.0;
  check_ref(scaled_dot_product_attention(q, k, v, biased),
            Ref{0.783378407387922,
                0.170985075679653,
                {-0.0148005463911727, -0.0217798139025769, -0.0258112857759931, -0.0263493212058439,
                 -0.0233210996207375, -0.00511182956963908}});
  AttentionMask alibi;
  alibi.bias = nn::alibi_bias(nn::alibi_slopes(3, kFloat64), 4, 6, 2, 0);
  alibi.is_causal = true;
  check_ref(scaled_dot_product_attention(q, k, v, alibi),
            Ref{-0.828700791840805,
                0.165586811780787,
                {-0.0421544605016366, -0.0341190988613956, -0.021465877250193, -0.00590734985415914, 0.0104507096320041,
                 0.00602031213871831}});
}

TEST_CASE("positions: attention bias gradcheck (q, k, v and the bias), and a zero bias changes nothing") {
  AttentionMask causal;
  causal.is_causal = true;
  check_gradcheck(
      [&](const Inputs& in) {
        AttentionMask m = causal;
        m.bias = in[3];
        return scaled_dot_product_attention(in[0], in[1], in[2], m);
      },
      {leaf({2, 3, 3, 4}, 13), leaf({2, 3, 5, 4}, 14), leaf({2, 3, 5, 3}, 15), leaf({3, 3, 5}, 16)});
  // The T5 table through the bias, as a block will use it.
  const Tensor buckets = nn::relative_position_buckets(4, 4, 0, 0, {true, 6, 8});
  check_gradcheck(
      [&](const Inputs& in) {
        AttentionMask m;
        m.bias = nn::relative_position_bias(in[1], buckets);
        return scaled_dot_product_attention(in[0], in[0], in[0], m);
      },
      {leaf({1, 2, 4, 3}, 17), leaf({6, 2}, 18)});

  const Tensor q = leaf({2, 2, 4, 3}, 19).detach(), k = leaf({2, 2, 4, 3}, 20).detach(),
               v = leaf({2, 2, 4, 3}, 21).detach();
  AttentionMask zero = causal;
  zero.bias = zeros({4, 4}, kFloat64);
  check_same(scaled_dot_product_attention(q, k, v, zero), scaled_dot_product_attention(q, k, v, causal), 1e-12,
             "zero bias vs fused");
}

TEST_CASE("positions: a bias runs fused, bad shapes and dtypes are named") {
  const Tensor q = leaf({1, 2, 3, 4}, 22), k = leaf({1, 2, 5, 4}, 23), v = leaf({1, 2, 5, 4}, 24);
  AttentionMask m;
  m.bias = zeros({2, 3, 5}, kFloat64);
  CHECK(scaled_dot_product_attention(q, k, v, m).grad_fn()->name() == "scaled_dot_product_attention");
  CHECK(scaled_dot_product_attention(q, k, v).grad_fn()->name() == "scaled_dot_product_attention");
  AttentionOptions fused, composed;
  fused.path = AttentionPath::Fused;
  composed.path = AttentionPath::Composed;
  check_same(scaled_dot_product_attention(q, k, v, m, fused), scaled_dot_product_attention(q, k, v, m, composed), 1e-12,
             "Fused with a bias vs composed");
  m.bias = zeros({2, 3, 4}, kFloat64);
  CHECK_ERROR(ShapeError, scaled_dot_product_attention(q, k, v, m),
              "scaled_dot_product_attention: the bias must broadcast to the scores [.., Tq, Tk]; got bias=[2, 3, 4], "
              "scores=[1, 2, 3, 5]");
  m.bias = zeros({3, 1, 2, 3, 5}, kFloat64);
  CHECK_ERROR(ShapeError, scaled_dot_product_attention(q, k, v, m), "got bias=[3, 1, 2, 3, 5], scores=[1, 2, 3, 5]");
  m.bias = zeros({3, 5}, kFloat32);
  CHECK_ERROR(
      DTypeError, scaled_dot_product_attention(q, k, v, m),
      "scaled_dot_product_attention (bias): dtypes must match (no implicit promotion); got a=float64, b=float32");
}

TEST_CASE("positions: attention with ALiBi, T5 or RoPE, cached equals full") {
  const std::int64_t H = 2, T = 7;
  const Tensor q = leaf({1, H, T, 4}, 25).detach(), k = leaf({1, H, T, 4}, 26).detach(),
               v = leaf({1, H, T, 4}, 27).detach();
  const Tensor slopes = nn::alibi_slopes(H, kFloat64);
  nn::RelativePositionBias t5(H, {false, 8, 16}, kFloat64);
  const std::vector<std::pair<std::string, std::function<Tensor(std::int64_t, std::int64_t)>>> biases = {
      {"alibi", [&](std::int64_t a, std::int64_t b) { return nn::alibi_bias(slopes, b - a, b, a, 0); }},
      {"t5", [&](std::int64_t a, std::int64_t b) { return t5.forward(b - a, b, a, 0); }},
  };
  for (const auto& [name, bias_of] : biases) {
    AttentionMask full_mask;
    full_mask.is_causal = true;
    full_mask.bias = bias_of(0, T);
    const Tensor full = scaled_dot_product_attention(q, k, v, full_mask);
    // Decoding positions a..b-1 against the cache 0..b-1: the causal mask aligns at the end.
    for (auto [a, b] : {std::pair{0, 3}, std::pair{3, 4}, std::pair{4, 7}}) {
      AttentionMask step;
      step.is_causal = true;
      step.bias = bias_of(a, b);
      const Tensor part = scaled_dot_product_attention(q.slice(2, a, b), k.slice(2, 0, b), v.slice(2, 0, b), step);
      check_same(part, full.slice(2, a, b), 1e-12, name + " cached attention");
    }
  }
  AttentionMask causal;
  causal.is_causal = true;
  const Tensor full = scaled_dot_product_attention(nn::apply_rope(q), nn::apply_rope(k), v, causal);
  for (auto [a, b] : {std::pair{0, 3}, std::pair{3, 4}, std::pair{4, 7}}) {
    const Tensor part = scaled_dot_product_attention(nn::apply_rope(q.slice(2, a, b), a),
                                                     nn::apply_rope(k.slice(2, 0, b), 0), v.slice(2, 0, b), causal);
    check_same(part, full.slice(2, a, b), 1e-12, "rope cached attention");
  }
}

// ---- Transformer-XL's relative attention ("xl") ---------------------------------------------------

TEST_CASE("positions: relative_sinusoids by hand, negative distances included") {
  const Tensor s = nn::relative_sinusoids(4, -2, 3, kFloat64);  // distances -2, -1, 0
  CHECK(s.shape() == Shape{3, 4});
  // w = 1, 10000^(-1/2) = 0.01; row d: sin(d), sin(0.01 d), cos(d), cos(0.01 d)
  CHECK(s.at<double>({0, 0}) == doctest::Approx(std::sin(-2.0)).epsilon(1e-15));
  CHECK(s.at<double>({0, 1}) == doctest::Approx(std::sin(-0.02)).epsilon(1e-15));
  CHECK(s.at<double>({1, 2}) == doctest::Approx(std::cos(-1.0)).epsilon(1e-15));
  CHECK(s.at<double>({2, 3}) == 1.0);
  CHECK_ERROR(ValueError, nn::relative_sinusoids(3, 0, 2), "relative_sinusoids: need an even d_model > 0");
}

TEST_CASE("positions: xl score_bias equals the Transformer-XL terms written out per query and key") {
  manual_seed(31);
  const std::int64_t D = 8, H = 2, Dh = 4, B = 2, Tq = 3, Tk = 5, q_off = 4, k_off = 2;
  nn::RelativeXLPositions xl(D, H, kFloat64);
  {
    NoGradGuard ng;
    for (auto& p : xl.parameters()) p.add_(randn(p.shape(), kFloat64) * 0.5);
  }
  const Tensor q = randn({B, H, Tq, Dh}, kFloat64), k = randn({B, H, Tk, Dh}, kFloat64);
  const Tensor got = xl.score_bias(q, k, q_off, k_off);
  REQUIRE(got.shape() == Shape{B, H, Tq, Tk});
  const Tensor w = xl.r_proj->weight;  // [D, D]: r = W R
  double worst = 0;
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t h = 0; h < H; ++h)
      for (std::int64_t i = 0; i < Tq; ++i)
        for (std::int64_t j = 0; j < Tk; ++j) {
          const std::int64_t d = (k_off + j) - (q_off + i);
          const Tensor R = nn::relative_sinusoids(D, d, 1, kFloat64);  // [1, D]
          double want = 0;
          for (std::int64_t e = 0; e < Dh; ++e) {
            double r = 0;
            for (std::int64_t f = 0; f < D; ++f) r += w.at<double>({h * Dh + e, f}) * R.at<double>({0, f});
            const double qe = q.at<double>({b, h, i, e});
            want += (qe + xl.u.at<double>({h, e})) * k.at<double>({b, h, j, e}) - qe * k.at<double>({b, h, j, e}) +
                    (qe + xl.v.at<double>({h, e})) * r;
          }
          want /= std::sqrt(double(Dh));
          worst = std::max(worst, std::abs(got.at<double>({b, h, i, j}) - want));
        }
  MESSAGE("xl: max |score_bias - written out| = " << worst);
  CHECK(worst < 1e-12);
}

TEST_CASE("positions: xl gradcheck in q, k and every parameter, cached attention equals full") {
  manual_seed(32);
  nn::RelativeXLPositions xl(8, 2, kFloat64);
  {
    NoGradGuard ng;
    for (auto& p : xl.parameters()) p.add_(randn(p.shape(), kFloat64) * 0.5);
  }
  Inputs in{leaf({2, 2, 3, 4}, 41), leaf({2, 2, 4, 4}, 42)};
  for (auto& p : xl.parameters()) in.push_back(p);
  check_gradcheck([&](const Inputs& v) { return xl.score_bias(v[0], v[1], 1, 0); }, in);

  const std::int64_t T = 7;
  const Tensor q = leaf({1, 2, T, 4}, 43).detach(), k = leaf({1, 2, T, 4}, 44).detach(), v = leaf({1, 2, T, 4}, 45).detach();
  NoGradGuard ng;
  AttentionMask full_mask;
  full_mask.is_causal = true;
  full_mask.bias = xl.score_bias(q, k, 0, 0);
  const Tensor full = scaled_dot_product_attention(q, k, v, full_mask);
  for (auto [a, b] : {std::pair{0, 3}, std::pair{3, 4}, std::pair{4, 7}}) {
    AttentionMask step;
    step.is_causal = true;
    step.bias = xl.score_bias(q.slice(2, a, b), k.slice(2, 0, b), a, 0);
    const Tensor part = scaled_dot_product_attention(q.slice(2, a, b), k.slice(2, 0, b), v.slice(2, 0, b), step);
    check_same(part, full.slice(2, a, b), 1e-12, "xl cached attention");
  }
}

TEST_CASE("positions: xl names, repr and errors") {
  nn::RelativeXLPositions xl(8, 2);
  std::vector<std::string> names;
  for (const auto& [name, t] : xl.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"u", "v", "r_proj.weight"});
  CHECK_ERROR(ValueError, nn::RelativeXLPositions(9, 2), "xl: nhead must divide d_model, and d_model be even; got d_model=9, nhead=2");
  CHECK_ERROR(ShapeError, xl.score_bias(zeros({1, 2, 3, 5}), zeros({1, 2, 3, 4}), 0, 0), "xl: need q [B, 2, Tq, 4]");
}
