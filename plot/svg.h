// What the SVG writers (heatmap, line chart) share: escaping text for XML, a guess at how wide a
// label renders (so layouts leave room for it without a font engine), number formatting for
// coordinates and tick labels, and the fonts every chart asks for.
#pragma once

#include <string>
#include <string_view>

namespace focus::plot {

// Fonts that carry CJK glyphs come first, so Chinese or Japanese tokens render where installed.
inline constexpr std::string_view kFontFamily =
    "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Source Han Sans', sans-serif";

// Text made safe inside an element or a quoted attribute: & < > " ' become entities, control
// characters XML 1.0 forbids are dropped, and bytes that are not valid UTF-8 become U+FFFD, so
// any std::string yields a well-formed document.
[[nodiscard]] std::string xml_escape(std::string_view text);

// Estimated rendered width in px of UTF-8 text at font_size px: wide (CJK, Hangul, fullwidth)
// characters count one em, others 0.6 em. Good enough to size margins and decide whether labels
// must be rotated.
[[nodiscard]] double text_width(std::string_view text, double font_size);

// A coordinate for an attribute: at most 2 decimals, trailing zeros dropped ("12.5", "3", "-0.25").
[[nodiscard]] std::string px(double value);

// value with a fixed number of decimals ("%.*f").
[[nodiscard]] std::string fixed(double value, int decimals);

// The opening of a standalone SVG document of the given size with a white background, and a
// centred bold title near its top. Close it with "</svg>\n".
[[nodiscard]] std::string svg_begin(double width, double height, const std::string& title);

}  // namespace focus::plot
