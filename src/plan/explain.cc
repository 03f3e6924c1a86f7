#include "plan/explain.h"

#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include <set>

#include "core/format.h"
#include "core/input_limits.h"
#include "core/json_document.h"
#include "plan/plan_json.h"

namespace specmap {

using nlohmann::json;

namespace {

std::string pct(double part, double whole) { return whole > 0 ? fixed(100.0 * part / whole, 1) + "%" : "-"; }

class Renderer {
 public:
  explicit Renderer(const json& plan) : plan_(plan), seconds_(plan.at("time_unit") == "s") {}

  std::string time(double v) const { return seconds_ ? fixed(v * 1e3, 3) + " ms" : fixed(v, 4) + " rel"; }

  std::string render() const {
    std::ostringstream out;
    const json& choice = plan_.at("choice");
    const json& pred = plan_.at("prediction");
    const double total = pred.at("time_per_token").get<double>();
    out << "plan for experiment '" << plan_.at("experiment").get<std::string>() << "' on "
        << plan_.at("soc").get<std::string>() << " (" << plan_.at("search").at("mode").get<std::string>()
        << " mode)\n";
    out << "  variant " << choice.at("variant").get<std::string>() << ", gamma " << choice.at("gamma").get<int>()
        << ", " << choice.at("schedule").get<std::string>() << " schedule\n";
    out << "  draft  " << plan_.at("draft_model").get<std::string>() << " on "
        << choice.at("mapping_text").at("draft").get<std::string>() << "\n";
    out << "  target " << plan_.at("target_model").get<std::string>() << " on "
        << choice.at("mapping_text").at("target").get<std::string>() << "\n\n";
    out << "time per generated token: " << time(total);
    if (!pred.at("tokens_per_second").is_null())
      out << " (" << fixed(pred.at("tokens_per_second").get<double>(), 2) << " tokens/s)";
    out << ", speedup " << fixed(pred.at("speedup_vs_best_baseline").get<double>(), 3)
        << "x over the best non-speculative baseline\n";
    out << "expected tokens per iteration: " << fixed(pred.at("expected_tokens_per_iteration").get<double>(), 3)
        << " (" << plan_.at("workload").at("acceptance_note").get<std::string>() << ")\n";
    if (pred.at("c").get<double>() > 0) out << "c = t_draft / t_target = " << fixed(pred.at("c").get<double>(), 4) << "\n";
    out << "figures from: " << pred.at("coarsest_source").get<std::string>()
        << (pred.at("estimated").get<bool>() ? " (ESTIMATED: no measurement covers some of them)" : "") << "\n\n";

    const json& b = plan_.at("breakdown");
    out << "per model (share of one token's time)\n";
    for (const char* k : {"draft", "target", "prefill", "transfers", "overheads", "sampling"}) {
      const double v = b.at(k).get<double>();
      out << "  " << k << std::string(12 - std::string(k).size(), ' ') << time(v) << "  " << pct(v, total) << "\n";
    }
    out << "\nper PU\n";
    for (const auto& p : b.at("per_pu")) {
      const double busy = p.at("busy_per_token").get<double>();
      out << "  " << p.at("pu").get<std::string>() << ": busy " << time(busy) << " (" << pct(busy, total)
          << " of the token time), resident " << fixed(p.at("resident_bytes").get<double>() / 1e9, 3) << " GB\n";
    }
    out << "\nper subgraph\n";
    for (const auto& s : b.at("per_subgraph")) {
      const double v = s.at("per_token").get<double>();
      out << "  " << s.at("model").get<std::string>() << "/" << s.at("subgraph").get<std::string>() << " on "
          << s.at("pu").get<std::string>() << ": " << time(v) << "  " << pct(v, total) << "  ["
          << s.at("source").get<std::string>() << "]\n";
    }
    const json& alts = plan_.at("alternatives");
    if (!alts.empty()) {
      out << "\nnext-best alternatives\n";
      for (const auto& a : alts)
        out << "  variant " << a.at("variant").get<std::string>() << ", gamma " << a.at("gamma").get<int>()
            << ", draft " << a.at("draft").get<std::string>() << ", target " << a.at("target").get<std::string>()
            << ": " << time(a.at("time_per_token").get<double>()) << " ("
            << fixed(a.at("speedup_vs_best_baseline").get<double>(), 3) << "x)\n";
    }
    return out.str();
  }

 private:
  const json& plan_;
  bool seconds_;
};

// What rendering relies on beyond types: a draft length in range and every PU the plan names
// among its variant's PUs (and, given the SoC, a variant and PUs the SoC defines).
void check_plan(const JsonDocument& doc, const Soc* soc) {
  const json& plan = doc.root;
  const json& choice = doc.member(plan, "", "choice");
  (void)doc.integer(doc.member(choice, "choice", "gamma"), "choice.gamma", limits::kGamma);
  const std::string variant = doc.string(doc.member(choice, "choice", "variant"), "choice.variant");
  const json& units = doc.member(choice, "choice", "variant_units");
  if (!units.is_object()) doc.fail("choice.variant_units", "expected an object of PU: units, found " + describe_json(units));
  std::set<std::string> pus;
  for (const auto& [pu, count] : units.items()) {
    (void)doc.integer(count, "choice.variant_units." + pu, limits::kVariantUnits);
    pus.insert(pu);
  }
  if (soc != nullptr) {
    bool known = false;
    for (const DesignVariant& v : soc->variants) known = known || v.name == variant;
    if (!known) doc.fail("choice.variant", "design variant '" + variant + "' is not defined in " + soc->source_file);
    for (const std::string& pu : pus)
      if (!soc->pu_index(pu)) doc.fail("choice.variant_units." + pu, "processing unit '" + pu + "' is not defined in " + soc->source_file);
  }
  auto check_pu = [&](const json& value, const std::string& path) {
    if (value.is_null()) return;
    const std::string pu = doc.string(value, path);
    if (pus.count(pu) == 0)
      doc.fail(path, "processing unit '" + pu + "' is not one of the plan's variant_units");
  };
  const json& assignment = doc.member(choice, "choice", "assignment");
  for (const char* role : {"draft", "target"}) {
    const std::string path = std::string("choice.assignment.") + role;
    const json& list = doc.member(assignment, "choice.assignment", role);
    if (!list.is_array()) doc.fail(path, "expected a list, found " + describe_json(list));
    for (std::size_t i = 0; i < list.size(); ++i)
      check_pu(doc.member(list[i], JsonDocument::item(path, i), "pu"), JsonDocument::item(path, i) + ".pu");
  }
  const json& breakdown = doc.member(plan, "", "breakdown");
  for (const char* part : {"per_pu", "per_subgraph"}) {
    const std::string path = std::string("breakdown.") + part;
    const json& list = doc.member(breakdown, "breakdown", part);
    if (!list.is_array()) doc.fail(path, "expected a list, found " + describe_json(list));
    for (std::size_t i = 0; i < list.size(); ++i)
      check_pu(doc.member(list[i], JsonDocument::item(path, i), "pu"), JsonDocument::item(path, i) + ".pu");
  }
  if (const json* alternatives = doc.find(plan, "", "alternatives"); alternatives && alternatives->is_array())
    for (std::size_t i = 0; i < alternatives->size(); ++i) {
      const std::string path = JsonDocument::item("alternatives", i);
      (void)doc.integer(doc.member((*alternatives)[i], path, "gamma"), path + ".gamma", limits::kGamma);
      if (soc != nullptr) {
        const std::string name = doc.string(doc.member((*alternatives)[i], path, "variant"), path + ".variant");
        bool known = false;
        for (const DesignVariant& v : soc->variants) known = known || v.name == name;
        if (!known) doc.fail(path + ".variant", "design variant '" + name + "' is not defined in " + soc->source_file);
      }
    }
}

}  // namespace

Result<std::string> explain_plan(const std::string& plan_text, const std::string& file_label, const Soc* soc) {
  Result<JsonDocument> doc = parse_json_document(plan_text, file_label);
  if (!doc) return doc.error();
  const json& plan = doc->root;
  if (!plan.is_object() || !plan.contains("schema_version"))
    return doc->error("schema_version", "not a specmap plan (no schema_version)");
  try {
    const std::int64_t version = doc->integer(plan["schema_version"], "schema_version", {0, 1 << 20});
    if (version != kPlanSchemaVersion)
      doc->fail("schema_version", "plan schema version " + std::to_string(version) + " is not supported (expected " +
                                      std::to_string(kPlanSchemaVersion) + ")");
    check_plan(*doc, soc);
    return Renderer(plan).render();
  } catch (const InputError& e) {
    return e.error;
  } catch (const json::exception& e) {
    return Error{std::string("malformed plan: ") + e.what(), file_label};
  }
}

}  // namespace specmap
