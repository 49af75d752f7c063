// The city's survey as one GeoJSON FeatureCollection (docs/formats/survey.md) as
// `parkguide import-registry` reads it. A survey that reads without error must write and read
// back equal (fuzz/survey_support.h).
#include "fuzz/survey_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pg::fuzz::ReadSurveyAndRoundTrip(
      {pg::fuzz::ScratchFile("survey.geojson", pg::fuzz::AsText(data, size))});
  return 0;
}
