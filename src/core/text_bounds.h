// Bounds on text that comes from outside — HTTP bodies and query parameters, MQTT messages,
// survey files, the command line — checked where it enters, so a hostile or broken client can
// neither store a megabyte where a name belongs nor put a control character on a sign or a
// screen. This is the one author of what "plain text" means and of the shared limits; each edge
// calls it and names its own field:
//
//   PG_RETURN_IF_ERROR(CheckPlainText(reason, "reason", kMaxReasonChars));
//
// Text stored before these checks existed is shown through BoundedText, which cuts it to what
// a check would have let in.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace pg {

// The limits every edge shares (docs/api/signs.md, docs/api/ingest.md, docs/formats/survey.md,
// "Limits"). Lengths count characters (Unicode code points), not bytes.
inline constexpr size_t kMaxIdChars = 64;       // ids: model::ValidateId's alphabet
inline constexpr size_t kMaxNameChars = 200;    // names, labels, operators, districts
inline constexpr size_t kMaxReasonChars = 500;  // reasons, descriptions, opening hours
// A value that is a word of a vocabulary, a time or a number written as text.
inline constexpr size_t kMaxWordChars = 64;

// Checks that `text` is plain text of at most `max_chars` characters: valid UTF-8 holding no
// control character — C0 (U+0000–U+001F, tab and newline included), DEL (U+007F) or C1
// (U+0080–U+009F). Empty text passes (required fields check that themselves).
// Errors: kInvalidArgument naming `field`, saying which rule failed and where (the character's
// position and code point) without repeating the text.
Status CheckPlainText(std::string_view text, std::string_view field, size_t max_chars);

// The number of characters (code points) of UTF-8 `text`; each byte of a malformed sequence
// counts as one.
size_t CountChars(std::string_view text);

// `text` as it may be shown: malformed UTF-8 and control characters become U+FFFD, and text of
// more than `max_chars` characters is cut to `max_chars` − 1 of them followed by "…". Plain text
// within the limit comes back unchanged. REQUIRES: max_chars >= 1.
std::string BoundedText(std::string_view text, size_t max_chars);

}  // namespace pg
