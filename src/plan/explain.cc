#include "plan/explain.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/format.h"
#include "core/input_limits.h"
#include "core/json_document.h"
#include "plan/plan_json.h"
#include "plan/plan_keys.h"

namespace specmap {

using nlohmann::json;

namespace {

std::string pct(double part, double whole) { return whole > 0 ? fixed(100.0 * part / whole, 1) + "%" : "-"; }

// Renders a plan that check_plan accepted. Every value is read through the document's typed
// reads, so a missing key or a value of the wrong type or range is an InputError with the
// value's line, column and key path, never an exception from nlohmann's get<>().
class Renderer {
 public:
  explicit Renderer(const JsonDocument& doc)
      : doc_(doc), plan_(doc.root), seconds_(text(plan_, "", "time_unit") == "s") {}

  std::string time(double v) const { return seconds_ ? fixed(v * 1e3, 3) + " ms" : fixed(v, 4) + " rel"; }

  std::string render() const {
    std::ostringstream out;
    const json& choice = doc_.member(plan_, "", "choice");
    const json& pred = doc_.member(plan_, "", "prediction");
    const json& mapping = doc_.member(choice, "choice", "mapping_text");
    const double total = number(pred, "prediction", "time_per_token");
    out << "plan for experiment '" << text(plan_, "", "experiment") << "' on " << text(plan_, "", "soc")
        << " (" << text(doc_.member(plan_, "", "search"), "search", "mode") << " mode)\n";
    out << "  variant " << text(choice, "choice", "variant") << ", gamma "
        << integer(choice, "choice", "gamma") << ", " << text(choice, "choice", "schedule") << " schedule\n";
    out << "  draft  " << text(plan_, "", "draft_model") << " on "
        << text(mapping, "choice.mapping_text", "draft") << "\n";
    out << "  target " << text(plan_, "", "target_model") << " on "
        << text(mapping, "choice.mapping_text", "target") << "\n\n";
    out << "time per generated token: " << time(total);
    if (!doc_.member(pred, "prediction", "tokens_per_second").is_null())
      out << " (" << fixed(number(pred, "prediction", "tokens_per_second"), 2) << " tokens/s)";
    out << ", speedup " << fixed(number(pred, "prediction", "speedup_vs_best_baseline"), 3)
        << "x over the best non-speculative baseline\n";
    out << "expected tokens per iteration: "
        << fixed(number(pred, "prediction", "expected_tokens_per_iteration"), 3) << " ("
        << text(doc_.member(plan_, "", "workload"), "workload", "acceptance_note") << ")\n";
    const double c = number(pred, "prediction", "c");
    if (c > 0) out << "c = t_draft / t_target = " << fixed(c, 4) << "\n";
    out << "figures from: " << text(pred, "prediction", "coarsest_source")
        << (doc_.boolean(doc_.member(pred, "prediction", "estimated"), "prediction.estimated")
                ? " (ESTIMATED: no measurement covers some of them)"
                : "")
        << "\n\n";

    const json& b = doc_.member(plan_, "", "breakdown");
    out << "per model (share of one token's time)\n";
    for (const char* k : {"draft", "target", "prefill", "transfers", "overheads", "sampling"}) {
      const double v = number(b, "breakdown", k);
      out << "  " << k << std::string(12 - std::string(k).size(), ' ') << time(v) << "  " << pct(v, total)
          << "\n";
    }
    out << "\nper PU\n";
    const json& per_pu = list(b, "breakdown", "per_pu");
    for (std::size_t i = 0; i < per_pu.size(); ++i) {
      const json& p = per_pu[i];
      const std::string path = JsonDocument::item("breakdown.per_pu", i);
      const double busy = number(p, path, "busy_per_token");
      out << "  " << pu(p, path) << ": busy " << time(busy) << " (" << pct(busy, total)
          << " of the token time), resident " << fixed(number(p, path, "resident_bytes") / 1e9, 3) << " GB\n";
    }
    out << "\nper subgraph\n";
    const json& per_subgraph = list(b, "breakdown", "per_subgraph");
    for (std::size_t i = 0; i < per_subgraph.size(); ++i) {
      const json& sg = per_subgraph[i];
      const std::string path = JsonDocument::item("breakdown.per_subgraph", i);
      const double v = number(sg, path, "per_token");
      out << "  " << text(sg, path, "model") << "/" << text(sg, path, "subgraph") << " on " << pu(sg, path)
          << ": " << time(v) << "  " << pct(v, total) << "  [" << text(sg, path, "source") << "]\n";
    }
    const json& alts = list(plan_, "", "alternatives");
    if (!alts.empty()) {
      out << "\nnext-best alternatives\n";
      for (std::size_t i = 0; i < alts.size(); ++i) {
        const json& a = alts[i];
        const std::string path = JsonDocument::item("alternatives", i);
        out << "  variant " << text(a, path, "variant") << ", gamma " << integer(a, path, "gamma")
            << ", draft " << text(a, path, "draft") << ", target " << text(a, path, "target") << ": "
            << time(number(a, path, "time_per_token")) << " ("
            << fixed(number(a, path, "speedup_vs_best_baseline"), 3) << "x)\n";
      }
    }
    return out.str();
  }

 private:
  std::string text(const json& object, const std::string& path, const char* key) const {
    return doc_.string(doc_.member(object, path, key), JsonDocument::child(path, key));
  }
  double number(const json& object, const std::string& path, const char* key) const {
    return doc_.real(doc_.member(object, path, key), JsonDocument::child(path, key));
  }
  std::int64_t integer(const json& object, const std::string& path, const char* key) const {
    return doc_.integer(doc_.member(object, path, key), JsonDocument::child(path, key), limits::kGamma);
  }
  const json& list(const json& object, const std::string& path, const char* key) const {
    const json& value = doc_.member(object, path, key);
    if (!value.is_array())
      doc_.fail(JsonDocument::child(path, key), "expected a list, found " + describe_json(value));
    return value;
  }
  // A PU name, or "-" where the plan has none (null).
  std::string pu(const json& object, const std::string& path) const {
    const json& value = doc_.member(object, path, "pu");
    return value.is_null() ? "-" : doc_.string(value, JsonDocument::child(path, "pu"));
  }

  const JsonDocument& doc_;
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
  if (!units.is_object())
    doc.fail("choice.variant_units", "expected an object of PU: units, found " + describe_json(units));
  std::set<std::string> pus;
  for (const auto& [pu, count] : units.items()) {
    (void)doc.integer(count, "choice.variant_units." + pu, limits::kVariantUnits);
    pus.insert(pu);
  }
  if (soc != nullptr) {
    bool known = false;
    for (const DesignVariant& v : soc->variants) known = known || v.name == variant;
    if (!known)
      doc.fail("choice.variant", "design variant '" + variant + "' is not defined in " + soc->source_file);
    for (const std::string& pu : pus)
      if (!soc->pu_index(pu))
        doc.fail("choice.variant_units." + pu,
                 "processing unit '" + pu + "' is not defined in " + soc->source_file);
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
        const std::string name =
            doc.string(doc.member((*alternatives)[i], path, "variant"), path + ".variant");
        bool known = false;
        for (const DesignVariant& v : soc->variants) known = known || v.name == name;
        if (!known)
          doc.fail(path + ".variant", "design variant '" + name + "' is not defined in " + soc->source_file);
      }
    }
}

}  // namespace

Result<std::string> explain_plan(const std::string& plan_text, const std::string& file_label,
                                 const Soc* soc) {
  Result<JsonDocument> doc = parse_json_document(plan_text, file_label);
  if (!doc) return doc.error();
  const json& plan = doc->root;
  if (!plan.is_object() || !plan.contains("schema_version"))
    return doc->error("schema_version", "not a specmap plan (no schema_version)");
  try {
    const std::int64_t version = doc->integer(plan["schema_version"], "schema_version", {0, 1 << 20});
    if (version != kPlanSchemaVersion)
      doc->fail("schema_version", "plan schema version " + std::to_string(version) +
                                      " is not supported (expected " + std::to_string(kPlanSchemaVersion) +
                                      ")");
    check_plan(*doc, soc);
    std::string text = Renderer(*doc).render();
    // After the checks of what is read, so a value of the wrong type is reported as such.
    check_plan_keys(*doc);
    return text;
  } catch (const InputError& e) {
    return e.error;
  } catch (const json::exception& e) {
    // Every read above is checked; this only keeps an overlooked one from aborting.
    return doc->error("", std::string("malformed plan: ") + e.what());
  }
}

}  // namespace specmap
