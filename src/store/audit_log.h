// The audit log's role: every change people make to the city through the API or the command
// line — who (the key's name and role), what (the action and its target, the request, the state
// before and after), when, from where, and how it ended (docs/api/roles.md, "Audit log").
//
// Contract (every implementation): append-only — entries are never changed or deleted; an
// Append of several entries is one transaction. The store never keeps a credential: request,
// before, after and outcome go through RedactSecrets (core/redact.h) on the way in, each cut to
// 64 KiB first. Storage faults fail a call with kUnavailable and a retry hint (store.h).
//
// Thread-safety: implementations are safe to call from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace pg::store {

struct AuditEntry {
  int64_t id = 0;  // assigned by the store, increasing
  Timestamp time;
  std::string actor;   // the key's name ("duty-officer"), or "cli:<user>" for the command line
  std::string role;    // "operator", "traffic_centre", "admin", "controller", or "cli"
  std::string remote;  // the caller's address; "local" for the command line
  // "POST /api/v1/signs/{id}/override" (the method and the route's pattern) or a command
  // ("key rotate").
  std::string action;
  std::string target;   // "sign:S1", "facility:F1", "key:acme", "source:gw", "sign-rules"…
  std::string request;  // JSON: the request body or the command's options ("" when none)
  std::string before;   // JSON: the state the action changes, before it ("" when not known)
  std::string after;    // JSON: the same state after it
  std::string outcome;  // "201 Created", "404 Not Found: id: no sign 'S9'", "ok"
};

struct AuditQuery {
  std::optional<Timestamp> since;  // entries at or after
  std::string actor;               // only this actor's ("" for everyone's)
  int limit = 100;                 // at most this many, the newest
};

// Reads the audit log (GET /api/v1/audit, `parkguide audit`, the dashboard).
class AuditReader {
 public:
  virtual ~AuditReader() = default;

  // The newest entries matching `query`, newest first.
  virtual Result<std::vector<AuditEntry>> LoadAudit(const AuditQuery& query) = 0;
};

// Appends to the audit log (the API's audit trail, the command line).
class AuditWriter {
 public:
  virtual ~AuditWriter() = default;

  // Appends `entries` in order, in one transaction (their ids are ignored).
  virtual Status AppendAudit(std::span<const AuditEntry> entries) = 0;
};

// Both.
class AuditLog : public AuditReader, public AuditWriter {};

}  // namespace pg::store
