/**
 * `npm run train`: rebuilds the case classifier's model file from the corpus kept in the repository
 * (src/modules/dispatch/corpus/train and keywords.txt — never the held-out split) plus the
 * dispatchers' corrections stored in the configured database (DATABASE_URL, or the embedded
 * database under ONEGRID_DATA_DIR when it exists), each counting CORRECTION_WEIGHT times a corpus
 * line. When no database is reachable it trains on the corpus alone. The server loads the file at
 * start. Stop a server running on the embedded database first (PGlite is single-process).
 * Flags: --no-db (corpus only), --out <file> (default src/modules/dispatch/model/classifier.json).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/platform/db/database.js';
import { MODEL_PATH, labelSet, trainingExamples } from '../src/modules/dispatch/corpus.js';
import { correctionExamples } from '../src/modules/dispatch/corrections.js';
import { Classifier, trainModel, type Example } from '../src/modules/dispatch/model.js';

const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const out = outArg >= 0 ? args[outArg + 1]! : MODEL_PATH;

async function readCorrections(): Promise<{ examples: Example[]; source: string }> {
  if (args.includes('--no-db')) return { examples: [], source: 'skipped (--no-db)' };
  // The key is not used here (corrections hold no personal data) but the loader asks for one.
  const config = loadConfig({ ...process.env, ONEGRID_ENCRYPTION_KEY: process.env.ONEGRID_ENCRYPTION_KEY || '0'.repeat(64) }, { persistKey: false });
  if (!config.databaseUrl && !existsSync(join(config.dataDir, 'pglite'))) return { examples: [], source: `no database (no DATABASE_URL, no ${join(config.dataDir, 'pglite')})` };
  const where = config.databaseUrl ? new URL(config.databaseUrl).host + new URL(config.databaseUrl).pathname : join(config.dataDir, 'pglite');
  try {
    const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
    try {
      return { examples: await correctionExamples(database.db), source: where };
    } finally {
      await database.close();
    }
  } catch (err) {
    return { examples: [], source: `database ${where} not reachable (${(err as Error).message}); corpus only` };
  }
}

const corpus = trainingExamples();
const corrections = await readCorrections();
const t0 = Date.now();
const model = trainModel([...corpus, ...corrections.examples], labelSet(), {
  meta: { corpusExamples: corpus.length, corrections: corrections.examples.length, correctionsSource: corrections.source },
});
const ms = Date.now() - t0;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(model) + '\n');
const clf = new Classifier(model);
console.log(`模型已写入 ${out}`);
console.log(`  corpus examples ${corpus.length}, corrections ${corrections.examples.length} (${corrections.source})`);
console.log(`  features ${clf.featureCount}, temperature ${model.temperature}, trained in ${ms} ms`);
// No held-out figures here: evaluating after every training run invites tuning against the held-out
// split. `npm run eval:classify` reports on it (and `--cv` gives cross-validation on the training split).
console.log('  held-out evaluation: npm run eval:classify');
