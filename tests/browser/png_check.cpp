// Is a screenshot a picture, not a blank page? Decodes a PNG (8-bit grey, grey+alpha, RGB or RGBA,
// not interlaced: what Chromium's --screenshot writes), checking every chunk's CRC, and counts its
// colours. Passes when it has at least 16 distinct colours, at least 2% of its pixels differ from
// the most common colour, and every --expect colour covers at least 25 pixels.
// Usage: focus_png_check FILE [--expect RRGGBB]...   exit 0 pass, 1 fail, 2 unreadable or usage.
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

struct Image {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint32_t> rgb;  // 0xRRGGBB per pixel, row by row (alpha dropped: screenshots are opaque)
};

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// The Paeth predictor of the PNG specification: whichever neighbour is closest to a + b - c.
int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

Image decode(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  const std::string file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto* bytes = reinterpret_cast<const unsigned char*>(file.data());
  if (file.size() < 8 || file.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) throw std::runtime_error("not a PNG file");

  Image image;
  int channels = 0;
  std::string idat;
  bool ended = false;
  for (std::size_t at = 8; !ended;) {
    if (file.size() - at < 12) throw std::runtime_error("truncated at byte " + std::to_string(at));
    const std::uint32_t length = be32(bytes + at);
    if (length > file.size() - at - 12) throw std::runtime_error("a chunk runs past the end at byte " + std::to_string(at));
    const std::string type = file.substr(at + 4, 4);
    const unsigned char* data = bytes + at + 8;
    if (crc32(crc32(0, nullptr, 0), bytes + at + 4, length + 4) != be32(data + length))
      throw std::runtime_error("bad CRC in chunk " + type);
    if (type == "IHDR") {
      if (length != 13) throw std::runtime_error("IHDR of " + std::to_string(length) + " bytes");
      image.width = be32(data);
      image.height = be32(data + 4);
      const int depth = data[8], colour = data[9], interlace = data[12];
      channels = colour == 0 ? 1 : colour == 4 ? 2 : colour == 2 ? 3 : colour == 6 ? 4 : 0;
      if (depth != 8 || channels == 0 || interlace != 0)
        throw std::runtime_error("only 8-bit grey/RGB(A) without interlace is read; got bit depth " +
                                 std::to_string(depth) + ", colour type " + std::to_string(colour) +
                                 ", interlace " + std::to_string(interlace));
      if (image.width == 0 || image.height == 0 || image.width > 16384 || image.height > 16384)
        throw std::runtime_error("size " + std::to_string(image.width) + " x " + std::to_string(image.height));
    } else if (type == "IDAT") {
      idat.append(reinterpret_cast<const char*>(data), length);
    } else if (type == "IEND") {
      ended = true;
    }
    at += 12 + length;
  }
  if (channels == 0) throw std::runtime_error("no IHDR chunk");

  // Each row is a filter byte then width * channels bytes, filtered against the row above.
  const std::size_t stride = std::size_t{image.width} * channels;
  std::vector<unsigned char> raw((stride + 1) * image.height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_size != raw.size())
    throw std::runtime_error("image data does not inflate to " + std::to_string(raw.size()) + " bytes");
  std::vector<unsigned char> prev(stride, 0), row(stride);
  image.rgb.reserve(std::size_t{image.width} * image.height);
  for (std::uint32_t y = 0; y < image.height; ++y) {
    const unsigned char* line = raw.data() + y * (stride + 1);
    const int filter = line[0];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= static_cast<std::size_t>(channels) ? row[i - channels] : 0, b = prev[i];
      const int c = i >= static_cast<std::size_t>(channels) ? prev[i - channels] : 0;
      const int predictor = filter == 0 ? 0 : filter == 1 ? a : filter == 2 ? b : filter == 3 ? (a + b) / 2
                          : filter == 4 ? paeth(a, b, c) : -1;
      if (predictor < 0) throw std::runtime_error("row " + std::to_string(y) + " has filter " + std::to_string(filter));
      row[i] = static_cast<unsigned char>(line[1 + i] + predictor);
    }
    for (std::uint32_t x = 0; x < image.width; ++x) {
      const unsigned char* p = row.data() + std::size_t{x} * channels;
      const std::uint32_t r = p[0], g = channels >= 3 ? p[1] : p[0], bl = channels >= 3 ? p[2] : p[0];
      image.rgb.push_back((r << 16) | (g << 8) | bl);
    }
    std::swap(prev, row);
  }
  return image;
}

std::string hex(std::uint32_t rgb) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "#%06x", static_cast<unsigned>(rgb));
  return buffer;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::uint32_t> expected;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag != "--expect" || value.size() != 6 || value.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      std::fprintf(stderr, "focus_png_check: expected --expect RRGGBB; got %s %s\n", flag.c_str(), value.c_str());
      return 2;
    }
    expected.push_back(static_cast<std::uint32_t>(std::stoul(value, nullptr, 16)));
  }
  if (argc < 2 || argc % 2 != 0) {
    std::fprintf(stderr, "usage: focus_png_check FILE [--expect RRGGBB]...\n");
    return 2;
  }
  Image image;
  try {
    image = decode(argv[1]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "focus_png_check: %s: %s\n", argv[1], e.what());
    return 2;
  }
  std::unordered_map<std::uint32_t, std::size_t> counts;
  for (std::uint32_t p : image.rgb) ++counts[p];
  const auto common = *std::max_element(counts.begin(), counts.end(),
                                        [](const auto& a, const auto& b) { return a.second < b.second; });
  const double varied = 1.0 - static_cast<double>(common.second) / static_cast<double>(image.rgb.size());
  std::printf("focus_png_check: %s: %u x %u, %zu colours, %.1f%% of pixels differ from the most common (%s)\n", argv[1],
              image.width, image.height, counts.size(), 100.0 * varied, hex(common.first).c_str());
  bool ok = true;
  if (counts.size() < 16 || varied < 0.02) {
    std::printf("focus_png_check: FAIL: a blank picture (needs at least 16 colours and 2%% of pixels off the most common)\n");
    ok = false;
  }
  for (std::uint32_t colour : expected) {
    const auto it = counts.find(colour);
    const std::size_t n = it == counts.end() ? 0 : it->second;
    std::printf("focus_png_check: %s covers %zu pixels\n", hex(colour).c_str(), n);
    if (n < 25) {
      std::printf("focus_png_check: FAIL: %s covers fewer than 25 pixels\n", hex(colour).c_str());
      ok = false;
    }
  }
  return ok ? 0 : 1;
}
