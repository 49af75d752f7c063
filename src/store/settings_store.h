// The settings' role: small named values that belong with the city's data rather than its
// configuration file — the graph fingerprint, the journal mark, the demo seed, the holiday
// calendar, sign and report state.
//
// Contract (every implementation): a Put replaces the value, in one transaction. Storage faults
// fail a call with kUnavailable and a retry hint (store.h).
//
// Thread-safety: implementations are safe to call from several threads.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"

namespace pg::store {

// Reads settings.
class SettingsReader {
 public:
  virtual ~SettingsReader() = default;

  // The value of `key`; empty optional when unset.
  virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
};

// Writes settings.
class SettingsWriter {
 public:
  virtual ~SettingsWriter() = default;

  // Sets `key` to `value`, replacing what it held.
  virtual Status PutSetting(const std::string& key, const std::string& value) = 0;
};

// Both.
class SettingsStore : public SettingsReader, public SettingsWriter {};

}  // namespace pg::store
