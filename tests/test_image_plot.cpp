// The PNG encoder (read back with zlib: signature, chunk CRCs, IHDR, the filtered rows), base64 on
// RFC 4648's test vectors, and the image grid SVG (one embedded image per entry, overlay cells,
// escaped captions, errors).
#include <doctest/doctest.h>
#include <zlib.h>

#include <focus/plot/image_grid.h>
#include <focus/plot/png.h>
#include <focus/tensor/error.h>

#include <cstring>

using namespace focus::plot;
using focus::ValueError;

namespace {

GridImage image(std::int64_t rows, std::int64_t cols, std::vector<std::uint8_t> pixels, std::string caption = "") {
  GridImage im;
  im.rows = rows, im.cols = cols, im.pixels = std::move(pixels), im.caption = std::move(caption);
  return im;
}

std::uint32_t read_u32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(s[at + k]);
  return v;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("image plot: base64 of RFC 4648's test vectors") {
  CHECK(base64("") == "");
  CHECK(base64("f") == "Zg==");
  CHECK(base64("fo") == "Zm8=");
  CHECK(base64("foo") == "Zm9v");
  CHECK(base64("foobar") == "Zm9vYmFy");
  CHECK(base64(std::string("\xff\x00\x10", 3)) == "/wAQ");
}

TEST_CASE("image plot: a PNG holds signature, IHDR, IDAT and IEND with valid CRCs and the rows") {
  const std::string pixels = {0, 10, char(200), 30, 40, char(255)};  // 3 wide, 2 high
  const std::string png = png_gray(3, 2, pixels);
  REQUIRE(png.size() > 8);
  CHECK(png.substr(0, 8) == "\x89PNG\r\n\x1a\n");
  std::size_t at = 8;
  std::vector<std::string> types;
  std::string idat, ihdr;
  while (at + 12 <= png.size()) {
    const std::uint32_t length = read_u32(png, at);
    const std::string type = png.substr(at + 4, 4), data = png.substr(at + 8, length);
    const std::string body = png.substr(at + 4, 4 + length);
    CHECK(read_u32(png, at + 8 + length) == crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
    types.push_back(type);
    if (type == "IHDR") ihdr = data;
    if (type == "IDAT") idat += data;
    at += 12 + length;
  }
  CHECK(at == png.size());
  CHECK(types == std::vector<std::string>{"IHDR", "IDAT", "IEND"});
  REQUIRE(ihdr.size() == 13);
  CHECK(read_u32(ihdr, 0) == 3);
  CHECK(read_u32(ihdr, 4) == 2);
  CHECK(ihdr[8] == 8);  // bit depth
  CHECK(ihdr[9] == 0);  // grey
  std::string raw(8, '\0');
  uLongf raw_size = raw.size();
  REQUIRE(uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_size, reinterpret_cast<const Bytef*>(idat.data()),
                     static_cast<uLong>(idat.size())) == Z_OK);
  CHECK(raw_size == 8);
  CHECK(raw == std::string("\0\0\x0a\xc8\0\x1e\x28\xff", 8));  // filter byte 0, then each row
}

TEST_CASE("image plot: png_gray rejects a size that does not match the pixels") {
  CHECK_THROWS_WITH_AS((void)png_gray(3, 2, "abc"),
                       "png_gray: need 1 <= width, height < 2^24 and width * height pixel bytes; got width=3, height=2, 3 bytes",
                       ValueError);
  CHECK_THROWS_AS((void)png_gray(0, 1, ""), ValueError);
}

TEST_CASE("image plot: a grid embeds one PNG per image, draws overlay cells and escapes captions") {
  GridImage a = image(2, 2, {0, 255, 255, 0}, "true: T-shirt/top\npred: <Shirt>");
  a.highlight = true;
  GridImage b = a;
  b.caption = "ok", b.highlight = false;
  b.overlay_rows = 1, b.overlay_cols = 2, b.overlay = {1.0, 0.0};  // one visible cell, one transparent
  const std::string svg = image_grid_svg({a, b, a}, "misclassified", {.columns = 2});
  CHECK(count(svg, "<image ") == 3);
  CHECK(count(svg, "data:image/png;base64,iVBORw0KGgo") == 3);  // the PNG signature, base64-encoded
  CHECK(count(svg, "fill=\"#ff2a00\"") == 1);
  CHECK(svg.find("pred: &lt;Shirt&gt;") != std::string::npos);
  CHECK(count(svg, "fill=\"#c00000\"") == 4);  // two highlighted images, two caption lines each
  CHECK(svg.find("misclassified") != std::string::npos);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
}

TEST_CASE("image plot: grid errors name the image and the rule") {
  CHECK_THROWS_WITH_AS((void)image_grid_svg({}, "t"), "image_grid_svg: no images", ValueError);
  const GridImage bad = image(2, 2, {1, 2, 3});
  CHECK_THROWS_WITH_AS((void)image_grid_svg({bad}, "t"), "image_grid_svg: image 0 needs rows * cols pixels; got rows=2, cols=2, 3 pixels",
                       ValueError);
  GridImage ok = image(1, 1, {7});
  ok.overlay_rows = 2, ok.overlay_cols = 2, ok.overlay = {1};
  CHECK_THROWS_WITH_AS((void)image_grid_svg({ok}, "t"),
                       "image_grid_svg: image 0 needs overlay_rows * overlay_cols overlay values; got 2 x 2 and 1 values", ValueError);
}
