// Exports of the committed experiments' plans compared with expected text (golden files),
// and every flag they use checked against the tool's documented flag list.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "plan/export_iree.h"
#include "plan/export_llama_cpp.h"
#include "plan/export_text.h"

namespace specmap {
namespace {

namespace fs = std::filesystem;
const fs::path kData = "tests/plan/data/export";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Flags one per line; '#' lines are comments naming the source.
std::set<std::string> flag_list(const fs::path& p) {
  std::set<std::string> flags;
  std::istringstream lines(slurp(p));
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty() && line[0] != '#') flags.insert(line);
  return flags;
}

// The experiments whose plans are committed under tests/plan/data/export/<name>/plan.json.
const char* const kExperiments[] = {"host-validate-110m-nokv", "host-hetero-40m-kv", "paper-imx95",
                                    "imx95-validate-110m-kv"};

// Compares with the golden file; SPECMAP_UPDATE_GOLDEN=1 rewrites it instead (after a change
// that is meant to alter the output: review the diff).
void expect_golden(const std::string& text, const fs::path& golden) {
  if (std::getenv("SPECMAP_UPDATE_GOLDEN")) std::ofstream(golden, std::ios::binary) << text;
  ASSERT_TRUE(fs::exists(golden)) << golden;
  EXPECT_EQ(text, slurp(golden)) << "export differs from " << golden;
}

ExportContext context(const std::string& experiment) {
  auto ctx = load_export_context((kData / experiment / "plan.json").string());
  EXPECT_TRUE(ctx) << ctx.error().format();
  return ctx ? std::move(ctx).value() : ExportContext{};
}

TEST(ExportGolden, LlamaCppBothSpellingsAndIree) {
  for (const char* experiment : kExperiments) {
    SCOPED_TRACE(experiment);
    const ExportContext ctx = context(experiment);
    if (ctx.plan.schema_version == 0) continue;
    LlamaCppOptions v2026;
    expect_golden(export_llama_cpp(ctx, v2026).text, kData / experiment / "llama.cpp.txt");
    LlamaCppOptions legacy;
    legacy.flags = LlamaCppFlags::legacy;
    expect_golden(export_llama_cpp(ctx, legacy).text, kData / experiment / "llama.cpp-legacy.txt");
    expect_golden(export_iree(ctx).text, kData / experiment / "iree.txt");
  }
}

TEST(ExportFlags, EveryFlagIsInTheToolsDocumentedList) {
  const auto flags_2026 = flag_list("tests/plan/data/llama.cpp-flags-2026.txt");
  const auto flags_legacy = flag_list("tests/plan/data/llama.cpp-flags-legacy.txt");
  const auto flags_iree = flag_list("tests/plan/data/iree-flags.txt");
  ASSERT_GT(flags_2026.size(), 20u);
  for (const char* experiment : kExperiments) {
    SCOPED_TRACE(experiment);
    const ExportContext ctx = context(experiment);
    if (ctx.plan.schema_version == 0) continue;
    LlamaCppOptions legacy;
    legacy.flags = LlamaCppFlags::legacy;
    const std::pair<std::string, const std::set<std::string>*> outputs[] = {
        {export_llama_cpp(ctx, LlamaCppOptions{}).text, &flags_2026},
        {export_llama_cpp(ctx, legacy).text, &flags_legacy},
        {export_iree(ctx).text, &flags_iree}};
    for (const auto& [text, documented] : outputs) {
      const std::vector<std::string> used = flags_in(text);
      EXPECT_FALSE(used.empty());
      for (const std::string& flag : used) EXPECT_TRUE(documented->count(flag)) << flag << " in\n" << text;
    }
  }
}

TEST(ExportLlamaCpp, DraftLengthIsTheGammaAndSpellingsDiffer) {
  const ExportContext ctx = context("host-validate-110m-nokv");
  ASSERT_GT(ctx.plan.choice.gamma, 0);
  const std::string g = std::to_string(ctx.plan.choice.gamma);
  const ExportText now = export_llama_cpp(ctx, LlamaCppOptions{});
  EXPECT_NE(now.text.find("--spec-draft-n-max " + g), std::string::npos) << now.text;
  EXPECT_NE(now.text.find("--spec-draft-model host-draft-20m.gguf"), std::string::npos) << now.text;
  EXPECT_EQ(now.text.find("--draft-max"), std::string::npos);
  LlamaCppOptions legacy_options;
  legacy_options.flags = LlamaCppFlags::legacy;
  const ExportText legacy = export_llama_cpp(ctx, legacy_options);
  EXPECT_NE(legacy.text.find("--draft-max " + g), std::string::npos) << legacy.text;
  EXPECT_NE(legacy.text.find("-md host-draft-20m.gguf"), std::string::npos) << legacy.text;
  // Synthetic models have no weights file: placeholders, each with a warning.
  int placeholders = 0;
  for (const std::string& w : now.warnings) placeholders += w.find("placeholder") != std::string::npos;
  EXPECT_EQ(placeholders, 2);
}

TEST(ExportLlamaCpp, ModelFilesReplacePlaceholders) {
  ExportContext ctx = context("host-validate-110m-nokv");
  ctx.model_files = {{"target", "/models/t.gguf"}, {"draft", "/models/d.gguf"}};
  const ExportText out = export_llama_cpp(ctx, LlamaCppOptions{});
  EXPECT_NE(out.text.find("-m /models/t.gguf"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("--spec-draft-model /models/d.gguf"), std::string::npos) << out.text;
  for (const std::string& w : out.warnings) EXPECT_EQ(w.find("placeholder"), std::string::npos) << w;
}

TEST(ExportLlamaCpp, ModelYamlWeightsNameTheCheckpoint) {
  ExportContext ctx = context("host-validate-110m-nokv");
  ctx.target.weights = ModelWeightsFile{"brown-target-q8_0.gguf", "models/brown-target-q8_0.gguf", "0"};
  ctx.draft.weights = ModelWeightsFile{"gone.gguf", "models/gone.gguf", "0"};
  const ExportText out = export_llama_cpp(ctx, LlamaCppOptions{});
  EXPECT_NE(out.text.find("-m models/brown-target-q8_0.gguf"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("--spec-draft-model models/gone.gguf"), std::string::npos) << out.text;
  int placeholders = 0, missing = 0;
  for (const std::string& w : out.warnings) {
    placeholders += w.find("placeholder") != std::string::npos;
    missing += w.find("models/gone.gguf") != std::string::npos && w.find("does not exist") != std::string::npos;
  }
  EXPECT_EQ(placeholders, 0);
  EXPECT_EQ(missing, 1);
  // IREE compiles MLIR, not GGUF: a placeholder whose warning names the checkpoint to import.
  const ExportText iree = export_iree(ctx);
  bool names_checkpoint = false;
  for (const std::string& w : iree.warnings)
    names_checkpoint |= w.find("models/brown-target-q8_0.gguf") != std::string::npos;
  EXPECT_TRUE(names_checkpoint);
}

TEST(ExportLlamaCpp, CpuMasksComeFromTheCoresThePusName) {
  ExportContext ctx = context("host-validate-110m-nokv");  // variant 2core: draft and target on cpu
  const int cpu = *ctx.soc.pu_index("cpu");
  ctx.soc.pus[static_cast<std::size_t>(cpu)].clusters = {CpuCluster{"big", "cortex-a76", 2, {6, 4}},
                                                         CpuCluster{"more", "cortex-a76", 2, {5, 7}}};
  ctx.soc.pus[static_cast<std::size_t>(cpu)].units = 4;
  const ExportText out = export_llama_cpp(ctx, LlamaCppOptions{});
  // The variant's 2 units run on the first two cores named: 6 and 4.
  EXPECT_NE(out.text.find("-t 2 -C 0x50"), std::string::npos) << out.text;
  EXPECT_NE(out.text.find("--spec-draft-cpu-mask 0x50"), std::string::npos) << out.text;
  EXPECT_EQ(cpu_cores(ctx.soc, cpu, 3), (std::vector<int>{6, 4, 5}));
  // A PU that gives a count skips the cores other PUs name.
  Soc mixed = ctx.soc;
  ProcessingUnit counted = mixed.pus[static_cast<std::size_t>(cpu)];
  counted.id = "little";
  counted.clusters = {CpuCluster{"little", "cortex-a55", 4, {}}};
  mixed.pus.push_back(counted);
  mixed.pus[static_cast<std::size_t>(cpu)].clusters = {CpuCluster{"big", "cortex-a76", 2, {0, 2}}};
  EXPECT_EQ(cpu_cores(mixed, static_cast<int>(mixed.pus.size()) - 1, 3), (std::vector<int>{1, 3, 4}));
}

TEST(ExportLlamaCpp, WhatLlamaCppCannotDoIsAWarning) {
  ExportContext ctx = context("host-hetero-40m-kv");
  if (ctx.plan.schema_version == 0) return;
  // A split finer than layer offload: the target's embedding on the GPU-kind PU, the rest on the CPU.
  ctx.plan.choice.gamma = 2;
  ctx.plan.schedule = Schedule::overlapped;
  ctx.plan.choice.draft_pus.assign(ctx.draft.subgraphs.size(), "cpu");
  ctx.plan.choice.target_pus.assign(ctx.target.subgraphs.size(), "cpu");
  ctx.plan.choice.target_pus[1] = "ocl";  // one block in the middle
  const ExportText out = export_llama_cpp(ctx, LlamaCppOptions{});
  auto has = [&](const char* what) {
    for (const std::string& w : out.warnings)
      if (w.find(what) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has("not the last ones")) << out.text;
  EXPECT_TRUE(has("overlapped")) << out.text;
  EXPECT_NE(out.text.find("-ngl 1"), std::string::npos) << out.text;
  for (const std::string& w : out.warnings) EXPECT_NE(out.text.find("# warning: " + w), std::string::npos);
}

TEST(ExportIree, SplitModelsNameOneDevicePerPu) {
  ExportContext ctx = context("imx95-validate-110m-kv");
  if (ctx.plan.schema_version == 0) return;
  ctx.plan.choice.target_pus.assign(ctx.target.subgraphs.size(), "cpu");
  ctx.plan.choice.target_pus.back() = "gpu";
  const std::string text = export_iree(ctx).text;
  EXPECT_NE(text.find("--iree-hal-target-device=cpu=local"), std::string::npos) << text;
  EXPECT_NE(text.find("--iree-hal-target-device=gpu=vulkan"), std::string::npos) << text;
  EXPECT_NE(text.find("--iree-vulkan-target=valhall"), std::string::npos) << text;
  EXPECT_NE(text.find("-> @gpu"), std::string::npos) << text;
  EXPECT_NE(text.find("--iree-llvmcpu-target-triple=aarch64-unknown-linux-gnu"), std::string::npos) << text;
}

TEST(ExportText, FlagsAreReadFromCommandsOnly) {
  const auto flags = flags_in("# -x comment\nllama-server \\\n  -m a.gguf --device=local-task -ngl 0 -1\n");
  EXPECT_EQ(flags, (std::vector<std::string>{"-m", "--device", "-ngl"}));
  EXPECT_EQ(shell_word("a b"), "'a b'");
  EXPECT_EQ(shell_word("it's"), "'it'\\''s'");
}

}  // namespace
}  // namespace specmap
