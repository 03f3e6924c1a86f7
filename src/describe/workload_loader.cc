// load_workload / parse_workload: prompt/generation lengths and acceptance, normalised to
// weighted samples with Leviathan alphas.
#include <cstdio>

#include "core/input_limits.h"
#include "describe/loaders.h"
#include "describe/yaml_reader.h"

namespace specmap {

namespace {

// One length of a prompt_tokens or generate_tokens distribution.
struct PromptLength {
  double weight;
  Tokens tokens;
};

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

// A token count as a value or {distribution: [{tokens, weight}, ...]} (prompt_tokens, generate_tokens).
std::vector<PromptLength> read_token_lengths(const YamlValue& v) {
  if (v.node().IsScalar()) return {{1.0, v.as_int(limits::kTokens)}};
  v.expect_map({"distribution"});
  std::vector<PromptLength> lengths;
  for (const YamlValue& entry : v.at("distribution").items()) {
    entry.expect_map({"tokens", "weight"});
    lengths.push_back({entry.at("weight").as_positive(), entry.at("tokens").as_int(limits::kTokens)});
  }
  return lengths;
}

// One acceptance setting (before crossing with prompt lengths).
struct Acceptance {
  double weight = 1;
  std::vector<double> alphas;
  std::optional<Tokens> prompt_tokens;
};

struct AcceptanceReading {
  std::vector<Acceptance> settings;
  std::string note;
};

// A value of the `alpha` or `ratio` key, as a Leviathan alpha, appending how it was read to `note`.
double read_alpha(const YamlValue& v, bool is_ratio, int at_gamma, std::string& note) {
  double value = v.as_fraction();
  if (!is_ratio) return value;
  double alpha = alpha_from_accept_ratio(value, at_gamma);
  note += "accepted/drafted ratio " + fixed(value, 3) + " at gamma " + std::to_string(at_gamma) +
          " -> Leviathan alpha " + fixed(alpha, 3);
  return alpha;
}

AcceptanceReading read_acceptance(const YamlValue& v) {
  v.expect_map({"definition", "at_gamma", "alpha", "ratio", "per_position", "samples", "counts"});
  bool is_ratio = v.at("definition").as_choice({"leviathan_alpha", "accepted_over_drafted"}) == 1;
  const char* value_key = is_ratio ? "ratio" : "alpha";
  if (auto wrong = v.find(is_ratio ? "alpha" : "ratio"))
    wrong->fail(std::string("with definition ") + (is_ratio ? "accepted_over_drafted" : "leviathan_alpha") +
                " the value key is '" + value_key + "'");

  int given = 0;
  for (const char* key : {value_key, "per_position", "samples", "counts"}) given += v.has(key) ? 1 : 0;
  if (given != 1)
    v.fail(std::string("give exactly one of '") + value_key + "', 'per_position', 'samples', 'counts'");

  // A form the definition cannot take is the real problem; a missing at_gamma comes after.
  if (auto per_position = v.find("per_position"); per_position && is_ratio)
    per_position->fail("per_position takes Leviathan alphas; use definition leviathan_alpha");

  std::optional<YamlValue> at_gamma_value = v.find("at_gamma");
  int at_gamma = 0;
  if (at_gamma_value) {
    if (!is_ratio) at_gamma_value->fail("at_gamma only applies to definition accepted_over_drafted");
    at_gamma = static_cast<int>(at_gamma_value->as_int(limits::kDraftedGamma));
  } else if (is_ratio && !v.has("counts")) {
    at_gamma = static_cast<int>(v.at("at_gamma").as_int(limits::kDraftedGamma));  // reports it missing
  }

  AcceptanceReading reading;
  if (auto scalar = v.find(value_key)) {
    double alpha = read_alpha(*scalar, is_ratio, at_gamma, reading.note);
    if (!is_ratio) reading.note = "Leviathan alpha " + fixed(alpha, 3) + " as given";
    reading.settings.push_back({1.0, {alpha}, std::nullopt});
  } else if (auto per_position = v.find("per_position")) {
    if (is_ratio) per_position->fail("per_position takes Leviathan alphas; use definition leviathan_alpha");
    Acceptance setting;
    std::string listed;
    for (const YamlValue& a : per_position->items()) {
      setting.alphas.push_back(a.as_fraction());
      listed += (listed.empty() ? "" : ", ") + fixed(setting.alphas.back(), 3);
    }
    reading.note = "per-position Leviathan alphas [" + listed + "] as given";
    reading.settings.push_back(setting);
  } else if (auto counts = v.find("counts")) {
    if (!is_ratio) counts->fail("counts are accepted/drafted counters; use definition accepted_over_drafted");
    counts->expect_map({"accepted", "drafted", "gamma"});
    double accepted = static_cast<double>(counts->at("accepted").as_int(limits::kCount));
    YamlValue drafted_value = counts->at("drafted");
    double drafted = static_cast<double>(drafted_value.as_int({1, limits::kCount.max}));
    if (accepted > drafted) counts->at("accepted").fail("more tokens accepted than drafted");
    YamlValue gamma_value = counts->at("gamma");
    int gamma = static_cast<int>(gamma_value.as_int(limits::kDraftedGamma));
    if (at_gamma_value && at_gamma != gamma) at_gamma_value->fail("at_gamma differs from counts.gamma");
    double ratio = accepted / drafted;
    double alpha = alpha_from_accept_ratio(ratio, gamma);
    reading.note = "counts " + fixed(accepted, 0) + " accepted / " + fixed(drafted, 0) +
                   " drafted at gamma " + std::to_string(gamma) + " = ratio " + fixed(ratio, 3) +
                   " -> Leviathan alpha " + fixed(alpha, 3);
    reading.settings.push_back({1.0, {alpha}, std::nullopt});
  } else {
    std::vector<YamlValue> samples = v.at("samples").items();
    reading.note = "mix of " + std::to_string(samples.size()) + " samples: ";
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const YamlValue& s = samples[i];
      s.expect_map({"weight", value_key, "per_position", "prompt_tokens"});
      Acceptance setting;
      setting.weight = s.at("weight").as_positive();
      std::string part;
      if (auto per_position = s.find("per_position")) {
        if (s.has(value_key)) s.fail(std::string("give one of '") + value_key + "' and 'per_position'");
        if (is_ratio)
          per_position->fail("per_position takes Leviathan alphas; use definition leviathan_alpha");
        for (const YamlValue& a : per_position->items()) setting.alphas.push_back(a.as_fraction());
        if (setting.alphas.empty()) per_position->fail("per_position needs at least one alpha");
        part = "per-position Leviathan alphas from " + fixed(setting.alphas.front(), 3);
      } else {
        double alpha = read_alpha(s.at(value_key), is_ratio, at_gamma, part);
        if (!is_ratio) part = "Leviathan alpha " + fixed(alpha, 3);
        setting.alphas = {alpha};
      }
      if (auto prompt = s.find("prompt_tokens")) setting.prompt_tokens = prompt->as_int(limits::kTokens);
      reading.note += (i ? "; " : "") + part;
      reading.settings.push_back(setting);
    }
  }
  return reading;
}

Workload build_workload(const YamlValue& root) {
  root.expect_map(
      {"version", "name", "description", "prompt_tokens", "generate_tokens", "kv_cache", "acceptance"});
  Workload workload;
  workload.name = root.at("name").as_string();
  if (auto d = root.find("description")) workload.description = d->as_string();
  std::vector<PromptLength> prompts = read_token_lengths(root.at("prompt_tokens"));
  std::vector<PromptLength> generates = read_token_lengths(root.at("generate_tokens"));
  if (auto kv = root.find("kv_cache")) workload.kv_cache = kv->as_bool();
  AcceptanceReading acceptance = read_acceptance(root.at("acceptance"));
  workload.acceptance_note = acceptance.note;

  // A setting with its own prompt length stands alone; the others are split over the prompt
  // mix in proportion to its (normalised) weights. Generation lengths are independent of both:
  // every sample is split over the generate_tokens mix the same way.
  double prompt_total = 0;
  for (const PromptLength& prompt : prompts) prompt_total += prompt.weight;
  double generate_total = 0;
  for (const PromptLength& g : generates) generate_total += g.weight;
  double total = 0;
  auto add = [&](double weight, Tokens prompt, const std::vector<double>& alphas) {
    for (const PromptLength& g : generates)
      workload.samples.push_back({weight * g.weight / generate_total, prompt, g.tokens, alphas});
  };
  for (const Acceptance& setting : acceptance.settings) {
    if (setting.prompt_tokens) {
      add(setting.weight, *setting.prompt_tokens, setting.alphas);
    } else {
      for (const PromptLength& prompt : prompts)
        add(setting.weight * prompt.weight / prompt_total, prompt.tokens, setting.alphas);
    }
    total += setting.weight;
  }
  for (WorkloadSample& sample : workload.samples) sample.weight /= total;
  return workload;
}

}  // namespace

Result<Workload> parse_workload(const std::string& yaml_text, const std::string& file_label) {
  Result<Workload> workload = parse_yaml_document<Workload>(yaml_text, file_label, build_workload);
  if (workload) workload->source_file = file_label;
  return workload;
}

Result<Workload> load_workload(const std::string& path) {
  Result<std::string> text = read_text_file(path);
  if (!text) return text.error();
  return parse_workload(*text, path);
}

}  // namespace specmap
