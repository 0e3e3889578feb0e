#include <doctest/doctest.h>
#include <focus/focus.h>
using namespace focus;
TEST_CASE("smoke: add and backward") {
  Tensor a = tensor(std::vector<double>{1, 2, 3}).requires_grad_();
  Tensor b = tensor(std::vector<double>{4, 5, 6}).requires_grad_();
  Tensor y = (a * b + a).sum();
  y.backward();
  CHECK(y.item<double>() == doctest::Approx(1*4+2*5+3*6+6));
  CHECK(a.grad().to_vector<double>() == std::vector<double>{5, 6, 7});
  MESSAGE(a.grad());
}
