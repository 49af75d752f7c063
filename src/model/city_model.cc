#include "model/city_model.h"

namespace pg::model {

const std::string& LocalizedName::In(std::string_view lang) const {
  bool want_zh = lang.starts_with("zh");
  const std::string& first = want_zh ? zh : en;
  const std::string& second = want_zh ? en : zh;
  return first.empty() ? second : first;
}

}  // namespace pg::model
