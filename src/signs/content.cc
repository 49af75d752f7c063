#include "signs/content.h"

#include <fmt/format.h>

#include "model/model_json.h"
#include "model/vocabulary.h"

namespace pg::signs {
namespace {

using nlohmann::json;

constexpr std::pair<LineKind, const char*> kKindNames[] = {
    {LineKind::kCount, "count"},   {LineKind::kFew, "few"},         {LineKind::kFull, "full"},
    {LineKind::kClosed, "closed"}, {LineKind::kUnknown, "unknown"}, {LineKind::kText, "text"},
    {LineKind::kBlank, "blank"}};
constexpr std::pair<Colour, const char*> kColourNames[] = {{Colour::kGreen, "green"},
                                                           {Colour::kAmber, "amber"},
                                                           {Colour::kRed, "red"},
                                                           {Colour::kNone, "none"}};

model::LocalizedName ReadName(const json& j) {
  model::LocalizedName n;
  if (!j.is_object()) return n;
  if (j.contains("zh") && j["zh"].is_string()) n.zh = j["zh"].get<std::string>();
  if (j.contains("en") && j["en"].is_string()) n.en = j["en"].get<std::string>();
  return n;
}

}  // namespace

std::string_view Name(LineKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::string_view Name(Colour colour) {
  for (const auto& [c, name] : kColourNames) {
    if (c == colour) return name;
  }
  return "?";
}

std::optional<LineKind> ParseLineKind(std::string_view text) {
  for (const auto& [k, name] : kKindNames) {
    if (text == name) return k;
  }
  return std::nullopt;
}

std::optional<Colour> ParseColour(std::string_view text) {
  for (const auto& [c, name] : kColourNames) {
    if (text == name) return c;
  }
  return std::nullopt;
}

bool LineContent::SameDisplay(const LineContent& o) const {
  return kind == o.kind && count == o.count && text == o.text && colour == o.colour &&
         arrow == o.arrow && label == o.label && category == o.category;
}

bool SignContent::SameDisplay(const SignContent& o) const {
  if (lines.size() != o.lines.size()) return false;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].SameDisplay(o.lines[i])) return false;
  }
  return true;
}

model::LocalizedName StandardText(LineKind kind, int count) {
  switch (kind) {
    case LineKind::kCount: {
      std::string n = std::to_string(count);
      return {n, n};
    }
    case LineKind::kFew:
      return {"紧张", "FEW"};
    case LineKind::kFull:
      return {"满", "FULL"};
    case LineKind::kClosed:
      return {"关闭", "CLOSED"};
    case LineKind::kUnknown:
      return {"--", "--"};
    case LineKind::kText:
    case LineKind::kBlank:
      return {};
  }
  return {};
}

json ToJson(const SignContent& content, JsonOptions options) {
  json lines = json::array();
  for (const auto& l : content.lines) {
    json lj{{"kind", Name(l.kind)}};
    if (l.kind == LineKind::kCount) lj["count"] = l.count;
    lj["text"] = model::ToJson(l.text);
    lj["colour"] = Name(l.colour);
    lj["arrow"] = model::Name(l.arrow);
    lj["label"] = model::ToJson(l.label);
    if (l.category) lj["category"] = model::Name(*l.category);
    if (options.with_basis) {
      const LineBasis& b = l.basis;
      json bj{{"free", b.free ? json(*b.free) : json(nullptr)},
              {"capacity", b.capacity},
              {"buffer", b.buffer},
              {"reserved", b.reserved},
              {"members", b.members},
              {"fresh", b.fresh},
              {"stale", b.stale},
              {"closed", b.closed},
              {"plans", b.plans}};
      bj["override"] = b.override_id ? json(*b.override_id) : json(nullptr);
      lj["basis"] = std::move(bj);
    }
    lines.push_back(std::move(lj));
  }
  return {{"lines", std::move(lines)}};
}

Result<SignContent> SignContentFromJson(const json& j) {
  if (!j.is_object() || !j.contains("lines") || !j["lines"].is_array()) {
    return InvalidArgument("must be an object with an array \"lines\"", "lines");
  }
  SignContent content;
  for (size_t i = 0; i < j["lines"].size(); ++i) {
    const json& lj = j["lines"][i];
    std::string field = fmt::format("lines[{}]", i);
    if (!lj.is_object()) return InvalidArgument("must be an object", field);
    LineContent l;
    auto kind = ParseLineKind(lj.value("kind", ""));
    if (!kind) return InvalidArgument("unknown kind", field + ".kind");
    l.kind = *kind;
    if (l.kind == LineKind::kCount) {
      if (!lj.contains("count") || !lj["count"].is_number_integer()) {
        return InvalidArgument("a count line needs a whole number", field + ".count");
      }
      l.count = lj["count"].get<int>();
    }
    l.text = ReadName(lj.value("text", json::object()));
    l.colour = ParseColour(lj.value("colour", "none")).value_or(Colour::kNone);
    l.arrow = model::Parse<model::Arrow>(lj.value("arrow", "none")).value_or(model::Arrow::kNone);
    l.label = ReadName(lj.value("label", json::object()));
    if (lj.contains("category") && lj["category"].is_string()) {
      l.category = model::Parse<model::SpaceCategory>(lj["category"].get<std::string>());
    }
    if (lj.contains("basis") && lj["basis"].is_object()) {
      const json& b = lj["basis"];
      if (b.contains("free") && b["free"].is_number_integer()) l.basis.free = b["free"].get<int>();
      l.basis.capacity = b.value("capacity", 0);
      l.basis.buffer = b.value("buffer", 0);
      l.basis.reserved = b.value("reserved", 0);
      l.basis.members = b.value("members", 0);
      l.basis.fresh = b.value("fresh", 0);
      l.basis.stale = b.value("stale", 0);
      l.basis.closed = b.value("closed", 0);
      if (b.contains("plans") && b["plans"].is_array()) {
        for (const auto& p : b["plans"]) {
          if (p.is_string()) l.basis.plans.push_back(p.get<std::string>());
        }
      }
      if (b.contains("override") && b["override"].is_number_integer()) {
        l.basis.override_id = b["override"].get<int64_t>();
      }
    }
    content.lines.push_back(std::move(l));
  }
  return content;
}

std::string Describe(const SignContent& content) {
  std::vector<std::string> parts;
  for (const auto& l : content.lines) {
    switch (l.kind) {
      case LineKind::kCount:
        parts.push_back(fmt::format("{} {}", l.count, Name(l.colour)));
        break;
      case LineKind::kFew:
        parts.emplace_back("FEW");
        break;
      case LineKind::kFull:
        parts.emplace_back("FULL");
        break;
      case LineKind::kClosed:
        parts.emplace_back("CLOSED");
        break;
      case LineKind::kUnknown:
        parts.emplace_back("--");
        break;
      case LineKind::kText:
        parts.push_back(fmt::format("\"{}/{}\"", l.text.zh, l.text.en));
        break;
      case LineKind::kBlank:
        parts.emplace_back("BLANK");
        break;
    }
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace pg::signs
