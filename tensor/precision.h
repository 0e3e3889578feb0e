// How float32 matrix products are computed, process-wide (as torch.set_float32_matmul_precision).
// float32, the default: float32 in and out (OpenBLAS's sgemm; in a build with oneDNN, oneDNN's
// for products of 2^17 multiply-adds or more).
// bf16: both operands rounded to bfloat16 (8-bit mantissa, round to nearest even), products summed
// and returned in float32 -- what torch.autocast does on CPUs with AVX512_BF16. It applies to
// matmul, Linear and convolution, forward and backward, for products of 2^17 multiply-adds or
// more (smaller ones run faster on OpenBLAS in float32); the fused attention kernel, reductions,
// norms, optimizers and parameters stay float32, and float64 products are never rounded.
// bf16 needs focus built with oneDNN (-DFOCUS_WITH_DNNL=ON, Debian's libdnnl-dev) and a CPU with
// AVX512_BF16; asking for it elsewhere throws ValueError saying which is missing.
#pragma once

#include <string>

namespace focus {

enum class MatmulPrecision { float32, bf16 };

// Throws ValueError when bf16 is asked for and bf16_unavailable_reason() is not empty. Calls
// already running keep the precision they started with.
void set_matmul_precision(MatmulPrecision precision);
MatmulPrecision get_matmul_precision();

// "" when bf16 products can run in this process, else one line saying why not.
std::string bf16_unavailable_reason();

// "float32" / "bf16", and back (ValueError naming the accepted values).
const char* precision_name(MatmulPrecision precision);
MatmulPrecision parse_precision(const std::string& name);

// Sets a precision for the scope's lifetime and restores the previous one (tests, evaluation).
class MatmulPrecisionScope {
 public:
  explicit MatmulPrecisionScope(MatmulPrecision precision) : previous_(get_matmul_precision()) {
    set_matmul_precision(precision);
  }
  ~MatmulPrecisionScope() { set_matmul_precision(previous_); }
  MatmulPrecisionScope(const MatmulPrecisionScope&) = delete;
  MatmulPrecisionScope& operator=(const MatmulPrecisionScope&) = delete;

 private:
  MatmulPrecision previous_;
};

}  // namespace focus
