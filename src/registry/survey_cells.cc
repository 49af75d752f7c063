#include "registry/survey_cells.h"

#include <date/date.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <cctype>
#include <cmath>

#include "core/strings.h"
#include "model/model_json.h"

namespace pg::registry {
namespace {

// Items of a ';'-separated cell, trimmed; empty items (a trailing ';') dropped.
std::vector<std::string_view> Items(std::string_view text) {
  std::vector<std::string_view> out;
  for (std::string_view item : SplitString(text, ';')) {
    item = TrimSpace(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Whitespace-separated tokens.
std::vector<std::string_view> Tokens(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

bool RemoveSuffixIgnoringCase(std::string_view& text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  if (ToLowerAscii(text.substr(text.size() - suffix.size())) != suffix) return false;
  text.remove_suffix(suffix.size());
  return true;
}

// An id written in front of '=' in a list item: it must not hold what the syntax uses.
Status CheckListId(std::string_view id) {
  if (id.empty() || id.find_first_of("=;| \t") != std::string_view::npos) {
    return InvalidArgument(fmt::format("'{}' cannot be written as an id in a cell", id));
  }
  return Status::Ok();
}

// "[ID=]REST": splits off the id when there is one.
std::pair<std::string_view, std::string_view> SplitId(std::string_view item) {
  size_t eq = item.find('=');
  if (eq == std::string_view::npos) return {{}, item};
  return {TrimSpace(item.substr(0, eq)), TrimSpace(item.substr(eq + 1))};
}

Result<LatLon> ParsePoint(std::string_view text) {
  std::string spaced(text);
  for (char& c : spaced) {
    if (c == ',') c = ' ';
  }
  auto tokens = Tokens(spaced);
  std::optional<double> lat, lon;
  if (tokens.size() == 2) {
    lat = ParseDouble(tokens[0]);
    lon = ParseDouble(tokens[1]);
  }
  if (!lat || !lon) {
    return InvalidArgument(fmt::format("'{}' is not a point 'LAT LON' in decimal degrees", text));
  }
  LatLon p{*lat, *lon};
  Status s = ValidateLatLon(p, "");
  if (!s.ok()) return InvalidArgument(fmt::format("'{}': {}", text, s.message()));
  return p;
}

std::string FormatPoint(const LatLon& p) {
  return FormatDecimal(p.lat) + " " + FormatDecimal(p.lon);
}

Result<int64_t> ParseYuan(std::string_view text) {
  std::string_view t = TrimSpace(text);
  if (t.starts_with("¥")) t.remove_prefix(std::string_view("¥").size());
  if (t.starts_with("￥")) t.remove_prefix(std::string_view("￥").size());
  if (t.ends_with("元")) t.remove_suffix(std::string_view("元").size());
  std::optional<double> yuan = ParseDouble(t);
  if (!yuan || *yuan < 0) {
    return InvalidArgument(fmt::format("'{}' is not a price in yuan (like 6 or 2.5)", text));
  }
  return model::YuanToFen(*yuan);
}

}  // namespace

namespace internal {
std::optional<size_t> FindNameIgnoringCase(std::string_view text,
                                           const std::vector<std::string_view>& names) {
  std::string lower = ToLowerAscii(TrimSpace(text));
  for (size_t i = 0; i < names.size(); ++i) {
    if (ToLowerAscii(names[i]) == lower) return i;
  }
  return std::nullopt;
}
}  // namespace internal

Result<int> ParseWholeNumberCell(std::string_view text) {
  std::optional<int64_t> n = ParseInt(text);
  if (!n) return InvalidArgument(fmt::format("'{}' is not a whole number", text));
  if (*n < INT32_MIN || *n > INT32_MAX) {
    return InvalidArgument(fmt::format("'{}' is out of range", text));
  }
  return static_cast<int>(*n);
}

Result<double> ParseDecimalCell(std::string_view text) {
  std::optional<double> d = ParseDouble(text);
  if (!d) return InvalidArgument(fmt::format("'{}' is not a number", text));
  return *d;
}

Result<bool> ParseBoolCell(std::string_view text) {
  std::string t = ToLowerAscii(TrimSpace(text));
  if (t == "true" || t == "yes" || t == "1" || t == "是") return true;
  if (t == "false" || t == "no" || t == "0" || t == "否") return false;
  return InvalidArgument(fmt::format("'{}' is not true or false (also yes/no, 1/0, 是/否)", text));
}

Result<std::string> ParseDateCell(std::string_view text) {
  std::string_view t = TrimSpace(text);
  auto bad = [&] { return InvalidArgument(fmt::format("'{}' is not a date YYYY-MM-DD", text)); };
  char sep = 0;
  for (char c : t) {
    if (c == '-' || c == '/' || c == '.') {
      sep = c;
      break;
    }
  }
  if (sep == 0) return bad();
  auto parts = SplitString(t, sep);
  if (parts.size() != 3 || parts[0].size() != 4 || parts[1].empty() || parts[1].size() > 2 ||
      parts[2].empty() || parts[2].size() > 2) {
    return bad();
  }
  std::array<int, 3> v{};
  for (size_t i = 0; i < 3; ++i) {
    for (char c : parts[i]) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad();
    }
    v[i] = static_cast<int>(*ParseInt(parts[i]));
  }
  date::year_month_day ymd{date::year(v[0]), date::month(static_cast<unsigned>(v[1])),
                           date::day(static_cast<unsigned>(v[2]))};
  if (!ymd.ok()) return InvalidArgument(fmt::format("'{}' is not a calendar date", text));
  return fmt::format("{:04}-{:02}-{:02}", v[0], v[1], v[2]);
}

std::string FormatDecimal(double value) { return fmt::format("{}", value); }

std::string FormatYuan(int64_t fen) {
  std::string sign = fen < 0 ? "-" : "";
  int64_t a = fen < 0 ? -fen : fen;
  if (a % 100 == 0) return fmt::format("{}{}", sign, a / 100);
  if (a % 10 == 0) return fmt::format("{}{}.{}", sign, a / 100, (a % 100) / 10);
  return fmt::format("{}{}.{:02}", sign, a / 100, a % 100);
}

Result<model::Tariff> ParseTariffCell(std::string_view text) {
  model::Tariff tariff;
  std::string_view whole = TrimSpace(text);
  if (ToLowerAscii(whole) == "free" || whole == "免费") return tariff;
  // Which minutes of the day a band already covers, to catch overlapping bands.
  std::array<int, 1440> covered_by{};
  covered_by.fill(-1);
  for (std::string_view item : Items(text)) {
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgument(fmt::format(
          "'{}' is not free_minutes=N, HH:MM-HH:MM=YUAN, daily_cap=YUAN or currency=CODE", item));
    }
    std::string_view key = TrimSpace(item.substr(0, eq));
    std::string_view value = TrimSpace(item.substr(eq + 1));
    std::string lower_key = ToLowerAscii(key);
    if (lower_key == "free_minutes") {
      std::optional<int64_t> n = ParseInt(value);
      if (!n || *n < 0 || *n > int64_t{24 * 60}) {
        return InvalidArgument(
            fmt::format("free_minutes '{}' is not a whole number of minutes (0–1440)", value));
      }
      tariff.free_minutes = static_cast<int>(*n);
    } else if (lower_key == "daily_cap") {
      PG_ASSIGN_OR_RETURN(tariff.daily_cap_fen, ParseYuan(value));
    } else if (lower_key == "currency") {
      bool ok = value.size() == 3;
      for (char c : value) ok = ok && c >= 'A' && c <= 'Z';
      if (!ok) return InvalidArgument(fmt::format("currency '{}' is not a code like CNY", value));
      tariff.currency = std::string(value);
    } else {
      size_t dash = key.find('-');
      auto from =
          model::ParseMinuteOfDay(key.substr(0, dash == std::string_view::npos ? 0 : dash), "");
      auto to = model::ParseMinuteOfDay(
          dash == std::string_view::npos ? std::string_view() : key.substr(dash + 1), "");
      if (dash == std::string_view::npos || !from.ok() || !to.ok()) {
        return InvalidArgument(fmt::format(
            "'{}' is not free_minutes=N, HH:MM-HH:MM=YUAN, daily_cap=YUAN or currency=CODE", item));
      }
      model::TariffBand band;
      band.start_minute = *from;
      // "20:00-00:00" ends at midnight: the model writes that end as 24:00.
      band.end_minute = *to == 0 ? 24 * 60 : *to;
      if (band.start_minute >= 24 * 60 || band.start_minute == band.end_minute) {
        return InvalidArgument(fmt::format("band '{}' is empty or starts at 24:00", key));
      }
      PG_ASSIGN_OR_RETURN(band.price_fen_per_hour, ParseYuan(value));
      int minute = band.start_minute;
      do {
        if (covered_by[minute] >= 0) {
          const model::TariffBand& other = tariff.bands[static_cast<size_t>(covered_by[minute])];
          return InvalidArgument(fmt::format("band {} overlaps band {}-{}", key,
                                             model::FormatMinuteOfDay(other.start_minute),
                                             model::FormatMinuteOfDay(other.end_minute)));
        }
        covered_by[minute] = static_cast<int>(tariff.bands.size());
        minute = (minute + 1) % (24 * 60);
      } while (minute != band.end_minute % (24 * 60));
      tariff.bands.push_back(band);
    }
  }
  return tariff;
}

std::string FormatTariffCell(const model::Tariff& t) {
  std::vector<std::string> items;
  if (t.free_minutes != 0) items.push_back(fmt::format("free_minutes={}", t.free_minutes));
  for (const auto& b : t.bands) {
    items.push_back(fmt::format("{}-{}={}", model::FormatMinuteOfDay(b.start_minute),
                                model::FormatMinuteOfDay(b.end_minute),
                                FormatYuan(b.price_fen_per_hour)));
  }
  if (t.daily_cap_fen) items.push_back("daily_cap=" + FormatYuan(*t.daily_cap_fen));
  if (t.currency != "CNY") items.push_back("currency=" + t.currency);
  if (items.empty()) return "free";
  return fmt::format("{}", fmt::join(items, ";"));
}

Result<std::vector<LatLon>> ParsePointsCell(std::string_view text) {
  std::vector<LatLon> points;
  for (std::string_view item : Items(text)) {
    PG_ASSIGN_OR_RETURN(LatLon p, ParsePoint(item));
    points.push_back(p);
  }
  return points;
}

std::string FormatPointsCell(const std::vector<LatLon>& points) {
  std::vector<std::string> items;
  items.reserve(points.size());
  for (const auto& p : points) items.push_back(FormatPoint(p));
  return fmt::format("{}", fmt::join(items, ";"));
}

Result<std::vector<model::Entrance>> ParseEntrancesCell(std::string_view text) {
  std::vector<model::Entrance> entrances;
  for (std::string_view item : Items(text)) {
    auto [id, rest] = SplitId(item);
    model::Entrance e;
    e.id = id.empty() ? fmt::format("e{}", entrances.size() + 1) : std::string(id);
    auto tokens = Tokens(rest);
    std::string_view point = rest;
    // A trailing word starting with a letter names the kind of entrance.
    if (tokens.size() > 1 && std::isalpha(static_cast<unsigned char>(tokens.back().front()))) {
      auto kind = ParseEnumCell<model::EntranceKind>(tokens.back());
      if (!kind.ok()) {
        return InvalidArgument(fmt::format("entrance '{}': {}", item, kind.status().message()));
      }
      e.kind = *kind;
      point = rest.substr(0, static_cast<size_t>(tokens.back().data() - rest.data()));
    }
    auto location = ParsePoint(point);
    if (!location.ok()) {
      return InvalidArgument(fmt::format("entrance '{}': {}", item, location.status().message()));
    }
    e.location = *location;
    entrances.push_back(std::move(e));
  }
  return entrances;
}

Result<std::string> FormatEntrancesCell(const std::vector<model::Entrance>& entrances) {
  std::vector<std::string> items;
  for (size_t i = 0; i < entrances.size(); ++i) {
    const model::Entrance& e = entrances[i];
    std::string item;
    if (e.id != fmt::format("e{}", i + 1)) {
      PG_RETURN_IF_ERROR(CheckListId(e.id));
      item = e.id + "=";
    }
    item += FormatPoint(e.location);
    if (e.kind != model::EntranceKind::kVehicle) item += fmt::format(" {}", model::Name(e.kind));
    items.push_back(std::move(item));
  }
  return fmt::format("{}", fmt::join(items, ";"));
}

Result<std::vector<model::Connector>> ParseConnectorsCell(std::string_view text) {
  std::vector<model::Connector> connectors;
  for (std::string_view item : Items(text)) {
    auto [id, rest] = SplitId(item);
    model::Connector c;
    if (id.empty()) {
      c.id = static_cast<int>(connectors.size()) + 1;
    } else {
      std::optional<int64_t> n = ParseInt(id);
      if (!n || *n < 1 || *n > 1000) {
        return InvalidArgument(
            fmt::format("connector '{}': id '{}' is not a number from 1", item, id));
      }
      c.id = static_cast<int>(*n);
    }
    size_t colon = rest.find(':');
    std::string_view type = TrimSpace(rest.substr(0, colon));
    auto parsed = ParseEnumCell<model::ConnectorType>(type);
    if (!parsed.ok()) {
      return InvalidArgument(fmt::format("connector '{}': {}", item, parsed.status().message()));
    }
    c.type = *parsed;
    if (colon != std::string_view::npos) {
      std::string_view power = TrimSpace(rest.substr(colon + 1));
      RemoveSuffixIgnoringCase(power, "kw");
      std::optional<double> kw = ParseDouble(power);
      if (!kw || *kw < 0) {
        return InvalidArgument(
            fmt::format("connector '{}': '{}' is not a power in kW", item, rest.substr(colon + 1)));
      }
      c.power_kw = *kw;
    }
    connectors.push_back(c);
  }
  return connectors;
}

std::string FormatConnectorsCell(const std::vector<model::Connector>& connectors) {
  std::vector<std::string> items;
  for (size_t i = 0; i < connectors.size(); ++i) {
    const model::Connector& c = connectors[i];
    std::string item;
    if (c.id != static_cast<int>(i) + 1) item = fmt::format("{}=", c.id);
    item += model::Name(c.type);
    if (c.power_kw != 0) item += ":" + FormatDecimal(c.power_kw);
    items.push_back(std::move(item));
  }
  return fmt::format("{}", fmt::join(items, ";"));
}

Result<std::vector<model::SignLine>> ParseSignLinesCell(std::string_view text) {
  std::vector<model::SignLine> lines;
  for (std::string_view item : Items(text)) {
    model::SignLine line;
    // Ids never hold '>', and arrow names never hold ':', so the first of each splits the item
    // even when ids are like "osm:w123".
    size_t gt = item.find('>');
    std::string_view ids = item.substr(0, gt);
    // "F1@ev": one class of the facility's spaces. Ids never hold '@'.
    if (size_t at = ids.find('@'); at != std::string_view::npos) {
      auto category = ParseEnumCell<model::SpaceCategory>(TrimSpace(ids.substr(at + 1)));
      if (!category.ok()) {
        return InvalidArgument(
            fmt::format("line '{}': class {}", item, category.status().message()));
      }
      line.category = *category;
      ids = ids.substr(0, at);
    }
    for (std::string_view id : SplitString(ids, '+')) {
      id = TrimSpace(id);
      if (id.empty()) {
        return InvalidArgument(
            fmt::format("line '{}': expected facility ids joined by '+' before '>'", item));
      }
      line.facilities.emplace_back(id);
    }
    if (gt != std::string_view::npos) {
      std::string_view rest = item.substr(gt + 1);
      size_t colon = rest.find(':');
      auto arrow = ParseEnumCell<model::Arrow>(TrimSpace(rest.substr(0, colon)));
      if (!arrow.ok()) {
        return InvalidArgument(fmt::format("line '{}': arrow {}", item, arrow.status().message()));
      }
      line.arrow = *arrow;
      if (colon != std::string_view::npos) {
        std::string_view label = rest.substr(colon + 1);
        size_t bar = label.find('|');
        line.label.zh = std::string(TrimSpace(label.substr(0, bar)));
        if (bar != std::string_view::npos) {
          line.label.en = std::string(TrimSpace(label.substr(bar + 1)));
        }
      }
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

Result<std::string> FormatSignLinesCell(const std::vector<model::SignLine>& lines) {
  std::vector<std::string> items;
  for (const model::SignLine& line : lines) {
    std::vector<std::string> ids;
    for (const auto& id : line.facilities) {
      if (id.str().find_first_of("+>;@") != std::string::npos) {
        return InvalidArgument(
            fmt::format("'{}' cannot be written as a facility of a line", id.str()));
      }
      ids.push_back(id.str());
    }
    std::string item = fmt::format("{}", fmt::join(ids, "+"));
    if (line.category) item += "@" + std::string(model::Name(*line.category));
    bool has_label = !line.label.zh.empty() || !line.label.en.empty();
    if (line.arrow != model::Arrow::kNone || has_label) {
      item += ">" + std::string(model::Name(line.arrow));
    }
    if (has_label) {
      for (const std::string* text : {&line.label.zh, &line.label.en}) {
        if (text->find_first_of(";|") != std::string::npos || TrimSpace(*text) != *text) {
          return InvalidArgument(fmt::format(
              "label '{}' cannot be written in a cell (';' and '|' are separators)", *text));
        }
      }
      item += ":" + line.label.zh;
      if (!line.label.en.empty()) item += "|" + line.label.en;
    }
    items.push_back(std::move(item));
  }
  return fmt::format("{}", fmt::join(items, ";"));
}

std::vector<std::string> ParseListCell(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view item : Items(text)) out.emplace_back(item);
  return out;
}

}  // namespace pg::registry
