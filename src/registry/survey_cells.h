// The compact cell syntaxes of the survey CSV files (docs/formats/survey.md), parsed and formatted.
//
// A spreadsheet cell holds one value, so lists and structures get a short text form a clerk can
// type and read:
//
//   tariff      free_minutes=15;08:00-20:00=6;20:00-08:00=2;daily_cap=40     (or "free")
//   entrances   34.0301 113.8501;north=34.0312 113.8507 pedestrian
//   outline     34.030 113.850;34.031 113.850;34.031 113.851
//   connectors  GBT_DC:120;GBT_AC:7
//   lines       F1+F2>left:东区|East;F3>right:北门|North Gate
//   dates       2026-11-28 (also 2026/11/28, 2026.11.28, 2026-3-1: what Excel writes)
//
// Every parser takes the cell's text, already known to be non-blank, and returns the value or a
// kInvalidArgument whose message quotes the offending item and says what was expected; it never
// sets a field: the caller knows the column. Every formatter's output parses back to an equal
// value; those that can fail (a label holding ';') say so in their Result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/geo.h"
#include "core/status.h"
#include "model/city_model.h"
#include "model/vocabulary.h"

namespace pg::registry {

// Whole numbers ("600"); the message quotes the text ("'abc' is not a whole number").
Result<int> ParseWholeNumberCell(std::string_view text);
// Decimal numbers ("2.2").
Result<double> ParseDecimalCell(std::string_view text);
// true/false, yes/no, 1/0, 是/否, any letter case.
Result<bool> ParseBoolCell(std::string_view text);
// One of an enum's wire names (model/vocabulary.h), any letter case.
template <typename E>
Result<E> ParseEnumCell(std::string_view text);

// A calendar date, normalised to "YYYY-MM-DD". Accepts '-', '/' or '.' between the parts and
// one-digit months and days. Errors when the date does not exist ("2026-02-30").
Result<std::string> ParseDateCell(std::string_view text);

// The shortest text that reads back as exactly `value` ("113.85", "120").
std::string FormatDecimal(double value);
// Yuan from fen, without trailing zeros ("6", "6.5", "0.05").
std::string FormatYuan(int64_t fen);

Result<model::Tariff> ParseTariffCell(std::string_view text);
std::string FormatTariffCell(const model::Tariff& tariff);

// Points "LAT LON" separated by ';' (a comma between lat and lon is accepted too).
Result<std::vector<LatLon>> ParsePointsCell(std::string_view text);
std::string FormatPointsCell(const std::vector<LatLon>& points);

// Entrances "[ID=]LAT LON [vehicle|pedestrian]" separated by ';'; an entrance without an id gets
// "e<N>", N its 1-based position in the cell.
Result<std::vector<model::Entrance>> ParseEntrancesCell(std::string_view text);
// Errors: kInvalidArgument when an entrance id holds a character the syntax uses (= ; space).
Result<std::string> FormatEntrancesCell(const std::vector<model::Entrance>& entrances);

// Connectors "[ID=]TYPE[:KW]" separated by ';'; a connector without an id gets its 1-based
// position; power is 0 (unknown) when left out.
Result<std::vector<model::Connector>> ParseConnectorsCell(std::string_view text);
std::string FormatConnectorsCell(const std::vector<model::Connector>& connectors);

// Sign lines "ID[+ID…][@CLASS][>ARROW[:ZH|EN]]" separated by ';'. A label without '|' is the zh
// label; "@ev" (a space category) makes the line show that class of its one facility.
Result<std::vector<model::SignLine>> ParseSignLinesCell(std::string_view text);
// Errors: kInvalidArgument when a label holds ';' or '|', which the syntax reserves.
Result<std::string> FormatSignLinesCell(const std::vector<model::SignLine>& lines);

// Lists separated by ';' ("zh-CN;en"); items trimmed, empty items dropped.
std::vector<std::string> ParseListCell(std::string_view text);

namespace internal {
// The index in `names` of `text` (trimmed), compared ignoring ASCII letter case.
std::optional<size_t> FindNameIgnoringCase(std::string_view text,
                                           const std::vector<std::string_view>& names);
}  // namespace internal

template <typename E>
Result<E> ParseEnumCell(std::string_view text) {
  std::vector<std::string_view> names;
  for (const auto& [e, name] : model::EnumNames<E>::kTable) names.emplace_back(name);
  std::optional<size_t> index = internal::FindNameIgnoringCase(text, names);
  if (!index) {
    return InvalidArgument("'" + std::string(text) +
                           "' is not one of: " + model::AllowedNames<E>());
  }
  return model::EnumNames<E>::kTable[*index].first;
}

}  // namespace pg::registry
