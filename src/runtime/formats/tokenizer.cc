#include "runtime/formats/tokenizer.h"

#include <cstdio>
#include <queue>

namespace specmap::formats {

namespace {

const std::string kSpace = "\xe2\x96\x81";  // U+2581, SentencePiece's visible space

std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xe) return 3;
  if ((lead >> 3) == 0x1e) return 4;
  return 1;  // a continuation or invalid byte stands alone (and falls back to its byte token)
}

struct Symbol {
  std::size_t start = 0;
  std::size_t length = 0;
  int prev = -1;
  int next = -1;
};

struct Bigram {
  float score = 0;
  int left = 0;
  int right = 0;
  std::size_t length = 0;
};

struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

Result<Tokenizer> Tokenizer::from_pieces(std::vector<std::string> pieces, std::vector<float> scores,
                                         std::vector<TokenKind> kinds, int bos, int eos, bool add_bos,
                                         bool add_space_prefix) {
  if (pieces.empty()) return Error{"tokenizer: no tokens"};
  if (scores.empty()) scores.assign(pieces.size(), 0.0f);
  if (kinds.empty()) kinds.assign(pieces.size(), TokenKind::normal);
  if (scores.size() != pieces.size() || kinds.size() != pieces.size())
    return Error{"tokenizer: scores and token types must have one entry per token"};
  const int n = static_cast<int>(pieces.size());
  if (bos >= n || eos >= n) return Error{"tokenizer: BOS or EOS id beyond the vocabulary"};
  Tokenizer t;
  t.pieces_ = std::move(pieces);
  t.scores_ = std::move(scores);
  t.kinds_ = std::move(kinds);
  t.bos_ = bos;
  t.eos_ = eos;
  t.add_bos_ = add_bos && bos >= 0;
  t.add_space_prefix_ = add_space_prefix;
  t.index();
  return t;
}

void Tokenizer::index() {
  for (int& b : byte_token_) b = -1;
  for (std::size_t i = 0; i < pieces_.size(); ++i) {
    const int id = static_cast<int>(i);
    const std::string& p = pieces_[i];
    switch (kinds_[i]) {
      case TokenKind::normal:
      case TokenKind::user_defined:
      case TokenKind::undefined:
        mergeable_.emplace(p, id);
        emittable_.emplace(p, id);
        break;
      case TokenKind::unused:
        mergeable_.emplace(p, id);
        break;
      case TokenKind::byte: {
        unsigned value = 0;
        char tail = 0;
        if (p.size() == 6 && std::sscanf(p.c_str(), "<0x%2X%c", &value, &tail) == 2 && tail == '>' &&
            value < 256 && byte_token_[value] < 0)
          byte_token_[value] = id;
        break;
      }
      case TokenKind::unknown:
        if (unk_ < 0) unk_ = id;
        break;
      case TokenKind::control:
        break;
    }
  }
}

void Tokenizer::emit(const std::string& symbol, const Resegmentation& rev, std::vector<int>& out,
                     int depth) const {
  if (auto it = emittable_.find(symbol); it != emittable_.end()) {
    out.push_back(it->second);
    return;
  }
  if (depth < 64) {
    if (auto it = rev.find(symbol); it != rev.end()) {
      emit(it->second.first, rev, out, depth + 1);
      emit(it->second.second, rev, out, depth + 1);
      return;
    }
  }
  for (unsigned char c : symbol) {
    const int id = byte_token_[c];
    out.push_back(id >= 0 ? id : unk_ >= 0 ? unk_ : 0);
  }
}

std::vector<int> Tokenizer::encode(std::string_view text) const { return encode(text, add_bos_); }

std::vector<int> Tokenizer::encode(std::string_view text, bool with_bos) const {
  std::vector<int> out;
  if (with_bos && bos_ >= 0) out.push_back(bos_);
  if (text.empty()) return out;
  std::string s;
  s.reserve(text.size() * 3 + 3);
  if (add_space_prefix_) s += kSpace;
  for (char c : text) {
    if (c == ' ')
      s += kSpace;
    else
      s += c;
  }

  std::vector<Symbol> symbols;
  for (std::size_t i = 0; i < s.size();) {
    Symbol sym;
    sym.start = i;
    sym.length = std::min(utf8_length(static_cast<unsigned char>(s[i])), s.size() - i);
    sym.prev = static_cast<int>(symbols.size()) - 1;
    sym.next = i + sym.length < s.size() ? static_cast<int>(symbols.size()) + 1 : -1;
    i += sym.length;
    symbols.push_back(sym);
  }

  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
  Resegmentation rev;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol& a = symbols[static_cast<std::size_t>(left)];
    const Symbol& b = symbols[static_cast<std::size_t>(right)];
    std::string merged = s.substr(a.start, a.length + b.length);
    auto it = mergeable_.find(merged);
    if (it == mergeable_.end()) return;
    queue.push(Bigram{scores_[static_cast<std::size_t>(it->second)], left, right, merged.size()});
    if (kinds_[static_cast<std::size_t>(it->second)] == TokenKind::unused)
      rev.emplace(std::move(merged),
                  std::make_pair(s.substr(a.start, a.length), s.substr(b.start, b.length)));
  };
  for (std::size_t i = 1; i < symbols.size(); ++i) try_add(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!queue.empty()) {
    const Bigram top = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<std::size_t>(top.left)];
    Symbol& right = symbols[static_cast<std::size_t>(top.right)];
    // Stale entries: one side already merged into something else.
    if (left.length == 0 || right.length == 0 || left.length + right.length != top.length) continue;
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<std::size_t>(right.next)].prev = top.left;
    try_add(left.prev, top.left);
    try_add(top.left, left.next);
  }

  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[static_cast<std::size_t>(i)].next) {
    const Symbol& sym = symbols[static_cast<std::size_t>(i)];
    emit(s.substr(sym.start, sym.length), rev, out, 0);
  }
  return out;
}

std::string Tokenizer::decode(std::span<const int> ids, bool continuation) const {
  std::string out;
  bool first = !continuation;
  for (int id : ids) {
    if (id < 0 || static_cast<std::size_t>(id) >= pieces_.size()) continue;
    const std::string& p = pieces_[static_cast<std::size_t>(id)];
    const TokenKind kind = kinds_[static_cast<std::size_t>(id)];
    if (kind == TokenKind::control) continue;
    std::string text;
    if (kind == TokenKind::byte) {
      unsigned value = 0;
      if (std::sscanf(p.c_str(), "<0x%2X>", &value) == 1) text.push_back(static_cast<char>(value));
    } else {
      for (std::size_t i = 0; i < p.size();) {
        if (p.compare(i, kSpace.size(), kSpace) == 0) {
          text += ' ';
          i += kSpace.size();
        } else {
          text += p[i++];
        }
      }
    }
    if (first && add_space_prefix_ && !text.empty() && text[0] == ' ') text.erase(0, 1);
    first = false;
    out += text;
  }
  return out;
}

}  // namespace specmap::formats

namespace specmap::formats {

Result<Tokenizer> Tokenizer::from_gguf(const GgufFile& file, std::int64_t vocab_rows) {
  auto model = file.string_value("tokenizer.ggml.model");
  if (!model) return model.error();
  if (*model != "llama")
    return file.key_error("tokenizer.ggml.model",
                          "tokenizer '" + *model + "' is not supported (the SentencePiece-style 'llama' is)");
  const GgufKeyValue* tokens = file.find("tokenizer.ggml.tokens");
  if (tokens == nullptr) return file.key_error("tokenizer.ggml.tokens", "missing metadata key");
  if (tokens->value.type != GgufValueType::array || tokens->value.element_type != GgufValueType::string)
    return file.key_error("tokenizer.ggml.tokens", "expected an array of strings");
  const std::size_t n = tokens->value.strings.size();
  if (static_cast<std::int64_t>(n) != vocab_rows)
    return file.key_error("tokenizer.ggml.tokens", "the tokenizer has " + std::to_string(n) +
                                                       " tokens but tensor 'token_embd.weight' has " +
                                                       std::to_string(vocab_rows) +
                                                       " rows (the vocabulary sizes disagree)");
  std::vector<float> scores;
  if (const GgufKeyValue* kv = file.find("tokenizer.ggml.scores")) {
    if (kv->value.type != GgufValueType::array ||
        (kv->value.element_type != GgufValueType::f32 && kv->value.element_type != GgufValueType::f64))
      return file.key_error("tokenizer.ggml.scores", "expected an array of f32");
    if (kv->value.reals.size() != n)
      return file.key_error("tokenizer.ggml.scores", std::to_string(kv->value.reals.size()) + " scores for " +
                                                         std::to_string(n) + " tokens");
    scores.assign(kv->value.reals.begin(), kv->value.reals.end());
  }
  std::vector<TokenKind> kinds;
  if (const GgufKeyValue* kv = file.find("tokenizer.ggml.token_type")) {
    if (kv->value.type != GgufValueType::array || !kv->value.reals.empty() || !kv->value.strings.empty() ||
        !kv->value.arrays.empty() || kv->value.element_type == GgufValueType::boolean)
      return file.key_error("tokenizer.ggml.token_type", "expected an array of i32");
    if (kv->value.ints.size() != n)
      return file.key_error(
          "tokenizer.ggml.token_type",
          std::to_string(kv->value.ints.size()) + " token types for " + std::to_string(n) + " tokens");
    for (std::int64_t t : kv->value.ints) {
      if (t < 0 || t > 6)
        return file.key_error("tokenizer.ggml.token_type",
                              "token type " + std::to_string(t) + " is not 0..6");
      kinds.push_back(static_cast<TokenKind>(t));
    }
  }
  auto id_of = [&](const char* key, int& id) -> Status {
    if (file.find(key) == nullptr) return {};
    auto v = file.uint_value(key);
    if (!v) return v.error();
    if (*v >= n) return file.key_error(key, "token id " + std::to_string(*v) + " is beyond the vocabulary");
    id = static_cast<int>(*v);
    return {};
  };
  int bos = -1, eos = -1;
  if (Status st = id_of("tokenizer.ggml.bos_token_id", bos); !st) return st.error();
  if (Status st = id_of("tokenizer.ggml.eos_token_id", eos); !st) return st.error();
  bool add_bos = true, add_space_prefix = true;
  if (file.find("tokenizer.ggml.add_bos_token")) {
    auto v = file.bool_value("tokenizer.ggml.add_bos_token");
    if (!v) return v.error();
    add_bos = *v;
  }
  if (file.find("tokenizer.ggml.add_space_prefix")) {
    auto v = file.bool_value("tokenizer.ggml.add_space_prefix");
    if (!v) return v.error();
    add_space_prefix = *v;
  }
  auto t = from_pieces(tokens->value.strings, std::move(scores), std::move(kinds), bos, eos, add_bos,
                       add_space_prefix);
  if (!t) return file.key_error("tokenizer.ggml.tokens", t.error().message);
  return t;
}

}  // namespace specmap::formats
