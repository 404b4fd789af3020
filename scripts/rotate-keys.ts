/**
 * `npm run keys:rotate`: re-encrypts personal data with ONEGRID_ENCRYPTION_KEY, reading values sealed
 * with any key in ONEGRID_ENCRYPTION_KEY_PREVIOUS. See docs/operations.md for the procedure.
 */
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase } from '../src/platform/db/database.js';
import { FieldCipher } from '../src/platform/crypto.js';
import { systemClock } from '../src/platform/clock.js';
import { rotateEncryptedColumns } from '../src/platform/crypto-ops/rotate.js';

try {
  const config = loadConfig(process.env, { persistKey: false });
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const r = await rotateEncryptedColumns(database.db, new FieldCipher(config.encryptionKey, config.previousEncryptionKeys), systemClock);
    console.log(`密钥轮换完成：重新加密 ${r.reencrypted} 个值，${r.alreadyCurrent} 个已是新密钥；字段：${r.columns.join(', ')}`);
  } finally {
    await database.close();
  }
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exitCode = 2;
  } else {
    console.error(err);
    process.exitCode = 1;
  }
}
