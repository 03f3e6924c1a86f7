#include "core/result.h"

namespace specmap {

std::string Error::format() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) {
      out += ":" + std::to_string(line);
      if (column > 0) out += ":" + std::to_string(column);
    }
    out += ": ";
  }
  if (!key_path.empty()) out += "key '" + key_path + "': ";
  out += message;
  return out;
}

}  // namespace specmap
