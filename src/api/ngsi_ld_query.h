// NGSI-LD's `q` (ETSI GS CIM 009 §4.9) and error bodies, the subset parkguide takes: terms joined
// by ';' (AND), each attr==value, !=, >, >=, <, <= on a top-level attribute of the key-values form;
// strings in double quotes; equality holds when any element of an array value is equal. One author
// for the entities query and the subscriptions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/message.h"
#include "core/status.h"

namespace pg::api {

struct QueryTerm {
  std::string attribute;
  std::string op;
  nlohmann::json value;
};

// Errors: kInvalidArgument (field "q") naming the term.
Result<std::vector<QueryTerm>> ParseQuery(std::string_view q);

// Whether the key-values entity satisfies every term.
bool Matches(const nlohmann::json& key_values, const std::vector<QueryTerm>& terms);

// NGSI-LD ProblemDetails (§5.5.2; always application/json): type
// https://uri.etsi.org/ngsi-ld/errors/<error> ("BadRequestData", "ResourceNotFound", …).
http::Response NgsiProblem(int status, std::string_view error, std::string_view title,
                           std::string_view detail);

}  // namespace pg::api
