// Single-token decode of host-target-110m on the CPU executor next to the host's memory
// bandwidth, measured in the same run so their ratio is like for like:
//   BM_MemoryCopy / BM_MemoryTriad / BM_MemoryRead   STREAM-like kernels, one thread on core 0,
//                                                    arrays far beyond the last-level cache
//   BM_PeakF32Fma / BM_PeakBf16Dot / BM_PeakInt8Dot  one core's multiply-accumulate peak in the
//                                                    instructions of the kernel set linear()
//                                                    uses (macs_per_second; skipped where the
//                                                    set has no such instruction)
//   BM_DecodeHostTarget110m/<cores>                  one token at context 64 (KV cache, synthetic
//                                                    weights), on {0} (1) or {0,1} (2)
//   BM_TiedHeadRows/<rows>                           the model's LM head for 1..9 rows, one thread
//   BM_SampleRows/rows:<r>                           softmax and argmax of r rows of a 32000-token
//                                                    vocabulary, one thread (a verification's sampling)
//   BM_Step/host-target-110m/<dtype>/rows:<r>         one decode (r = 1) or verification step of r
//                                                    rows at context 64 with a KV cache, one core,
//                                                    weights stored in f32, f16, q8_0 or q4_0;
//                                                    bytes_per_second = weight bytes the step
//                                                    streams / time; macs_per_step = r x the
//                                                    weights' elements
//   BM_Attention/host-target-110m/rows:<r>           causal_attention alone for one layer (12 heads
//                                                    x 64 on 4 KV heads, context 64 + r), one core;
//                                                    macs_per_second counts the scores' and values'
//                                                    multiply-adds
//   BM_LinearF32Rows/<kernels|openblas>/rows:<r>     host-target-110m's gate_proj (2048 x 768 f32)
//                                                    for r rows through the kernels or OpenBLAS's
//                                                    GEMM, one core: where linear() switches
//   BM_StepOpenCL/host-target-110m/<dtype>/rows:<r>  one step of r rows (context 64, KV cache) with
//                                                    every subgraph on the OpenCL device, weights
//                                                    stored in f32 or f16
//   BM_OpenClHeadRows/path:<p>/rows:<r>              the LM head on the OpenCL device along each
//                                                    few-rows path (kernel, GEMV per row, CLBlast)
// Decode counters: ms_per_token, decode_bytes_per_second (weight bytes one step streams /
// time per token) and, on one core, ratio_to_triad / ratio_to_read: the share of the
// measured single-core bandwidth the decode reaches.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "describe/loaders.h"
#include "runtime/cpu/attention.h"
#include "runtime/cpu/blas_threads.h"
#include "runtime/cpu/core_set.h"
#include "runtime/cpu/linear.h"
#include "runtime/kernels/cpu/compute_peak.h"
#include "runtime/kernels/cpu/dispatch.h"
#include "runtime/opencl/opencl_device.h"
#include "runtime/executor/transformer_executor.h"
#include "runtime/speculative/sampling.h"
#include "runtime/weights/synthetic_weights.h"
#include "runtime/weights/weight_tensor.h"

#ifdef SPECMAP_HAVE_OPENCL
#include "runtime/opencl/buffer.h"
#include "runtime/opencl/ops.h"
#include "runtime/opencl/queue.h"
#endif

namespace specmap::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// 64M floats = 256 MB per array: 8x the 32 MB L3 of this host.
constexpr std::size_t kStreamValues = std::size_t(64) << 20;
constexpr std::size_t kContext = 64;

struct StreamArrays {
  std::vector<float> a = std::vector<float>(kStreamValues, 1.0f);
  std::vector<float> b = std::vector<float>(kStreamValues, 2.0f);
  std::vector<float> c = std::vector<float>(kStreamValues, 0.5f);
};

StreamArrays& arrays() {
  static StreamArrays instance;
  return instance;
}

// Best rates seen, bytes per second; 0 until measured.
double g_triad_bytes_per_s = 0;
double g_read_bytes_per_s = 0;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void triad(StreamArrays& s) {
  float* __restrict a = s.a.data();
  const float* __restrict b = s.b.data();
  const float* __restrict c = s.c.data();
  for (std::size_t i = 0; i < kStreamValues; ++i) a[i] = b[i] + 3.0f * c[i];
}

float read_all(const StreamArrays& s) {
  // Sixteen independent sums so the loop is bound by loads, not by one add chain.
  float sums[16] = {};
  const float* a = s.a.data();
  for (std::size_t i = 0; i < kStreamValues; i += 16)
    for (int j = 0; j < 16; ++j) sums[j] += a[i + j];
  float total = 0;
  for (float v : sums) total += v;
  return total;
}

// Used when BM_MemoryTriad was filtered out: the same kernel, on core 0, best of ten.
double measure_triad_once() {
  ScopedAffinityRestore restore;
  (void)pin_current_thread(make_core_set({0}));
  StreamArrays& s = arrays();
  triad(s);  // touch pages first
  double best = 0;
  for (int repeat = 0; repeat < 10; ++repeat) {
    const Clock::time_point start = Clock::now();
    triad(s);
    best = std::max(best, 3.0 * sizeof(float) * kStreamValues / seconds_since(start));
  }
  return best;
}

void pin_to_core_zero(benchmark::State& state) {
  if (Status s = pin_current_thread(make_core_set({0})); !s) state.SkipWithError(s.error().message.c_str());
}

void BM_MemoryCopy(benchmark::State& state) {
  pin_to_core_zero(state);
  StreamArrays& s = arrays();
  for (auto _ : state) {
    std::copy(s.b.begin(), s.b.end(), s.a.begin());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * 2 * sizeof(float) * kStreamValues);
}
BENCHMARK(BM_MemoryCopy)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MemoryTriad(benchmark::State& state) {
  pin_to_core_zero(state);
  StreamArrays& s = arrays();
  for (auto _ : state) {
    const Clock::time_point start = Clock::now();
    triad(s);
    benchmark::ClobberMemory();
    g_triad_bytes_per_s =
        std::max(g_triad_bytes_per_s, 3.0 * sizeof(float) * kStreamValues / seconds_since(start));
  }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * 3 * sizeof(float) * kStreamValues);
  state.counters["best_bytes_per_second"] = g_triad_bytes_per_s;
}
BENCHMARK(BM_MemoryTriad)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MemoryRead(benchmark::State& state) {
  pin_to_core_zero(state);
  StreamArrays& s = arrays();
  for (auto _ : state) {
    const Clock::time_point start = Clock::now();
    benchmark::DoNotOptimize(read_all(s));
    g_read_bytes_per_s = std::max(g_read_bytes_per_s, sizeof(float) * kStreamValues / seconds_since(start));
  }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * sizeof(float) * kStreamValues);
  state.counters["best_bytes_per_second"] = g_read_bytes_per_s;
}
BENCHMARK(BM_MemoryRead)->Unit(benchmark::kMillisecond)->UseRealTime();

// The compute side of the same core: with r rows a step does r times one row's MACs over
// the same weight bytes, so r rows cost at least max(one row's bytes at the triad, r rows'
// MACs at this peak) whatever the kernel.
void peak_benchmark(benchmark::State& state, kernels::PeakOp op) {
  pin_to_core_zero(state);
  const char* set = kernels::active_kernel_set().name;
  const kernels::PeakLoop* loop = kernels::peak_loop(set, op);
  if (loop == nullptr) {
    state.SkipWithError((std::string("kernel set ") + set + " runs no such instruction on this CPU").c_str());
    return;
  }
  constexpr std::size_t kIterations = std::size_t(1) << 16;
  for (auto _ : state) benchmark::DoNotOptimize(loop->run(kIterations));
  state.SetLabel(std::string(set) + ": " + loop->instruction);
  state.counters["macs_per_second"] =
      benchmark::Counter(double(state.iterations()) * double(kIterations) * loop->macs_per_iteration,
                         benchmark::Counter::kIsRate);
}
void BM_PeakF32Fma(benchmark::State& state) { peak_benchmark(state, kernels::PeakOp::f32_fma); }
void BM_PeakBf16Dot(benchmark::State& state) { peak_benchmark(state, kernels::PeakOp::bf16_dot); }
void BM_PeakInt8Dot(benchmark::State& state) { peak_benchmark(state, kernels::PeakOp::int8_dot); }
// Rates over CPU time: the loops touch no memory, so a core shared with other processes
// (a busy machine) leaves the figure as it is, where real time would divide it.
BENCHMARK(BM_PeakF32Fma)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PeakBf16Dot)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PeakInt8Dot)->Unit(benchmark::kMicrosecond);

struct LoadedTarget {
  ModelGraph graph;
  std::shared_ptr<const TransformerWeights> weights;
  std::string error;
};

// host-target-110m with synthetic weights (seed 1) stored in `type`, or in the model's own
// dtype.
LoadedTarget load_target(std::optional<TensorType> type) {
  LoadedTarget t;
  Result<ModelGraph> graph =
      load_model(std::string(SPECMAP_SOURCE_DIR) + "/configs/models/host-target-110m.yaml");
  if (!graph) {
    t.error = graph.error().format();
    return t;
  }
  t.graph = *graph;
  Result<TransformerWeights> weights = SyntheticWeights(1, type).load(*graph->arch);
  if (!weights) {
    t.error = weights.error().format();
    return t;
  }
  t.weights = std::make_shared<const TransformerWeights>(std::move(weights).value());
  return t;
}

const LoadedTarget& target() {
  static const LoadedTarget loaded = load_target(std::nullopt);
  return loaded;
}

// Decodes the kContext-token context every step benchmark runs at.
void append_context(TransformerExecutor& model) {
  std::vector<int> prompt(kContext);
  for (std::size_t i = 0; i < kContext; ++i) prompt[i] = int((i * 7919) % 32000);
  model.append(prompt, 1);
}

void BM_DecodeHostTarget110m(benchmark::State& state) {
  const LoadedTarget& t = target();
  if (!t.error.empty()) {
    state.SkipWithError(t.error.c_str());
    return;
  }
  const CoreSet cores = state.range(0) == 1 ? make_core_set({0}) : make_core_set({0, 1});
  auto executor = TransformerExecutor::create(t.graph, t.weights, place_all_on(t.graph, cores));
  if (!executor) {
    state.SkipWithError(executor.error().format().c_str());
    return;
  }
  TransformerExecutor& model = **executor;
  append_context(model);
  model.reset_timings();

  const std::vector<int> next = {123};
  Seconds decode_seconds = 0;
  for (auto _ : state) {
    const Clock::time_point start = Clock::now();
    benchmark::DoNotOptimize(model.append(next, 1));
    decode_seconds += seconds_since(start);
    model.truncate(kContext);  // every step decodes at the same context
  }
  const double steps = double(state.iterations());
  const double seconds_per_token = decode_seconds / steps;
  const double bytes_per_second = t.weights->bytes_read_per_token() / seconds_per_token;
  state.counters["ms_per_token"] = seconds_per_token * 1e3;
  state.counters["weight_bytes_per_token"] = t.weights->bytes_read_per_token();
  state.counters["decode_bytes_per_second"] = bytes_per_second;

  // Per-subgraph shares from the executor's own timings.
  Seconds blocks = 0;
  for (const SubgraphTiming& entry : model.timings().entries())
    if (entry.name.rfind("block.", 0) == 0) blocks += entry.total_seconds;
  state.counters["blocks_ms_per_token"] = blocks / steps * 1e3;
  state.counters["head_ms_per_token"] = model.timings().find("head")->total_seconds / steps * 1e3;

  if (cores.size() == 1) {
    if (g_triad_bytes_per_s == 0) g_triad_bytes_per_s = measure_triad_once();
    state.counters["triad_bytes_per_second"] = g_triad_bytes_per_s;
    state.counters["ratio_to_triad"] = bytes_per_second / g_triad_bytes_per_s;
    if (g_read_bytes_per_s > 0) state.counters["ratio_to_read"] = bytes_per_second / g_read_bytes_per_s;
  }
}
BENCHMARK(BM_DecodeHostTarget110m)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The tied LM head of host-target-110m (32000 x 768) for 1, 2, 5 and 9 rows with one BLAS
// thread: a no-cache verification of gamma drafts samples gamma + 1 rows, and with more
// than one row the product leaves OpenBLAS's GEMV for its GEMM path (docs/validation.md).
void BM_TiedHeadRows(benchmark::State& state) {
  const LoadedTarget& t = target();
  if (!t.error.empty()) {
    state.SkipWithError(t.error.c_str());
    return;
  }
  const auto rows = static_cast<std::size_t>(state.range(0));
  const auto d = static_cast<std::size_t>(t.graph.arch->d_model);
  const auto vocab = static_cast<std::size_t>(t.graph.arch->vocab);
  use_blas_threads_on(make_core_set({0}));
  std::vector<float> x(rows * d, 0.01f);
  std::vector<float> logits(rows * vocab);
  ThreadPool pool(make_core_set({0}));
  for (auto _ : state) {
    linear(x, rows, t.weights->embedding, logits, pool);
    benchmark::DoNotOptimize(logits.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_TiedHeadRows)->Arg(1)->Arg(2)->Arg(5)->Arg(9)->Unit(benchmark::kMillisecond)->UseRealTime();

// What the speculative loop does with a pass's logits, for r rows of a 32000-token
// vocabulary on one thread: softmax in double precision and argmax of each row (a
// verification of gamma drafts samples gamma + 1 rows, each drafting step one). The profile
// charges it to the pass's head, the loop's statistics to "other".
void BM_SampleRows(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t kVocab = 32000;
  std::mt19937 engine(3);
  std::normal_distribution<float> logit(0.0F, 3.0F);
  std::vector<float> logits(rows * kVocab);
  for (float& l : logits) l = logit(engine);
  std::vector<double> scratch;
  for (auto _ : state) benchmark::DoNotOptimize(softmax_and_argmax_rows(logits, rows, scratch));
}
BENCHMARK(BM_SampleRows)->ArgName("rows")->Arg(1)->Arg(9)->Unit(benchmark::kMicrosecond)->UseRealTime();

// host-target-110m with its weights stored in `type`; one model at a time is kept (the
// benchmarks of one type run together), so the four types never sit in memory at once.
const LoadedTarget& typed_target(TensorType type) {
  static std::optional<TensorType> loaded_type;
  static LoadedTarget loaded;
  if (loaded_type == type) return loaded;
  loaded = LoadedTarget{};  // the previous model is freed before the next one loads
  loaded_type = type;
  loaded = load_target(type);
  return loaded;
}

// Multiply-accumulates of one row through every matrix of a step (the layers and the head).
std::size_t matrix_elements(const TransformerWeights& w) {
  const auto elements = [](const WeightTensor& m) { return m.rows * m.cols; };
  std::size_t total = elements(w.head_matrix());
  for (const LayerWeights& l : w.layers)
    for (const WeightTensor* m :
         {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj})
      total += elements(*m);
  return total;
}

// One step of `rows` new tokens after a 64-token context, logits for every row (a
// verification samples each), rolled back after each iteration so every step sees the
// same context.
void step_benchmark(benchmark::State& state, TensorType type, std::size_t rows) {
  const LoadedTarget& t = typed_target(type);
  if (!t.error.empty()) {
    state.SkipWithError(t.error.c_str());
    return;
  }
  ExecutorOptions options;
  options.time_ops = true;  // a clock read per op: the per-kind breakdown below
  auto executor =
      TransformerExecutor::create(t.graph, t.weights, place_all_on(t.graph, make_core_set({0})), options);
  if (!executor) {
    state.SkipWithError(executor.error().format().c_str());
    return;
  }
  TransformerExecutor& model = **executor;
  append_context(model);
  model.reset_timings();
  std::vector<int> next(rows);
  for (std::size_t i = 0; i < rows; ++i) next[i] = int((i * 104729 + 11) % 32000);
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.append(next, rows));
    model.truncate(kContext);
  }
  const double step_bytes =
      double(t.weights->matrix_bytes_per_step()) + double(rows) * double(t.weights->embedding.row_stride());
  state.SetBytesProcessed(static_cast<std::int64_t>(double(state.iterations()) * step_bytes));
  state.counters["weight_bytes_per_step"] = step_bytes;
  state.counters["macs_per_step"] = double(rows) * double(matrix_elements(*t.weights));
  // Where a step's time goes: the products (projections, MLP, head), attention over the
  // cache, and everything else (norms, rotary, SwiGLU, residuals, embedding), ms per step.
  double matmul = 0, attention = 0, other = 0;
  const std::vector<std::vector<Seconds>>& seconds = model.op_seconds();
  for (std::size_t s = 0; s < seconds.size() && s < t.graph.subgraphs.size(); ++s)
    for (std::size_t o = 0; o < seconds[s].size() && o < t.graph.subgraphs[s].ops.size(); ++o) {
      const OpKind kind = t.graph.subgraphs[s].ops[o].kind;
      (kind == OpKind::matmul ? matmul : kind == OpKind::attention ? attention : other) += seconds[s][o];
    }
  const double steps = std::max(1.0, double(state.iterations()));
  state.counters["matmul_ms"] = matmul / steps * 1e3;
  state.counters["attention_ms"] = attention / steps * 1e3;
  state.counters["other_ms"] = other / steps * 1e3;
}

// One layer's attention of host-target-110m over the cache (64 positions before the step's
// `rows`), the kernel alone: the attention_ms of BM_Step divided by its 12 layers.
void attention_benchmark(benchmark::State& state, std::size_t rows) {
  const std::size_t heads = 12, kv_heads = 4, head_dim = 64, first = kContext, context = first + rows;
  std::vector<float> q(rows * heads * head_dim), k(context * kv_heads * head_dim), v(k.size());
  for (std::size_t i = 0; i < q.size(); ++i) q[i] = float(int(i * 40503u % 200) - 100) * 1e-2f;
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = float(int(i * 2654435761u % 1000) - 500) * 1e-3f;
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(int(i * 69069u % 1000) - 500) * 1e-3f;
  std::vector<float> out(q.size());
  pin_to_core_zero(state);
  ThreadPool pool(make_core_set({0}));
  for (auto _ : state) {
    causal_attention(q, first, k, v, AttentionShape{heads, kv_heads, head_dim}, out, pool);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  double macs = 0;  // query r sees first + r + 1 positions, twice head_dim multiply-adds each
  for (std::size_t r = 0; r < rows; ++r) macs += double(heads * (first + r + 1) * head_dim * 2);
  state.counters["macs_per_second"] =
      benchmark::Counter(double(state.iterations()) * macs, benchmark::Counter::kIsRate);
}

// The product of gate_proj's shape for `rows` rows through the kernels or OpenBLAS: the
// switch point kBlasMinRows in cpu/linear.cc comes from this.
void linear_rows_benchmark(benchmark::State& state, bool blas, std::size_t rows) {
  const std::size_t in = 768, out = 2048;
  std::vector<float> values(out * in);
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = float(int(i * 2654435761u % 1000) - 500) * 1e-4f;
  WeightTensor w = WeightTensor::from_f32(std::move(values), out, in);
  pack_for(kernels::active_kernel_set(), w);  // as a loaded model's weights are
  std::vector<float> x(rows * in, 0.01f), y(rows * out);
  pin_to_core_zero(state);
  use_blas_threads_on(make_core_set({0}));
  ThreadPool pool(make_core_set({0}));
  for (auto _ : state) {
    if (blas)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(rows), int(out), int(in), 1.0f, x.data(),
                  int(in), w.f32().data(), int(in), 0.0f, y.data(), int(out));
    else
      linear_with(kernels::active_kernel_set(), x, rows, w, y, pool);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(w.bytes.size()));
}

// host-target-110m's gate_proj (2048 x 768) stored in `type` through the active kernel set
// for `rows` rows, one core: the kernels alone, without the rest of a step.
void typed_linear_benchmark(benchmark::State& state, TensorType type, std::size_t rows) {
  const std::size_t in = 768, out = 2048;
  std::vector<float> values(out * in);
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = float(int(i * 2654435761u % 1000) - 500) * 1e-4f;
  WeightTensor w = WeightTensor::convert(std::move(values), out, in, type);
  pack_for(kernels::active_kernel_set(), w);  // as a loaded model's weights are
  std::vector<float> x(rows * in), y(rows * out);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(int(i * 40503u % 200) - 100) * 1e-2f;
  pin_to_core_zero(state);
  ThreadPool pool(make_core_set({0}));
  for (auto _ : state) {
    linear_with(kernels::active_kernel_set(), x, rows, w, y, pool);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(w.bytes.size()));
  state.counters["macs_per_second"] =
      benchmark::Counter(double(state.iterations()) * double(rows * in * out), benchmark::Counter::kIsRate);
}

const bool kRegistered = [] {
  const std::pair<TensorType, const char*> types[] = {{TensorType::f32, "f32"},
                                                      {TensorType::f16, "f16"},
                                                      {TensorType::q8_0, "q8_0"},
                                                      {TensorType::q4_0, "q4_0"}};
  for (const auto& [type, name] : types)
    for (std::size_t rows : {1, 2, 4, 9, 16})
      benchmark::RegisterBenchmark(
          ("BM_Step/host-target-110m/" + std::string(name) + "/rows:" + std::to_string(rows)).c_str(),
          [type = type, rows](benchmark::State& state) { step_benchmark(state, type, rows); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
  for (std::size_t rows : {1, 4, 9, 16})
    benchmark::RegisterBenchmark(("BM_Attention/host-target-110m/rows:" + std::to_string(rows)).c_str(),
                                 [rows](benchmark::State& state) { attention_benchmark(state, rows); })
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  const std::pair<TensorType, const char*> linear_types[] = {{TensorType::f32, "f32"},
                                                             {TensorType::f16, "f16"},
                                                             {TensorType::bf16, "bf16"},
                                                             {TensorType::q8_0, "q8_0"},
                                                             {TensorType::q4_0, "q4_0"}};
  for (const auto& [type, name] : linear_types)
    for (std::size_t rows : {1, 2, 4, 9, 16})
      benchmark::RegisterBenchmark(
          ("BM_LinearRows/" + std::string(name) + "/rows:" + std::to_string(rows)).c_str(),
          [type = type, rows](benchmark::State& state) { typed_linear_benchmark(state, type, rows); })
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
  for (bool blas : {false, true})
    for (std::size_t rows : {1, 2, 4, 8, 10, 12, 14, 16, 24, 32, 48, 64, 96, 128, 256, 512})
      benchmark::RegisterBenchmark(
          ("BM_LinearF32Rows/" + std::string(blas ? "openblas" : "kernels") + "/rows:" + std::to_string(rows))
              .c_str(),
          [blas, rows](benchmark::State& state) { linear_rows_benchmark(state, blas, rows); })
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
  return true;
}();

// --- OpenCL ---------------------------------------------------------------------------------

// The OpenCL device the benchmarks run on: $SPECMAP_BENCH_OPENCL_DEVICE, else the first (pocl
// here). pocl's workers take the affinity of the thread that initialises OpenCL, and the
// CPU benchmarks before these pin the main thread to core 0: opened without host_cores, all
// of pocl's workers shared core 0 in a whole run (and in a filtered run they did not). The
// device is opened on every online core, whatever ran before; pocl's thread count is its
// default (one per core) unless POCL_MAX_PTHREAD_COUNT says otherwise.
Result<std::shared_ptr<OpenClDevice>> bench_opencl_device() {
  OpenClDeviceRequest request;
  request.host_cores = make_core_set(online_cores());
  if (const char* match = std::getenv("SPECMAP_BENCH_OPENCL_DEVICE")) request.device_match = match;
  return shared_opencl_device(request);
}

// The OpenCL device for a benchmark of the model `t`, or null with the benchmark skipped with
// the reason (the model did not load, or there is no device).
std::shared_ptr<OpenClDevice> opencl_device_or_skip(benchmark::State& state, const LoadedTarget& t) {
  if (!t.error.empty()) {
    state.SkipWithError(t.error.c_str());
    return nullptr;
  }
  auto device = bench_opencl_device();
  if (!device) {
    state.SkipWithError(("no OpenCL device: " + device.error().message).c_str());
    return nullptr;
  }
  return std::move(device).value();
}

// One decode or verification step of r rows at context 64 with a KV cache, every subgraph
// of host-target-110m (weights stored in `type`) on the OpenCL device, the r rows' logits
// read back. Up to 16 rows the projections and the head run the few-rows kernels (each weight
// read once), so bytes_per_second is the weight bytes one step streams over its time.
// Skipped with the reason where there is no device.
// With `parts` the queue is finished after every op and the step's time is split (counters,
// ms per step): the block products (matmul_ms), the head subgraph (norm, product, logits read
// back: head_ms), attention over the cache (attention_ms) and the rest (norms, rotary, SwiGLU,
// residuals, embedding: other_ms); the waits make the step itself slower.
void opencl_step_benchmark(benchmark::State& state, TensorType type, std::size_t rows, bool parts = false) {
  const LoadedTarget& t = typed_target(type);
  const std::shared_ptr<OpenClDevice> device = opencl_device_or_skip(state, t);
  if (!device) return;
  CorePlacement placement = place_all_on(t.graph, make_core_set({online_cores().front()}));
  placement.subgraph_devices.assign(t.graph.subgraphs.size(), device);
  ExecutorOptions options;
  options.time_ops = parts;
  auto executor = TransformerExecutor::create(t.graph, t.weights, std::move(placement), options);
  if (!executor) {
    state.SkipWithError(executor.error().format().c_str());
    return;
  }
  TransformerExecutor& model = **executor;
  append_context(model);
  std::vector<int> next(rows);
  for (std::size_t i = 0; i < rows; ++i) next[i] = int((i * 104729 + 11) % 32000);
  // One untimed step: pocl compiles a kernel at its first launch (a second or more per
  // kernel), which would otherwise fall into the first timed step.
  benchmark::DoNotOptimize(model.append(next, rows));
  model.truncate(kContext);
  model.reset_timings();
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.append(next, rows));
    model.truncate(kContext);  // every step runs at the same context
  }
  const double step_bytes =
      double(t.weights->matrix_bytes_per_step()) + double(rows) * double(t.weights->embedding.row_stride());
  state.SetBytesProcessed(static_cast<std::int64_t>(double(state.iterations()) * step_bytes));
  state.counters["weight_bytes_per_step"] = step_bytes;
  if (!parts) return;
  double matmul = 0, head = 0, attention = 0, other = 0;
  const std::vector<std::vector<Seconds>>& seconds = model.op_seconds();
  for (std::size_t s = 0; s < seconds.size() && s < t.graph.subgraphs.size(); ++s)
    for (std::size_t o = 0; o < seconds[s].size() && o < t.graph.subgraphs[s].ops.size(); ++o) {
      const OpKind kind = t.graph.subgraphs[s].ops[o].kind;
      (t.graph.subgraphs[s].kind == SubgraphKind::head ? head
       : kind == OpKind::matmul                        ? matmul
       : kind == OpKind::attention                     ? attention
                                                       : other) += seconds[s][o];
    }
  const double steps = std::max(1.0, double(state.iterations()));
  state.counters["matmul_ms"] = matmul / steps * 1e3;
  state.counters["head_ms"] = head / steps * 1e3;
  state.counters["attention_ms"] = attention / steps * 1e3;
  state.counters["other_ms"] = other / steps * 1e3;
}

#ifdef SPECMAP_HAVE_OPENCL
// The tied LM head of host-target-110m (32000 x 768 f32, 98 MB) for r rows on the OpenCL
// device along each few-rows path: 0 our kernel (each weight read once), 1 one CLBlast GEMV
// per row, 2 plain CLBlast (GEMV for one row, GEMM for more). What picked the kernel.
void BM_OpenClHeadRows(benchmark::State& state) {
  const LoadedTarget& t = typed_target(TensorType::f32);
  const std::shared_ptr<OpenClDevice> device = opencl_device_or_skip(state, t);
  if (!device) return;
  auto queue = ocl::OpenClQueue::create(device);
  if (!queue) {
    state.SkipWithError(queue.error().format().c_str());
    return;
  }
  const auto path = static_cast<ocl::FewRowsPath>(state.range(0));
  const auto rows = static_cast<std::size_t>(state.range(1));
  const auto d = static_cast<std::size_t>(t.graph.arch->d_model);
  const auto vocab = static_cast<std::size_t>(t.graph.arch->vocab);
  const std::vector<float> table = dequantize(t.weights->embedding);
  auto w = ocl::DeviceBuffer::upload((*queue)->context(), (*queue)->get(), table);
  auto x =
      ocl::DeviceBuffer::upload((*queue)->context(), (*queue)->get(), std::vector<float>(rows * d, 0.01f));
  auto y = ocl::DeviceBuffer::create_zeroed((*queue)->context(), (*queue)->get(), rows * vocab);
  if (!w || !x || !y) {
    state.SkipWithError("device buffers could not be created");
    return;
  }
  ocl::set_few_rows_path(path);
  // One untimed product: pocl compiles a kernel at its first launch.
  if (Status s = ocl::linear(**queue, x->span(), rows, w->span(), d, vocab, y->span());
      !s || !(*queue)->finish()) {
    state.SkipWithError("the warm-up product failed");
    return;
  }
  for (auto _ : state) {
    Status s = ocl::linear(**queue, x->span(), rows, w->span(), d, vocab, y->span());
    if (s) s = (*queue)->finish();
    if (!s) {
      state.SkipWithError(s.error().format().c_str());
      break;
    }
  }
  ocl::set_few_rows_path(ocl::FewRowsPath::own_kernel);  // the default
  state.SetBytesProcessed(
      static_cast<std::int64_t>(double(table.size() * sizeof(float)) * double(state.iterations())));
}
BENCHMARK(BM_OpenClHeadRows)
    ->ArgNames({"path", "rows"})
    ->ArgsProduct({{0, 1, 2}, {1, 2, 4, 9, 16}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
#endif

const bool kOpenClStepsRegistered = [] {
  const std::pair<TensorType, const char*> types[] = {{TensorType::f32, "f32"}, {TensorType::f16, "f16"}};
  for (const auto& [type, name] : types)
    for (std::size_t rows : {1, 2, 4, 9, 16})
      benchmark::RegisterBenchmark(
          ("BM_StepOpenCL/host-target-110m/" + std::string(name) + "/rows:" + std::to_string(rows)).c_str(),
          [type = type, rows](benchmark::State& state) { opencl_step_benchmark(state, type, rows); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
  // Where a step's time goes (op by op, so slower than the step above).
  for (std::size_t rows : {1, 9, 16})
    benchmark::RegisterBenchmark(
        ("BM_StepOpenCLParts/host-target-110m/f32/rows:" + std::to_string(rows)).c_str(),
        [rows](benchmark::State& state) { opencl_step_benchmark(state, TensorType::f32, rows, true); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  return true;
}();

}  // namespace
}  // namespace specmap::runtime

BENCHMARK_MAIN();
