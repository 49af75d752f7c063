#include "api/export_api.h"

#include <fmt/format.h>

#include "api/problem_responses.h"
#include "interchange/geojson_layers.h"
#include "interchange/ocpi_locations.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// OCPI's response envelope (OCPI 2.2.1 §4.1.7): status 1000 is success.
json OcpiEnvelope(json data, Timestamp now) {
  return {{"data", std::move(data)},
          {"status_code", 1000},
          {"status_message", "Success"},
          {"timestamp", FormatRfc3339Utc(now)}};
}

class Handlers {
 public:
  explicit Handlers(ExportApiContext c) : c_(std::move(c)) {}

  Response GeoJson(const Request& req) {
    auto layer_name = req.Query("layer");
    if (!layer_name) {
      return BadParam("layer",
                      fmt::format("required: one of {}", interchange::GeoJsonLayerNames()));
    }
    auto layer = interchange::ParseGeoJsonLayer(*layer_name);
    if (!layer) {
      return BadParam("layer", fmt::format("'{}' is not one of: {}", *layer_name,
                                           interchange::GeoJsonLayerNames()));
    }
    auto crs = CrsParam(req);
    if (!crs.ok()) return ProblemFromStatus(crs.status());
    if (*crs != Crs::kWgs84) {
      return BadParam("crs", "GeoJSON (RFC 7946) is WGS-84 longitude/latitude only");
    }
    auto reg = c_.live->registry();
    auto snap = c_.live->Snapshot();
    interchange::ExportInput in{*reg, *snap, c_.clock->Now(), c_.live->rules(), SignContent()};
    Response r = JsonResponse(200, interchange::GeoJsonLayerCollection(in, *layer));
    r.content_type = "application/geo+json";
    r.headers.emplace_back("Content-Disposition",
                           fmt::format("inline; filename=\"{}-{}.geojson\"", reg->city().id,
                                       interchange::Name(*layer)));
    return r;
  }

  Response OcpiLocations(const Request& req) {
    auto limit = IntParam(req, "limit", 100, 1, 1000);
    if (!limit.ok()) return ProblemFromStatus(limit.status());
    auto offset = IntParam(req, "offset", 0, 0, 1 << 30);
    if (!offset.ok()) return ProblemFromStatus(offset.status());
    auto reg = c_.live->registry();
    auto snap = c_.live->Snapshot();
    const Timestamp now = c_.clock->Now();
    interchange::ExportInput in{*reg, *snap, now, c_.live->rules()};
    std::vector<json> all = interchange::OcpiLocationList(in, c_.ocpi_party);
    json page = json::array();
    const size_t end = std::min(all.size(), static_cast<size_t>(*offset) + *limit);
    for (size_t i = *offset; i < end; ++i) page.push_back(std::move(all[i]));
    Response r = JsonResponse(200, OcpiEnvelope(std::move(page), now));
    // OCPI 2.2.1 §4.1.5 pagination headers.
    r.headers.emplace_back("X-Total-Count", std::to_string(all.size()));
    r.headers.emplace_back("X-Limit", std::to_string(*limit));
    if (end < all.size()) {
      r.headers.emplace_back(
          "Link", fmt::format("<{}?offset={}&limit={}>; rel=\"next\"", req.path, end, *limit));
    }
    return r;
  }

  Response OcpiLocation(const Request& req) {
    auto reg = c_.live->registry();
    auto snap = c_.live->Snapshot();
    const Timestamp now = c_.clock->Now();
    interchange::ExportInput in{*reg, *snap, now, c_.live->rules()};
    const std::string& id = req.path_params.at("id");
    auto location = interchange::OcpiLocation(in, c_.ocpi_party, id);
    if (!location) {
      return Response::Problem(404, "Not Found", fmt::format("no charging site '{}'", id), "id");
    }
    return JsonResponse(200, OcpiEnvelope(std::move(*location), now));
  }

  Response Datex2Table(const Request&) {
    auto reg = c_.live->registry();
    auto snap = c_.live->Snapshot();
    interchange::ExportInput in{*reg, *snap, c_.clock->Now(), c_.live->rules()};
    return Xml(interchange::ParkingTablePublication(in, c_.datex2_publisher, versions_));
  }

  Response Datex2Status(const Request&) {
    auto reg = c_.live->registry();
    auto snap = c_.live->Snapshot();
    const Timestamp now = c_.clock->Now();
    interchange::ExportInput in{*reg, *snap, now, c_.live->rules()};
    return Xml(interchange::ParkingStatusPublication(in, c_.datex2_publisher, versions_,
                                                     EarlierOccupancy(now)));
  }

 private:
  static Response Xml(std::string body) {
    Response r;
    r.content_type = "application/xml; charset=utf-8";
    r.body = std::move(body);
    return r;
  }

  // The recorded sample nearest to kTrendWindow before `now` (within 5 minutes of it).
  interchange::EarlierOccupancy EarlierOccupancy(Timestamp now) const {
    if (!c_.history) return {};
    return [history = c_.history, then = now - interchange::kTrendWindow](
               const model::FacilityId& id) -> std::optional<int> {
      constexpr auto kSlack = std::chrono::minutes(5);
      auto samples = history->LoadOccupancy(id, then - kSlack, then + kSlack);
      if (!samples.ok() || samples->empty()) return std::nullopt;
      auto nearest =
          std::min_element(samples->begin(), samples->end(), [then](const auto& a, const auto& b) {
            return std::chrono::abs(a.time - then) < std::chrono::abs(b.time - then);
          });
      return nearest->occupied;
    };
  }

  std::function<std::optional<signs::SignContent>(const model::SignId&)> SignContent() const {
    if (!c_.signs) return {};
    return [signs = c_.signs](const model::SignId& id) -> std::optional<signs::SignContent> {
      auto snap = signs->Current(id);
      if (!snap) return std::nullopt;
      return snap->content;
    };
  }

  ExportApiContext c_;
  interchange::RecordVersions versions_;
};

}  // namespace

void RegisterExportApi(http::Server& server, const ExportApiContext& context) {
  auto h = std::make_shared<Handlers>(context);
  // Each renders the whole city (the status also reads recorded history for its trends): on the
  // worker pool, off the io threads that ingest and guidance need.
  auto route = [&](const char* pattern, Response (Handlers::*method)(const Request&)) {
    server.Route(
        "GET", pattern, [h, method](const Request& req) { return ((*h).*method)(req); },
        http::RouteOptions::OnWorker());
  };
  route("/api/v1/export/geojson", &Handlers::GeoJson);
  route("/api/v1/export/datex2/parking-table.xml", &Handlers::Datex2Table);
  route("/api/v1/export/datex2/parking-status.xml", &Handlers::Datex2Status);
  route("/api/v1/export/ocpi/locations", &Handlers::OcpiLocations);
  route("/api/v1/export/ocpi/locations/{id}", &Handlers::OcpiLocation);
}

}  // namespace pg::api
