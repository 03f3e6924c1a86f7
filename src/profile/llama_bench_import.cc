#include "profile/llama_bench_import.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/format.h"
#include "core/json_document.h"

namespace specmap {

namespace {

using nlohmann::json;

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", v);
  return buffer;
}

struct Test {
  std::int64_t n_prompt = 0, n_gen = 0, n_depth = 0, n_threads = 0, n_gpu_layers = 0;
  double avg_ns = 0, stddev_ns = 0;
  std::vector<double> samples_ns;
};

// The non-negative integer field `key` of test `index`, or an error naming both.
Result<std::int64_t> count_field(const json& t, const char* key, std::size_t index, const std::string& file,
                                 bool required, std::int64_t fallback = 0) {
  const auto it = t.find(key);
  if (it == t.end()) {
    if (!required) return fallback;
    return Error{"test has no '" + std::string(key) + "'", file, 0, 0,
                 "[" + std::to_string(index) + "]." + key};
  }
  if (!it->is_number_integer() ||
      (!it->is_number_unsigned() && it->get<std::int64_t>() < 0 && std::string(key) != "n_gpu_layers"))
    return Error{"expected a non-negative integer", file, 0, 0, "[" + std::to_string(index) + "]." + key};
  return it->get<std::int64_t>();
}

Result<double> time_field(const json& t, const char* key, std::size_t index, const std::string& file) {
  const auto it = t.find(key);
  if (it == t.end() || !it->is_number() || !(it->get<double>() >= 0) || !std::isfinite(it->get<double>()))
    return Error{"expected a non-negative number of nanoseconds", file, 0, 0,
                 "[" + std::to_string(index) + "]." + key};
  return it->get<double>();
}

double dtype_bits(DType t) { return dtype_bytes(t) * 8; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

Result<LlamaBenchImport> import_llama_bench(const std::string& json_text, const std::string& file,
                                            const ModelGraph& model, const LlamaBenchImportOptions& options) {
  // The checked parse (core/json_document.h): a malformed file, 1e400, a key given twice or
  // deep nesting is an error with line and column, never an exception.
  Result<JsonDocument> parsed = parse_json_document(json_text, file);
  if (!parsed) return parsed.error();
  const json root = std::move(parsed->root);
  if (!root.is_array() || root.empty())
    return Error{"expected llama-bench's `-o json` output: a non-empty array of tests", file};

  LlamaBenchImport out;
  std::string machine;
  std::vector<Test> tests;
  for (std::size_t i = 0; i < root.size(); ++i) {
    const json& t = root[i];
    const std::string at = "[" + std::to_string(i) + "]";
    if (!t.is_object()) return Error{"expected a test object", file, 0, 0, at};
    // The model llama-bench measured must be the model the entries are filed under.
    if (auto p = t.find("model_n_params"); p != t.end()) {
      if (!p->is_number() || !(p->get<double>() > 0))
        return Error{"expected a positive number", file, 0, 0, at + ".model_n_params"};
      const double measured = p->get<double>(), expected = model.parameters();
      if (std::abs(measured - expected) > 0.01 * expected)
        return Error{"llama-bench measured a model of " + number(measured) + " parameters, but model '" +
                         model.name + "' has " + number(std::round(expected)) +
                         " (more than 1% apart): not the same model",
                     file, 0, 0, at + ".model_n_params"};
      if (auto s = t.find("model_size"); s != t.end() && s->is_number() && s->get<double>() > 0) {
        const double bits = 8 * s->get<double>() / measured;
        const DType dtype = model.arch ? model.arch->dtype : model.dtype;
        const double ratio = bits / dtype_bits(dtype);
        if (ratio < 0.8 || ratio > 1.6)
          return Error{"llama-bench's file holds " + number(std::round(bits * 100) / 100) +
                           " bits per parameter, but model '" + model.name + "' is " +
                           std::string(dtype_name(dtype)) + " (" + number(dtype_bits(dtype)) +
                           " bits): a different quantization of the model",
                       file, 0, 0, at + ".model_size"};
      }
    } else {
      return Error{"test has no 'model_n_params': cannot check which model was measured", file, 0, 0, at};
    }
    Test test;
    for (auto [key, field, required] :
         {std::tuple{"n_prompt", &test.n_prompt, true}, std::tuple{"n_gen", &test.n_gen, true},
          std::tuple{"n_depth", &test.n_depth, false}, std::tuple{"n_threads", &test.n_threads, true},
          std::tuple{"n_gpu_layers", &test.n_gpu_layers, false}}) {
      auto v = count_field(t, key, i, file, required);
      if (!v) return v.error();
      *field = *v;
    }
    auto avg = time_field(t, "avg_ns", i, file);
    if (!avg) return avg.error();
    test.avg_ns = *avg;
    auto sd = time_field(t, "stddev_ns", i, file);
    if (!sd) return sd.error();
    test.stddev_ns = *sd;
    if (auto s = t.find("samples_ns"); s != t.end()) {
      if (!s->is_array()) return Error{"expected an array", file, 0, 0, at + ".samples_ns"};
      for (std::size_t k = 0; k < s->size(); ++k) {
        if (!(*s)[k].is_number() || !((*s)[k].get<double>() > 0))
          return Error{"expected a positive number", file, 0, 0,
                       at + ".samples_ns[" + std::to_string(k) + "]"};
        test.samples_ns.push_back((*s)[k].get<double>());
      }
    }
    if (!(test.avg_ns > 0)) return Error{"a test of zero time", file, 0, 0, at + ".avg_ns"};
    if (machine.empty()) {
      auto text = [&t](const char* key) {
        auto it = t.find(key);
        return it != t.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      machine = text("cpu_info");
      if (!text("gpu_info").empty()) machine += " + " + text("gpu_info");
      machine += " (llama.cpp " + text("build_commit");
      if (auto b = t.find("build_number"); b != t.end() && b->is_number_integer())
        machine += " build " + std::to_string(b->get<std::int64_t>());
      if (!text("backends").empty()) machine += ", " + text("backends");
      machine += ")";
    }
    const bool gpu_offload = test.n_gpu_layers != 0 && [&t] {
      auto it = t.find("backends");
      return !(it != t.end() && it->is_string() && it->get<std::string>() == "CPU");
    }();
    if (options.cpu && gpu_offload)
      return Error{"the test offloads layers to a GPU (n_gpu_layers " + std::to_string(test.n_gpu_layers) +
                       "), but PU '" + options.pu + "' is a CPU",
                   file, 0, 0, at + ".n_gpu_layers"};
    if (options.cpu && test.n_threads != options.units) {
      out.notes.push_back("test " + at + " ran " + std::to_string(test.n_threads) + " threads, not " +
                          std::to_string(options.units) + " units: skipped");
      continue;
    }
    if (test.n_prompt > 0 && test.n_gen > 0) {
      out.notes.push_back("test " + at + " mixes prompt and generation (pg): not one pass kind, skipped");
      continue;
    }
    if (test.n_prompt == 0 && test.n_gen == 0) return Error{"a test with no tokens", file, 0, 0, at};
    tests.push_back(test);
  }
  if (tests.empty())
    return Error{"no test of the file matches PU '" + options.pu + "' with " + std::to_string(options.units) +
                     " units",
                 file};

  std::ostringstream yaml;
  yaml << "# Imported by `specmap import llama-bench` from " << file << ".\n"
       << "# Prompt tests (pp): one forward pass over n_prompt tokens at context n_depth.\n"
       << "# Generation tests (tg): n_gen single-token steps from context n_depth, filed as one step at\n"
       << "# the mean context n_depth + (n_gen - 1) / 2, times divided by n_gen.\n"
       << "version: 1\ntime_unit: ns\nmachine: " << yaml_quoted(machine) << "\nentries:\n";
  std::set<std::pair<Tokens, Tokens>> seen;
  for (const Test& t : tests) {
    const bool prompt = t.n_prompt > 0;
    const Tokens n = prompt ? t.n_prompt : 1;
    const double steps = prompt ? 1.0 : static_cast<double>(t.n_gen);
    const Tokens ctx = prompt ? t.n_depth : t.n_depth + (t.n_gen - 1) / 2;
    if (!seen.insert({n, ctx}).second)
      return Error{"two tests give the same point (n " + std::to_string(n) + ", context " +
                       std::to_string(ctx) +
                       "): run llama-bench with one setting per shape, or split the file",
                   file};
    const double med = (t.samples_ns.empty() ? t.avg_ns : median(t.samples_ns)) / steps;
    const int reps = t.samples_ns.empty() ? 1 : static_cast<int>(t.samples_ns.size());
    yaml << "  - {level: forward, model: " << yaml_quoted(model.name) << ", pu: " << yaml_quoted(options.pu)
         << ", units: " << options.units << ", new_tokens: " << n << ", context: " << ctx
         << ",\n     latency_ns: {median: " << number(med) << ", mean: " << number(t.avg_ns / steps)
         << ", stddev: " << number(t.stddev_ns / steps) << ", repetitions: " << reps << "}}\n";
    ++out.entries;
  }
  out.profile_yaml = yaml.str();
  return out;
}

}  // namespace specmap
