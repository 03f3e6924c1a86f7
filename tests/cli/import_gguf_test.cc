// `specmap import gguf`: a model YAML that loads, and bad checkpoints exit 2 with nothing written.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/files.h"
#include "describe/loaders.h"
#include "runtime/formats/tiny_gguf.h"

namespace specmap {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int code;
  std::string output;
};

CliRun run(const std::string& args) {
  const std::string cmd = std::string(SPECMAP_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class ImportGguf : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("specmap-import-gguf-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "models");
    fs::create_directories(dir_ / "configs");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / "models" / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(ImportGguf, WritesAModelYamlThatLoads) {
  formats::TinyGgufSpec spec;
  spec.block_type = formats::kGgmlQ4_0;
  spec.embedding_type = formats::kGgmlQ8_0;
  spec.head_type = formats::kGgmlF16;
  const std::string gguf = write("tiny.gguf", formats::tiny_gguf(spec).bytes());
  const std::string yaml = (dir_ / "configs" / "tiny.yaml").string();
  CliRun r = run("import gguf " + gguf + " --out " + yaml);
  ASSERT_EQ(r.code, 0) << r.output;
  auto text = read_file(yaml);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("file: \"../models/tiny.gguf\""), std::string::npos) << *text;
  EXPECT_NE(text->find("embedding: q8_0"), std::string::npos) << *text;
  EXPECT_NE(text->find("blocks: q4_0"), std::string::npos) << *text;
  EXPECT_NE(text->find("head: f16"), std::string::npos) << *text;
  EXPECT_NE(text->find("norm_eps: 1e-05"), std::string::npos) << *text;
  EXPECT_NE(text->find("rope_style: normal"), std::string::npos) << *text;
  auto model = load_model(yaml);
  ASSERT_TRUE(model.ok()) << model.error().format();
  ASSERT_TRUE(model->weights.has_value());
  EXPECT_EQ(fs::path(model->weights->path), fs::path(gguf).lexically_normal());
  EXPECT_EQ(model->weights->fingerprint, fingerprint(*read_file(gguf)));
  EXPECT_EQ(model->arch->head_type(), DType::f16);
  // The cost model counts each group's real bytes: q4_0 blocks at 18/32 bytes per weight.
  const Op& q = model->subgraphs[1].ops[1];
  EXPECT_EQ(q.dtype, DType::q4_0);
  EXPECT_DOUBLE_EQ(op_weight_bytes(q), 64.0 * 64.0 * 18.0 / 32.0);
  EXPECT_EQ(model->subgraphs[0].ops[0].dtype, DType::q8_0);
}

TEST_F(ImportGguf, BadCheckpointsExit2NamingFileTensorAndOffsetAndWriteNothing) {
  formats::TinyGgufSpec spec;
  const std::string good = formats::tiny_gguf(spec).bytes();
  struct Case {
    std::string name;
    std::string bytes;
    std::string expect;
  };
  std::vector<Case> cases;
  cases.push_back({"truncated", good.substr(0, 1000), "file is truncated"});
  std::string magic = good;
  magic[0] = 'X';
  cases.push_back({"magic", magic, "not a GGUF file"});
  std::string version = good;
  version[4] = 2;
  cases.push_back({"version", version, "version 2"});
  {
    formats::GgufWriter w = formats::tiny_gguf(spec);
    w.tensors()[3].offset_override = 1ull << 30;
    cases.push_back({"offset", w.bytes(), "beyond the end of the file"});
  }
  {
    formats::GgufWriter w = formats::tiny_gguf(spec);
    for (auto& t : w.tensors())
      if (t.name == "blk.0.ffn_up.weight") t.dims = {128, 64};
    cases.push_back({"shape", w.bytes(), "tensor 'blk.0.ffn_up.weight': shape [128, 64]"});
  }
  {
    formats::GgufWriter w = formats::tiny_gguf(spec);
    std::erase_if(w.tensors(), [](const auto& t) { return t.name == "output_norm.weight"; });
    cases.push_back({"missing", w.bytes(), "tensor 'output_norm.weight' is missing"});
  }
  {
    formats::GgufWriter w = formats::tiny_gguf(spec);
    w.tensors()[2].type_id = 14;  // q6_K
    cases.push_back({"type", w.bytes(), "has type q6_K (ggml type 14)"});
  }
  {
    spec.pieces.push_back("extra");  // 266 tokens, but give the tensors 265 rows
    formats::GgufWriter w = formats::tiny_gguf(spec);
    for (auto& t : w.tensors())
      if (t.name == "token_embd.weight" || t.name == "output.weight") {
        t.dims[1] = 265;
        t.bytes = 265 * 64 * 4;
      }
    cases.push_back({"vocab", w.bytes(), "the vocabulary sizes disagree"});
  }
  for (const Case& c : cases) {
    const std::string gguf = write(c.name + ".gguf", c.bytes);
    const fs::path yaml = dir_ / "configs" / (c.name + ".yaml");
    CliRun r = run("import gguf " + gguf + " --out " + yaml.string());
    EXPECT_EQ(r.code, 2) << c.name << ": " << r.output;
    EXPECT_NE(r.output.find(gguf + ": "), std::string::npos) << c.name << ": " << r.output;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << c.name << ": " << r.output;
    EXPECT_NE(r.output.find("byte"), std::string::npos) << c.name << ": " << r.output;
    EXPECT_FALSE(fs::exists(yaml)) << c.name;
  }
}

TEST_F(ImportGguf, HelpHasAnExample) {
  CliRun r = run("import gguf --help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.output.find("Example:"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace specmap

namespace specmap {
namespace {

// import -> sweep -> run --prompt on a tiny GGUF pair: real weights and text out; a changed
// checkpoint is refused.
TEST_F(ImportGguf, RunPromptGeneratesTextFromTheCheckpointAndRefusesAChangedFile) {
  formats::TinyGgufSpec spec;  // f32: configs/soc/host.yaml runs f32 only
  spec.tied = true;
  const std::string gguf = write("pair.gguf", formats::tiny_gguf(spec).bytes());
  const fs::path configs = dir_ / "configs";
  ASSERT_EQ(run("import gguf " + gguf + " --out " + (configs / "tiny.yaml").string()).code, 0);
  std::ofstream(configs / "workload.yaml")
      << "version: 1\nname: w\nprompt_tokens: 4\ngenerate_tokens: 6\nkv_cache: true\n"
         "acceptance:\n  definition: leviathan_alpha\n  alpha: 0.6\n";
  std::ofstream(configs / "experiment.yaml")
      << "version: 1\nname: real\nsoc: " << (fs::path(SPECMAP_SOURCE_DIR) / "configs/soc/host.yaml").string()
      << "\ndraft: " << (configs / "tiny.yaml").string() << "\ntarget: " << (configs / "tiny.yaml").string()
      << "\nworkload: " << (configs / "workload.yaml").string()
      << "\nsearch:\n  mode: extended\n  granularity: coarse\n  objective: latency\n  gamma_max: 2\n";
  const fs::path out = dir_ / "out";
  CliRun sweep = run("sweep " + (configs / "experiment.yaml").string() + " --out " + out.string());
  ASSERT_EQ(sweep.code, 0) << sweep.output;
  CliRun r = run("run " + (out / "plan.json").string() + " --prompt \"ab ab\" --new-tokens 6");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("weights from"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("text: ab ab"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("tokens generated"), std::string::npos) << r.output;

  // The checkpoint changes after the plan was made: refused, naming the file.
  std::string bytes = formats::tiny_gguf(spec).bytes();
  bytes[bytes.size() - 1] ^= 1;
  write("pair.gguf", bytes);
  CliRun stale = run("run " + (out / "plan.json").string() + " --prompt \"ab\" --new-tokens 2");
  EXPECT_EQ(stale.code, 2) << stale.output;
  EXPECT_NE(stale.output.find(gguf + ": the checkpoint changed"), std::string::npos) << stale.output;
}

}  // namespace
}  // namespace specmap
