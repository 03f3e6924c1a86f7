#pragma once
// The largest inputs specmap accepts (stated in docs/formats.md). Above each one a loader
// answers with an error naming the value, not with an allocation that runs out of memory or
// a figure that overflowed; each is far above any real model, SoC or workload.
#include <cstdint>

#include "core/checked_number.h"

namespace specmap::limits {

// Any text input (YAML, JSON): larger files are refused before they are read.
inline constexpr std::int64_t kMaxInputFileBytes = 64ll << 20;  // 64 MiB
// Maps and lists inside maps and lists, counted from the document's top.
inline constexpr int kMaxNestingDepth = 64;

// Model shapes.
inline constexpr IntRange kLayers{1, 4096};
inline constexpr IntRange kEncoderLayers{0, 4096};
inline constexpr IntRange kWidth{1, 1 << 20};     // d_model, d_ff, head_dim, widths
inline constexpr IntRange kFeatures{1, 1 << 24};  // a matmul's in/out features (the head's is the vocabulary)
inline constexpr IntRange kHeads{1, 1 << 16};
inline constexpr IntRange kVocab{1, 1 << 24};
// Token counts: prompt, generated, context and new tokens of a profile point.
inline constexpr IntRange kTokens{1, 1 << 20};
inline constexpr IntRange kContext{0, 1 << 20};
// Cores of a cluster, units of a PU (and their sum over a CPU's clusters), units in a variant.
inline constexpr IntRange kUnits{1, 4096};
inline constexpr IntRange kVariantUnits{0, 4096};
// Draft lengths.
inline constexpr IntRange kGamma{0, 64};
inline constexpr IntRange kDraftedGamma{1, 64};
// Accepted/drafted counters: exact in a double.
inline constexpr IntRange kCount{0, 1ll << 53};
// Measurement repetitions and plan alternatives.
inline constexpr IntRange kRepetitions{1, 1 << 30};
inline constexpr IntRange kAlternatives{0, 1000};
// One host <-> device copy `specmap profile --transfer-bytes` times: a buffer of this size is
// allocated on both sides, so a mistyped size is refused instead of exhausting memory.
inline constexpr std::int64_t kMaxTransferBytes = 4ll << 30;  // 4 GiB

}  // namespace specmap::limits
