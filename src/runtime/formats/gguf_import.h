#pragma once
// The model YAML (architecture form) that describes a GGUF checkpoint: hyperparameters from
// its metadata, each tensor group's data type, rotary style and base, norm epsilon, context
// length, biases, and `weights: {file, fingerprint}` naming the checkpoint relative to the
// YAML's folder. The text is checked by loading it back before it is returned.
#include <string>

#include "core/result.h"

namespace specmap::formats {

struct GgufImport {
  std::string yaml;
  std::string summary;  // one line for the terminal
};

// `gguf_path`: the checkpoint; `yaml_path`: where the YAML will be written (its folder
// anchors the relative `weights.file`); `name`: the model's name (default: the YAML's stem).
Result<GgufImport> import_gguf_model(const std::string& gguf_path, const std::string& yaml_path,
                                     const std::string& name = "");

}  // namespace specmap::formats
