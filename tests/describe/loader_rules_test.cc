// Loader rules beyond the bad-input fixtures: explicit subgraphs, acceptance conversions,
// SoC references and experiment search options.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "describe/loaders.h"
#include "describe/model_weights.h"

namespace specmap {
namespace {

const std::string kSubgraphs = R"(version: 1
name: two-blocks
subgraphs:
  - name: head
    kind: head
    inputs: [block.1]
    shares_weights_with: embedding
    output_bytes_per_token: 400
    ops:
      - {name: final_norm, kind: norm, width: 64}
      - {name: lm_head, kind: matmul, dtype: int8, in_features: 64, out_features: 100}
  - name: block.1
    kind: decoder_block
    inputs: [block.0]
    output_bytes_per_token: 256
    ops:
      - {name: proj, kind: matmul, dtype: int8, in_features: 64, out_features: 64}
  - name: embedding
    kind: embedding
    output_bytes_per_token: 256
    ops:
      - {name: embed, kind: embedding, dtype: int8, vocab: 100, width: 64}
  - name: block.0
    kind: decoder_block
    inputs: [embedding]
    output_bytes_per_token: 256
    ops:
      - {name: attention, kind: attention, heads: 4, kv_heads: 2, head_dim: 16}
      - {name: proj, kind: matmul, dtype: f32, in_features: 64, out_features: 64}
)";

TEST(ModelLoader, ExplicitSubgraphsAreOrderedTopologically) {
  auto model = parse_model(kSubgraphs, "inline.yaml");
  ASSERT_TRUE(model) << model.error().format();
  ASSERT_EQ(model->subgraphs.size(), 4u);
  EXPECT_EQ(model->subgraphs[0].name, "embedding");
  EXPECT_EQ(model->subgraphs[1].name, "block.0");
  EXPECT_EQ(model->subgraphs[2].name, "block.1");
  EXPECT_EQ(model->subgraphs[3].name, "head");
  for (const auto& [from, to] : model->edges) EXPECT_LT(from, to);
  EXPECT_EQ(model->edges.size(), 3u);
  ASSERT_TRUE(model->subgraphs[3].shares_weights_with);
  EXPECT_EQ(*model->subgraphs[3].shares_weights_with, 0u);
  EXPECT_EQ(model->dtype, DType::int8);  // two of three matmuls
  EXPECT_FALSE(model->arch);
  // Norm defaults: f32 and ~4 FLOPs per element.
  EXPECT_DOUBLE_EQ(op_flops(model->subgraphs[3].ops[0], 1, 0), 256.0);
  // The head's 6400-byte lm_head is the embedding table again; only its norm is its own.
  EXPECT_DOUBLE_EQ(subgraph_own_weight_bytes(*model, 3), 64 * 4);
}

TEST(ModelLoader, OpKeysDependOnTheKind) {
  std::string text = kSubgraphs;
  text.replace(text.find("in_features: 64, out_features: 100"), 0, "width: 3, ");
  auto model = parse_model(text, "inline.yaml");
  ASSERT_FALSE(model);
  EXPECT_EQ(model.error().key_path, "subgraphs[0].ops[1].width");
  EXPECT_EQ(model.error().line, 11);
}

TEST(ModelLoader, UnknownInputIsAnError) {
  std::string text = kSubgraphs;
  text.replace(text.find("inputs: [block.0]"), 17, "inputs: [block.9]");
  auto model = parse_model(text, "inline.yaml");
  ASSERT_FALSE(model);
  EXPECT_EQ(model.error().key_path, "subgraphs[1].inputs[0]");
  EXPECT_NE(model.error().message.find("block.9"), std::string::npos);
}

TEST(ModelLoader, ArchitectureAndSubgraphsExcludeEachOther) {
  auto model = parse_model("version: 1\nname: x\n", "inline.yaml");
  ASSERT_FALSE(model);
  auto wrong_version = parse_model("version: 2\nname: x\n", "inline.yaml");
  ASSERT_FALSE(wrong_version);
  EXPECT_EQ(wrong_version.error().key_path, "version");
  EXPECT_EQ(wrong_version.error().line, 1);
}

std::string workload_with(const std::string& acceptance, const std::string& prompt = "63") {
  return "version: 1\nname: w\nprompt_tokens: " + prompt + "\ngenerate_tokens: 10\nacceptance:\n" +
         acceptance;
}

TEST(WorkloadLoader, RatioIsConvertedToLeviathanAlpha) {
  auto w = parse_workload(
      workload_with("  definition: accepted_over_drafted\n  at_gamma: 2\n  ratio: 0.375\n"), "inline.yaml");
  ASSERT_TRUE(w) << w.error().format();
  EXPECT_NEAR(w->mean_alpha(), 0.5, 1e-12);  // hand example in acceptance_test.cc
  EXPECT_NE(w->acceptance_note.find("ratio 0.375 at gamma 2"), std::string::npos) << w->acceptance_note;
  EXPECT_NE(w->acceptance_note.find("Leviathan alpha 0.500"), std::string::npos) << w->acceptance_note;
  EXPECT_TRUE(w->kv_cache);
}

TEST(WorkloadLoader, RatioNeedsItsGamma) {
  auto w =
      parse_workload(workload_with("  definition: accepted_over_drafted\n  ratio: 0.4\n"), "inline.yaml");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().key_path, "acceptance.at_gamma");
  auto alpha_key = parse_workload(
      workload_with("  definition: accepted_over_drafted\n  at_gamma: 2\n  alpha: 0.4\n"), "inline.yaml");
  ASSERT_FALSE(alpha_key);
  EXPECT_EQ(alpha_key.error().key_path, "acceptance.alpha");
}

TEST(WorkloadLoader, CountsUseTheirOwnGamma) {
  auto w = parse_workload(
      workload_with(
          "  definition: accepted_over_drafted\n  counts: {accepted: 750, drafted: 2000, gamma: 2}\n"),
      "inline.yaml");
  ASSERT_TRUE(w) << w.error().format();
  EXPECT_NEAR(w->mean_alpha(), 0.5, 1e-12);
  EXPECT_NE(w->acceptance_note.find("750 accepted / 2000 drafted"), std::string::npos) << w->acceptance_note;
}

TEST(WorkloadLoader, PromptDistributionIsCrossedWithAcceptance) {
  auto w = parse_workload(workload_with("  definition: leviathan_alpha\n  per_position: [0.9, 0.8]\n",
                                        "{distribution: [{tokens: 40, weight: 1}, {tokens: 80, weight: 3}]}"),
                          "inline.yaml");
  ASSERT_TRUE(w) << w.error().format();
  ASSERT_EQ(w->samples.size(), 2u);
  EXPECT_DOUBLE_EQ(w->samples[0].weight, 0.25);
  EXPECT_DOUBLE_EQ(w->samples[1].weight, 0.75);
  EXPECT_DOUBLE_EQ(w->mean_prompt_tokens(), 70.0);
  EXPECT_EQ(w->samples[1].alphas, (std::vector<double>{0.9, 0.8}));
}

TEST(WorkloadLoader, SamplesAreNormalisedAndMayCarryPrompts) {
  auto w = parse_workload(workload_with("  definition: leviathan_alpha\n  samples:\n"
                                        "    - {weight: 1, alpha: 0.9, prompt_tokens: 20}\n"
                                        "    - {weight: 3, alpha: 0.1}\n"),
                          "inline.yaml");
  ASSERT_TRUE(w) << w.error().format();
  ASSERT_EQ(w->samples.size(), 2u);
  EXPECT_EQ(w->samples[0].prompt_tokens, 20);
  EXPECT_EQ(w->samples[1].prompt_tokens, 63);
  EXPECT_DOUBLE_EQ(w->samples[0].weight + w->samples[1].weight, 1.0);
  EXPECT_NEAR(w->mean_alpha(), 0.25 * 0.9 + 0.75 * 0.1, 1e-12);
}

TEST(WorkloadLoader, ExactlyOneAcceptanceForm) {
  auto w = parse_workload(
      workload_with("  definition: leviathan_alpha\n  alpha: 0.5\n  per_position: [0.5]\n"), "inline.yaml");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().key_path, "acceptance");
  auto out_of_range =
      parse_workload(workload_with("  definition: leviathan_alpha\n  alpha: 1.5\n"), "inline.yaml");
  ASSERT_FALSE(out_of_range);
  EXPECT_EQ(out_of_range.error().key_path, "acceptance.alpha");
}

const std::string kTwoPus = R"(version: 1
name: two
memories: [{id: dram, capacity_gb: 4, bandwidth_gbps: 10}]
pus:
  - id: cpu
    kind: cpu
    clusters: [{name: big, core_type: a76, cores: 2}, {name: little, core_type: a55, cores: 4}]
    freq_ghz: 2
    peak_gflops_per_unit: {f32: 10}
    mem_bw_gbps: 8
    dispatch_overhead_us: 10
    active_power_w: 2
    idle_power_w: 0.2
    memory: dram
  - id: npu
    kind: npu
    units: 2
    freq_ghz: 1
    peak_gflops_per_unit: {int8: 1000}
    mem_bw_gbps: 8
    unsupported: {f32: infeasible, f16: {promote_to: int8, cost_factor: 2}}
    dispatch_overhead_us: 100
    active_power_w: 2
    idle_power_w: 0.1
    memory: dram
transfers:
  - {between: [cpu, npu], latency_us: 10, zero_copy: true}
)";

TEST(SocLoader, UnitsTransfersAndDefaultVariant) {
  auto soc = parse_soc(kTwoPus, "inline.yaml");
  ASSERT_TRUE(soc) << soc.error().format();
  EXPECT_EQ(soc->pus[0].units, 6);  // 2 + 4 cores
  EXPECT_EQ(soc->pus[1].units, 2);
  EXPECT_EQ(soc->transfers.size(), 2u);
  EXPECT_DOUBLE_EQ(soc->transfer_time(1, 0, 1e9), 10e-6);
  ASSERT_EQ(soc->variants.size(), 1u);
  EXPECT_EQ(soc->variants[0].units, (std::vector<int>{6, 2}));
  EXPECT_FALSE(soc->pus[1].execution(DType::f32));
  EXPECT_EQ(soc->pus[1].execution(DType::f16)->compute, DType::int8);
}

TEST(SocLoader, VariantUnitsAreBoundedAndReferencesChecked) {
  auto too_many = parse_soc(kTwoPus + "design_variants: [{name: big, units: {cpu: 7}}]\n", "inline.yaml");
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().key_path, "design_variants[0].units.cpu");
  auto unknown = parse_soc(kTwoPus + "design_variants: [{name: x, units: {gpu: 1}}]\n", "inline.yaml");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().key_path, "design_variants[0].units.gpu");
  EXPECT_EQ(unknown.error().line, 28);
  auto all_off = parse_soc(kTwoPus + "design_variants: [{name: x, units: {cpu: 0}}]\n", "inline.yaml");
  ASSERT_FALSE(all_off);
  std::string bad_memory = kTwoPus;
  bad_memory.replace(bad_memory.rfind("memory: dram"), 12, "memory: sram");
  auto memory = parse_soc(bad_memory, "inline.yaml");
  ASSERT_FALSE(memory);
  EXPECT_EQ(memory.error().key_path, "pus[1].memory");
  std::string duplicate = kTwoPus;
  duplicate.replace(duplicate.find("id: npu"), 7, "id: cpu");
  auto dup = parse_soc(duplicate, "inline.yaml");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().key_path, "pus[1].id");
}

TEST(SocLoader, ClustersNameTheirCores) {
  auto with = [](const std::string& clusters) {
    std::string text = kTwoPus;
    text.replace(text.find("clusters: ["),
                 text.find("\n", text.find("clusters: [")) - text.find("clusters: ["),
                 "clusters: " + clusters);
    return parse_soc(text, "inline.yaml");
  };
  auto named =
      with("[{name: big, core_type: a76, cores: [6, 4]}, {name: little, core_type: a55, cores: [0, 1, 2]}]");
  ASSERT_TRUE(named) << named.error().format();
  EXPECT_EQ(named->pus[0].units, 5);
  EXPECT_EQ(named->pus[0].clusters[0].cores, 2);
  EXPECT_EQ(named->pus[0].named_cores(), (std::vector<int>{6, 4, 0, 1, 2}));  // file order
  EXPECT_TRUE(parse_soc(kTwoPus, "inline.yaml")->pus[0].named_cores().empty());

  // Errors point at the offending value: line 7 of kTwoPus, the column of the value inside
  // "    clusters: <list>".
  auto column_of = [](const std::string& clusters, const std::string& value) {
    return static_cast<int>(std::string("    clusters: ").size() + clusters.rfind(value)) + 1;
  };
  const std::string twice_text =
      "[{name: big, core_type: a76, cores: [4, 5]}, {name: little, core_type: a55, cores: [5]}]";
  auto twice = with(twice_text);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().key_path, "pus[0].clusters[1].cores[0]");
  EXPECT_EQ(twice.error().line, 7);
  EXPECT_EQ(twice.error().column, column_of(twice_text, "5]}]"));
  EXPECT_NE(twice.error().message.find("core 5"), std::string::npos) << twice.error().message;
  const std::string mixed_text =
      "[{name: big, core_type: a76, cores: [4, 5]}, {name: little, core_type: a55, cores: 2}]";
  auto mixed = with(mixed_text);
  ASSERT_FALSE(mixed);
  EXPECT_EQ(mixed.error().key_path, "pus[0].clusters[1].cores");
  EXPECT_EQ(mixed.error().line, 7);
  EXPECT_EQ(mixed.error().column, column_of(mixed_text, "2}]"));
  EXPECT_NE(mixed.error().message.find("every cluster"), std::string::npos) << mixed.error().message;
  auto empty = with("[{name: big, core_type: a76, cores: []}]");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().key_path, "pus[0].clusters[0].cores");
  const std::string negative_text = "[{name: big, core_type: a76, cores: [4, -1]}]";
  auto negative = with(negative_text);
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().key_path, "pus[0].clusters[0].cores[1]");
  EXPECT_EQ(negative.error().line, 7);
  EXPECT_EQ(negative.error().column, column_of(negative_text, "-1"));
  auto large = with("[{name: big, core_type: a76, cores: [100000]}]");
  ASSERT_FALSE(large);
  EXPECT_NE(large.error().message.find("1023"), std::string::npos) << large.error().message;
  auto text = with("[{name: big, core_type: a76, cores: [four]}]");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().key_path, "pus[0].clusters[0].cores[0]");
  auto nested = with("[{name: big, core_type: a76, cores: [[4]]}]");
  ASSERT_FALSE(nested);
  EXPECT_EQ(nested.error().key_path, "pus[0].clusters[0].cores[0]");
  // A variant counts units within the named cores: 3 of a 2-core list is too many.
  auto variant =
      parse_soc(kTwoPus.substr(0, kTwoPus.find("cores: 2}")) +
                    "cores: [4, 5]}, {name: little, core_type: a55, cores: [0]}]" +
                    kTwoPus.substr(kTwoPus.find("\n", kTwoPus.find("cores: 2}"))) +
                    "design_variants: [{name: big, units: {cpu: 3}}, {name: ok, units: {cpu: 2}}]\n",
                "inline.yaml");
  ASSERT_TRUE(variant) << variant.error().format();
  auto over = parse_soc(kTwoPus.substr(0, kTwoPus.find("cores: 2}")) + "cores: [4, 5]}]" +
                            kTwoPus.substr(kTwoPus.find("\n", kTwoPus.find("cores: 2}"))) +
                            "design_variants: [{name: big, units: {cpu: 3}}]\n",
                        "inline.yaml");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().key_path, "design_variants[0].units.cpu");
}

TEST(SocLoader, ACoreBelongsToOnePu) {
  const std::string cpu2 = R"(  - id: cpu2
    kind: cpu
    clusters: [{name: x, core_type: a55, cores: [3, 1]}]
    freq_ghz: 2
    peak_gflops_per_unit: {f32: 10}
    mem_bw_gbps: 8
    dispatch_overhead_us: 10
    active_power_w: 2
    idle_power_w: 0.2
    memory: dram
)";
  std::string text = kTwoPus;
  text.replace(text.find("cores: 2}, {name: little, core_type: a55, cores: 4}"),
               std::string("cores: 2}, {name: little, core_type: a55, cores: 4}").size(), "cores: [0, 1]}");
  text.insert(text.find("transfers:"), cpu2);
  text +=
      "  - {between: [cpu, cpu2], latency_us: 1, zero_copy: true}\n"
      "  - {between: [npu, cpu2], latency_us: 1, zero_copy: true}\n";
  auto soc = parse_soc(text, "inline.yaml");
  ASSERT_FALSE(soc);
  EXPECT_EQ(soc.error().key_path, "pus[2].clusters[0].cores[1]");
  EXPECT_NE(soc.error().message.find("'cpu'"), std::string::npos) << soc.error().message;
}

TEST(ExperimentLoader, SearchOptionsAreValidated) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "specmap_describe_search";
  fs::create_directories(dir);
  for (const char* name : {"soc.yaml", "draft.yaml", "target.yaml", "workload.yaml"})
    std::ofstream(dir / name) << "version: 1\n";
  const std::string head =
      "version: 1\nname: e\nsoc: soc.yaml\ndraft: draft.yaml\ntarget: target.yaml\nworkload: workload.yaml\n";
  auto ok =
      parse_experiment(head + "search: {objective: energy_under_latency, latency_bound_ms_per_token: 50}\n",
                       "e.yaml", dir.string());
  ASSERT_TRUE(ok) << ok.error().format();
  EXPECT_DOUBLE_EQ(ok->search.latency_bound_ms_per_token, 50);
  EXPECT_EQ(fs::path(ok->soc_path), dir / "soc.yaml");

  auto no_bound =
      parse_experiment(head + "search: {objective: energy_under_latency}\n", "e.yaml", dir.string());
  ASSERT_FALSE(no_bound);
  EXPECT_EQ(no_bound.error().key_path, "search.latency_bound_ms_per_token");
  auto stray_bound =
      parse_experiment(head + "search: {latency_bound_ms_per_token: 5}\n", "e.yaml", dir.string());
  ASSERT_FALSE(stray_bound);
  auto gamma = parse_experiment(head + "search: {gamma_max: 65}\n", "e.yaml", dir.string());
  ASSERT_FALSE(gamma);
  EXPECT_EQ(gamma.error().key_path, "search.gamma_max");
  auto missing = parse_experiment(head + "profiles: [nope.yaml]\n", "e.yaml", dir.string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().key_path, "profiles[0]");
  EXPECT_EQ(missing.error().line, 7);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace specmap
