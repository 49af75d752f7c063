#include "api/live_json.h"

#include <any>

#include "model/vocabulary.h"
#include "state/live_change.h"

namespace pg::api {

using nlohmann::json;

namespace {

json Optional(const std::optional<int>& x) { return x ? json(*x) : json(nullptr); }

json OptionalTime(const registry::Registry& registry, const std::optional<Timestamp>& t) {
  return t ? json(TimeText(registry, *t)) : json(nullptr);
}

}  // namespace

std::string TimeText(const registry::Registry& registry, Timestamp t) {
  return FormatRfc3339(t, registry.time_zone());
}

json FacilityLiveJson(const registry::Registry& registry, const state::FacilityView& v) {
  json live{{"free", Optional(v.free)},
            {"occupied", Optional(v.occupied)},
            {"capacity", v.capacity},
            {"state", state::Name(v.state)},
            {"updated", OptionalTime(registry, v.updated)}};
  if (v.by_category.empty()) return live;
  const bool unknown =
      v.state == state::OccupancyState::kUnknown || v.state == state::OccupancyState::kClosed;
  json classes = json::object();
  for (const auto& c : v.by_category) {
    classes[std::string(model::Name(c.category))] = {
        {"free", unknown ? json(nullptr) : Optional(c.free)},
        {"occupied", unknown ? json(nullptr) : Optional(c.occupied)},
        {"capacity", c.capacity}};
  }
  live["classes"] = std::move(classes);
  return live;
}

json ChargerLiveJson(const registry::Registry& registry, const state::ChargerView& view) {
  json connectors = json::object();
  for (const state::ChargerView::Reported& r : view.reported) {
    connectors[std::to_string(r.connector)] = {{"status", model::Name(r.status)},
                                               {"updated", TimeText(registry, r.updated)}};
  }
  return {{"connectors", std::move(connectors)},
          {"available", Optional(view.available)},
          {"updated", OptionalTime(registry, view.updated)},
          {"state", state::Name(view.state)}};
}

std::string RenderLiveEvent(const events::Event& event) {
  if (const auto* f = std::any_cast<state::FacilityChange>(&event.payload)) {
    return json{{"facility", f->facility->id.str()},
                {"live", FacilityLiveJson(*f->registry, f->view)}}
        .dump();
  }
  if (const auto* c = std::any_cast<state::ChargerChange>(&event.payload)) {
    json j = ChargerLiveJson(*c->registry, c->view);
    j["charger"] = c->charger->id.str();
    j["site"] = c->charger->site;
    return j.dump();
  }
  if (const auto* s = std::any_cast<state::SourceChange>(&event.payload)) {
    return json{{"source", s->alert.source},
                {"status", s->alert.silent ? "silent" : "ok"},
                {"last_received", TimeText(*s->registry, s->alert.last_received)},
                {"expected_interval_s", s->alert.expected_interval.count()}}
        .dump();
  }
  return "{}";
}

}  // namespace pg::api
