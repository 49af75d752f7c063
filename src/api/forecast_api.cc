#include "api/forecast_api.h"
#include "api/problem_responses.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/strings.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr int kStandardHorizons[] = {5, 15, 30, 60, 120};

// The arrival times asked for: `at`, or now + `horizon`, or now + each standard horizon.
Result<std::vector<Timestamp>> Arrivals(const Request& req, Timestamp now) {
  auto at = req.Query("at");
  auto horizon = req.Query("horizon");
  if (at && horizon) return InvalidArgument("give either horizon or at, not both", "horizon");
  if (at) {
    PG_ASSIGN_OR_RETURN(Timestamp t, ArrivalTime(*at, "at", now));
    return std::vector<Timestamp>{t};
  }
  if (horizon) {
    PG_ASSIGN_OR_RETURN(int h, WholeNumber(*horizon, "horizon", 5, 1440, "minutes"));
    return std::vector<Timestamp>{now + Minutes(h)};
  }
  std::vector<Timestamp> out;
  for (int h : kStandardHorizons) out.push_back(now + Minutes(h));
  return out;
}

Response Render(const ForecastApiContext& c, const registry::Registry& reg, json head,
                const forecast::SeriesKey& key, const std::vector<Timestamp>& arrivals) {
  const auto& zone = reg.time_zone();
  json items = json::array();
  std::optional<forecast::ArrivalForecast> first;
  for (Timestamp t : arrivals) {
    auto f = c.forecasts->AtArrival(key, t);
    if (!f.ok()) return ProblemFromStatus(f.status());
    if (!first) first = *f;
    items.push_back({{"horizon", f->horizon_minutes},
                     {"time", FormatRfc3339(f->arrival, zone)},
                     {"expected_occupied", std::round(f->expected_occupied * 10) / 10},
                     {"expected_free", std::round((f->capacity - f->expected_occupied) * 10) / 10},
                     {"occupancy", std::round(f->expected_share * 1000) / 1000},
                     {"p_free", std::round(f->p_free * 1000) / 1000},
                     {"interval",
                      {{"low", std::round(f->low_share * 1000) / 1000},
                       {"high", std::round(f->high_share * 1000) / 1000}}}});
  }
  head["time"] = FormatRfc3339(first->origin, zone);
  head["capacity"] = first->capacity;
  head["method"] = first->method;
  head["fallback"] = first->fallback;
  head["reason"] = first->fallback ? json(first->reason) : json(nullptr);
  if (auto info = c.forecasts->Info(key)) {
    head["model"] = {{"kind", info->kind},
                     {"trained_at", FormatRfc3339(info->trained_at, zone)},
                     {"window",
                      {{"from", FormatRfc3339(info->window_from, zone)},
                       {"to", FormatRfc3339(info->window_to, zone)}}},
                     {"score", json::parse(info->score_json, nullptr, false)}};
  } else {
    head["model"] = nullptr;
  }
  head["forecasts"] = std::move(items);
  return JsonResponse(200, std::move(head));
}

}  // namespace

forecast::SeriesKey ChargerSeriesKey(const model::Charger& charger) {
  return {forecast::SeriesKey::Kind::kChargerSite,
          charger.site.empty() ? charger.id.str() : charger.site};
}

void RegisterForecastApi(http::Server& server, const ForecastApiContext& context) {
  auto c = std::make_shared<ForecastApiContext>(context);
  server.Route(
      "GET", "/api/v1/facilities/{id}/forecast",
      [c](const Request& req) {
        auto reg = c->registry();
        const std::string& id = req.path_params.at("id");
        if (!reg->FindFacility(model::FacilityId(id))) {
          return Response::Problem(404, "Not Found", fmt::format("no facility '{}'", id), "id");
        }
        auto arrivals = Arrivals(req, c->clock->Now());
        if (!arrivals.ok()) return ProblemFromStatus(arrivals.status());
        return Render(*c, *reg, {{"facility", id}}, {forecast::SeriesKey::Kind::kFacility, id},
                      *arrivals);
      },
      http::RouteOptions::OnWorker());
  server.Route(
      "GET", "/api/v1/chargers/{id}/forecast",
      [c](const Request& req) {
        auto reg = c->registry();
        const std::string& id = req.path_params.at("id");
        const model::Charger* charger = reg->FindCharger(model::ChargerId(id));
        if (!charger) {
          return Response::Problem(404, "Not Found", fmt::format("no charger '{}'", id), "id");
        }
        auto arrivals = Arrivals(req, c->clock->Now());
        if (!arrivals.ok()) return ProblemFromStatus(arrivals.status());
        forecast::SeriesKey key = ChargerSeriesKey(*charger);
        return Render(*c, *reg, {{"charger", id}, {"site", key.id}}, key, *arrivals);
      },
      http::RouteOptions::OnWorker());
}

}  // namespace pg::api
