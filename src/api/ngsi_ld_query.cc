#include "api/ngsi_ld_query.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"

namespace pg::api {
namespace {

using nlohmann::json;

bool Compare(const json& have, const QueryTerm& t) {
  if (t.op == "==" || t.op == "!=") {
    // Equality holds when any element of an array value is equal (§4.9).
    bool equal = have == t.value;
    if (have.is_array()) equal = std::find(have.begin(), have.end(), t.value) != have.end();
    return (t.op == "==") == equal;
  }
  if (!have.is_number()) return false;
  const double a = have.get<double>(), b = t.value.get<double>();
  if (t.op == ">") return a > b;
  if (t.op == ">=") return a >= b;
  if (t.op == "<") return a < b;
  return a <= b;
}

}  // namespace

Result<std::vector<QueryTerm>> ParseQuery(std::string_view q) {
  std::vector<QueryTerm> terms;
  for (std::string_view part : SplitString(q, ';')) {
    part = TrimSpace(part);
    size_t at = part.find_first_of("=!<>");
    if (at == 0 || at == std::string_view::npos) {
      return InvalidArgument(fmt::format("'{}' is not attr==value, !=, >, >=, <, <=", part), "q");
    }
    QueryTerm term{std::string(part.substr(0, at)), "", nullptr};
    for (std::string_view op : {"==", "!=", ">=", "<=", ">", "<"}) {
      if (part.substr(at, op.size()) == op) {
        term.op = op;
        break;
      }
    }
    if (term.op.empty()) return InvalidArgument(fmt::format("'{}': unknown operator", part), "q");
    std::string_view value = part.substr(at + term.op.size());
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      term.value = std::string(value.substr(1, value.size() - 2));
    } else if (auto number = ParseDouble(value)) {
      term.value = *number;
    } else if (value == "true" || value == "false") {
      term.value = value == "true";
    } else if (!value.empty()) {
      term.value = std::string(value);
    } else {
      return InvalidArgument(fmt::format("'{}' has no value", part), "q");
    }
    if ((term.op != "==" && term.op != "!=") && !term.value.is_number()) {
      return InvalidArgument(fmt::format("'{}': {} compares numbers", part, term.op), "q");
    }
    terms.push_back(std::move(term));
  }
  return terms;
}

bool Matches(const json& key_values, const std::vector<QueryTerm>& terms) {
  for (const QueryTerm& t : terms) {
    auto it = key_values.find(t.attribute);
    if (it == key_values.end()) {
      if (t.op == "!=") continue;
      return false;
    }
    if (!Compare(*it, t)) return false;
  }
  return true;
}

http::Response NgsiProblem(int status, std::string_view error, std::string_view title,
                           std::string_view detail) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = json{
      {"type", "https://uri.etsi.org/ngsi-ld/errors/" + std::string(error)},
      {"title", title},
      {"status", status},
      {"detail",
       detail}}.dump();
  return r;
}

}  // namespace pg::api
