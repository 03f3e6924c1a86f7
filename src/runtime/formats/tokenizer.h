#pragma once
// The tokenizer a GGUF file carries (`tokenizer.ggml.*`). Implemented: SentencePiece-style
// (`tokenizer.ggml.model = llama`): tokens with scores and types, byte-fallback tokens
// `<0xNN>`, U+2581 for spaces, a space prefix when `add_space_prefix` says so (default true),
// BOS/EOS ids and `add_bos_token`. Encoding is SentencePiece's BPE as llama.cpp's
// llm_tokenizer_spm does it: start from the UTF-8 characters, repeatedly merge the adjacent
// pair whose concatenation is the highest-scoring piece (ties: leftmost), then emit each
// symbol's token, or its bytes' tokens when it has none. Only normal, user-defined and unused
// pieces are merge candidates (as in SentencePiece: control, unknown and byte tokens never
// come out of text). Text is encoded as text: "<s>" in it is not the BOS token.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "runtime/formats/gguf_file.h"

namespace specmap::formats {

enum class TokenKind : std::int32_t {
  undefined = 0,
  normal = 1,
  unknown = 2,
  control = 3,
  user_defined = 4,
  unused = 5,
  byte = 6,
};

class Tokenizer {
 public:
  // Errors (missing or malformed keys, an unsupported model, a vocabulary whose size is not
  // `vocab_rows`, the embedding's rows) name the file, the key and its byte offset.
  static Result<Tokenizer> from_gguf(const GgufFile& file, std::int64_t vocab_rows);
  // From parts, for tests and hand-built vocabularies.
  static Result<Tokenizer> from_pieces(std::vector<std::string> pieces, std::vector<float> scores,
                                       std::vector<TokenKind> kinds, int bos, int eos, bool add_bos,
                                       bool add_space_prefix);

  // Token ids of `text`, with BOS first when add_bos().
  [[nodiscard]] std::vector<int> encode(std::string_view text) const;
  [[nodiscard]] std::vector<int> encode(std::string_view text, bool with_bos) const;
  // Text of the ids: control tokens (BOS, EOS) give nothing, byte tokens their byte, U+2581
  // becomes a space, and the space the prefix added is removed. decode(encode(t)) == t.
  // `continuation`: the ids follow others, so a leading space is kept.
  [[nodiscard]] std::string decode(std::span<const int> ids, bool continuation = false) const;

  [[nodiscard]] int bos() const { return bos_; }
  [[nodiscard]] int eos() const { return eos_; }
  [[nodiscard]] bool add_bos() const { return add_bos_; }
  [[nodiscard]] std::size_t size() const { return pieces_.size(); }
  [[nodiscard]] const std::string& piece(int id) const { return pieces_.at(static_cast<std::size_t>(id)); }

 private:
  Tokenizer() = default;
  void index();
  using Resegmentation = std::unordered_map<std::string, std::pair<std::string, std::string>>;
  // Appends the symbol's token; a merged unused piece splits back into what formed it (`rev`),
  // anything else without a token into its bytes' tokens.
  void emit(const std::string& symbol, const Resegmentation& rev, std::vector<int>& out, int depth) const;

  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::vector<TokenKind> kinds_;
  std::unordered_map<std::string, int> mergeable_;  // normal, user-defined, unused pieces
  std::unordered_map<std::string, int> emittable_;  // normal and user-defined pieces
  int byte_token_[256] = {};
  int bos_ = -1;
  int eos_ = -1;
  int unk_ = -1;
  bool add_bos_ = true;
  bool add_space_prefix_ = true;
};

}  // namespace specmap::formats
