#include "ingest/core/source_keys.h"

#include <fmt/format.h>

#include <algorithm>

#include "model/validation.h"

namespace pg::ingest {
namespace {

template <typename Entries, typename Ids>
Status AllExist(const Entries& entries, const Ids& ids, std::string_view kind) {
  for (const auto& id : ids) {
    const bool found = std::any_of(entries.begin(), entries.end(),
                                   [&](const auto& e) { return e.id.str() == id.str(); });
    if (!found) {
      return InvalidArgument(fmt::format("no {} '{}' in this city", kind, id.str()), "scope");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<IssuedKey> AddSourceWithKey(const model::Source& source, const ScopeTargets& city,
                                   store::SourceWriter& store, Timestamp now) {
  for (const Status& s : model::Validate(source)) return s;
  PG_RETURN_IF_ERROR(AllExist(city.facilities, source.scope.facilities, "facility"));
  PG_RETURN_IF_ERROR(AllExist(city.bays, source.scope.bays, "bay"));
  PG_RETURN_IF_ERROR(AllExist(city.chargers, source.scope.chargers, "charger"));
  IssuedKey key = IssueKey();
  PG_RETURN_IF_ERROR(store.AddSource(store::SourceRecord{source, key.stored, now}));
  return key;
}

}  // namespace pg::ingest
