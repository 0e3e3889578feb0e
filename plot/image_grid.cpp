// The image grid: fixed-size cells (the largest image, scaled, plus room for two caption lines),
// each image an <image> with a PNG data URI and image-rendering="pixelated", an optional overlay
// of translucent rectangles, and its caption lines under it.
#include <focus/plot/image_grid.h>

#include <algorithm>
#include <cmath>

#include <focus/plot/png.h>
#include <focus/plot/svg.h>
#include <focus/tensor/error.h>

namespace focus::plot {

std::string image_grid_svg(const std::vector<GridImage>& images, const std::string& title, const ImageGridOptions& options) {
  if (images.empty()) throw ValueError("image_grid_svg: no images");
  if (options.columns < 1 || !(options.scale > 0))
    throw ValueError("image_grid_svg: need columns >= 1 and scale > 0; got columns=" + std::to_string(options.columns) +
                     ", scale=" + fixed(options.scale, 2));
  std::int64_t max_rows = 0, max_cols = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const GridImage& im = images[i];
    if (im.rows < 1 || im.cols < 1 || static_cast<std::int64_t>(im.pixels.size()) != im.rows * im.cols)
      throw ValueError("image_grid_svg: image " + std::to_string(i) + " needs rows * cols pixels; got rows=" +
                       std::to_string(im.rows) + ", cols=" + std::to_string(im.cols) + ", " + std::to_string(im.pixels.size()) +
                       " pixels");
    if (static_cast<std::int64_t>(im.overlay.size()) != im.overlay_rows * im.overlay_cols || im.overlay_rows < 0 ||
        im.overlay_cols < 0)
      throw ValueError("image_grid_svg: image " + std::to_string(i) + " needs overlay_rows * overlay_cols overlay values; got " +
                       std::to_string(im.overlay_rows) + " x " + std::to_string(im.overlay_cols) + " and " +
                       std::to_string(im.overlay.size()) + " values");
    max_rows = std::max(max_rows, im.rows), max_cols = std::max(max_cols, im.cols);
  }
  const double pad = 8, line = options.font_size * 1.25;
  double caption_width = 0;
  for (const GridImage& im : images)
    for (std::size_t start = 0; start <= im.caption.size();) {  // the widest caption line
      const std::size_t end = std::min(im.caption.find('\n', start), im.caption.size());
      caption_width = std::max(caption_width, text_width(im.caption.substr(start, end - start), options.font_size) + 4);
      start = end + 1;
    }
  const double image_w = static_cast<double>(max_cols) * options.scale, image_h = static_cast<double>(max_rows) * options.scale;
  const double cell_w = std::max(image_w, caption_width) + pad, cell_h = image_h + 2 * line + pad;
  const auto columns = std::min<std::size_t>(static_cast<std::size_t>(options.columns), images.size());
  const std::size_t grid_rows = (images.size() + columns - 1) / columns;
  const double top = 40, width = static_cast<double>(columns) * cell_w + pad, height = top + static_cast<double>(grid_rows) * cell_h + pad;

  std::string s = svg_begin(width, height, title);
  for (std::size_t i = 0; i < images.size(); ++i) {
    const GridImage& im = images[i];
    const double w = static_cast<double>(im.cols) * options.scale, h = static_cast<double>(im.rows) * options.scale;
    const double x = pad + static_cast<double>(i % columns) * cell_w + (cell_w - pad - w) / 2;
    const double y = top + static_cast<double>(i / columns) * cell_h;
    const std::string png = png_gray(im.cols, im.rows, std::string_view(reinterpret_cast<const char*>(im.pixels.data()), im.pixels.size()));
    s += "<image x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(w) + "\" height=\"" + px(h) +
         "\" image-rendering=\"pixelated\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64," + base64(png) + "\"/>\n";
    if (im.overlay_rows > 0 && im.overlay_cols > 0) {
      const double ow = w / static_cast<double>(im.overlay_cols), oh = h / static_cast<double>(im.overlay_rows);
      for (std::int64_t r = 0; r < im.overlay_rows; ++r)
        for (std::int64_t c = 0; c < im.overlay_cols; ++c) {
          const double v = im.overlay[static_cast<std::size_t>(r * im.overlay_cols + c)];
          const double opacity = std::isfinite(v) ? 0.7 * std::clamp(v, 0.0, 1.0) : 0.0;
          if (opacity < 0.005) continue;
          s += "<rect x=\"" + px(x + static_cast<double>(c) * ow) + "\" y=\"" + px(y + static_cast<double>(r) * oh) + "\" width=\"" +
               px(ow) + "\" height=\"" + px(oh) + "\" fill=\"#ff2a00\" fill-opacity=\"" + fixed(opacity, 3) + "\"/>\n";
        }
    }
    std::size_t start = 0;
    for (int k = 0; k < 2 && start <= im.caption.size(); ++k) {
      const std::size_t end = std::min(im.caption.find('\n', start), im.caption.size());
      const std::string part = im.caption.substr(start, end - start);
      s += "<text x=\"" + px(x + w / 2) + "\" y=\"" + px(y + h + line * (k + 1) - 2) + "\" text-anchor=\"middle\" font-size=\"" +
           px(options.font_size) + "\"" + (im.highlight ? " fill=\"#c00000\"" : "") + ">" + xml_escape(part) + "</text>\n";
      start = end + 1;
    }
  }
  return s + "</svg>\n";
}

}  // namespace focus::plot
