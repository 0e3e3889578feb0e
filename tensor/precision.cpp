// The process-wide matmul precision and whether bf16 can run here (tensor/precision.h).
#include <focus/tensor/precision.h>
#include <focus/tensor/error.h>

#if FOCUS_WITH_DNNL
#include <focus/tensor/dnnl/dnnl_gemm.h>
#endif

#include <atomic>

namespace focus {

namespace {
std::atomic<MatmulPrecision> g_precision{MatmulPrecision::float32};
}  // namespace

std::string bf16_unavailable_reason() {
#if FOCUS_WITH_DNNL
  return kernel::dnnl::bf16_unavailable_reason();
#else
  return "focus was built without oneDNN (install libdnnl-dev and configure with -DFOCUS_WITH_DNNL=ON)";
#endif
}

void set_matmul_precision(MatmulPrecision precision) {
  if (precision == MatmulPrecision::bf16) {
    const std::string why = bf16_unavailable_reason();
    if (!why.empty()) throw ValueError("set_matmul_precision: bf16 is not available; got " + why);
  }
  g_precision.store(precision, std::memory_order_relaxed);
}

MatmulPrecision get_matmul_precision() { return g_precision.load(std::memory_order_relaxed); }

const char* precision_name(MatmulPrecision precision) {
  return precision == MatmulPrecision::bf16 ? "bf16" : "float32";
}

MatmulPrecision parse_precision(const std::string& name) {
  if (name == "float32") return MatmulPrecision::float32;
  if (name == "bf16") return MatmulPrecision::bf16;
  throw ValueError("precision: must be float32 or bf16; got \"" + name + "\"");
}

}  // namespace focus
