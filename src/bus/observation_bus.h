// ObservationBus: the city's observations as one ordered, durable log on NATS JetStream, shared
// by every node of the city (docs/operations.md, "Several nodes"). A node publishes what it
// accepts and acknowledges its source only once the stream has acknowledged it; every node
// (the publisher too) follows the stream in order and applies each message to its live state,
// so all nodes hold the same state; a node that restarts follows on from its last applied
// sequence.
//
// What a stream acknowledgement is worth depends on the server (nats-server 2.9, Debian 12's,
// acknowledges after writing to the page cache and syncs every 2 minutes): the settings that
// make it survive a power cut are in docs/operations.md ("The bus and power loss").
//
//   PG_ASSIGN_OR_RETURN(auto bus, bus::ObservationBus::Connect({.servers = {"nats://n1:4222"},
//                                                             .city = "xuchang"}));
//   PG_ASSIGN_OR_RETURN(uint64_t seq, bus->Publish(payload, "node1-42"));
//   bus->Follow(next, [&](uint64_t seq, std::string_view id, std::string_view payload) {…});
//
// Thread-safety: Publish, Sequences and Follow from any thread; Follow's callback runs on one
// thread of the bus's, in stream order, one message at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace pg::bus {

struct BusOptions {
  std::vector<std::string> servers;  // nats://host:port of the cluster's servers
  std::string city;                  // names the stream and its subject
  // Copies of every message in the cluster (1, 3 or 5); an acknowledgement means a majority
  // holds it.
  int replicas = 1;
  // How long a publish waits for the stream's acknowledgement before it fails (kUnavailable).
  std::chrono::milliseconds publish_timeout{5'000};
  // How long the stream keeps a message: a node away longer than this cannot follow on and
  // must start from another node's checkpoint (docs/operations.md).
  std::chrono::hours max_age{24 * 7};
  // A message published twice with the same id within this window is stored once (a publish
  // retried after a timeout).
  std::chrono::minutes duplicate_window{10};
};

// The stream's name and subject for a city (letters, digits, '_' and '-' kept; others become '_').
std::string StreamName(const std::string& city);
std::string SubjectName(const std::string& city);

class ObservationBus {
 public:
  // Connects (retrying in the background when no server answers yet) and creates the city's
  // stream, or updates it to `options`. Errors: kInvalidArgument for options that cannot work
  // (no servers); kUnavailable when the stream cannot be made within publish_timeout.
  static Result<std::unique_ptr<ObservationBus>> Connect(BusOptions options);
  virtual ~ObservationBus() = default;

  // Appends `payload` to the stream and waits for its acknowledgement; returns its sequence. A
  // publish with an id already stored returns the stored message's sequence. Errors:
  // kUnavailable (not connected, no acknowledgement in time: retry with the same id);
  // kResourceExhausted (the stream is full or the payload too large).
  virtual Result<uint64_t> Publish(std::string_view payload, const std::string& id) = 0;

  // Calls `apply(seq, id, payload)` for every message of the stream from `from_seq` on, in
  // order, now and as they come, also across reconnections, until the bus is destroyed. `id` is
  // the one it was published with. Called again, it starts over from `from_seq` (a follower
  // that stopped delivering after a server of the cluster went away); the earlier subscription
  // may still deliver a message or two meanwhile — the caller checks sequences.
  using Apply = std::function<void(uint64_t seq, std::string_view id, std::string_view payload)>;
  virtual Status Follow(uint64_t from_seq, Apply apply) = 0;

  // The sequences of the stream's oldest and newest messages (both 0 when it is empty; older
  // ones expired). Errors: kUnavailable.
  struct Range {
    uint64_t first = 0;
    uint64_t last = 0;
  };
  virtual Result<Range> Sequences() = 0;

  // Whether the connection to a server is up now.
  virtual bool connected() const = 0;
};

}  // namespace pg::bus
