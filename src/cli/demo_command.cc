// parkguide demo [--db PATH] [--port N]: the built-in demo city with live simulated feeds.
#include "app/app.h"
#include "cli/city_access.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/log.h"
#include "demo/demo_city.h"

namespace pg::cli {

void AddDemoCommand(CLI::App& app, int* exit_code) {
  auto config = std::make_shared<app::AppConfig>();
  config->db_path = "demo-data/demo.db";
  config->simulate = true;
  auto history_days = std::make_shared<int>(28);
  CLI::App* cmd = app.add_subcommand(
      "demo", "Run the built-in demo city (fictional) with live simulated feeds");
  cmd->add_option("--db", config->db_path, "Demo database; generated on first start")
      ->capture_default_str();
  AddListenOptions(*cmd, *config);
  cmd->add_option("--mqtt", config->mqtt_broker,
                  "MQTT broker HOST[:PORT]: observations in, the guidance signs' contents out")
      ->envname("PARKGUIDE_MQTT");
  cmd->add_option(
         "--keys", config->keys_file,
         "Key file of the traffic centre and sign controllers (docs/api/roles.md); role keys "
         "in the database need none (parkguide key)")
      ->check(CLI::ExistingFile);
  auto quiet = std::make_shared<bool>(false);
  cmd->add_flag("--quiet", *quiet,
                "No progress of the backfill on the terminal (there is none when stderr is not a "
                "terminal)");
  cmd->add_option("--history-days", *history_days, "Days of simulated history to backfill")
      ->capture_default_str()
      ->check(CLI::Range(0, 366));
  cmd->add_option("--seed", config->simulator_seed, "Seed of the demo city and its feed")
      ->capture_default_str();
  cmd->callback([config, history_days, quiet, exit_code] {
    std::error_code ec;
    auto parent = std::filesystem::path(config->db_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    // Before the database is generated or regenerated, and until the server has stopped.
    auto lock = LockCity(config->db_path);
    if (!lock.ok()) {
      *exit_code = Fail(lock.status().message());
      return;
    }
    Status s = [&] {
      TerminalProgress bar("demo", *quiet);
      return demo::PrepareDemoDatabase(config->db_path, SystemClock::Instance(),
                                       config->simulator_seed, *history_days, bar.Reporter());
    }();
    if (!s.ok()) {
      *exit_code = Fail(s.message());
      return;
    }
    *exit_code = RunApp(*config);
  });
}

}  // namespace pg::cli
