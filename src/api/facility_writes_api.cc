#include "api/facility_writes_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/ingest_api.h"
#include "api/live_json.h"
#include "api/problem_responses.h"
#include "model/vocabulary.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// The largest count a correction may give: far above any car park, far below int overflow.
constexpr int kMaxCount = 1'000'000;

class Handlers {
 public:
  explicit Handlers(FacilityWritesContext c) : c_(c) {}

  Response SetStatus(const Request& req) {
    return Write(req, kFacilityStatusWriters, [](const json& body, model::Observation& o) {
      o.type = model::ObservationType::kFacilityStatus;
      auto status = body.contains("status") && body["status"].is_string()
                        ? model::Parse<model::FacilityStatus>(body["status"].get<std::string>())
                        : std::nullopt;
      if (!status) {
        return InvalidArgument(
            fmt::format("must be one of: {}", model::AllowedNames<model::FacilityStatus>()),
            "status");
      }
      o.facility_status = *status;
      return Status::Ok();
    });
  }

  Response SetCount(const Request& req) {
    return Write(req, kFacilityCountWriters, [](const json& body, model::Observation& o) {
      o.type = model::ObservationType::kFacilityCount;
      const bool has_free = body.contains("free");
      const bool has_occupied = body.contains("occupied");
      if (has_free == has_occupied) {
        return InvalidArgument("give exactly one of \"free\" and \"occupied\"", "free");
      }
      const char* field = has_free ? "free" : "occupied";
      const json& n = body[field];
      if (!n.is_number_integer() || n.get<int64_t>() < 0 || n.get<int64_t>() > kMaxCount) {
        return InvalidArgument(fmt::format("must be a whole number 0–{}", kMaxCount), field);
      }
      (has_free ? o.free : o.occupied) = n.get<int>();
      if (body.contains("class")) {
        auto category = body["class"].is_string()
                            ? model::Parse<model::SpaceCategory>(body["class"].get<std::string>())
                            : std::nullopt;
        if (!category) {
          return InvalidArgument(
              fmt::format("must be one of: {}", model::AllowedNames<model::SpaceCategory>()),
              "class");
        }
        o.category = *category;
      }
      return Status::Ok();
    });
  }

 private:
  using Fill = Status (*)(const json& body, model::Observation& o);

  // Authorize → find the facility → check the operator's facilities → parse → submit; the
  // answer once durable.
  Response Write(const Request& req, RoleSet roles, Fill fill) {
    auto who = c_.authorizer->Authorize(req.Header("authorization"), roles);
    if (!who.ok()) return ProblemFromStatus(who.status());
    const std::string& id = req.path_params.at("id");
    if (!c_.live->registry()->FindFacility(model::FacilityId(id))) {
      return ProblemFromStatus(NotFound(fmt::format("no facility '{}'", id), "id"));
    }
    if (who->role == Role::kOperator &&
        std::find(who->facilities.begin(), who->facilities.end(), id) == who->facilities.end()) {
      return ProblemFromStatus(PermissionDenied(fmt::format(
          "key '{}' may write {}; not '{}'", who->id, fmt::join(who->facilities, ", "), id)));
    }
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object()) {
      return ProblemFromStatus(InvalidArgument("must be a JSON object", "body"));
    }
    model::Observation o;
    o.target = id;
    o.time = c_.clock->Now();
    if (Status s = fill(body, o); !s.ok()) return ProblemFromStatus(s);
    model::Source source;
    source.id = model::SourceId(ManualSourceId(*who));
    source.kind = model::SourceKind::kManual;
    source.scope.facilities = {model::FacilityId(id)};
    ingest::Principal principal(source, *c_.live->index());
    // What a status write replaces: the operator's word before it (not the state derived from
    // counts and hours), so that an undo restores exactly that.
    std::optional<model::FacilityStatus> previous;
    if (o.type == model::ObservationType::kFacilityStatus) {
      const state::FacilityLive* live = c_.live->Snapshot()->FindFacility(id);
      previous = live ? live->operator_status : model::FacilityStatus::kOpen;
    }
    auto pending = std::make_shared<http::PendingResponse>();
    c_.ingest->SubmitParsed(principal, {o}, journal::Channel::kHttp,
                            [c = c_, pending, id, previous](const ingest::IngestResult& r) {
                              pending->Respond(Answer(c, id, r, previous));
                            });
    return Response::Later(pending);
  }

  // Runs on the pipeline's thread, perhaps after the server stopped: it uses only `c`.
  static Response Answer(const FacilityWritesContext& c, const std::string& id,
                         const ingest::IngestResult& r,
                         std::optional<model::FacilityStatus> previous) {
    if (!r.status.ok()) return IngestResponse(r);
    auto reg = c.live->registry();
    const model::Facility* f = reg->FindFacility(model::FacilityId(id));
    json j{{"facility", id}, {"accepted", r.counts.accepted}};
    if (previous) j["previous_status"] = model::Name(*previous);
    if (f) {
      j["live"] = FacilityLiveJson(*reg, state::ViewFacility(*reg, *c.live->Snapshot(), *f,
                                                             c.clock->Now(), c.live->rules()));
    }
    return JsonResponse(200, std::move(j));
  }

  FacilityWritesContext c_;
};

}  // namespace

std::string ManualSourceId(const Principal& who) {
  return fmt::format("{}/{}", Name(who.role), who.id);
}

void RegisterFacilityWritesApi(http::Server& server, const FacilityWritesContext& context) {
  auto h = std::make_shared<Handlers>(context);
  Access unaudited(*context.authorizer, nullptr);
  Access& access = context.access ? *context.access : unaudited;
  // The audit's before and after: the facility's live object.
  auto live = [context](const Request& req) -> json {
    auto reg = context.live->registry();
    const model::Facility* f = reg->FindFacility(model::FacilityId(req.path_params.at("id")));
    if (!f) return nullptr;
    return FacilityLiveJson(*reg, state::ViewFacility(*reg, *context.live->Snapshot(), *f,
                                                      context.clock->Now(), context.live->rules()));
  };
  access.Route(server, "POST", "/api/v1/facilities/{id}/status",
               [h](const Request& req) { return h->SetStatus(req); },
               {kFacilityStatusWriters, AuditedChange{Target("facility", "id"), live}, {}});
  access.Route(server, "POST", "/api/v1/facilities/{id}/count",
               [h](const Request& req) { return h->SetCount(req); },
               {kFacilityCountWriters, AuditedChange{Target("facility", "id"), live}, {}});
}

}  // namespace pg::api
