/**
 * `npm run audit:verify`: walks the audit log's hash chain in the configured database and reports
 * the first broken link. Exit 0 when intact, 1 when broken, 2 on a configuration error.
 */
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase } from '../src/platform/db/database.js';
import { verifyAuditChain } from '../src/platform/audit/audit.js';

try {
  const config = loadConfig(process.env, { persistKey: false });
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const r = await verifyAuditChain(database.db);
    if (r.ok) {
      console.log(`审计日志完整：已校验 ${r.checked} 条记录，哈希链无断点。 (audit log intact: ${r.checked} rows)`);
      process.exitCode = 0;
    } else {
      console.log(`审计日志被篡改：第 ${r.brokenAt!.seq} 条（id ${r.brokenAt!.id}）校验失败 — ${r.brokenAt!.reason}`);
      console.log(`AUDIT CHAIN BROKEN at seq ${r.brokenAt!.seq} (id ${r.brokenAt!.id}): ${r.brokenAt!.reason}; ${r.checked} rows before it are intact`);
      process.exitCode = 1;
    }
  } finally {
    await database.close();
  }
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exitCode = 2;
  } else throw err;
}
