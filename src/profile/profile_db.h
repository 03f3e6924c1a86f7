#pragma once
// Measured latencies at three levels (op, subgraph, whole forward pass), keyed by
// model, PU and its unit count, new tokens and context length.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/units.h"

namespace specmap {

enum class ProfileLevel { op, subgraph, forward };
std::string_view profile_level_name(ProfileLevel l);

// Where a profile figure came from, beyond the measurement itself.
enum class EntryOrigin {
  measured,     // a real measurement
  derived,      // computed from published figures (e.g. c = 0.80 at one core)
  back_solved,  // solved from published results through Eq. 1
  bound,        // the source only bounds it; the value sits at the bound
  assumed       // a modelling assumption, stated in `note`
};
std::string_view entry_origin_name(EntryOrigin o);

struct ProfileStats {
  Seconds mean = 0;
  Seconds median = 0;
  Seconds stddev = 0;
  int repetitions = 1;
};

struct ProfileEntry {
  ProfileLevel level = ProfileLevel::forward;
  std::string model;  // ModelGraph::name
  std::string key;    // op_profile_key(op), subgraph name, or "forward"
  std::string pu;     // ProcessingUnit::id
  int units = 1;      // active units of that PU when measured
  Tokens new_tokens = 1;
  Tokens context = 0;
  // Rows of logits the pass samples, when not the ones the point implies (0: implied; with a
  // KV cache n rows at context > 0 and 1 at context 0, without one 1 row). A no-cache
  // verification runs the whole sequence but samples gamma + 1 rows: rows is not tokens.
  Tokens rows = 0;
  ProfileStats stats;
  EntryOrigin origin = EntryOrigin::measured;
  std::string note;   // where the number came from
  std::string file;   // for messages
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  std::string path;  // key path of the entry in its file ("entries[3]"), for messages
};

// Moving `bytes` of a boundary tensor from one PU to another (the runtime's copy between
// host memory and an OpenCL device, say), measured by the profiler over a range of sizes.
struct TransferEntry {
  std::string from;  // ProcessingUnit::id
  std::string to;
  Bytes bytes = 0;
  ProfileStats stats;
  std::string file;
};

// The same reference work on `pu` timed alone (beside empty) and while `beside` runs its
// own load: their ratio is the slowdown the overlapped schedule pays when both PUs share
// cores or memory bandwidth.
struct ContentionEntry {
  std::string pu;
  int units = 1;
  std::string beside;  // empty: alone
  int beside_units = 0;
  ProfileStats stats;
  std::string file;
  // Whose work is timed on `pu`, "draft" or "target", beside the other role's own work; empty:
  // a reference of either (profiles made before roles were measured).
  std::string role;
};

// The speculative loop's own work in one iteration that drafts `drafts` tokens, outside the
// model calls and beyond the sampling the pass points already time: the rows' softmax into
// the loop's distribution buffers, verification, sampling the next token, bookkeeping
// (runtime/speculative/speculative.cc). It runs on the calling thread and depends on the
// vocabulary and the rows, not on the models' shapes. Measured by the profiler's loop
// benchmarks; profiles made before them have none (see docs/profiles.md).
struct LoopEntry {
  std::int64_t vocab = 0;
  int drafts = 0;
  ProfileStats stats;
  std::string file;
};

struct ProfileDb {
  // "s": seconds. "relative": units of a reference forward pass (the paper profile);
  // such a profile can only be scaled, never mixed with roofline seconds.
  std::string time_unit = "s";
  std::string machine;  // what it was measured on
  std::string reference;  // what 1.0 means when time_unit is "relative"; empty otherwise
  std::vector<ProfileEntry> entries;
  std::vector<TransferEntry> transfers;
  std::vector<ContentionEntry> contention;
  std::vector<LoopEntry> loops;
  std::vector<std::string> source_files;

  // Appends another database; error when time units differ.
  Status merge(const ProfileDb& other);
};

// A compact hand-written YAML profile (see profiles/paper.yaml) or Google Benchmark JSON
// (file ending .json) whose benchmark names follow
// "specmap/<level>/<model>/<key>/<pu>/units:<u>/n:<N>/ctx:<C>" with an optional "/rows:<R>"
// (ProfileEntry::rows; names without it still load).
Result<ProfileDb> load_profile(const std::string& path);
Result<ProfileDb> parse_profile_yaml(const std::string& text, const std::string& file_label);
Result<ProfileDb> parse_benchmark_json(const std::string& text, const std::string& file_label);
// Benchmark name the profiler emits and the JSON reader parses.
std::string benchmark_name(ProfileLevel level, const std::string& model, const std::string& key,
                           const std::string& pu, int units, Tokens new_tokens, Tokens context,
                           Tokens rows = 0);
// A forward benchmark may carry the subgraphs and ops timed within its passes as user
// counters named "subgraph:<subgraph name>" and "op:<op_profile_key>", in seconds per
// iteration; the JSON reader turns each into the subgraph or op entry of the same PU,
// units, new tokens and context.
inline constexpr std::string_view kSubgraphCounterPrefix = "subgraph:";
inline constexpr std::string_view kOpCounterPrefix = "op:";
// Transfer and contention benchmarks (the profiler's --transfers / --contention):
//   specmap/transfer/<from pu>/<to pu>/bytes:<B>
//   specmap/contention/<pu>/units:<u>/beside:<other pu>/units:<v>[/role:<draft|target>]
//   (beside:none/units:0 = alone; role: whose work is timed, names without it still load)
//   specmap/loop/vocab:<V>/drafts:<d>   (LoopEntry: time per iteration)
std::string transfer_benchmark_name(const std::string& from, const std::string& to, Bytes bytes);
std::string loop_benchmark_name(std::int64_t vocab, int drafts);
std::string contention_benchmark_name(const std::string& pu, int units, const std::string& beside,
                                      int beside_units, const std::string& role = "");

}  // namespace specmap
