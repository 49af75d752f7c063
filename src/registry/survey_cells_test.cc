#include "registry/survey_cells.h"

#include <gtest/gtest.h>

namespace pg::registry {
namespace {

using model::Arrow;
using model::ConnectorType;
using model::EntranceKind;
using model::FacilityId;

TEST(SurveyCells, TariffCellParsesBandsFreeMinutesAndCap) {
  auto t = ParseTariffCell("free_minutes=15; 08:00-20:00=6;20:00-08:00=2.5;daily_cap=40");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->free_minutes, 15);
  ASSERT_EQ(t->bands.size(), 2u);
  EXPECT_EQ(t->bands[0], (model::TariffBand{480, 1200, 600}));
  EXPECT_EQ(t->bands[1], (model::TariffBand{1200, 480, 250}));
  EXPECT_EQ(t->daily_cap_fen, 4000);
  EXPECT_EQ(t->currency, "CNY");
  EXPECT_EQ(FormatTariffCell(*t), "free_minutes=15;08:00-20:00=6;20:00-08:00=2.5;daily_cap=40");
}

TEST(SurveyCells, FreeTariffAndMidnightEnds) {
  auto free = ParseTariffCell("free");
  ASSERT_TRUE(free.ok());
  EXPECT_TRUE(free->bands.empty());
  EXPECT_EQ(FormatTariffCell(*free), "free");
  // A clerk writes 00:00 for the end of the day; the model says 24:00.
  auto evening = ParseTariffCell("20:00-00:00=2元");
  ASSERT_TRUE(evening.ok()) << evening.status().ToString();
  EXPECT_EQ(evening->bands[0].end_minute, 24 * 60);
  EXPECT_EQ(evening->bands[0].price_fen_per_hour, 200);
}

TEST(SurveyCells, TariffProblemsQuoteTheItem) {
  auto overlap = ParseTariffCell("08:00-20:00=6;18:00-22:00=3");
  ASSERT_FALSE(overlap.ok());
  EXPECT_EQ(overlap.status().message(), "band 18:00-22:00 overlaps band 08:00-20:00");
  auto price = ParseTariffCell("08:00-20:00=six");
  ASSERT_FALSE(price.ok());
  EXPECT_EQ(price.status().message(), "'six' is not a price in yuan (like 6 or 2.5)");
  EXPECT_FALSE(ParseTariffCell("8-20=6").ok());
  EXPECT_FALSE(ParseTariffCell("free_minutes=-5").ok());
  EXPECT_FALSE(ParseTariffCell("08:00-08:00=1").ok());
}

TEST(SurveyCells, YuanIsFormattedWithoutTrailingZeros) {
  EXPECT_EQ(FormatYuan(600), "6");
  EXPECT_EQ(FormatYuan(650), "6.5");
  EXPECT_EQ(FormatYuan(5), "0.05");
  EXPECT_EQ(FormatYuan(1234), "12.34");
}

TEST(SurveyCells, EntrancesGetPositionalIdsUnlessNamed) {
  auto e = ParseEntrancesCell("34.0301 113.8501; north=34.0312 113.8507 pedestrian;34.03,113.85");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->size(), 3u);
  EXPECT_EQ((*e)[0].id, "e1");
  EXPECT_EQ((*e)[0].kind, EntranceKind::kVehicle);
  EXPECT_EQ((*e)[1].id, "north");
  EXPECT_EQ((*e)[1].kind, EntranceKind::kPedestrian);
  EXPECT_EQ((*e)[1].location, (LatLon{34.0312, 113.8507}));
  EXPECT_EQ((*e)[2].location, (LatLon{34.03, 113.85}));
  auto text = FormatEntrancesCell(*e);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "34.0301 113.8501;north=34.0312 113.8507 pedestrian;34.03 113.85");
  EXPECT_FALSE(ParseEntrancesCell("34.03 113.85 door").ok());
  EXPECT_FALSE(ParseEntrancesCell("34.03").ok());
  EXPECT_FALSE(ParseEntrancesCell("134.03 113.85").ok());
}

TEST(SurveyCells, ConnectorsCarryTypeAndPower) {
  auto c = ParseConnectorsCell("GBT_DC:120;gbt_ac:7kW;3=CCS2");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->size(), 3u);
  EXPECT_EQ((*c)[0], (model::Connector{1, ConnectorType::kGbtDc, 120}));
  EXPECT_EQ((*c)[1], (model::Connector{2, ConnectorType::kGbtAc, 7}));
  EXPECT_EQ((*c)[2], (model::Connector{3, ConnectorType::kCcs2, 0}));
  EXPECT_EQ(FormatConnectorsCell(*c), "GBT_DC:120;GBT_AC:7;CCS2");
  auto bad = ParseConnectorsCell("GBT_DC:120;TESLA:250");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "connector 'TESLA:250': 'TESLA' is not one of: GBT_AC, GBT_DC, CCS2, TYPE2, CHADEMO");
}

TEST(SurveyCells, SignLinesSplitEvenWithOsmIds) {
  auto lines = ParseSignLinesCell("F1+osm:w123>left:东区|East;F3>right:北门;F4");
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  ASSERT_EQ(lines->size(), 3u);
  EXPECT_EQ((*lines)[0].facilities,
            (std::vector<FacilityId>{FacilityId("F1"), FacilityId("osm:w123")}));
  EXPECT_EQ((*lines)[0].arrow, Arrow::kLeft);
  EXPECT_EQ((*lines)[0].label, (model::LocalizedName{"东区", "East"}));
  EXPECT_EQ((*lines)[1].label, (model::LocalizedName{"北门", ""}));
  EXPECT_EQ((*lines)[2].arrow, Arrow::kNone);
  auto text = FormatSignLinesCell(*lines);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "F1+osm:w123>left:东区|East;F3>right:北门;F4");
  EXPECT_FALSE(ParseSignLinesCell("F1>sideways").ok());
  EXPECT_FALSE(ParseSignLinesCell("F1++F2>left").ok());
}

TEST(SurveyCells, SignLineMayShowOneClassOfSpaces) {
  auto lines = ParseSignLinesCell("osm:w7@ev>straight:充电车位|EV;F2@disabled");
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  ASSERT_EQ(lines->size(), 2u);
  EXPECT_EQ((*lines)[0].facilities, (std::vector<FacilityId>{FacilityId("osm:w7")}));
  EXPECT_EQ((*lines)[0].category, model::SpaceCategory::kEv);
  EXPECT_EQ((*lines)[0].arrow, Arrow::kStraight);
  EXPECT_EQ((*lines)[1].category, model::SpaceCategory::kDisabled);
  EXPECT_EQ(*FormatSignLinesCell(*lines), "osm:w7@ev>straight:充电车位|EV;F2@disabled");
  auto bad = ParseSignLinesCell("F1@trucks>left");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'trucks' is not one of"), std::string::npos)
      << bad.status().message();
}

TEST(SurveyCells, LabelsHoldingSeparatorsCannotBeWritten) {
  model::SignLine line;
  line.facilities = {FacilityId("F1")};
  line.label.zh = "东区;西区";
  EXPECT_FALSE(FormatSignLinesCell({line}).ok());
}

TEST(SurveyCells, DatesAreNormalisedFromWhatExcelWrites) {
  EXPECT_EQ(*ParseDateCell("2026-11-28"), "2026-11-28");
  EXPECT_EQ(*ParseDateCell("2026/3/1"), "2026-03-01");
  EXPECT_EQ(*ParseDateCell("2026.03.01"), "2026-03-01");
  auto no_day = ParseDateCell("2025-02-30");
  ASSERT_FALSE(no_day.ok());
  EXPECT_EQ(no_day.status().message(), "'2025-02-30' is not a calendar date");
  EXPECT_FALSE(ParseDateCell("28/11/2026").ok());
  EXPECT_FALSE(ParseDateCell("next week").ok());
}

TEST(SurveyCells, NumbersBooleansAndEnums) {
  EXPECT_EQ(*ParseWholeNumberCell(" 600 "), 600);
  EXPECT_EQ(ParseWholeNumberCell("1,200").status().message(), "'1,200' is not a whole number");
  EXPECT_FALSE(ParseWholeNumberCell("2.5").ok());
  EXPECT_EQ(*ParseDecimalCell("2.2"), 2.2);
  EXPECT_TRUE(*ParseBoolCell("Yes"));
  EXPECT_FALSE(*ParseBoolCell("否"));
  EXPECT_FALSE(ParseBoolCell("maybe").ok());
  EXPECT_EQ(*ParseEnumCell<model::FacilityKind>("Underground"), model::FacilityKind::kUnderground);
  EXPECT_EQ(ParseEnumCell<model::FacilityKind>("castle").status().message(),
            "'castle' is not one of: multi_storey, underground, surface, on_street, park_and_ride");
}

TEST(SurveyCells, DecimalsAreWrittenShortestAndReadBackExactly) {
  for (double v : {113.85, 34.0312, 0.1, 120.0, 1e-7, -33.5}) {
    EXPECT_EQ(*ParseDecimalCell(FormatDecimal(v)), v);
  }
  EXPECT_EQ(FormatDecimal(120.0), "120");
  EXPECT_EQ(FormatDecimal(113.85), "113.85");
}

}  // namespace
}  // namespace pg::registry
