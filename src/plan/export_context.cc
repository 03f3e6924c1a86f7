#include "plan/export_context.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/files.h"
#include "describe/loaders.h"

namespace specmap {

ModelPlacement ExportContext::placement(const std::string& role) const {
  ModelPlacement p;
  p.role = role;
  p.model = role == "draft" ? &draft : &target;
  const std::vector<std::string>& ids = role == "draft" ? plan.choice.draft_pus : plan.choice.target_pus;
  for (const std::string& id : ids) {
    const int pu = soc.pu_index(id).value_or(-1);
    p.pu_of_subgraph.push_back(pu);
    if (pu >= 0 && std::find(p.pus.begin(), p.pus.end(), pu) == p.pus.end()) p.pus.push_back(pu);
  }
  return p;
}

int ExportContext::units(int pu) const {
  if (variant < 0 || pu < 0) return 0;
  const DesignVariant& v = soc.variants[static_cast<std::size_t>(variant)];
  return static_cast<std::size_t>(pu) < v.units.size() ? v.units[static_cast<std::size_t>(pu)] : 0;
}

Tokens ExportContext::context_tokens() const {
  Tokens most = 0;
  for (const WorkloadSample& s : workload.samples) most = std::max(most, s.prompt_tokens + s.generate_tokens);
  return most;
}

Result<ExportContext> load_export_context(const std::string& plan_path) {
  auto text = read_file(plan_path);
  if (!text) return text.error();
  auto plan = runtime::parse_plan(*text, plan_path);
  if (!plan) return plan.error();
  ExportContext ctx;
  ctx.plan_path = plan_path;
  ctx.plan = std::move(plan).value();
  for (const char* role : {"soc", "draft", "target", "workload"})
    if (ctx.plan.input(role) == nullptr)
      return Error{std::string("the plan names no '") + role + "' input", plan_path, 0, 0, "inputs"};
  for (const auto& in : ctx.plan.inputs) {
    auto bytes = read_file(in.path);
    if (!bytes) return bytes.error();
    if (fingerprint(*bytes) != in.fingerprint)
      ctx.input_notes.push_back("the " + in.role + " input " + in.path +
                                " changed since the plan was made; the export follows the plan's choice");
  }
  auto soc = load_soc(ctx.plan.input("soc")->path);
  if (!soc) return soc.error();
  ctx.soc = std::move(soc).value();
  auto draft = load_model(ctx.plan.input("draft")->path);
  if (!draft) return draft.error();
  ctx.draft = std::move(draft).value();
  auto target = load_model(ctx.plan.input("target")->path);
  if (!target) return target.error();
  ctx.target = std::move(target).value();
  auto workload = load_workload(ctx.plan.input("workload")->path);
  if (!workload) return workload.error();
  ctx.workload = std::move(workload).value();

  for (std::size_t i = 0; i < ctx.soc.variants.size(); ++i)
    if (ctx.soc.variants[i].name == ctx.plan.choice.variant) ctx.variant = static_cast<int>(i);
  if (ctx.variant < 0)
    return Error{"the plan's variant '" + ctx.plan.choice.variant + "' is not a design variant of SoC '" +
                     ctx.soc.name + "'",
                 plan_path, 0, 0, "choice.variant"};
  const std::pair<const char*, const ModelGraph*> roles[] = {{"draft", &ctx.draft}, {"target", &ctx.target}};
  for (const auto& [role, model] : roles) {
    const std::vector<std::string>& ids =
        std::string(role) == "draft" ? ctx.plan.choice.draft_pus : ctx.plan.choice.target_pus;
    if (std::string(role) == "draft" && ctx.plan.choice.gamma == 0) continue;
    if (ids.size() != model->subgraphs.size())
      return Error{std::string("the plan assigns ") + std::to_string(ids.size()) + " subgraphs of the " +
                       role + " but model '" + model->name + "' has " +
                       std::to_string(model->subgraphs.size()),
                   plan_path, 0, 0, std::string("choice.assignment.") + role};
    for (const std::string& id : ids)
      if (!ctx.soc.pu_index(id))
        return Error{"the plan names PU '" + id + "', which SoC '" + ctx.soc.name + "' does not define",
                     plan_path, 0, 0, std::string("choice.assignment.") + role};
  }
  return ctx;
}

std::vector<int> cpu_cores(const Soc& soc, int pu, int units) {
  // A PU that names its cores (`cores: [4, 5, 6, 7]`) runs on the first `units` of them.
  const std::vector<int> named = soc.pus[static_cast<std::size_t>(pu)].named_cores();
  if (!named.empty()) return {named.begin(), named.begin() + std::min<std::ptrdiff_t>(units, named.size())};
  // Counted cores are numbered over the CPU PUs that give counts in SoC order, skipping every
  // named core, so a second CPU PU (another cluster) starts after the first one's cores.
  std::set<int> taken;
  int first = 0;
  for (int i = 0; i < static_cast<int>(soc.pus.size()); ++i) {
    const ProcessingUnit& other = soc.pus[static_cast<std::size_t>(i)];
    const std::vector<int> cores = other.named_cores();
    taken.insert(cores.begin(), cores.end());
    if (i < pu && other.kind == PuKind::cpu && cores.empty()) first += other.units;
  }
  std::vector<int> cores;
  for (int core = 0, counted = 0; static_cast<int>(cores.size()) < units; ++core) {
    if (taken.count(core) > 0) continue;
    if (counted++ >= first) cores.push_back(core);
  }
  return cores;
}

ModelFile model_file(const ExportContext& ctx, const std::string& role, const ModelGraph& model,
                     const std::string& extension) {
  if (auto it = ctx.model_files.find(role); it != ctx.model_files.end()) return {it->second, std::nullopt};
  const std::string placeholder = model.name + extension;
  if (model.weights) {
    // The checkpoint the model YAML names is the file a runtime that reads GGUF loads as is;
    // a compiler such as iree-compile needs it imported first, so it gets a placeholder.
    if (extension == ".gguf") {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(model.weights->path, ec))
        return {model.weights->path, "the " + role + " model's weights file " + model.weights->path +
                                         " (from " + model.source_file + ") does not exist here"};
      return {model.weights->path, std::nullopt};
    }
    return {placeholder, "the " + role + " model '" + model.name + "' has weights in " + model.weights->path +
                             "; '" + placeholder + "' stands for that checkpoint imported to " + extension +
                             " (give --model-file " + role + "=PATH)"};
  }
  return {placeholder, "the " + role + " model '" + model.name + "' names no weights file; '" + placeholder +
                           "' is a placeholder (give --model-file " + role + "=PATH)"};
}

int decoder_layers(const ModelGraph& model) {
  int layers = 0;
  for (const Subgraph& s : model.subgraphs) layers += s.kind == SubgraphKind::decoder_block ? 1 : 0;
  return layers;
}

}  // namespace specmap
