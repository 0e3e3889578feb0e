// Text and number helpers for the SVG writers. Labels come from tokenizers and data files, so
// escaping also repairs what would make the document ill-formed (bad UTF-8, control bytes)
// instead of trusting the input.
#include <focus/plot/svg.h>

#include <cmath>
#include <cstdio>

namespace focus::plot {
namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;

// The code point starting at text[pos], advancing pos past it; kInvalid (advancing one byte) for a
// byte that does not start a well-formed UTF-8 sequence: stray continuation bytes, truncated or
// overlong sequences, surrogates, values above U+10FFFF.
char32_t next_code_point(std::string_view text, std::size_t& pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  int length = 0;
  char32_t cp = 0, min_cp = 0;
  if (lead < 0x80) {
    ++pos;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min_cp = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min_cp = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min_cp = 0x10000;
  } else {
    ++pos;
    return kInvalid;
  }
  if (pos + length > text.size()) {
    ++pos;
    return kInvalid;
  }
  for (int k = 1; k < length; ++k) {
    const unsigned char c = byte(pos + k);
    if ((c & 0xC0) != 0x80) {
      ++pos;
      return kInvalid;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++pos;
    return kInvalid;
  }
  pos += length;
  return cp;
}

// East Asian wide characters: Hangul Jamo, CJK symbols to Yi, Hangul syllables, CJK compatibility,
// vertical and fullwidth forms, and the supplementary ideograph planes.
bool is_wide(char32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t start = pos;
    const char32_t cp = next_code_point(text, pos);
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case kInvalid: out += "\xEF\xBF\xBD"; break;  // U+FFFD REPLACEMENT CHARACTER
      default:
        // XML 1.0 allows tab, newline and carriage return among the C0 controls, nothing else.
        if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') break;
        out.append(text.substr(start, pos - start));
    }
  }
  return out;
}

double text_width(std::string_view text, double font_size) {
  double ems = 0.0;
  for (std::size_t pos = 0; pos < text.size();) ems += is_wide(next_code_point(text, pos)) ? 1.0 : 0.6;
  return ems * font_size;
}

std::string px(double value) {
  std::string s = fixed(value, 2);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string svg_begin(double width, double height, const std::string& title) {
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px(width) + "\" height=\"" + px(height) +
       "\" viewBox=\"0 0 " + px(width) + " " + px(height) + "\" font-family=\"" + std::string(kFontFamily) +
       "\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  s += "<text x=\"" + px(width / 2) +
       "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">" + xml_escape(title) +
       "</text>\n";
  return s;
}

}  // namespace focus::plot
