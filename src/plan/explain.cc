#include "plan/explain.h"

#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/format.h"
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

}  // namespace

Result<std::string> explain_plan(const std::string& plan_text, const std::string& file_label) {
  json plan;
  try {
    plan = json::parse(plan_text);
  } catch (const json::parse_error& e) {
    return Error{std::string("not valid JSON: ") + e.what(), file_label};
  }
  if (!plan.is_object() || !plan.contains("schema_version"))
    return Error{"not a specmap plan (no schema_version)", file_label, 0, 0, "schema_version"};
  if (plan["schema_version"] != kPlanSchemaVersion)
    return Error{"plan schema version " + plan["schema_version"].dump() + " is not supported (expected " +
                     std::to_string(kPlanSchemaVersion) + ")",
                 file_label, 0, 0, "schema_version"};
  try {
    return Renderer(plan).render();
  } catch (const json::exception& e) {
    return Error{std::string("malformed plan: ") + e.what(), file_label};
  }
}

}  // namespace specmap
