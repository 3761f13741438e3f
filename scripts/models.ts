/**
 * Installs the pretrained models the project uses into git-ignored folders (see
 * src/core/models/catalog.ts for what, where from, and the pinned sha256 of every file).
 *
 *   npm run models                      # the sentence encoder (all-MiniLM-L6-v2) into public/models/
 *   npm run models -- --teacher         # the small local teacher LLM (SmolLM2-135M GGUF) too
 *   npm run models -- --only teacher    # just that one (encoder | teacher)
 *   npm run models -- --from DIR        # take the files from a folder (no network); also $DISTILLERY_MODELS_DIR
 *   npm run models -- --verify          # re-hash every file even when the stamp says it is current
 *   npm run models -- --if-possible     # say what is missing and exit 0 (npm start uses this)
 *
 * Skipped in a second when everything is in place, so `npm start` and `npm test` run it each time.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODELS, type ModelEntry } from '../src/core/models/catalog.js';
import { ensureModel } from '../src/core/models/fetch-node.js';
import { isUserError } from '../src/core/errors.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };

const only = value('--only');
const roles = new Set<ModelEntry['role']>(only ? [only as ModelEntry['role']] : flag('--teacher') || flag('--all') ? ['encoder', 'teacher'] : ['encoder']);
const wanted = MODELS.filter((m) => roles.has(m.role));
if (wanted.length === 0) {
  console.error(`models: --only takes encoder or teacher, not ${only}.`);
  process.exit(2);
}

let failed = false;
for (const entry of wanted) {
  try {
    const dir = await ensureModel(entry, { root: ROOT, from: value('--from'), verify: flag('--verify'), log: (l) => console.log(`models: ${l}`) });
    console.log(`models: ${entry.id} ready in ${dir.slice(ROOT.length + 1)}`);
  } catch (e) {
    if (!isUserError(e)) throw e;
    failed = true;
    console.error(`models: ${e.userMessage}`);
  }
}
if (failed && flag('--if-possible')) {
  console.error('models: carrying on without it: the app and the CLI work with the word-vector (GloVe) student; the pretrained encoder needs the model.');
  process.exit(0);
}
process.exit(failed ? 1 : 0);
