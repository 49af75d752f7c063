// The city's survey inventory (调查摸底): its own registry files, read, validated and imported.
//
// The city hands over car parks, on-street zones, bays, chargers, signs and data sources as CSV
// (one file per kind of entry) or GeoJSON; docs/formats/survey.md is the format. Import is all or
// nothing: every problem in every file is reported with file, line (CSV) or feature (GeoJSON),
// field and reason, and if any is an error nothing is written. Entries read here have origin
// kSurvey; ids are stable, so a re-import updates in place, and a survey entry may reuse an OSM
// id ("osm:w123") to correct what OSM says: the store never lets a later OSM import overwrite it.
//
//   std::vector<pg::registry::SurveyProblem> problems;
//   auto summary = pg::registry::ImportSurveyFiles({"survey/"}, store, &problems);
//   for (const auto& p : problems) std::cerr << p.ToString() << '\n';
//
// The writers produce the same files (the demo city is generated through them and loaded through
// this same import path); what they write reads back to equal model values.
//
// Not checked: that entries are where the city is (no bounding-box test), that a bay lies inside
// its zone, that a source's bays and chargers exist (only its facilities are checked).
// Thread-safety: free functions without shared state; concurrent calls on different files are
// safe, and ImportSurveyFiles relies on the store's own locking.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "model/city_model.h"
#include "store/registry_store.h"

namespace pg::registry {

// One thing wrong with (or worth knowing about) one place in one survey file.
struct SurveyProblem {
  enum class Severity { kError, kWarning };

  Severity severity = Severity::kError;
  std::string file;   // as given (or found in a given directory)
  int line = 0;       // 1-based: CSV the physical line a row starts on, JSON a syntax error's
                      // line; 0 when the problem is not about a line
  int feature = -1;   // GeoJSON: index into "features"; -1 otherwise
  std::string field;  // CSV column or GeoJSON property path ("capacity.total"); may be empty
  std::string message;

  bool is_error() const { return severity == Severity::kError; }
  // "facilities.csv:14: capacity: 'abc' is not a whole number",
  // "city.geojson:features[3]: kind: 'castle' is not one of: …",
  // "facilities.csv:1: warning: colour: unknown column, ignored".
  std::string ToString() const;
  friend bool operator==(const SurveyProblem&, const SurveyProblem&) = default;
};

// What an import did.
struct SurveyImportSummary {
  int files = 0;  // files read (directories count by the files found in them)
  int facilities = 0;
  int bays = 0;
  int chargers = 0;
  int signs = 0;
  int sources = 0;
  bool city = false;  // the survey brought a city or districts
  int warnings = 0;
  store::RegistryWriteSummary written;  // summed over the kinds of entry
};

// Reads and validates survey files: `.csv` files, `.geojson`/`.json` files (other names are
// sniffed: '{' first means GeoJSON), or directories, whose files with those extensions are read
// in name order. Every problem found is appended to `*problems` (when not null), errors and
// warnings, in file order then line order.
// Returns the entries (origin kSurvey) when no problem is an error.
// Errors: kInvalidArgument when any file cannot be read or any problem is an error; its message
// counts them and quotes the first.
Result<model::RegistryData> ReadSurveyFiles(const std::vector<std::string>& paths,
                                            std::vector<SurveyProblem>* problems);

// As above, in the context of what the store already holds: bays, chargers, sign lines and
// source scopes may refer to `existing` facilities; districts from a survey without a city
// update `existing.city`'s districts (by id), and a survey city without districts keeps the
// existing ones. `existing` is only read during the call.
Result<model::RegistryData> ReadSurveyFiles(const std::vector<std::string>& paths,
                                            const model::RegistryData& existing,
                                            std::vector<SurveyProblem>* problems);

// Reads the files in the context of `store`'s registry and, when there is no error, writes
// every entry in one store.WriteRegistry(…, kUpsert) transaction. A source that the store holds
// as revoked stays revoked. Problems are appended to `*problems` as by ReadSurveyFiles.
// Errors: kInvalidArgument as ReadSurveyFiles (the store is then untouched); the store's errors.
Result<SurveyImportSummary> ImportSurveyFiles(const std::vector<std::string>& paths,
                                              store::RegistryStore& store,
                                              std::vector<SurveyProblem>* problems);

// Writes `data` as survey CSV files in `directory` (created when missing): city.csv,
// districts.csv, facilities.csv, bays.csv, chargers.csv, signs.csv, sources.csv, each only when
// it has entries; existing files of those names are replaced. UTF-8 with a byte-order mark and
// CRLF line ends, so that Excel opens the Chinese names correctly.
// Not written: origin (everything read back is survey), sources' revoked_at.
// Errors: kInvalidArgument naming the entry and field when a value has no cell form (a sign label
// holding ';'); kUnavailable when a file cannot be written.
Status WriteSurveyCsv(const model::RegistryData& data, const std::string& directory);

// Writes `data` as one survey GeoJSON FeatureCollection at `path` (replaced when it exists): the
// city in a top-level "city" member, a feature per facility (a Polygon when it has an outline),
// bay, charger, sign and source (no geometry). Not written: origin, sources' revoked_at.
// Errors: kUnavailable when the file cannot be written.
Status WriteSurveyGeoJson(const model::RegistryData& data, const std::string& path);

}  // namespace pg::registry
