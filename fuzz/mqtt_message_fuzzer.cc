// An MQTT observation message as the subscriber takes it: the first line is the topic (checked
// against parkguide/<city>/obs/<source>), the rest the payload — its root "key" found first, as
// for authentication, then the observations parsed.
#include "fuzz/fuzz_support.h"
#include "ingest/core/observation_parser.h"
#include "ingest/mqtt/mqtt_subscriber.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pg::ingest;
  constexpr std::string_view kPrefix = "parkguide/demo/obs/";
  auto [topic, payload] = pg::fuzz::SplitFirstLine(pg::fuzz::AsText(data, size));
  std::optional<std::string_view> source = TopicSource(topic, kPrefix);
  if (source) {
    pg::fuzz::Check(!source->empty() && source->find('/') == std::string_view::npos &&
                        std::string(kPrefix) + std::string(*source) == topic,
                    "a topic's source is its one segment after the prefix");
  }
  auto key = FindRootKey(payload);
  ParseOptions options;
  options.source = pg::model::SourceId(source ? std::string(*source) : "fuzz");
  options.now = pg::FromUnixMillis(1'795'000'000'000);
  options.max_items = 200;
  auto batch = ParseObservations(payload, options);
  if (key.ok() && batch.ok()) {
    pg::fuzz::Check(*key == batch->key, "FindRootKey finds the key ParseObservations returns");
  }
  return 0;
}
