#include "core/text_bounds.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace pg {
namespace {

constexpr uint32_t kMalformed = 0xFFFFFFFF;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026

struct Decoded {
  uint32_t code_point = kMalformed;  // kMalformed: the byte at the position starts no character
  size_t bytes = 1;
};

// The character at `text[pos]`: overlong forms, surrogates and values past U+10FFFF are malformed.
Decoded DecodeAt(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) return {lead, 1};
  size_t extra = 0;
  uint32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    extra = 1;
    min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2;
    min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3;
    min = 0x10000;
  } else {
    return {};
  }
  if (pos + extra >= text.size()) return {};  // cut off by the end of the text
  uint32_t cp = lead & (0x3Fu >> extra);
  for (size_t k = 1; k <= extra; ++k) {
    const auto next = static_cast<unsigned char>(text[pos + k]);
    if ((next & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (next & 0x3Fu);
  }
  if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return {};
  return {cp, extra + 1};
}

bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

}  // namespace

Status CheckPlainText(std::string_view text, std::string_view field, size_t max_chars) {
  size_t chars = 0;
  for (size_t pos = 0; pos < text.size(); ++chars) {
    const Decoded d = DecodeAt(text, pos);
    if (d.code_point == kMalformed) {
      return InvalidArgument(fmt::format("is not UTF-8 text (byte {} of it)", pos + 1),
                             std::string(field));
    }
    if (IsControl(d.code_point)) {
      return InvalidArgument(
          fmt::format("holds a control character (U+{:04X}) at character {}: plain text only",
                      d.code_point, chars + 1),
          std::string(field));
    }
    pos += d.bytes;
  }
  if (chars > max_chars) {
    return InvalidArgument(
        fmt::format("is longer than {} characters (it has {})", max_chars, chars),
        std::string(field));
  }
  return Status::Ok();
}

size_t CountChars(std::string_view text) {
  size_t chars = 0;
  for (size_t pos = 0; pos < text.size(); ++chars) pos += DecodeAt(text, pos).bytes;
  return chars;
}

std::string BoundedText(std::string_view text, size_t max_chars) {
  // Counted only as far as the limit: a stored 20 MB value costs no more than a short one.
  size_t chars = 0;
  for (size_t pos = 0; pos < text.size() && chars <= max_chars; ++chars) {
    pos += DecodeAt(text, pos).bytes;
  }
  const size_t keep = chars > max_chars ? max_chars - 1 : chars;
  std::string out;
  out.reserve(std::min(text.size(), keep * 4) + kEllipsis.size());
  size_t pos = 0;
  for (size_t i = 0; i < keep; ++i) {
    const Decoded d = DecodeAt(text, pos);
    if (d.code_point == kMalformed || IsControl(d.code_point)) {
      out += kReplacement;
    } else {
      out.append(text.substr(pos, d.bytes));
    }
    pos += d.bytes;
  }
  if (keep < chars) out += kEllipsis;
  return out;
}

}  // namespace pg
