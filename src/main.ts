import { ConfigError, loadConfig } from './config.js';
import { createOneGrid } from './app.js';

/** Composition root: config → db → modules → http → mqtt. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const og = await createOneGrid(config, { logger: true });
  const log = og.app.log;
  await og.app.listen({ port: config.port, host: config.host });
  log.info(`OneGrid 一网统管 is serving http://localhost:${config.port} (database: ${og.ctx.dbKind}${og.ctx.dbKind === 'pglite' ? ' in ' + config.dataDir : ''})`);
  let closing = false;
  const shutdown = async (sig: string) => {
    if (closing) return;
    closing = true;
    log.info(`${sig}: shutting down`);
    const t = setTimeout(() => process.exit(1), 10_000);
    t.unref();
    await og.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
