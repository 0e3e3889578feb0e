// Element types: float32 (the default), float64 (for exact gradient checks), int64 (token ids,
// indices) and bool (masks). Named like PyTorch's C++ constants: focus::kFloat32 and so on.
// dispatch() turns a runtime dtype into a compile-time element type for the kernels.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include <focus/tensor/error.h>

namespace focus {

enum class DType : std::uint8_t { Float32, Float64, Int64, Bool };

inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kBool = DType::Bool;

constexpr std::size_t element_size(DType dt) {
  switch (dt) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
    case DType::Bool: return 1;
  }
  return 0;
}

constexpr std::string_view dtype_name(DType dt) {
  switch (dt) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
  }
  return "?";
}

constexpr bool is_floating(DType dt) { return dt == DType::Float32 || dt == DType::Float64; }

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };
template <> struct dtype_of<std::int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <class T> inline constexpr DType dtype_of_v = dtype_of<T>::value;

// Calls f.template operator()<T>() with T the C++ type of dt. Kernels use it as
//   dispatch(dt, [&]<class T>() { ... });
template <class F>
decltype(auto) dispatch(DType dt, F&& f) {
  switch (dt) {
    case DType::Float32: return std::forward<F>(f).template operator()<float>();
    case DType::Float64: return std::forward<F>(f).template operator()<double>();
    case DType::Int64: return std::forward<F>(f).template operator()<std::int64_t>();
    case DType::Bool: return std::forward<F>(f).template operator()<bool>();
  }
  throw Error("dispatch: unknown dtype");
}

// Like dispatch() for ops defined only on floating types; op names the caller in the error.
template <class F>
decltype(auto) dispatch_floating(std::string_view op, DType dt, F&& f) {
  switch (dt) {
    case DType::Float32: return std::forward<F>(f).template operator()<float>();
    case DType::Float64: return std::forward<F>(f).template operator()<double>();
    default:
      throw DTypeError(std::string(op) + ": expected a floating dtype (float32 or float64); got " +
                       std::string(dtype_name(dt)));
  }
}

// Like dispatch() for arithmetic: floating types and int64, not bool.
template <class F>
decltype(auto) dispatch_numeric(std::string_view op, DType dt, F&& f) {
  switch (dt) {
    case DType::Float32: return std::forward<F>(f).template operator()<float>();
    case DType::Float64: return std::forward<F>(f).template operator()<double>();
    case DType::Int64: return std::forward<F>(f).template operator()<std::int64_t>();
    default:
      throw DTypeError(std::string(op) + ": expected a numeric dtype (float32, float64 or int64); got " +
                       std::string(dtype_name(dt)));
  }
}

}  // namespace focus
