#include "core/redact.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

namespace pg {
namespace {

constexpr std::array<std::string_view, 6> kSecretMembers = {"key",    "api_key", "password",
                                                            "secret", "token",   "authorization"};

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsKeyChar(char c) { return IsAlnum(c) || c == '_' || c == '-'; }
bool IsTokenChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=' ||
         c == '-';
}

// Whether `text` at `at` starts with `word`, ignoring ASCII case.
bool StartsWithNoCase(std::string_view text, size_t at, std::string_view word) {
  if (text.size() - at < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != word[i]) return false;
  }
  return true;
}

size_t SkipSpace(std::string_view text, size_t at) {
  while (at < text.size() && IsSpace(text[at])) ++at;
  return at;
}

// The end of a JSON string's contents starting at `at` (just after its opening quote): the
// position of the closing quote, or text.size() when it is missing.
size_t StringEnd(std::string_view text, size_t at) {
  while (at < text.size() && text[at] != '"') at += text[at] == '\\' ? 2 : 1;
  return std::min(at, text.size());
}

// If a secret member's name starts at `at` (its opening quote), where its value starts.
std::optional<size_t> SecretMemberValue(std::string_view text, size_t at) {
  for (std::string_view name : kSecretMembers) {
    if (!StartsWithNoCase(text, at + 1, name)) continue;
    size_t after = at + 1 + name.size();
    if (after >= text.size() || text[after] != '"') continue;
    size_t colon = SkipSpace(text, after + 1);
    if (colon >= text.size() || text[colon] != ':') continue;
    return SkipSpace(text, colon + 1);
  }
  return std::nullopt;
}

// "…": "secret" → "…": "[REDACTED]"; bare values (numbers, literals) become the string too.
std::string RedactSecretMembers(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t quote = text.find('"', i);
    if (quote == std::string_view::npos) break;
    auto value = SecretMemberValue(text, quote);
    if (!value || *value >= text.size() || text[*value] == '{' || text[*value] == '[') {
      out.append(text.substr(i, quote + 1 - i));
      i = quote + 1;
      continue;
    }
    out.append(text.substr(i, *value - i));
    size_t end = *value;
    if (text[end] == '"') {
      end = StringEnd(text, end + 1);
      end = end < text.size() ? end + 1 : end;  // past the closing quote, when there is one
    } else {
      while (end < text.size() && text[end] != ',' && text[end] != '}' && text[end] != ']' &&
             text[end] != '\n' && text[end] != '\r') {
        ++end;
      }
    }
    out.push_back('"');
    out.append(kRedacted);
    out.push_back('"');
    i = end;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

// "Authorization: <anything>" up to the line's end (or a quote); "Bearer <token>", "Basic …".
std::string RedactAuthorization(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool boundary = i == 0 || !IsAlnum(text[i - 1]);
    size_t value = std::string_view::npos;
    bool to_line_end = false;
    if (boundary && StartsWithNoCase(text, i, "authorization")) {
      size_t colon = SkipSpace(text, i + 13);
      if (colon < text.size() && (text[colon] == ':' || text[colon] == '=')) {
        value = SkipSpace(text, colon + 1);
        to_line_end = true;
      }
    } else if (boundary &&
               (StartsWithNoCase(text, i, "bearer ") || StartsWithNoCase(text, i, "basic "))) {
      value = SkipSpace(text, text.find(' ', i));
    }
    if (value == std::string_view::npos) {
      out.push_back(text[i++]);
      continue;
    }
    size_t end = value;
    if (to_line_end) {
      while (end < text.size() && text[end] != '\n' && text[end] != '\r' && text[end] != '"') ++end;
    } else {
      while (end < text.size() && IsTokenChar(text[end])) ++end;
    }
    out.append(text.substr(i, value - i));
    if (end > value) out.append(kRedacted);
    i = end;
  }
  return out;
}

// Source keys ("pgk_…", even cut short) and runs of 32 or more hex digits (operator keys).
std::string RedactKeyShapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (StartsWithNoCase(text, i, "pgk_")) {
      size_t end = i + 4;
      while (end < text.size() && IsKeyChar(text[end])) ++end;
      out.append(kRedacted);
      i = end;
      continue;
    }
    if (IsHex(text[i])) {
      size_t end = i;
      while (end < text.size() && IsHex(text[end])) ++end;
      if (end - i >= 32) {
        out.append(kRedacted);
      } else {
        out.append(text.substr(i, end - i));
      }
      i = end;
      continue;
    }
    out.push_back(text[i++]);
  }
  return out;
}

}  // namespace

std::string RedactSecrets(std::string_view text) {
  return RedactKeyShapes(RedactAuthorization(RedactSecretMembers(text)));
}

}  // namespace pg
