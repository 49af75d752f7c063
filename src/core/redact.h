// Redaction of credentials from text that parkguide keeps or shows: dead letters (the refused
// messages of the ingestion channels), log lines that quote a request or a payload. One function,
// here in core/ so that every module (the store's migrations included) uses the same rules.
//
//   letter.payload = RedactSecrets(payload);   // before it is stored or logged
//
// What is replaced by kRedacted, in any text — JSON or not, whole or truncated:
//   - the value of a member named "key", "api_key", "password", "secret", "token" or
//     "authorization" (any letter case, at any depth): a string value up to its closing quote
//     (to the end of the text when the quote is missing: a truncated payload), or a bare value
//     up to the next ',', '}', ']' or line end;
//   - an "Authorization: …" header line's value, and the credential after "Bearer " or "Basic ";
//   - anything shaped like a source key ("pgk_" and the key characters after it, even cut short:
//     ingest/core/keys.h) or an operator/controller key (a run of 32 or more hex digits:
//     api/authorizer.h's keys are 64).
// The rules are textual on purpose: a payload that is not valid JSON is exactly the kind that
// ends up in a dead letter. They may redact harmless text that looks like a secret (a long hex
// id); they never leave a key of the shapes above.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace pg {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// `text` with every credential replaced by kRedacted (see above). Bytes that are not part of a
// credential are kept as they are (invalid UTF-8 included).
std::string RedactSecrets(std::string_view text);

}  // namespace pg
