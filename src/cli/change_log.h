// The audit log's entries of the commands that change the city (store/audit_log.h): key and
// source changes, registry imports. The actor is "cli:<login name>", the role "cli", the address
// "local": whoever can run parkguide on the city's file is an administrator by that fact.
//
//   RecordChange(*store, "key rotate", "key:" + name, {{"overlap", "24h"}}, before, after, "ok");
//
// A failure to record is reported on stderr and does not fail the command (the change is made).
//
// Thread-safety: from the command's one thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/time.h"
#include "store/audit_log.h"
#include "store/registry_store.h"

namespace pg::cli {

// Appends one entry now; `before` and `after` may be null (not known).
void RecordChange(store::AuditWriter& store, const std::string& action, const std::string& target,
                  const nlohmann::json& request, const nlohmann::json& before,
                  const nlohmann::json& after, const std::string& outcome);

// The city's time zone, for the times the audit log's JSON shows (UTC when the city has none).
const date::time_zone& CityZone(store::RegistryReader& store);

}  // namespace pg::cli
