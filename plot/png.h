// A greyscale PNG encoder (8-bit, one channel) and base64, so SVG pictures can embed images
// as data: URIs instead of one <rect> per pixel. zlib does the deflate and the CRC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace focus::plot {

// The bytes of a PNG file of width x height grey pixels (row-major, 0 black .. 255 white).
// Throws ValueError unless width and height are in [1, 2^24) and pixels holds width * height bytes.
[[nodiscard]] std::string png_gray(std::int64_t width, std::int64_t height, std::string_view pixels);

// RFC 4648 base64 with '=' padding.
[[nodiscard]] std::string base64(std::string_view bytes);

}  // namespace focus::plot
