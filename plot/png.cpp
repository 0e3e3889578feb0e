// PNG as the spec lays it out: the 8-byte signature, then chunks (length, type, data, CRC-32 of
// type + data): IHDR (size, bit depth 8, colour type 0 = grey), one IDAT holding the zlib stream
// of the rows, each prefixed by filter byte 0 (none), and IEND.
#include <focus/plot/png.h>

#include <zlib.h>

#include <algorithm>

#include <focus/tensor/error.h>

namespace focus::plot {
namespace {

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

void put_chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::string body = std::string(type, 4) + data;
  out += body;
  put_u32(out, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

}  // namespace

std::string png_gray(std::int64_t width, std::int64_t height, std::string_view pixels) {
  constexpr std::int64_t kLimit = std::int64_t{1} << 24;
  if (width < 1 || height < 1 || width >= kLimit || height >= kLimit || static_cast<std::int64_t>(pixels.size()) != width * height)
    throw ValueError("png_gray: need 1 <= width, height < 2^24 and width * height pixel bytes; got width=" + std::to_string(width) +
                     ", height=" + std::to_string(height) + ", " + std::to_string(pixels.size()) + " bytes");
  std::string raw;
  raw.reserve(static_cast<std::size_t>((width + 1) * height));
  for (std::int64_t y = 0; y < height; ++y) {
    raw += '\0';  // filter type 0: the row as it is
    raw.append(pixels.substr(static_cast<std::size_t>(y * width), static_cast<std::size_t>(width)));
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(packed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size, reinterpret_cast<const Bytef*>(raw.data()),
                static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION) != Z_OK)
    throw Error("png_gray: zlib could not compress " + std::to_string(raw.size()) + " bytes");
  packed.resize(packed_size);

  std::string png = "\x89PNG\r\n\x1a\n";
  std::string header;
  put_u32(header, static_cast<std::uint32_t>(width)), put_u32(header, static_cast<std::uint32_t>(height));
  header += std::string("\x08\x00\x00\x00\x00", 5);  // bit depth 8, grey, deflate, adaptive filters, no interlace
  put_chunk(png, "IHDR", header);
  put_chunk(png, "IDAT", packed);
  put_chunk(png, "IEND", "");
  return png;
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 3; ++k) v = (v << 8) | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0u);
    for (std::size_t k = 0; k < 4; ++k) out += k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}

}  // namespace focus::plot
