// JSON form of the city model: what the API serves, the store keeps, GeoJSON properties carry.
//
// The shapes are documented in docs/api/registry.md. Money is in yuan as decimal numbers on the
// wire (`"price_per_hour": 6.5`) and in fen inside; times of day are "HH:MM". Parsing reports the
// first problem with the field's name; unknown members are ignored (forward compatibility).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/status.h"
#include "model/city_model.h"

namespace pg::model {

nlohmann::json ToJson(const LocalizedName& name);
nlohmann::json ToJson(const City& city);
nlohmann::json ToJson(const Facility& facility);
nlohmann::json ToJson(const Bay& bay);
nlohmann::json ToJson(const Charger& charger);
nlohmann::json ToJson(const Sign& sign);
nlohmann::json ToJson(const Source& source);
nlohmann::json ToJson(const Tariff& tariff);
nlohmann::json ToJson(const SourceScope& scope);

Result<City> CityFromJson(const nlohmann::json& j);
Result<Facility> FacilityFromJson(const nlohmann::json& j);
Result<Bay> BayFromJson(const nlohmann::json& j);
Result<Charger> ChargerFromJson(const nlohmann::json& j);
Result<Sign> SignFromJson(const nlohmann::json& j);
Result<Source> SourceFromJson(const nlohmann::json& j);
Result<Tariff> TariffFromJson(const nlohmann::json& j);

// A JSON value read as a whole number in [low, high], exactly: nullopt for anything else — a
// number with a fraction (1.5, also 1.0), a string, or a value outside the range however large
// (2^40 for a field that holds an int, 2^64 − 1), which is never narrowed or wrapped. The one
// reading of a JSON integer at every edge (API bodies, sign rules, survey GeoJSON).
std::optional<int64_t> WholeNumberIn(const nlohmann::json& value, int64_t low, int64_t high);

// "08:00" ↔ 480 (accepts "24:00" as 1440).
std::string FormatMinuteOfDay(int minute);
Result<int> ParseMinuteOfDay(std::string_view text, std::string_view field);

// Source scopes in the CLI's syntax: "all", or comma-separated "facility:ID", "bay:ID",
// "charger:ID", "operator:NAME" (SPEC §9). Errors name the item that is wrong.
Result<SourceScope> ParseScope(std::string_view text);
std::string FormatScope(const SourceScope& scope);

// Yuan (decimal) ↔ fen, rounding to the nearest fen; a yuan amount beyond ±10^10 (or NaN) is
// held at that bound (NaN at 0), which validation then refuses as implausible.
int64_t YuanToFen(double yuan);
double FenToYuan(int64_t fen);

}  // namespace pg::model
