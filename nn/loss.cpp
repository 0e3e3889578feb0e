// Loss module printing.
#include <focus/nn/loss.h>

#include <sstream>

namespace focus::nn {

std::string CrossEntropyLoss::extra_repr() const {
  std::ostringstream os;
  os << "ignore_index=" << options_.ignore_index << ", label_smoothing=" << options_.label_smoothing;
  return os.str();
}

}  // namespace focus::nn
