// What a sign controller sends (signs/controller_messages.h), over HTTP or MQTT: the same bytes
// as an acknowledgement and as a heartbeat. A refusal names its field: seq; body, faults or one
// fault (faults[3]).
#include "fuzz/fuzz_support.h"
#include "signs/controller_messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = pg::fuzz::AsText(data, size);
  auto ack = pg::signs::ParseSignAck(text);
  if (!ack.ok()) pg::fuzz::Check(ack.status().field() == "seq", "a refused ack names seq");
  auto heartbeat = pg::signs::ParseControllerHeartbeat(text);
  if (!heartbeat.ok()) {
    const std::string field = heartbeat.status().field();  // status() is a copy
    pg::fuzz::Check(field == "body" || field.starts_with("faults"),
                    "a refused heartbeat names body or faults (or one of them: faults[3])");
  }
  return 0;
}
