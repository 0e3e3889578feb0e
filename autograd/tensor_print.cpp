// Tensor printing (here, not in tensor/, because it shows the grad_fn): like PyTorch, nested brackets,
// one number format per tensor, more than 1000 elements abbreviated to the first and last 3 per dim.
#include <focus/tensor/tensor.h>

#include <focus/autograd/node.h>
#include <focus/tensor/kernel.h>

#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

namespace focus {

namespace {

constexpr std::int64_t kThreshold = 1000;
constexpr std::int64_t kEdge = 3;

struct Format {
  bool scientific = false;
  bool integral = false;  // floats that all hold whole numbers print as "1."
  int width = 1;
};

// Floating and bool values; int64 ones are printed exactly from the integers (a double holds
// only 53 bits).
std::string format_value(double v, DType dt, const Format& f) {
  char buf[64];
  if (dt == kBool) return v != 0 ? "true" : "false";
  if (std::isnan(v)) {
    return "nan";
  } else if (std::isinf(v)) {
    return v > 0 ? "inf" : "-inf";
  } else if (f.scientific) {
    std::snprintf(buf, sizeof buf, "%.4e", v);
  } else if (f.integral) {
    std::snprintf(buf, sizeof buf, "%.0f.", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.4f", v);
  }
  return buf;
}

void print_dim(std::ostringstream& os, const Tensor& t, const std::vector<std::string>& cells, int d,
               std::int64_t base, const Strides& st, bool abbreviate, const Format& f, int indent) {
  const std::int64_t n = t.shape()[d];
  const bool last = d + 1 == t.dim();
  // Rows are separated by a newline, blocks of rows by a blank line, blocks of those by two...
  std::string sep = last ? ", " : ",";
  if (!last) {  // appended, not concatenated: GCC 12 misreads "," + std::string(...) (-Wrestrict)
    sep.append(static_cast<std::size_t>(std::max(1, t.dim() - d - 1)), '\n');
    sep.append(static_cast<std::size_t>(indent + 1), ' ');
  }
  os << '[';
  for (std::int64_t i = 0; i < n; ++i) {
    if (abbreviate && n > 2 * kEdge && i == kEdge) {
      os << (last ? " ..." : "...") << sep;  // within a row the ellipsis is padded like a number
      i = n - kEdge;
    }
    const std::int64_t off = base + i * st[d];
    if (last) {
      const std::string& s = cells[off];
      os << std::string(f.width > static_cast<int>(s.size()) ? f.width - s.size() : 0, ' ') << s;
    } else {
      print_dim(os, t, cells, d + 1, off, st, abbreviate, f, indent + 1);
    }
    if (i + 1 < n) os << sep;
  }
  os << ']';
}

}  // namespace

std::string Tensor::to_string() const {
  if (!defined()) return "tensor(undefined)";
  const std::vector<double> vals = dtype() == kInt64 ? std::vector<double>() : to_vector<double>();
  Format f;
  if (is_floating(dtype())) {
    double max_abs = 0, min_abs = INFINITY;
    bool integral = true;
    for (double v : vals) {
      if (!std::isfinite(v)) continue;
      max_abs = std::max(max_abs, std::abs(v));
      if (v != 0) min_abs = std::min(min_abs, std::abs(v));
      if (v != std::floor(v)) integral = false;
    }
    // PyTorch's rule, on the nonzero finite magnitudes: scientific when they span more than
    // 1000x, exceed 1e8, or (for non-whole values) go below 1e-4.
    f.scientific = max_abs > 0 && (max_abs / min_abs > 1000 || max_abs > 1e8 || (!integral && min_abs < 1e-4));
    f.integral = integral && !f.scientific;
  }
  std::vector<std::string> cells;  // every element formatted, row-major
  cells.reserve(numel());
  if (dtype() == kInt64)
    for (std::int64_t v : to_vector<std::int64_t>()) cells.push_back(std::to_string(v));
  else
    for (double v : vals) cells.push_back(format_value(v, dtype(), f));
  for (const auto& c : cells) f.width = std::max<int>(f.width, static_cast<int>(c.size()));
  std::ostringstream os;
  os << "tensor(";
  if (dim() == 0) os << cells[0];
  else print_dim(os, *this, cells, 0, 0, contiguous_strides(shape()), numel() > kThreshold, f, 7);
  os << ", shape=" << focus::to_string(shape()) << ", dtype=" << dtype_name(dtype());
  if (grad_fn()) os << ", grad_fn=<" << grad_fn()->name() << ">";
  else if (requires_grad()) os << ", requires_grad=true";
  os << ')';
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }
std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << to_string(s); }

}  // namespace focus
