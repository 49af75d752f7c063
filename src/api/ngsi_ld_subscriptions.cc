#include "api/ngsi_ld_subscriptions.h"

#include <fmt/format.h>
#include <sodium.h>

#include "api/http/client.h"
#include "api/ngsi_ld_query.h"
#include "core/log.h"
#include "ingest/pull/pull_feed.h"
#include "interchange/ngsi_ld_entities.h"

namespace pg::api {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr std::string_view kSettingKey = "ngsi.subscriptions";
constexpr size_t kMaxSubscriptions = 100;
constexpr size_t kMaxQueued = 10'000;
constexpr auto kDeliveryTimeout = std::chrono::seconds(10);

struct NgsiLdSubscriptions::Subscription {
  json definition;  // as stored and shown
  std::vector<std::string> types;
  std::vector<std::string> watched;
  std::vector<QueryTerm> terms;
  interchange::NgsiForm form = interchange::NgsiForm::kNormalized;
  std::vector<std::string> attributes;
  ingest::pull::HttpUrl endpoint;
  bool ld_json = false;
  std::chrono::milliseconds throttling{1000};
  std::optional<Timestamp> expires;
  // Delivery, on the event and delivery threads under NgsiLdSubscriptions::mu_.
  std::map<std::string, std::string> last_watched;  // entity id → the watched values last queued
  std::map<std::string, Timestamp> last_queued;     // entity id → when
  uint64_t times_sent = 0;
  std::optional<Timestamp> last_notification, last_success, last_failure;
  bool failed = false;
};

namespace {

using Subscription = NgsiLdSubscriptions::Subscription;

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> b(bytes);
  randombytes_buf(b.data(), b.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), b.data(), b.size());
  hex.pop_back();
  return hex;
}

Result<std::vector<std::string>> Strings(const json& body, const char* member) {
  std::vector<std::string> out;
  if (!body.contains(member)) return out;
  if (!body[member].is_array()) return InvalidArgument("must be an array of strings", member);
  for (const json& v : body[member]) {
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
      return InvalidArgument("must be an array of strings", member);
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<std::vector<std::string>> EntityTypes(const json& body) {
  if (!body.contains("entities") || !body["entities"].is_array() || body["entities"].empty()) {
    return InvalidArgument("is required: [{\"type\": \"OffStreetParking\"}, …]", "entities");
  }
  std::vector<std::string> types;
  for (const json& e : body["entities"]) {
    if (!e.is_object() || !e.contains("type") || !e["type"].is_string()) {
      return InvalidArgument("each entity selector needs a type", "entities");
    }
    std::string type = interchange::NgsiShortType(e["type"].get<std::string>());
    if (type != "OffStreetParking" && type != "OnStreetParking") {
      return InvalidArgument(
          fmt::format("'{}': notifications are sent for OffStreetParking and OnStreetParking",
                      type.substr(0, 80)),
          "entities");
    }
    types.push_back(std::move(type));
  }
  return types;
}

Status ReadNotification(const json& n, Subscription& s) {
  if (!n.is_object())
    return InvalidArgument("is required: {\"endpoint\": {\"uri\": …}}", "notification");
  if (!n.contains("endpoint") || !n["endpoint"].is_object() || !n["endpoint"].contains("uri") ||
      !n["endpoint"]["uri"].is_string()) {
    return InvalidArgument("is required: {\"uri\": \"http://…\"}", "notification.endpoint");
  }
  auto url = ingest::pull::ParseHttpUrl(n["endpoint"]["uri"].get<std::string>());
  if (!url.ok()) return InvalidArgument(url.status().message(), "notification.endpoint.uri");
  s.endpoint = *url;
  const std::string accept = n["endpoint"].value("accept", "application/json");
  if (accept != "application/json" && accept != "application/ld+json") {
    return InvalidArgument("must be application/json or application/ld+json",
                           "notification.endpoint.accept");
  }
  s.ld_json = accept == "application/ld+json";
  const std::string format = n.value("format", "normalized");
  if (format != "normalized" && format != "keyValues" && format != "simplified") {
    return InvalidArgument("must be normalized or keyValues", "notification.format");
  }
  s.form = format == "normalized" ? interchange::NgsiForm::kNormalized
                                  : interchange::NgsiForm::kKeyValues;
  PG_ASSIGN_OR_RETURN(s.attributes, Strings(n, "attributes"));
  return Status::Ok();
}

Result<std::shared_ptr<Subscription>> Parse(const json& body) {
  if (!body.is_object()) return InvalidArgument("must be a JSON object", "body");
  if (body.contains("type") && body["type"] != "Subscription") {
    return InvalidArgument("must be Subscription", "type");
  }
  auto s = std::make_shared<Subscription>();
  PG_ASSIGN_OR_RETURN(s->types, EntityTypes(body));
  PG_ASSIGN_OR_RETURN(s->watched, Strings(body, "watchedAttributes"));
  if (body.contains("q")) {
    if (!body["q"].is_string()) return InvalidArgument("must be a string", "q");
    PG_ASSIGN_OR_RETURN(s->terms, ParseQuery(body["q"].get<std::string>()));
  }
  PG_RETURN_IF_ERROR(ReadNotification(body.value("notification", json()), *s));
  if (body.contains("throttling")) {
    if (!body["throttling"].is_number() || body["throttling"] < 0 || body["throttling"] > 3600) {
      return InvalidArgument("must be seconds in 0..3600", "throttling");
    }
    s->throttling =
        std::chrono::milliseconds(static_cast<int64_t>(body["throttling"].get<double>() * 1000));
  }
  if (body.contains("expiresAt")) {
    auto t = body["expiresAt"].is_string() ? ParseRfc3339(body["expiresAt"].get<std::string>())
                                           : Result<Timestamp>(InvalidArgument("", ""));
    if (!t.ok()) return InvalidArgument("must be an RFC 3339 date-time", "expiresAt");
    s->expires = *t;
  }
  json definition = body;
  definition["type"] = "Subscription";
  definition.erase("@context");
  s->definition = std::move(definition);
  return s;
}

json Shown(const Subscription& s, Timestamp now) {
  json j = s.definition;
  j["status"] = s.expires && *s.expires <= now ? "expired" : "active";
  json& n = j["notification"];
  n["timesSent"] = s.times_sent;
  n["status"] = s.failed ? "failed" : "ok";
  auto time = [](const std::optional<Timestamp>& t) {
    return t ? json(FormatRfc3339Utc(*t)) : json();
  };
  if (s.last_notification) n["lastNotification"] = time(s.last_notification);
  if (s.last_success) n["lastSuccess"] = time(s.last_success);
  if (s.last_failure) n["lastFailure"] = time(s.last_failure);
  return j;
}

// What the subscriber watches of `entity`: the watched attributes, or every attribute but the
// observation time when it watches all.
std::string WatchedValues(const Subscription& s, const json& entity) {
  if (s.watched.empty()) {
    json copy = entity;
    copy.erase("observationDateTime");
    return copy.dump();
  }
  json values = json::object();
  for (const std::string& a : s.watched) values[a] = entity.value(a, json());
  return values.dump();
}

json Rendered(const Subscription& s, const json& key_values) {
  json entity = key_values;
  if (!s.attributes.empty()) {
    json picked{{"id", key_values["id"]}, {"type", key_values["type"]}};
    for (const std::string& a : s.attributes) {
      if (key_values.contains(a)) picked[a] = key_values[a];
    }
    entity = std::move(picked);
  }
  if (s.form == interchange::NgsiForm::kNormalized) entity = interchange::Normalized(entity);
  if (s.ld_json) {
    entity["@context"] = {interchange::kParkingContext, interchange::kCoreContext};
  }
  return entity;
}

}  // namespace

NgsiLdSubscriptions::NgsiLdSubscriptions(const state::LiveState& live,
                                         store::SettingsStore& settings, const Clock& clock)
    : live_(live), settings_(settings), clock_(clock) {}

NgsiLdSubscriptions::~NgsiLdSubscriptions() { Stop(); }

Status NgsiLdSubscriptions::Load() {
  PG_ASSIGN_OR_RETURN(auto stored, settings_.GetSetting(std::string(kSettingKey)));
  if (!stored) return Status::Ok();
  const json all = json::parse(*stored, nullptr, /*allow_exceptions=*/false);
  std::lock_guard lock(mu_);
  for (const json& definition : all.is_array() ? all : json::array()) {
    auto s = Parse(definition);
    if (!s.ok()) {
      PG_LOG_WARNING("ngsi-ld: a stored subscription is no longer valid, left out: {}",
                     s.status().ToString());
      continue;
    }
    subscriptions_[definition.value("id", "")] = *s;
  }
  return Status::Ok();
}

Status NgsiLdSubscriptions::Save() {
  json all = json::array();
  for (const auto& [id, s] : subscriptions_) all.push_back(s->definition);
  return settings_.PutSetting(std::string(kSettingKey), all.dump());
}

Result<json> NgsiLdSubscriptions::Create(const json& body) {
  PG_ASSIGN_OR_RETURN(std::shared_ptr<Subscription> s, Parse(body));
  std::lock_guard lock(mu_);
  std::string id = body.value("id", "");
  if (id.empty()) id = "urn:ngsi-ld:Subscription:" + RandomHex(8);
  if (id.find(':') == std::string::npos || id.size() > 256) {
    return InvalidArgument("must be a URI of at most 256 characters", "id");
  }
  if (subscriptions_.count(id)) return AlreadyExists(fmt::format("subscription {} exists", id));
  if (subscriptions_.size() >= kMaxSubscriptions) {
    return ResourceExhausted(fmt::format("at most {} subscriptions", kMaxSubscriptions));
  }
  s->definition["id"] = id;
  subscriptions_[id] = s;
  if (Status saved = Save(); !saved.ok()) {
    subscriptions_.erase(id);
    return saved;
  }
  return Shown(*s, clock_.Now());
}

json NgsiLdSubscriptions::List() const {
  std::lock_guard lock(mu_);
  json out = json::array();
  for (const auto& [id, s] : subscriptions_) out.push_back(Shown(*s, clock_.Now()));
  return out;
}

std::optional<json> NgsiLdSubscriptions::Get(const std::string& id) const {
  std::lock_guard lock(mu_);
  auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) return std::nullopt;
  return Shown(*it->second, clock_.Now());
}

Result<bool> NgsiLdSubscriptions::Delete(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = subscriptions_.find(id);
  if (it == subscriptions_.end()) return false;
  auto removed = it->second;
  subscriptions_.erase(it);
  if (Status saved = Save(); !saved.ok()) {
    subscriptions_[id] = removed;
    return saved;
  }
  return true;
}

void NgsiLdSubscriptions::OnEvent(const events::Event& event) {
  if (event.type != "facility" && event.type != "zone") return;
  {
    std::lock_guard lock(mu_);
    if (subscriptions_.empty()) return;
  }
  auto reg = live_.registry();
  const model::Facility* f = reg->FindFacility(model::FacilityId(event.subject));
  if (!f) return;
  const std::string type(interchange::NgsiSiteType(*f));
  auto snap = live_.Snapshot();
  const Timestamp now = clock_.Now();
  interchange::ExportInput in{*reg, *snap, now, live_.rules()};
  const std::string urn = interchange::NgsiLdId(*reg, type, f->id.str());
  auto entity = interchange::NgsiLdEntity(in, interchange::NgsiForm::kKeyValues, urn);
  if (!entity) return;
  std::lock_guard lock(mu_);
  for (auto& [id, s] : subscriptions_) {
    if (std::find(s->types.begin(), s->types.end(), type) == s->types.end()) continue;
    if (s->expires && *s->expires <= now) continue;
    if (!Matches(*entity, s->terms)) continue;
    std::string watched = WatchedValues(*s, *entity);
    if (s->last_watched[urn] == watched) continue;
    auto last = s->last_queued.find(urn);
    if (last != s->last_queued.end() && now - last->second < s->throttling) continue;
    if (queue_.size() >= kMaxQueued) continue;  // a subscriber that cannot keep up misses changes
    s->last_watched[urn] = std::move(watched);
    s->last_queued[urn] = now;
    queue_.push_back({id, Rendered(*s, *entity)});
  }
  wake_.notify_one();
}

void NgsiLdSubscriptions::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void NgsiLdSubscriptions::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NgsiLdSubscriptions::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Deliver(p);
    lock.lock();
  }
}

void NgsiLdSubscriptions::Deliver(const Pending& p) {
  std::shared_ptr<Subscription> s;
  {
    std::lock_guard lock(mu_);
    auto it = subscriptions_.find(p.subscription);
    if (it == subscriptions_.end()) return;  // deleted meanwhile
    s = it->second;
  }
  const Timestamp now = clock_.Now();
  json notification{{"id", "urn:ngsi-ld:Notification:" + RandomHex(8)},
                    {"type", "Notification"},
                    {"subscriptionId", p.subscription},
                    {"notifiedAt", FormatRfc3339Utc(now)},
                    {"data", json::array({p.entity})}};
  http::HeaderList headers;
  if (s->ld_json) {
    headers.emplace_back("Content-Type", "application/ld+json");
  } else {
    headers.emplace_back("Content-Type", "application/json");
    headers.emplace_back("Link", fmt::format("<{}>; rel=\"http://www.w3.org/ns/json-ld#context\"; "
                                             "type=\"application/ld+json\"",
                                             interchange::kParkingContext));
  }
  auto r = http::HttpRequest("POST", s->endpoint.host, s->endpoint.port, s->endpoint.target,
                             notification.dump(), headers, kDeliveryTimeout);
  const bool ok = r.ok() && r->status >= 200 && r->status < 300;
  std::lock_guard lock(mu_);
  ++s->times_sent;
  s->last_notification = now;
  (ok ? s->last_success : s->last_failure) = now;
  s->failed = !ok;
  if (!ok) {
    PG_LOG_WARNING("ngsi-ld: notification of {} to {}:{} failed: {}", p.subscription,
                   s->endpoint.host, s->endpoint.port,
                   r.ok() ? fmt::format("HTTP {}", r->status) : r.status().ToString());
  }
}

namespace {

Response NgsiJson(int status, const json& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  return r;
}

Response FromStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return NgsiProblem(400, "BadRequestData", "Bad request data",
                         fmt::format("{}: {}", s.field(), s.message()));
    case StatusCode::kAlreadyExists:
      return NgsiProblem(409, "AlreadyExists", "Already exists", s.message());
    case StatusCode::kResourceExhausted:
      return NgsiProblem(403, "TooManyResults", "Too many subscriptions", s.message());
    default:
      return NgsiProblem(500, "InternalError", "Internal error", s.ToString());
  }
}

}  // namespace

void RegisterNgsiLdSubscriptionsApi(http::Server& server,
                                    const NgsiLdSubscriptionsApiContext& context) {
  NgsiLdSubscriptions* subs = context.subscriptions;
  const RoleSet readers{Role::kTrafficCentre, Role::kAdmin};
  auto state = [subs](const Request&) { return subs->List(); };
  context.access->Route(
      server, "POST", "/ngsi-ld/v1/subscriptions",
      [subs](const Request& req) {
        const json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
        if (body.is_discarded()) {
          return NgsiProblem(400, "InvalidRequest", "Invalid request", "the body is not JSON");
        }
        auto created = subs->Create(body);
        if (!created.ok()) return FromStatus(created.status());
        Response r = NgsiJson(201, *created);
        r.headers.emplace_back("Location",
                               "/ngsi-ld/v1/subscriptions/" + (*created)["id"].get<std::string>());
        return r;
      },
      {readers, AuditedChange{TargetFromBody("subscription", "id"), state}, {}});
  context.access->Route(server, "DELETE", "/ngsi-ld/v1/subscriptions/{id}",
                        [subs](const Request& req) {
                          auto deleted = subs->Delete(req.path_params.at("id"));
                          if (!deleted.ok()) return FromStatus(deleted.status());
                          if (!*deleted) {
                            return NgsiProblem(404, "ResourceNotFound", "Subscription not found",
                                               req.path_params.at("id").substr(0, 256));
                          }
                          Response r;
                          r.status = 204;
                          r.content_type.clear();
                          return r;
                        },
                        {readers, AuditedChange{Target("subscription", "id"), state}, {}});
  server.Route(
      "GET", "/ngsi-ld/v1/subscriptions",
      [subs](const Request&) { return NgsiJson(200, subs->List()); },
      http::RouteOptions::Admit(AdmitRole(context.access->authorizer(), readers)));
  server.Route(
      "GET", "/ngsi-ld/v1/subscriptions/{id}",
      [subs](const Request& req) {
        auto s = subs->Get(req.path_params.at("id"));
        if (!s) {
          return NgsiProblem(404, "ResourceNotFound", "Subscription not found",
                             req.path_params.at("id").substr(0, 256));
        }
        return NgsiJson(200, *s);
      },
      http::RouteOptions::Admit(AdmitRole(context.access->authorizer(), readers)));
}

}  // namespace pg::api
