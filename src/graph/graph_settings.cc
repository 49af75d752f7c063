#include "graph/graph_settings.h"

#include <fmt/format.h>

#include <charconv>
#include <string>

namespace pg::graph {

Result<std::optional<uint64_t>> RecordedGraphFingerprint(store::SettingsReader& store) {
  PG_ASSIGN_OR_RETURN(std::optional<std::string> text,
                      store.GetSetting(std::string(kGraphFingerprintSetting)));
  if (!text) return std::optional<uint64_t>();
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value, 16);
  if (ec != std::errc() || ptr != text->data() + text->size() || text->size() != 16) {
    return DataLoss(fmt::format("the database's {} setting '{}' is not a fingerprint",
                                kGraphFingerprintSetting, *text));
  }
  return std::optional<uint64_t>(value);
}

}  // namespace pg::graph
