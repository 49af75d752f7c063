// Tariffs in both of their text forms: the survey cell ("free_minutes=15;08:00-20:00=6;…",
// registry/survey_cells.h) and the registry JSON (model/model_json.h). Each parsed value must
// format back to text that parses to an equal value, and a tariff that validation accepts must
// price any stay (model/tariff.h) without overflow.
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_support.h"
#include "model/model_json.h"
#include "model/tariff.h"
#include "model/validation.h"
#include "registry/survey_cells.h"

namespace {

using pg::model::Tariff;

// Validation's verdict on the tariff alone (a facility's other fields are left out).
bool Valid(const Tariff& tariff) {
  pg::model::Facility facility;
  facility.tariff = tariff;
  for (const pg::Status& s : pg::model::Validate(facility)) {
    const std::string& f = s.field();
    if (f == "tariff" || f == "free_minutes" || f == "price_per_hour" || f == "daily_cap") {
      return false;
    }
  }
  return true;
}

void PriceStays(const Tariff& tariff) {
  if (!Valid(tariff)) return;
  for (int arrival : {0, 7 * 60 + 59, 12 * 60, 23 * 60 + 59}) {
    for (int stay : {0, 1, 59, 61, 24 * 60, 3 * 24 * 60 + 7}) {
      int64_t fen = pg::model::StayPriceFen(tariff, arrival, stay);
      pg::fuzz::Check(fen >= 0, "a stay never costs less than nothing");
      if (tariff.daily_cap_fen) {
        pg::fuzz::Check(fen <= *tariff.daily_cap_fen * (stay / (24 * 60) + 1),
                        "a stay costs at most the daily cap per started day");
      }
    }
    (void)pg::model::PricePerHourFenAt(tariff, arrival);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = pg::fuzz::AsText(data, size);
  if (auto cell = pg::registry::ParseTariffCell(text); cell.ok()) {
    auto again = pg::registry::ParseTariffCell(pg::registry::FormatTariffCell(*cell));
    pg::fuzz::Check(again.ok() && *again == *cell, "a tariff cell formats back to itself");
    PriceStays(*cell);
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  if (auto tariff = pg::model::TariffFromJson(j); tariff.ok()) {
    auto again = pg::model::TariffFromJson(pg::model::ToJson(*tariff));
    pg::fuzz::Check(again.ok() && *again == *tariff, "a tariff's JSON reads back equal");
    PriceStays(*tariff);
  }
  return 0;
}
