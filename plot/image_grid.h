// A grid of small greyscale images with a caption under each, as one SVG: misclassified test
// images with their true and predicted labels, or images with a heat overlay (where a Vision
// Transformer's class token looked). Each image is embedded as a PNG (plot/png.h), drawn with
// sharp pixels at any zoom.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace focus::plot {

struct GridImage {
  std::int64_t rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // rows * cols, row-major, 0 black .. 255 white
  std::string caption;               // up to two lines, split at '\n'
  bool highlight = false;            // caption in red (e.g. a wrong prediction)
  // Optional heat over the image: overlay_rows x overlay_cols values in [0, 1], each drawn as a
  // translucent red cell covering its share of the image (opacity 0.7 * value).
  std::int64_t overlay_rows = 0, overlay_cols = 0;
  std::vector<double> overlay;
};

struct ImageGridOptions {
  int columns = 8;          // images per row
  double scale = 3.0;       // screen pixels per image pixel
  double font_size = 11.0;  // px, captions
};

// Throws ValueError for an empty list, an image whose pixel count is not rows * cols, an overlay
// whose value count is not overlay_rows * overlay_cols, or columns < 1 / scale <= 0.
[[nodiscard]] std::string image_grid_svg(const std::vector<GridImage>& images, const std::string& title,
                                         const ImageGridOptions& options = {});

}  // namespace focus::plot
