#include "ingest/core/observation_parser.h"

#include <fmt/format.h>

#include <simdjson.h>

#include "model/vocabulary.h"

namespace pg::ingest {
namespace {

// The DOM parser rather than On-Demand: its kernel (AVX2, SSE4.2 or fallback) is chosen at run
// time, while On-Demand's is fixed at compile time and would be the slow fallback in a build
// without -march flags. Parsing a 10,000-item batch is still a small part of the request.
namespace dom = simdjson::dom;

// What one object said, before validation: values as raw as the wire gave them.
struct RawItem {
  std::optional<std::string> type, time, facility, bay, charger, status, cls, source;
  std::optional<int64_t> free, occupied_count, count, connector, seq, boot;
  std::optional<bool> occupied_flag;
  std::vector<std::pair<std::string, std::string>> type_errors;  // field, reason
  bool any = false;
};

// Reads one member into `raw`. Returns false on a JSON syntax error (the document is broken).
bool ReadMember(std::string_view key, dom::element value, RawItem& raw) {
  raw.any = true;
  auto read_string = [&](std::optional<std::string>& out) {
    std::string_view s;
    auto err = value.get_string().get(s);
    if (err == simdjson::INCORRECT_TYPE) {
      raw.type_errors.emplace_back(key, "must be a string");
      return true;
    }
    if (err) return false;
    out = std::string(s);
    return true;
  };
  auto read_int = [&](std::optional<int64_t>& out) {
    int64_t v = 0;
    auto err = value.get_int64().get(v);
    if (err == simdjson::INCORRECT_TYPE || err == simdjson::NUMBER_OUT_OF_RANGE ||
        err == simdjson::NUMBER_ERROR) {
      raw.type_errors.emplace_back(key, "must be a whole number");
      return true;
    }
    if (err) return false;
    out = v;
    return true;
  };
  if (key == "type") return read_string(raw.type);
  if (key == "time") return read_string(raw.time);
  if (key == "facility") return read_string(raw.facility);
  if (key == "bay") return read_string(raw.bay);
  if (key == "charger") return read_string(raw.charger);
  if (key == "status") return read_string(raw.status);
  if (key == "class") return read_string(raw.cls);
  if (key == "source") return read_string(raw.source);
  if (key == "free") return read_int(raw.free);
  if (key == "count") return read_int(raw.count);
  if (key == "connector") return read_int(raw.connector);
  if (key == "seq") return read_int(raw.seq);
  if (key == "boot") return read_int(raw.boot);
  if (key == "occupied") {
    // An integer for counts, a boolean for bays.
    if (value.type() == dom::element_type::BOOL) {
      bool b = false;
      if (value.get_bool().get(b)) return false;
      raw.occupied_flag = b;
      return true;
    }
    return read_int(raw.occupied_count);
  }
  return true;  // unknown members are ignored
}

constexpr int64_t kMaxCount = 1'000'000;

// Validates `raw` into `out`, adding every problem to `errors`.
void Finish(const RawItem& raw, size_t index, const ParseOptions& options, ParsedBatch& batch) {
  model::Observation& out = batch.observations.emplace_back();
  auto error = [&](std::string field, std::string reason) {
    batch.errors.push_back({index, std::move(field), std::move(reason)});
  };
  for (const auto& [field, reason] : raw.type_errors) error(field, reason);
  out.source = options.source;
  if (raw.source && *raw.source != options.source.str()) {
    error("source", fmt::format("'{}' is not the source of this key ('{}')", *raw.source,
                                options.source.str()));
  }
  std::optional<model::ObservationType> type;
  if (!raw.type) {
    if (!raw.any || std::none_of(raw.type_errors.begin(), raw.type_errors.end(),
                                 [](const auto& e) { return e.first == "type"; })) {
      error("type", "required: one of " + model::AllowedNames<model::ObservationType>());
    }
  } else {
    type = model::Parse<model::ObservationType>(*raw.type);
    if (!type) {
      error("type", fmt::format("'{}' is not one of: {}", *raw.type,
                                model::AllowedNames<model::ObservationType>()));
    }
  }
  if (!raw.time) {
    error("time", "required: RFC 3339 with an offset");
  } else {
    auto t = ParseRfc3339(*raw.time);
    if (!t.ok()) {
      error("time", t.status().message());
    } else if (*t > options.now + options.max_future) {
      error("time", fmt::format("'{}' is more than {} s in the future", *raw.time,
                                options.max_future.count()));
      batch.ahead_of_clock = std::max(batch.ahead_of_clock, *t - options.now);
    } else {
      out.time = *t;
    }
  }
  // Both within JSON's exact integers: a larger one would also put the source's counter out
  // of reach of its real values (docs/api/ingest.md, "Sequence numbers").
  auto sequence_field = [&](const char* field, int64_t v) -> std::optional<int64_t> {
    if (v < 0 || v > model::kMaxSeq) {
      error(field, fmt::format("{} is not in 0–{} (2^53 − 1, the largest integer JSON carries "
                               "exactly)",
                               v, model::kMaxSeq));
      return std::nullopt;
    }
    return v;
  };
  if (raw.seq) out.seq = sequence_field("seq", *raw.seq);
  if (raw.boot) {
    out.boot = sequence_field("boot", *raw.boot);
    if (!raw.seq && std::none_of(raw.type_errors.begin(), raw.type_errors.end(),
                                 [](const auto& e) { return e.first == "seq"; })) {
      error("boot", "only with \"seq\": boot numbers the runs of a source's seq counter");
    }
  }
  if (!type) return;
  out.type = *type;
  auto target = [&](const char* field, const std::optional<std::string>& value) {
    if (!value || value->empty()) {
      error(field, "required: the id of the " + std::string(field));
    } else {
      out.target = *value;
    }
  };
  auto count_field = [&](const char* field, int64_t v) -> std::optional<int> {
    if (v < -kMaxCount || v > kMaxCount) {
      error(field, fmt::format("{} is not a plausible count", v));
      return std::nullopt;
    }
    return static_cast<int>(v);
  };
  switch (*type) {
    case model::ObservationType::kFacilityCount:
      target("facility", raw.facility);
      if (raw.occupied_flag) error("occupied", "must be a whole number for a facility_count");
      if (!raw.free && !raw.occupied_count &&
          std::none_of(raw.type_errors.begin(), raw.type_errors.end(),
                       [](const auto& e) { return e.first == "free" || e.first == "occupied"; })) {
        error("free", "a facility_count needs free or occupied");
      }
      if (raw.free) out.free = count_field("free", *raw.free);
      if (raw.occupied_count) out.occupied = count_field("occupied", *raw.occupied_count);
      if (raw.cls) {
        out.category = model::Parse<model::SpaceCategory>(*raw.cls);
        if (!out.category) {
          error("class", fmt::format("'{}' is not one of: {}", *raw.cls,
                                     model::AllowedNames<model::SpaceCategory>()));
        }
      }
      break;
    case model::ObservationType::kEntry:
    case model::ObservationType::kExit:
      target("facility", raw.facility);
      if (raw.count) {
        if (*raw.count < 1 || *raw.count > 10'000) {
          error("count", "must be 1–10000");
        } else {
          out.count = static_cast<int>(*raw.count);
        }
      }
      break;
    case model::ObservationType::kBay:
      target("bay", raw.bay);
      if (!raw.occupied_flag) {
        error("occupied",
              raw.occupied_count ? "must be true or false for a bay" : "required: true or false");
      } else {
        out.bay_occupied = *raw.occupied_flag;
      }
      break;
    case model::ObservationType::kCharger: {
      target("charger", raw.charger);
      if (raw.connector) {
        if (*raw.connector < 0 || *raw.connector > 255) {
          error("connector", "must be 0–255 (0: the whole charger)");
        } else {
          out.connector = static_cast<int>(*raw.connector);
        }
      }
      auto status = raw.status ? model::Parse<model::ChargerStatus>(*raw.status) : std::nullopt;
      if (!status) {
        error("status", fmt::format("{}: one of {} (OCPP 1.6)",
                                    raw.status ? "'" + *raw.status + "' is not valid" : "required",
                                    model::AllowedNames<model::ChargerStatus>()));
      } else {
        out.charger_status = *status;
      }
      break;
    }
    case model::ObservationType::kFacilityStatus: {
      target("facility", raw.facility);
      auto status = raw.status ? model::Parse<model::FacilityStatus>(*raw.status) : std::nullopt;
      if (!status) {
        error("status", fmt::format("{}: one of {}",
                                    raw.status ? "'" + *raw.status + "' is not valid" : "required",
                                    model::AllowedNames<model::FacilityStatus>()));
      } else {
        out.facility_status = *status;
      }
      break;
    }
  }
}

Status SyntaxError(simdjson::error_code err) {
  return InvalidArgument(
      fmt::format("the body is not valid JSON: {}", simdjson::error_message(err)));
}

// Parses the items of an array into `batch`.
Status ParseArray(dom::array array, const ParseOptions& options, ParsedBatch& batch) {
  if (array.size() > options.max_items) {
    return Status(StatusCode::kResourceExhausted,
                  fmt::format("a batch holds at most {} observations; this one has {}",
                              options.max_items, array.size()),
                  "observations");
  }
  batch.observations.reserve(array.size());
  size_t index = 0;
  for (dom::element element : array) {
    RawItem raw;
    dom::object object;
    if (element.get_object().get(object)) {
      batch.errors.push_back({index, "", "must be an object"});
      batch.observations.emplace_back();
      ++index;
      continue;
    }
    for (dom::key_value_pair field : object) {
      if (!ReadMember(field.key, field.value, raw)) {
        return InvalidArgument("the body is not valid JSON");
      }
    }
    Finish(raw, index, options, batch);
    ++index;
  }
  return Status::Ok();
}

}  // namespace

Result<std::optional<std::string>> FindRootKey(std::string_view json) {
  namespace od = simdjson::ondemand;
  // The parser keeps buffers as large as the largest document it read: reuse one only for
  // small messages, so a rare large one does not pin its memory to the thread.
  constexpr size_t kReusedUpTo = size_t{64} << 10;
  thread_local od::parser small_parser;
  od::parser large_parser;
  od::parser& parser = json.size() <= kReusedUpTo ? small_parser : large_parser;
  simdjson::padded_string padded(json);
  od::document doc;
  if (auto err = parser.iterate(padded).get(doc)) return SyntaxError(err);
  od::json_type type;
  if (auto err = doc.type().get(type)) return SyntaxError(err);
  if (type != od::json_type::object) return std::optional<std::string>();
  od::object root;
  if (auto err = doc.get_object().get(root)) return SyntaxError(err);
  for (auto field : root) {
    std::string_view name;
    if (auto err = field.unescaped_key().get(name)) return SyntaxError(err);
    if (name != "key") continue;
    std::string_view key;
    if (field.value().get_string().get(key)) return InvalidArgument("must be a string", "key");
    return std::optional<std::string>(std::string(key));
  }
  return std::optional<std::string>();
}

std::string ItemError::Name() const {
  return field.empty() ? fmt::format("observations[{}]", index)
                       : fmt::format("observations[{}].{}", index, field);
}

Result<ParsedBatch> ParseObservations(std::string_view json, const ParseOptions& options) {
  thread_local dom::parser parser;
  thread_local std::string buffer;
  buffer.assign(json);
  buffer.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  ParsedBatch batch;
  dom::element doc;
  if (auto err = parser.parse(buffer.data(), buffer.size(), /*realloc_if_needed=*/false).get(doc)) {
    return SyntaxError(err);
  }
  if (doc.type() == dom::element_type::ARRAY) {
    dom::array array;
    if (auto err = doc.get_array().get(array)) return SyntaxError(err);
    PG_RETURN_IF_ERROR(ParseArray(array, options, batch));
  } else if (doc.type() == dom::element_type::OBJECT) {
    RawItem single;
    bool have_array = false;
    // Named, not a temporary: the range-for must not outlive what it iterates.
    dom::object root;
    if (auto err = doc.get_object().get(root)) return SyntaxError(err);
    for (dom::key_value_pair field : root) {
      if (field.key == "observations") {
        dom::array array;
        if (field.value.get_array().get(array)) {
          return InvalidArgument("must be an array of observations", "observations");
        }
        PG_RETURN_IF_ERROR(ParseArray(array, options, batch));
        have_array = true;
      } else if (field.key == "key") {
        std::string_view k;
        if (field.value.get_string().get(k)) return InvalidArgument("must be a string", "key");
        batch.key = std::string(k);
      } else if (!ReadMember(field.key, field.value, single)) {
        return InvalidArgument("the body is not valid JSON");
      }
    }
    if (!have_array) {
      if (!single.type) {
        return InvalidArgument("expected {\"observations\": [...]} or one observation object",
                               "observations");
      }
      Finish(single, 0, options, batch);
    }
  } else {
    return InvalidArgument("expected {\"observations\": [...]}", "observations");
  }
  if (batch.observations.empty() && batch.errors.empty()) {
    return InvalidArgument("the batch is empty", "observations");
  }
  return batch;
}

std::string ToWireJson(std::span<const model::Observation> observations) {
  std::string out = R"({"observations":[)";
  out.reserve(observations.size() * 110 + 20);
  for (size_t i = 0; i < observations.size(); ++i) {
    const model::Observation& o = observations[i];
    if (i) out.push_back(',');
    const char* target_field = "facility";
    if (o.type == model::ObservationType::kBay) target_field = "bay";
    if (o.type == model::ObservationType::kCharger) target_field = "charger";
    // Ids are quoted by nlohmann-free escaping: ids are validated printable text, but escape
    // quotes and backslashes all the same.
    std::string target;
    for (char c : o.target) {
      if (c == '"' || c == '\\') target.push_back('\\');
      target.push_back(c);
    }
    out += fmt::format(R"({{"type":"{}","{}":"{}","time":"{}")", model::Name(o.type), target_field,
                       target, FormatRfc3339Utc(o.time));
    if (o.seq) out += fmt::format(R"(,"seq":{})", *o.seq);
    if (o.boot) out += fmt::format(R"(,"boot":{})", *o.boot);
    switch (o.type) {
      case model::ObservationType::kFacilityCount:
        if (o.free) out += fmt::format(R"(,"free":{})", *o.free);
        if (o.occupied) out += fmt::format(R"(,"occupied":{})", *o.occupied);
        if (o.category) out += fmt::format(R"(,"class":"{}")", model::Name(*o.category));
        break;
      case model::ObservationType::kEntry:
      case model::ObservationType::kExit:
        out += fmt::format(R"(,"count":{})", o.count);
        break;
      case model::ObservationType::kBay:
        out += o.bay_occupied ? R"(,"occupied":true)" : R"(,"occupied":false)";
        break;
      case model::ObservationType::kCharger:
        out += fmt::format(R"(,"connector":{},"status":"{}")", o.connector,
                           model::Name(o.charger_status));
        break;
      case model::ObservationType::kFacilityStatus:
        out += fmt::format(R"(,"status":"{}")", model::Name(o.facility_status));
        break;
    }
    out.push_back('}');
  }
  out += "]}";
  return out;
}

}  // namespace pg::ingest
