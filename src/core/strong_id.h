// StrongId<Tag>: a string id that cannot be mixed up with an id of another kind.
//
//   using FacilityId = pg::StrongId<struct FacilityIdTag>;
//   FacilityId f("F12");  f.str() == "F12";
#pragma once

#include <compare>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace pg {

template <typename Tag>
class StrongId {
 public:
  StrongId() = default;
  explicit StrongId(std::string value) : value_(std::move(value)) {}
  explicit StrongId(std::string_view value) : value_(value) {}
  explicit StrongId(const char* value) : value_(value) {}

  const std::string& str() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend auto operator<=>(const StrongId&, const StrongId&) = default;
  friend bool operator==(const StrongId&, const StrongId&) = default;

 private:
  std::string value_;
};

}  // namespace pg

template <typename Tag>
struct std::hash<pg::StrongId<Tag>> {
  size_t operator()(const pg::StrongId<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};
