#include "core/prometheus_text.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace pg {
namespace {

TEST(PrometheusText, WritesHelpAndTypeOncePerNameAndEscapesLabels) {
  PrometheusText out;
  out.Gauge("pg_x", "What x\\is\nsaid", 3, {{"state", "open"}});
  out.Gauge("pg_x", "What x\\is\nsaid", 0.5, {{"state", "say \"full\"\n"}});
  out.Counter("pg_total", "Count", uint64_t{12});
  EXPECT_EQ(out.text(),
            "# HELP pg_x What x\\\\is\\nsaid\n"
            "# TYPE pg_x gauge\n"
            "pg_x{state=\"open\"} 3\n"
            "pg_x{state=\"say \\\"full\\\"\\n\"} 0.5\n"
            "# HELP pg_total Count\n"
            "# TYPE pg_total counter\n"
            "pg_total 12\n");
}

TEST(PrometheusText, WritesLargeCountsExactlyUpTo2To53) {
  PrometheusText out;
  out.Counter("pg_total", "Count", uint64_t{9'007'199'254'740'992});
  EXPECT_EQ(out.text(),
            "# HELP pg_total Count\n# TYPE pg_total counter\npg_total 9007199254740992\n");
}

}  // namespace
}  // namespace pg
