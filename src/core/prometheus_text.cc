#include "core/prometheus_text.h"

#include <fmt/format.h>

#include <cmath>

namespace pg {
namespace {

// Label values escape backslash, double quote and newline; HELP text backslash and newline.
void AppendEscaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quotes && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

void PrometheusText::Sample(std::string_view type, std::string_view name, std::string_view help,
                            double value, const Labels& labels) {
  if (name != last_name_) {
    text_ += "# HELP ";
    text_ += name;
    text_ += ' ';
    AppendEscaped(text_, help, false);
    text_ += "\n# TYPE ";
    text_ += name;
    text_ += ' ';
    text_ += type;
    text_ += '\n';
    last_name_ = std::string(name);
  }
  text_ += name;
  if (!labels.empty()) {
    text_ += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i) text_ += ',';
      text_ += labels[i].first;
      text_ += "=\"";
      AppendEscaped(text_, labels[i].second, true);
      text_ += '"';
    }
    text_ += '}';
  }
  text_ += ' ';
  if (std::isnan(value)) {
    text_ += "NaN";
  } else if (std::isinf(value)) {
    text_ += value > 0 ? "+Inf" : "-Inf";
  } else {
    text_ += fmt::format("{}", value);
  }
  text_ += '\n';
}

}  // namespace pg
