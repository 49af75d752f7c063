// parkguide sign-controller --broker HOST[:PORT] --city ID --controller ID --sign S1 [--sign …]
//   The reference sign controller (docs/api/signs.md): takes each sign's content from MQTT,
//   prints it as the board would show it, acknowledges it and heart-beats, until SIGINT.
// parkguide sign-key --id ID [--role traffic_centre|admin|controller]
//   Makes a key for the key file: prints the file line, then the key alone on the last line.
//   (Keys stored in the database, with rotation: parkguide key.)
#include <fmt/format.h>

#include <cstdio>
#include <mutex>

#include "api/authorizer.h"
#include "app/app.h"
#include "cli/commands.h"
#include "model/vocabulary.h"
#include "mqtt/client.h"
#include "signs/mqtt_sign_link.h"

namespace pg::cli {
namespace {

std::string_view ArrowGlyph(model::Arrow a) {
  switch (a) {
    case model::Arrow::kNone:
      return " ";
    case model::Arrow::kLeft:
      return "←";
    case model::Arrow::kRight:
      return "→";
    case model::Arrow::kStraight:
      return "↑";
    case model::Arrow::kStraightLeft:
      return "↖";
    case model::Arrow::kStraightRight:
      return "↗";
    case model::Arrow::kUTurn:
      return "↶";
  }
  return " ";
}

// One board as text: "S2-01 seq 12\n  → 春秋广场 Chunqiu Sq      123 (green)\n…".
std::string Board(const std::string& sign, const signs::ReferenceController::Shown& shown) {
  std::string out = fmt::format("{} seq {}\n", sign, shown.seq);
  for (const auto& l : shown.content.lines) {
    out += fmt::format("  {} {} {}  {} / {} ({})\n", ArrowGlyph(l.arrow), l.label.zh, l.label.en,
                       l.text.zh, l.text.en, signs::Name(l.colour));
  }
  return out;
}

}  // namespace

void AddSignControllerCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<signs::MqttReferenceController::Options>();
  auto broker = std::make_shared<std::string>("127.0.0.1:1883");
  auto heartbeat_s = std::make_shared<int>(30);
  CLI::App* cmd = app.add_subcommand("sign-controller",
                                     "Run the reference controller of guidance signs over MQTT");
  cmd->add_option("--broker", *broker, "MQTT broker HOST[:PORT]")->capture_default_str();
  cmd->add_option("--city", options->city, "City id (the topics' parkguide/<city>/…)")->required();
  cmd->add_option("--controller", options->controller_id, "This controller's id")->required();
  cmd->add_option("--sign", options->signs, "A sign it drives (repeat for several)")->required();
  cmd->add_option("--heartbeat", *heartbeat_s, "Seconds between heartbeats")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd->callback([options, broker, heartbeat_s, exit_code] {
    auto address = mqtt::ParseBrokerAddress(*broker);
    if (!address.ok()) {
      *exit_code = Fail(address.status().message());
      return;
    }
    options->mqtt.host = address->first;
    options->mqtt.port = address->second;
    options->heartbeat = std::chrono::seconds(*heartbeat_s);
    app::BlockTerminationSignals();
    auto print_mutex = std::make_shared<std::mutex>();
    auto controller = signs::MqttReferenceController::Start(
        *options,
        [print_mutex](const std::string& sign, const signs::ReferenceController::Shown& s) {
          std::lock_guard lock(*print_mutex);
          std::fputs(Board(sign, s).c_str(), stdout);
          std::fflush(stdout);
        });
    if (!controller.ok()) {
      *exit_code = Fail(controller.status().message());
      return;
    }
    std::fprintf(stderr, "sign-controller %s: %zu signs of %s via %s:%d; Ctrl-C stops\n",
                 options->controller_id.c_str(), options->signs.size(), options->city.c_str(),
                 options->mqtt.host.c_str(), options->mqtt.port);
    app::WaitForTerminationSignal();
    *exit_code = 0;
  });
}

void AddSignKeyCommand(CLI::App& app, int* exit_code) {
  auto id = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>("traffic_centre");
  CLI::App* cmd = app.add_subcommand(
      "sign-key",
      "Make a key for the --keys file: the traffic centre (sign overrides, rules) or a sign "
      "controller (keys in the database: parkguide key)");
  cmd->add_option("--id", *id, "Who holds it: a person's or desk's name, or the controller id")
      ->required();
  cmd->add_option("--role", *role,
                  "traffic_centre, admin or controller ('operator': the old "
                  "name of traffic_centre)")
      ->capture_default_str()
      ->check(CLI::IsMember({"traffic_centre", "admin", "controller", "operator"}));
  cmd->callback([id, role, exit_code] {
    if (*role == "operator") {
      std::fprintf(stderr,
                   "parkguide: note: role 'operator' is now called traffic_centre ('operator' "
                   "means a car-park operator, whose keys are made with parkguide key add)\n");
      *role = "traffic_centre";
    }
    std::string key = api::StaticKeyAuthorizer::NewKey();
    auto entry = api::StaticKeyAuthorizer::KeyFor(*id, *api::ParseRole(*role), key);
    std::printf("# add to the keys file (parkguide serve --keys FILE):\n%s\n%s\n",
                api::StaticKeyAuthorizer::FileLine(entry).c_str(), key.c_str());
    *exit_code = 0;
  });
}

}  // namespace pg::cli
