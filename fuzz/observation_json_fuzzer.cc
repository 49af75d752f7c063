// The observation wire format (SPEC §9) as HTTP and MQTT bring it: ParseObservations and
// FindRootKey on any bytes; a batch accepted whole must read back equal from ToWireJson.
#include "fuzz/fuzz_support.h"
#include "ingest/core/observation_parser.h"

namespace pg::ingest {
namespace {

ParseOptions Options() {
  ParseOptions options;
  options.source = model::SourceId("fuzz");
  options.now = FromUnixMillis(1'795'000'000'000);  // 2026-11-19
  options.max_items = 200;
  return options;
}

}  // namespace
}  // namespace pg::ingest

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pg::ingest;
  const std::string_view text = pg::fuzz::AsText(data, size);
  (void)FindRootKey(text);
  const ParseOptions options = Options();
  auto batch = ParseObservations(text, options);
  if (!batch.ok()) return 0;
  for (const ItemError& e : batch->errors) (void)e.Name();
  if (!batch->errors.empty()) return 0;
  auto again = ParseObservations(ToWireJson(batch->observations), options);
  pg::fuzz::Check(again.ok() && again->errors.empty(), "ToWireJson of a parsed batch parses");
  pg::fuzz::Check(again->observations == batch->observations,
                  "ToWireJson of a parsed batch reads back equal");
  return 0;
}
