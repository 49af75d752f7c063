#include "ingest/core/observation_parser.h"

#include <fmt/format.h>

#include <simdjson.h>

#include "core/text_bounds.h"
#include "model/validation.h"
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
    // Every string of an observation is an id, a word or a time: none is longer (and a longer
    // one is neither kept nor repeated in the refusal).
    if (s.size() > kMaxWordChars && CountChars(s) > kMaxWordChars) {
      raw.type_errors.emplace_back(key, fmt::format("is longer than {} characters", kMaxWordChars));
      return true;
    }
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

// Validates one item's raw values into an observation, adding every problem to the batch.
class ItemChecker {
 public:
  ItemChecker(const RawItem& raw, size_t index, const ParseOptions& options, ParsedBatch& batch)
      : raw_(raw),
        index_(index),
        options_(options),
        batch_(batch),
        out_(batch.observations.emplace_back()) {}

  void Check() {
    for (const auto& [field, reason] : raw_.type_errors) Error(field, reason);
    out_.source = options_.source;
    CheckSource();
    std::optional<model::ObservationType> type = CheckType();
    CheckTime();
    CheckSequence();
    if (!type) return;
    out_.type = *type;
    switch (*type) {
      case model::ObservationType::kFacilityCount:
        return CheckFacilityCount();
      case model::ObservationType::kEntry:
      case model::ObservationType::kExit:
        return CheckEntryOrExit();
      case model::ObservationType::kBay:
        return CheckBay();
      case model::ObservationType::kCharger:
        return CheckCharger();
      case model::ObservationType::kFacilityStatus:
        return CheckFacilityStatus();
    }
  }

 private:
  void Error(std::string field, std::string reason) {
    batch_.errors.push_back({index_, std::move(field), std::move(reason)});
  }
  // True when the wire gave `field` with a wrong JSON type (already reported).
  bool Mistyped(std::string_view field) const {
    return std::any_of(raw_.type_errors.begin(), raw_.type_errors.end(),
                       [&](const auto& e) { return e.first == field; });
  }

  void CheckSource() {
    if (raw_.source && *raw_.source != options_.source.str()) {
      Error("source", fmt::format("'{}' is not the source of this key ('{}')", *raw_.source,
                                  options_.source.str()));
    }
  }

  std::optional<model::ObservationType> CheckType() {
    if (!raw_.type) {
      if (!raw_.any || !Mistyped("type")) {
        Error("type", "required: one of " + model::AllowedNames<model::ObservationType>());
      }
      return std::nullopt;
    }
    auto type = model::Parse<model::ObservationType>(*raw_.type);
    if (!type) {
      Error("type", fmt::format("'{}' is not one of: {}", *raw_.type,
                                model::AllowedNames<model::ObservationType>()));
    }
    return type;
  }

  void CheckTime() {
    if (!raw_.time) {
      if (!Mistyped("time")) Error("time", "required: RFC 3339 with an offset");
      return;
    }
    auto t = ParseRfc3339(*raw_.time);
    if (!t.ok()) return Error("time", t.status().message());
    if (*t > options_.now + options_.max_future) {
      Error("time", fmt::format("'{}' is more than {} s in the future", *raw_.time,
                                options_.max_future.count()));
      batch_.ahead_of_clock = std::max(batch_.ahead_of_clock, *t - options_.now);
      return;
    }
    out_.time = *t;
  }

  // Both within JSON's exact integers: a larger one would also put the source's counter out
  // of reach of its real values (docs/api/ingest.md, "Sequence numbers").
  std::optional<int64_t> SequenceField(const char* field, int64_t v) {
    if (v >= 0 && v <= model::kMaxSeq) return v;
    Error(field, fmt::format("{} is not in 0–{} (2^53 − 1, the largest integer JSON carries "
                             "exactly)",
                             v, model::kMaxSeq));
    return std::nullopt;
  }

  void CheckSequence() {
    if (raw_.seq) out_.seq = SequenceField("seq", *raw_.seq);
    if (!raw_.boot) return;
    out_.boot = SequenceField("boot", *raw_.boot);
    if (!raw_.seq && !Mistyped("seq")) {
      Error("boot", "only with \"seq\": boot numbers the runs of a source's seq counter");
    }
  }

  void Target(const char* field, const std::optional<std::string>& value) {
    if (!value || value->empty()) {
      if (!Mistyped(field)) Error(field, "required: the id of the " + std::string(field));
      return;
    }
    if (Status s = model::ValidateId(*value, field); !s.ok()) return Error(field, s.message());
    out_.target = *value;
  }

  std::optional<int> CountField(const char* field, int64_t v) {
    if (v >= -kMaxCount && v <= kMaxCount) return static_cast<int>(v);
    Error(field, fmt::format("{} is not a plausible count", v));
    return std::nullopt;
  }

  void CheckFacilityCount() {
    Target("facility", raw_.facility);
    if (raw_.occupied_flag) Error("occupied", "must be a whole number for a facility_count");
    if (!raw_.free && !raw_.occupied_count && !Mistyped("free") && !Mistyped("occupied")) {
      Error("free", "a facility_count needs free or occupied");
    }
    if (raw_.free) out_.free = CountField("free", *raw_.free);
    if (raw_.occupied_count) out_.occupied = CountField("occupied", *raw_.occupied_count);
    if (!raw_.cls) return;
    out_.category = model::Parse<model::SpaceCategory>(*raw_.cls);
    if (!out_.category) {
      Error("class", fmt::format("'{}' is not one of: {}", *raw_.cls,
                                 model::AllowedNames<model::SpaceCategory>()));
    }
  }

  void CheckEntryOrExit() {
    Target("facility", raw_.facility);
    if (!raw_.count) return;
    if (*raw_.count < 1 || *raw_.count > 10'000) return Error("count", "must be 1–10000");
    out_.count = static_cast<int>(*raw_.count);
  }

  void CheckBay() {
    Target("bay", raw_.bay);
    if (!raw_.occupied_flag) {
      return Error("occupied", raw_.occupied_count ? "must be true or false for a bay"
                                                   : "required: true or false");
    }
    out_.bay_occupied = *raw_.occupied_flag;
  }

  // The status word of a charger or facility status, or an error naming the allowed words.
  template <typename Word>
  std::optional<Word> StatusWord(const char* vocabulary_note) {
    auto status = raw_.status ? model::Parse<Word>(*raw_.status) : std::nullopt;
    if (!status && !Mistyped("status")) {
      Error("status", fmt::format("{}: one of {}{}",
                                  raw_.status ? "'" + *raw_.status + "' is not valid" : "required",
                                  model::AllowedNames<Word>(), vocabulary_note));
    }
    return status;
  }

  void CheckCharger() {
    Target("charger", raw_.charger);
    if (raw_.connector) {
      if (*raw_.connector < 0 || *raw_.connector > 255) {
        Error("connector", "must be 0–255 (0: the whole charger)");
      } else {
        out_.connector = static_cast<int>(*raw_.connector);
      }
    }
    if (auto status = StatusWord<model::ChargerStatus>(" (OCPP 1.6)"))
      out_.charger_status = *status;
  }

  void CheckFacilityStatus() {
    Target("facility", raw_.facility);
    if (auto status = StatusWord<model::FacilityStatus>("")) out_.facility_status = *status;
  }

  const RawItem& raw_;
  const size_t index_;
  const ParseOptions& options_;
  ParsedBatch& batch_;
  model::Observation& out_;
};

// Validates `raw` into the batch's next observation, adding every problem to its errors.
void Finish(const RawItem& raw, size_t index, const ParseOptions& options, ParsedBatch& batch) {
  ItemChecker(raw, index, options, batch).Check();
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
        // The first, as FindRootKey authenticates a message with: a repeated "key" must not
        // name another key than the one checked.
        if (!batch.key) batch.key = std::string(k);
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
    // Ids are quoted by nlohmann-free escaping. A registry id is printable text, but a parsed
    // observation's target is whatever the client sent (the registry refuses it later), control
    // characters included: JSON must have those escaped.
    std::string target;
    for (char c : o.target) {
      if (static_cast<unsigned char>(c) < 0x20) {
        target += fmt::format("\\u{:04x}", static_cast<int>(c));
        continue;
      }
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
