// SignContent: what a guidance sign shows, line by line, and its wire form (docs/api/signs.md).
//
// A line is one of: a count of free spaces (green, or amber when almost full), 紧张/FEW (below
// the floor), 满/FULL, 关闭/CLOSED, `--` (no fresh data), an operator's or a plan's text, or
// blank. Each carries its arrow and label from the registry and, for the history and the API, the
// basis it was computed from (free spaces, capacity, buffer, reserved spaces, group members,
// plans, override). Two contents are the same display when every line looks the same; the basis
// does not count.
//
//   nlohmann::json j = ToJson(content, {.with_basis = false});   // what controllers get
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/city_model.h"

namespace pg::signs {

enum class LineKind { kCount, kFew, kFull, kClosed, kUnknown, kText, kBlank };
enum class Colour { kGreen, kAmber, kRed, kNone };

std::string_view Name(LineKind kind);
std::string_view Name(Colour colour);
std::optional<LineKind> ParseLineKind(std::string_view text);
std::optional<Colour> ParseColour(std::string_view text);

// Why a line shows what it shows (not displayed).
struct LineBasis {
  std::optional<int> free;  // free spaces of the fresh members, after reservations
  int capacity = 0;         // of the fresh members
  int buffer = 0;
  int reserved = 0;                    // spaces held back by plans
  int members = 0;                     // facilities on the line
  int fresh = 0;                       // of which counted (fresh and open)
  int stale = 0;                       // of which left out for want of fresh data
  int closed = 0;                      // of which left out as closed
  std::vector<std::string> plans;      // ids of plans in force on the line's facilities
  std::optional<int64_t> override_id;  // the override shown instead, when any
  friend bool operator==(const LineBasis&, const LineBasis&) = default;
};

struct LineContent {
  LineKind kind = LineKind::kUnknown;
  int count = 0;              // kCount: the number shown (already capped to the sign's digits)
  model::LocalizedName text;  // what the board renders, in both languages
  Colour colour = Colour::kNone;
  model::Arrow arrow = model::Arrow::kNone;
  model::LocalizedName label;
  std::optional<model::SpaceCategory> category;
  LineBasis basis;

  // Same kind, count, text, colour, arrow, label and category.
  bool SameDisplay(const LineContent& other) const;
  friend bool operator==(const LineContent&, const LineContent&) = default;
};

struct SignContent {
  std::vector<LineContent> lines;
  bool SameDisplay(const SignContent& other) const;
  friend bool operator==(const SignContent&, const SignContent&) = default;
};

// The standard texts of each kind: 满/FULL, 关闭/CLOSED, --/--, 紧张/FEW, the count, or empty.
model::LocalizedName StandardText(LineKind kind, int count);

struct JsonOptions {
  bool with_basis = true;
};
// {"lines": [{"kind": "count", "count": 123, "text": {"zh": "123", "en": "123"},
//             "colour": "green", "arrow": "left", "label": {...}, "basis": {...}}]}
nlohmann::json ToJson(const SignContent& content, JsonOptions options = {});
// Reads what ToJson wrote (with or without basis). Errors: kInvalidArgument naming the member.
Result<SignContent> SignContentFromJson(const nlohmann::json& j);

// A one-line rendering for logs and tests, a line's kind and colour or its text:
// "123 green, FULL, --, FEW, CLOSED, BLANK, \"施工/WORKS\"".
std::string Describe(const SignContent& content);

}  // namespace pg::signs
