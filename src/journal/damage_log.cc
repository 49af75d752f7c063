#include "journal/damage_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace pg::journal {
namespace {

using nlohmann::json;

constexpr const char* kDamageFile = "damage.json";
constexpr const char* kAcksFile = "acks.json";
constexpr int kFormat = 1;

json ToJson(const Acknowledgement& a) {
  return {
      {"incident", a.incident}, {"by", a.by}, {"note", a.note}, {"time", FormatRfc3339Utc(a.time)}};
}

}  // namespace

json ToJson(const Incident& i) {
  json lost = json::array();
  for (const auto& r : i.lost) lost.push_back({r.first, r.last});
  json files = json::array();
  for (const auto& f : i.files) {
    files.push_back({{"file", f.file},
                     {"offset", f.offset},
                     {"bytes", f.bytes},
                     {"why", f.why},
                     {"quarantine", f.quarantine}});
  }
  json out{{"id", i.id},
           {"detected", FormatRfc3339Utc(i.detected)},
           {"severity", i.severity},
           {"summary", i.summary},
           {"lost", std::move(lost)},
           {"lost_records", i.lost_records()},
           {"records_after", i.records_after},
           {"files", std::move(files)}};
  if (i.acknowledged) out["acknowledged"] = ToJson(*i.acknowledged);
  return out;
}

namespace {

Timestamp TimeIn(const json& j, const char* member) {
  auto t = ParseRfc3339(j.value(member, std::string()));
  return t.ok() ? *t : Timestamp{};
}

Incident IncidentFromJson(const json& j) {
  Incident i;
  i.id = j.value("id", int64_t{0});
  i.detected = TimeIn(j, "detected");
  i.severity = j.value("severity", std::string("loss"));
  i.summary = j.value("summary", std::string());
  for (const auto& r : j.value("lost", json::array())) {
    if (r.is_array() && r.size() == 2)
      i.lost.push_back({r[0].get<uint64_t>(), r[1].get<uint64_t>()});
  }
  i.records_after = j.value("records_after", uint64_t{0});
  for (const auto& f : j.value("files", json::array())) {
    i.files.push_back({f.value("file", std::string()), f.value("offset", uint64_t{0}),
                       f.value("bytes", uint64_t{0}), f.value("why", std::string()),
                       f.value("quarantine", std::string())});
  }
  return i;
}

Acknowledgement AckFromJson(const json& j) {
  return {j.value("incident", int64_t{0}), j.value("by", std::string()),
          j.value("note", std::string()), TimeIn(j, "time")};
}

// The member `list` of the JSON document in `dir`/`name`; empty when the file is missing.
Result<json> ReadList(FileSystem& fs, const std::string& dir, const char* name, const char* list) {
  std::string path = dir + "/" + name;
  auto text = fs.ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return json::array();
    return text.status();
  }
  try {
    json doc = json::parse(*text);
    if (doc.is_object() && doc.value("format", 0) == kFormat && doc.contains(list) &&
        doc[list].is_array()) {
      return doc[list];
    }
  } catch (const json::exception&) {
  }
  return DataLoss(
      fmt::format("'{}' is not a journal damage log of format {}; move it aside to start a new one",
                  path, kFormat));
}

Status WriteList(FileSystem& fs, const std::string& dir, const char* name, const char* list,
                 json items) {
  json doc{{"format", kFormat}, {list, std::move(items)}};
  return fs.WriteFileAtomic(dir + "/" + name,
                            doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace

uint64_t Incident::lost_records() const {
  uint64_t n = 0;
  for (const auto& r : lost) n += r.count();
  return n;
}

Result<DamageLog> DamageLog::Load(FileSystem& fs, const std::string& dir) {
  DamageLog log;
  PG_ASSIGN_OR_RETURN(json incidents, ReadList(fs, dir, kDamageFile, "incidents"));
  PG_ASSIGN_OR_RETURN(json acks, ReadList(fs, dir, kAcksFile, "acks"));
  try {
    for (const auto& j : incidents) log.incidents_.push_back(IncidentFromJson(j));
    for (const auto& j : acks) log.acks_.push_back(AckFromJson(j));
  } catch (const json::exception& e) {
    return DataLoss(fmt::format("journal damage log in '{}' cannot be read: {}", dir, e.what()));
  }
  for (const auto& a : log.acks_) {
    for (auto& i : log.incidents_) {
      bool covers = a.incident == i.id || (a.incident == 0 && i.detected <= a.time);
      if (covers && !i.acknowledged) i.acknowledged = a;
    }
  }
  return log;
}

Status DamageLog::Record(FileSystem& fs, const std::string& dir, Incident incident) {
  incident.id = incidents_.empty() ? 1 : incidents_.back().id + 1;
  incident.acknowledged.reset();
  incidents_.push_back(std::move(incident));
  json items = json::array();
  for (const auto& i : incidents_) {
    json j = ToJson(i);
    j.erase("acknowledged");  // acks.json's fact, not this file's
    items.push_back(std::move(j));
  }
  return WriteList(fs, dir, kDamageFile, "incidents", std::move(items));
}

Status DamageLog::Acknowledge(FileSystem& fs, const std::string& dir, Acknowledgement ack) {
  bool any = false;
  for (auto& i : incidents_) {
    if (ack.incident != 0 && i.id != ack.incident) continue;
    if (ack.incident != 0 && i.acknowledged) {
      return FailedPrecondition(fmt::format("incident {} was acknowledged already by {} at {}",
                                            i.id, i.acknowledged->by,
                                            FormatRfc3339Utc(i.acknowledged->time)));
    }
    if (!i.acknowledged) {
      i.acknowledged = ack;
      any = true;
    }
  }
  if (ack.incident != 0 && !any) {
    return NotFound(fmt::format("the journal has no incident {}", ack.incident), "incident");
  }
  if (!any) return FailedPrecondition("the journal has no unacknowledged incident");
  acks_.push_back(ack);
  json items = json::array();
  for (const auto& a : acks_) items.push_back(ToJson(a));
  return WriteList(fs, dir, kAcksFile, "acks", std::move(items));
}

std::vector<Incident> DamageLog::Unacknowledged() const {
  std::vector<Incident> out;
  for (const auto& i : incidents_) {
    if (!i.acknowledged) out.push_back(i);
  }
  return out;
}

std::vector<SeqRange> DamageLog::KnownLost() const {
  std::vector<SeqRange> out;
  for (const auto& i : incidents_) out.insert(out.end(), i.lost.begin(), i.lost.end());
  std::sort(out.begin(), out.end(),
            [](const SeqRange& a, const SeqRange& b) { return a.first < b.first; });
  return out;
}

std::vector<SeqRange> Subtract(SeqRange gap, const std::vector<SeqRange>& known) {
  std::vector<SeqRange> out;
  uint64_t next = gap.first;
  for (const auto& k : known) {  // sorted by first
    if (k.last < next || k.first > gap.last) continue;
    if (k.first > next) out.push_back({next, k.first - 1});
    next = std::max(next, k.last + 1);
    if (next > gap.last) return out;
  }
  if (next <= gap.last) out.push_back({next, gap.last});
  return out;
}

}  // namespace pg::journal
