// NGSI-LD subscriptions (ETSI GS CIM 009 §5.8) to the car parks' Smart Data Models entities:
// a subscriber names entity types (OffStreetParking, OnStreetParking), optionally the attributes
// it watches and a `q`, and an http:// endpoint; when a car park changes (a live "facility" or
// "zone" event) and a watched attribute's value differs from what it was last sent, the
// subscriber is POSTed a Notification {id, type, subscriptionId, notifiedAt, data: [entity]} in
// the form it asked for (normalized or keyValues; application/json with the @context in a Link
// header, or application/ld+json with it inside).
//
//   POST   /ngsi-ld/v1/subscriptions          traffic centre or admin key; 201 + Location
//   GET    /ngsi-ld/v1/subscriptions[/{id}]   the same keys (endpoints may be internal addresses)
//   DELETE /ngsi-ld/v1/subscriptions/{id}
//
// Subscriptions are kept in the city's store (setting "ngsi.subscriptions") and survive a restart;
// their delivery counters (timesSent, lastSuccess, lastFailure, notification.status) do not.
// Delivery is one thread, one POST at a time with a 10 s timeout, at most one notification per
// subscription per `throttling` seconds (default 1); a failed POST is counted, not retried (the
// next change sends the entity again).
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/access.h"
#include "api/http/server.h"
#include "core/clock.h"
#include "events/event_bus.h"
#include "state/live_state.h"
#include "store/settings_store.h"

namespace pg::api {

class NgsiLdSubscriptions {
 public:
  // REQUIRES: the references outlive the object.
  NgsiLdSubscriptions(const state::LiveState& live, store::SettingsStore& settings,
                      const Clock& clock);
  ~NgsiLdSubscriptions();  // Stop()

  // Reads the stored subscriptions. Errors: the store's.
  Status Load();
  void Start();  // the delivery thread
  void Stop();

  // Errors: kInvalidArgument naming the member; kAlreadyExists for a taken id; the store's.
  Result<nlohmann::json> Create(const nlohmann::json& body);
  nlohmann::json List() const;
  std::optional<nlohmann::json> Get(const std::string& id) const;
  Result<bool> Delete(const std::string& id);  // false: no such subscription

  // A live event (events::EventBus): queues the notifications it causes.
  void OnEvent(const events::Event& event);

  struct Subscription;

 private:
  struct Pending {
    std::string subscription;
    nlohmann::json entity;
  };
  Status Save();  // REQUIRES: mu_ held
  void Run();
  void Deliver(const Pending& p);

  const state::LiveState& live_;
  store::SettingsStore& settings_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, std::shared_ptr<Subscription>> subscriptions_;  // guarded by mu_
  std::deque<Pending> queue_;                                           // guarded by mu_
  uint64_t next_id_ = 1;                                                // guarded by mu_
  bool stopping_ = false;                                               // guarded by mu_
  std::thread thread_;
};

struct NgsiLdSubscriptionsApiContext {
  NgsiLdSubscriptions* subscriptions = nullptr;  // required
  Access* access = nullptr;                      // required: admission and audit
};

void RegisterNgsiLdSubscriptionsApi(http::Server& server,
                                    const NgsiLdSubscriptionsApiContext& context);

}  // namespace pg::api
