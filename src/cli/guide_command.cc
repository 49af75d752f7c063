// parkguide guide --db city.db --dest lat,lon [--origin lat,lon] [--arrive TIME] [--stay MIN]
//   [--vehicle car|ev] [--connector TYPE] [--accessible] [--height M] [--max-walk M] [--limit N]
//   [--lang zh|en] [--crs wgs84|gcj02|bd09] [--explain] [--json]
// The answer of GET /api/v1/guidance as a table (or the same JSON with --json).
#include <fmt/format.h>

#include <cstdio>

#include "api/guidance_api.h"
#include "app/guidance_wiring.h"
#include "cli/city_access.h"
#include "cli/commands.h"
#include "core/crs.h"
#include "model/vocabulary.h"

namespace pg::cli {
namespace {

struct Options {
  std::string db_path;
  std::string dest, origin, arrive, vehicle, connector, lang, crs;
  std::optional<int> stay, limit;
  std::optional<double> height, max_walk, value_of_time;
  bool accessible = false;
  bool explain = false;
  bool json = false;
};

std::string Minutes(double ms) { return fmt::format("{:.1f} min", ms / 60'000.0); }

// The option a request parameter came from, for error messages.
std::string OptionOf(const std::string& field) {
  std::string out = "--" + field;
  for (char& c : out) c = c == '_' ? '-' : c;
  return out;
}

std::string Point(const LatLon& inside, Crs crs) {
  const LatLon p = FromWgs84(inside, crs);
  return fmt::format("{:.6f},{:.6f}", p.lat, p.lon);
}

std::string Table(const guidance::GuidanceAnswer& a, const registry::Registry& reg, Crs crs) {
  const auto& zone = reg.time_zone();
  const bool zh = a.request.lang == guidance::Lang::kZh;
  std::string out = fmt::format(
      "guidance to {}{}{} at {}, stay {} min, {}: {} candidate(s)\n", Point(a.dest.location, crs),
      crs == Crs::kWgs84 ? std::string() : fmt::format(" ({})", CrsName(crs)),
      a.origin ? " from " + Point(a.origin->location, crs) : std::string(),
      FormatRfc3339(a.now, zone), a.request.stay_minutes,
      a.request.vehicle == guidance::Vehicle::kEv ? "ev" : "car", a.candidates);
  auto section = [&](const std::vector<guidance::RankedPlace>& list, const char* title) {
    out += fmt::format("\n{}\n{:>4}  {:<18} {:>10} {:>8} {:>7}  {:<13} {:>8} {:>10}  {}\n", title,
                       "rank", "id", "drive", "walk", "p_free", "data", "price", "cost", "name");
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& r = list[i];
      out += fmt::format(
          "{:>4}  {:<18} {:>10} {:>6.0f} m {:>7.2f}  {:<13} {:>8} {:>10}  {}\n", i + 1, r.id,
          r.drive_time_ms ? Minutes(*r.drive_time_ms) : "-", r.walk_distance_dm / 10.0,
          r.availability.p_free, guidance::Name(r.availability.source),
          fmt::format("{}{:.2f}", r.price_known ? "" : "~", static_cast<double>(r.price_fen) / 100),
          Minutes(static_cast<double>(r.cost.total_ms)), r.name.In(zh ? "zh" : "en"));
      out += fmt::format("      {}\n", r.summary);
    }
    if (list.empty()) out += "      (none)\n";
  };
  section(a.results, "facilities");
  if (a.request.vehicle == guidance::Vehicle::kEv) section(a.chargers, "charging sites");
  if (a.request.explain) {
    out += fmt::format("\nexcluded ({} more beyond {:.0f} m of walking are not listed)\n",
                       a.excluded_far, a.request.max_walk_m * 2);
    for (const auto& e : a.excluded) {
      out += fmt::format("      {:<18} {:<22} {}  ({})\n", e.id, guidance::Name(e.reason), e.detail,
                         e.name.In(zh ? "zh" : "en"));
    }
  }
  return out;
}

int Guide(const Options& o) {
  std::vector<std::pair<std::string, std::string>> query;
  query.emplace_back("dest", o.dest);
  if (!o.origin.empty()) query.emplace_back("origin", o.origin);
  if (!o.arrive.empty()) query.emplace_back("arrive", o.arrive);
  if (o.stay) query.emplace_back("stay", std::to_string(*o.stay));
  if (!o.vehicle.empty()) query.emplace_back("vehicle", o.vehicle);
  if (!o.connector.empty()) query.emplace_back("connector", o.connector);
  if (o.accessible) query.emplace_back("accessible", "1");
  if (o.height) query.emplace_back("height", fmt::format("{}", *o.height));
  if (o.max_walk) query.emplace_back("max_walk", fmt::format("{}", *o.max_walk));
  if (o.limit) query.emplace_back("limit", std::to_string(*o.limit));
  if (!o.lang.empty()) query.emplace_back("lang", o.lang);
  if (o.explain) query.emplace_back("explain", "1");
  if (o.value_of_time) query.emplace_back("value_of_time", fmt::format("{}", *o.value_of_time));
  if (!o.crs.empty()) query.emplace_back("crs", o.crs);

  const Clock& clock = SystemClock::Instance();
  auto request = api::ParseGuidanceRequest(query, clock.Now());
  if (!request.ok()) {
    return Fail(
        fmt::format("{}: {}", OptionOf(request.status().field()), request.status().message()));
  }
  auto store = OpenCityForReading(o.db_path);
  if (!store.ok()) return Fail(store.status().message());
  auto session = app::OpenGuidanceSession(o.db_path, std::move(*store), clock);
  if (!session.ok()) return Fail(session.status().message());
  const app::GuidanceSession& s = **session;
  auto answer = s.guide->Answer(request->request, *s.live->Snapshot(), clock.Now(),
                                s.forecasts.get(), s.live->rules());
  if (!answer.ok()) {
    return Fail(
        fmt::format("{}: {}", OptionOf(answer.status().field()), answer.status().message()));
  }
  if (o.json) {
    std::puts(api::GuidanceJson(*answer, *s.registry, s.guide->params(), request->crs).c_str());
  } else {
    std::fputs(Table(*answer, *s.registry, request->crs).c_str(), stdout);
  }
  return 0;
}

}  // namespace

void AddGuideCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "guide", "Where to park near a destination, ranked by expected total cost (as the API)");
  cmd->add_option("--db", o->db_path, "City database (its graph file sits next to it)")->required();
  AddStoreOption(*cmd);
  cmd->add_option("--dest", o->dest, "Destination, as lat,lon")->required();
  cmd->add_option("--origin", o->origin, "Where the drive starts, as lat,lon");
  cmd->add_option("--arrive", o->arrive, "Arrival time, RFC 3339 (default: now + drive time)");
  cmd->add_option("--stay", o->stay, "Length of the stay in minutes (default 60)");
  cmd->add_option("--vehicle", o->vehicle, "car or ev (ev also ranks charging sites)");
  cmd->add_option("--connector", o->connector,
                  "Connector needed: " + model::AllowedNames<model::ConnectorType>());
  cmd->add_flag("--accessible", o->accessible, "Needs an accessible (disabled) space");
  cmd->add_option("--height", o->height, "Vehicle height in metres");
  cmd->add_option("--max-walk", o->max_walk, "Longest walk in metres (default 1000)");
  cmd->add_option("--limit", o->limit, "Results to list (default 5)");
  cmd->add_option("--lang", o->lang, "zh or en (default zh)");
  cmd->add_option("--value-of-time", o->value_of_time,
                  "What an hour of the driver's time is worth, yuan (default: the city's, ¥30)");
  cmd->add_option("--crs", o->crs,
                  "Coordinate system of --dest/--origin and of the answer: wgs84 (default), gcj02 "
                  "(Amap, Tencent), bd09 (Baidu)");
  cmd->add_flag("--explain", o->explain, "List the facilities left out and why");
  cmd->add_flag("--json", o->json, "Print the API's JSON document instead of the table");
  cmd->callback([o, exit_code] { *exit_code = Guide(*o); });
}

}  // namespace pg::cli
