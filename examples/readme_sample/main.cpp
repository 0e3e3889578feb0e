// The code sample of README.md, built and run by CTest (check.cmake checks that README.md shows
// this file, minus these comment lines, and the output it prints). Edit the two together.
#include <focus/focus.h>

#include <iostream>
#include <vector>

int main() {
  // Two leaf tensors that collect gradients, and a scalar computed from them.
  focus::Tensor x = focus::tensor(std::vector<float>{1, 2, 3}).requires_grad_();
  focus::Tensor w = focus::tensor(std::vector<float>{0.5, -1, 2}).requires_grad_();
  focus::Tensor y = (w * x).sum() + (x * x).mean();  // y = w . x + mean(x^2)

  y.backward();  // reverse mode: accumulates dy/d(leaf) into each leaf's .grad
  std::cout << "y     = " << y.item<float>() << "\n";
  std::cout << "dy/dx = " << x.grad() << "\n";  // w + 2x/3
  std::cout << "dy/dw = " << w.grad() << "\n";  // x
}
