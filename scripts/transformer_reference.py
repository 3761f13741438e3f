"""Reference sentence embeddings from PyTorch, for the TensorFlow.js BERT's tests.

Computes, with the reference implementations, the embeddings that src/core/transformer must
reproduce, and writes them as test fixtures:

  tests/fixtures/minilm-reference.json     all-MiniLM-L6-v2 through sentence-transformers
                                           (Transformer max_seq_length 256 -> mean pooling -> L2
                                           normalize), 40 varied texts;
  tests/fixtures/tiny-bert-reference.json  the random 2-layer test BERT (tests/fixtures/tiny-bert)
                                           through transformers' BertModel, mean and [CLS] pooling.

Each text's word-piece ids are written too, so a failing test can tell the tokenizer from the
model. Run it whenever the model, the texts or the tiny fixture change:

  python3 -m venv .cache/venv
  .cache/venv/bin/pip install torch==2.13.0 sentence-transformers==6.3.0 transformers==5.25.0
  npm run models                      # public/models/all-MiniLM-L6-v2/
  .cache/venv/bin/python scripts/transformer_reference.py

(`pip install torch==2.13.0` takes the CPU build; .cache/ is git-ignored.)
"""

import argparse
import hashlib
import json
import os

import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer
from transformers import AutoTokenizer, BertModel

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LONG_ENGLISH = (
    "The film opens on a quiet harbour town at dawn, where a retired lighthouse keeper spends his days "
    "repairing boats that nobody will ever sail again. Over the next two hours the story widens to take in "
    "his estranged daughter, a grandson who has never seen the sea, and a storm that the whole town has been "
    "waiting for without admitting it. The performances are restrained, the photography is beautiful, and "
    "the score knows when to fall silent. Still, the middle act drags: scenes repeat their point, a subplot "
    "about a land sale goes nowhere, and the dialogue sometimes explains what the images have already shown. "
) * 3
LONG_PIECES = " ".join(f"x{i}y{i * 7 % 13}z-{i}%" for i in range(120))  # few words, many word pieces

TEXTS = [
    "Hello",
    "a",
    "",
    "   ",
    "!!!",
    "42",
    "...",
    "an utterly charming film , full of wit and warmth .",
    "the plot is paper-thin and the acting is wooden .",
    "Wall St. Bears Claw Back Into the Black (Reuters) Reuters - Short-sellers, Wall Street's dwindling band of ultra-cynics, are seeing green again.",
    "I can't believe it's not butter, isn't it? You'd've thought so.",
    "Café au lait, naïve résumé, Ångström, São Paulo, Zürich, façade, jalapeño",
    "I love it 😍🔥👍🏽 best day ever!!! 🎉",
    "<p>This <b>movie</b> was &amp; is <i>great</i></p><br/><script>alert(1)</script>",
    "In 2023, revenue rose 12.5% to $3,400,000 (Q3: 1,234 units; ratio 0.75) vs. 2022's €2.9M.",
    "ThIs Is MiXeD cAsE AND SHOUTING, and lowercase too",
    "这部电影非常好看，我很喜欢。",
    "映画はとても面白かったです",
    "Отличный фильм, всем советую!",
    "الفيلم كان رائعا جدا",
    "Καλημέρα κόσμε",
    "Visit https://example.com/a?b=c&d=e or mail me@example.org",
    "def f(x): return x**2  # square it",
    "sooooo goooood!!! loooove it",
    "line one\nline two\tTabbed\r\nand Windows",
    "zero\u200bwidth and soft\u00adhyphen and non\u00a0breaking",
    "@user #blessed #NoFilter RT if you agree",
    "Pneumonoultramicroscopicsilicovolcanoconiosis is a long word",
    "NASA and the U.S.A. signed the U.N. treaty in N.Y.C.",
    "  leading and trailing spaces  ",
    "The quick brown fox jumps over the lazy dog.",
    "Apple unveils new iPhone with faster chip and better camera",
    "Stocks fell sharply on Tuesday as oil prices climbed to a record high.",
    "The team won the championship after a dramatic overtime goal.",
    "a " * 253,  # 253 pieces + [CLS] + [SEP] = 255: fits
    "a " * 254,  # 256 exactly: fits
    "a " * 255,  # 257: the last piece is cut
    LONG_ENGLISH,
    LONG_PIECES,
    "é" * 30 + " " + "ß" * 10 + " ﬁ ligature ½ ² ℃",
]


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def rounded(rows):
    return [[round(float(v), 7) for v in row] for row in rows]


def minilm(model_dir, out):
    model = SentenceTransformer(model_dir, device="cpu")
    assert model.max_seq_length == 256, model.max_seq_length
    with torch.no_grad():
        emb = model.encode(TEXTS, batch_size=8, convert_to_numpy=True)
    feats = model.tokenize(TEXTS)
    ids = [
        [int(t) for t, m in zip(row, mask) if m]
        for row, mask in zip(feats["input_ids"].tolist(), feats["attention_mask"].tolist())
    ]
    write(out, {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "weights_sha256": digest(os.path.join(model_dir, "model.safetensors")),
        "max_seq_length": model.max_seq_length,
        "pooling": "mean",
        "normalize": True,
        "texts": TEXTS,
        "ids": ids,
        "embeddings": rounded(emb.tolist()),
    })


def tiny(model_dir, out):
    tok = AutoTokenizer.from_pretrained(model_dir)
    bert = BertModel.from_pretrained(model_dir, add_pooling_layer=False, attn_implementation="eager").eval()
    max_len = json.load(open(os.path.join(model_dir, "sentence_bert_config.json")))["max_seq_length"]
    texts = TEXTS[:8] + TEXTS[11:14] + [TEXTS[24], LONG_ENGLISH]
    enc = tok([t.strip() for t in texts], padding=True, truncation=True, max_length=max_len, return_tensors="pt")
    with torch.no_grad():
        hidden = bert(**enc).last_hidden_state  # [B, T, H]
    mask = enc["attention_mask"].unsqueeze(-1).float()
    mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    cls = hidden[:, 0]
    norm = torch.nn.functional.normalize
    ids = [[int(t) for t, m in zip(row, mk) if m] for row, mk in zip(enc["input_ids"].tolist(), enc["attention_mask"].tolist())]
    write(out, {
        "model": "tests/fixtures/tiny-bert",
        "weights_sha256": digest(os.path.join(model_dir, "model.safetensors")),
        "max_seq_length": max_len,
        "texts": texts,
        "ids": ids,
        "mean_normalized": rounded(norm(mean, dim=-1).tolist()),
        "cls_normalized": rounded(norm(cls, dim=-1).tolist()),
    })


def write(path, data):
    data["made_with"] = {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "script": "scripts/transformer_reference.py",
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(path, ROOT)}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minilm", default=os.path.join(ROOT, "public", "models", "all-MiniLM-L6-v2"))
    p.add_argument("--tiny", default=os.path.join(ROOT, "tests", "fixtures", "tiny-bert"))
    p.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures"))
    a = p.parse_args()
    torch.manual_seed(0)
    minilm(a.minilm, os.path.join(a.out, "minilm-reference.json"))
    tiny(a.tiny, os.path.join(a.out, "tiny-bert-reference.json"))


if __name__ == "__main__":
    main()
