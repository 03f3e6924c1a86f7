#pragma once
// Error values and Result<T>: fallible functions return a value or an Error that
// names where in the user's input the problem is (file, line, column, key path).
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace specmap {

struct Error {
  std::string message;   // what is wrong, in the user's terms
  std::string file;      // input file, empty if not from a file
  int line = 0;          // 1-based; 0 when unknown
  int column = 0;        // 1-based; 0 when unknown
  std::string key_path;  // e.g. "pus[1].peak_gflops.f32"; empty when not applicable
  // Set on a write's error when the path the user named cannot take the output (a file where
  // a folder must go, a folder where a file must go, an input it would overwrite): the
  // user's input is wrong (exit 2), not the machine failing to write (exit 1).
  bool unusable_output_path = false;

  // "file:line:column: key 'a.b': message" with the parts that are known.
  [[nodiscard]] std::string format() const;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit by design

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  [[nodiscard]] bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

// Thrown only inside a module and turned into an Error at its public boundary
// (loaders use it to unwind from deep inside a YAML walk).
struct InputError {
  Error error;
};

}  // namespace specmap
