#include "api/ocpp_api.h"

#include <fmt/format.h>
#include <sodium.h>

#include <map>
#include <mutex>

#include "core/log.h"
#include "ingest/ocpp/ocpp_protocol.h"

namespace pg::api {
namespace {

using http::Request;
using http::Response;
namespace ocpp = ingest::ocpp;

constexpr std::string_view kSubprotocol = "ocpp1.6";
constexpr size_t kMaxAuthorizationChars = 1024;

Response Unauthorized() {
  Response r = Response::Problem(401, "Unauthorized",
                                 "HTTP Basic credentials of this charge point are required: the "
                                 "charge point id and its key");
  r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"ocpp\"");
  return r;
}

// The password of "Basic base64(<id>:<password>)" when the username is `id`; nullopt otherwise.
// The id may itself hold ':' (parkguide's ids may), so the whole "<id>:" prefix is compared.
std::optional<std::string> BasicPassword(std::string_view header, std::string_view id) {
  constexpr std::string_view kScheme = "Basic ";
  if (header.size() > kMaxAuthorizationChars || header.substr(0, kScheme.size()) != kScheme) {
    return std::nullopt;
  }
  const std::string_view encoded = header.substr(kScheme.size());
  std::string decoded(encoded.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                        encoded.data(), encoded.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  decoded.resize(length);
  if (decoded.size() <= id.size() || decoded.compare(0, id.size(), id) != 0 ||
      decoded[id.size()] != ':') {
    return std::nullopt;
  }
  return decoded.substr(id.size() + 1);
}

// The CALLERROR of a batch the ingest service did not take.
ocpp::CallError IngestError(const std::string& unique_id, const Status& s) {
  switch (s.code()) {
    case StatusCode::kPermissionDenied:
      return {unique_id, ocpp::ErrorCode::kSecurityError, "not in this charger's scope"};
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
      return {unique_id, ocpp::ErrorCode::kPropertyConstraintViolation, std::string(s.message())};
    default:
      // Not stored: the charger keeps the message and sends it again (OCPP-J's retry).
      return {unique_id, ocpp::ErrorCode::kInternalError,
              "not stored, send it again: " + std::string(s.message())};
  }
}

// One charge point's open connection: its protocol state and who it is.
struct Link {
  std::shared_ptr<const registry::Registry> registry;  // keeps `charger` alive
  const model::Charger* charger = nullptr;
  std::shared_ptr<const ingest::Principal> principal;
  std::shared_ptr<http::WebSocketSender> sender;
  std::optional<ocpp::ChargePointSession> session;  // touched on the connection's io thread only
};

class Endpoint : public std::enable_shared_from_this<Endpoint> {
 public:
  explicit Endpoint(OcppApiContext c) : c_(c) {}

  http::WebSocketAccept Accept(const Request& req, std::shared_ptr<http::WebSocketSender> sender) {
    const std::string& id = req.path_params.at("id");
    if (!http::OffersSubprotocol(req.Header("sec-websocket-protocol"), kSubprotocol)) {
      return http::WebSocketAccept::Refuse(
          Response::Problem(400, "Bad Request", "Sec-WebSocket-Protocol must offer ocpp1.6",
                            "Sec-WebSocket-Protocol"));
    }
    auto link = std::make_shared<Link>();
    link->registry = c_.live->registry();
    link->charger = link->registry->FindCharger(model::ChargerId(id));
    auto password = BasicPassword(req.Header("authorization"), id);
    if (!link->charger || !password) return http::WebSocketAccept::Refuse(Unauthorized());
    auto principal = c_.ingest->Authenticate(*password);
    if (!principal.ok() || !(*principal)->MayWriteCharger(id, *c_.live->index())) {
      return http::WebSocketAccept::Refuse(Unauthorized());
    }
    link->principal = *principal;
    link->sender = std::move(sender);
    const auto interval = std::clamp(link->principal->source().expected_interval,
                                     std::chrono::seconds(30), std::chrono::seconds(3600));
    link->session.emplace(*link->charger, *c_.clock,
                          ocpp::SessionOptions{interval, link->principal->source().id});
    Replace(id, link);

    http::WebSocketSession session;
    session.subprotocol = std::string(kSubprotocol);
    session.on_text = [self = shared_from_this(), link](std::string_view text) {
      self->OnFrame(*link, text);
    };
    session.on_close = [self = shared_from_this(), link, id] { self->Forget(id, link); };
    PG_LOG_INFO("ocpp: charge point {} connected as source {}", id,
                link->principal->source().id.str());
    return http::WebSocketAccept::Open(std::move(session));
  }

 private:
  void OnFrame(Link& link, std::string_view text) {
    auto frame = ocpp::ParseFrame(text);
    if (auto* error = std::get_if<ocpp::CallError>(&frame)) {
      return link.sender->SendText(ocpp::CallErrorFrame(*error));
    }
    if (std::holds_alternative<ocpp::Ignored>(frame)) return;
    const ocpp::Call& call = std::get<ocpp::Call>(frame);
    ocpp::Outcome outcome = link.session->Handle(call);
    if (auto* reply = std::get_if<ocpp::Reply>(&outcome)) {
      return link.sender->SendText(ocpp::CallResultFrame(call.unique_id, reply->payload));
    }
    if (auto* error = std::get_if<ocpp::CallError>(&outcome)) {
      return link.sender->SendText(ocpp::CallErrorFrame(*error));
    }
    auto& observe = std::get<ocpp::Observe>(outcome);
    c_.ingest->SubmitParsed(*link.principal, std::move(observe.observations),
                            journal::Channel::kOcpp,
                            [sender = link.sender, id = call.unique_id,
                             payload = std::move(observe.payload)](const ingest::IngestResult& r) {
                              if (r.status.ok())
                                return sender->SendText(ocpp::CallResultFrame(id, payload));
                              sender->SendText(ocpp::CallErrorFrame(IngestError(id, r.status)));
                            });
  }

  // Newest wins: the charger's previous connection, if any, is closed.
  void Replace(const std::string& id, const std::shared_ptr<Link>& link) {
    std::shared_ptr<Link> previous;
    {
      std::lock_guard lock(mu_);
      previous = links_[id].lock();
      links_[id] = link;
    }
    if (previous) previous->sender->Close(1000, "replaced by a new connection");
  }

  void Forget(const std::string& id, const std::shared_ptr<Link>& link) {
    std::lock_guard lock(mu_);
    auto it = links_.find(id);
    if (it != links_.end() && it->second.lock() == link) links_.erase(it);
    PG_LOG_INFO("ocpp: charge point {} disconnected", id);
  }

  OcppApiContext c_;
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<Link>> links_;  // guarded by mu_
};

}  // namespace

void RegisterOcppApi(http::Server& server, const OcppApiContext& context) {
  auto endpoint = std::make_shared<Endpoint>(context);
  server.WebSocket("/ocpp/1.6/{id}",
                   [endpoint](const Request& req, std::shared_ptr<http::WebSocketSender> sender) {
                     return endpoint->Accept(req, std::move(sender));
                   });
}

}  // namespace pg::api
