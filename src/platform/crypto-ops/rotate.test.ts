import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { FieldCipher } from '../crypto.js';
import { rotateEncryptedColumns } from './rotate.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

describe('encryption key rotation', () => {
  it('re-encrypts every *_enc column under the new key, recomputes blind indexes, and can be re-run', async () => {
    const oldKey = t.config.encryptionKey;
    const newKey = randomBytes(32);
    const oldCipher = t.og.ctx.cipher;
    const sample = await t.og.ctx.db.selectFrom('residents').select(['id', 'phone_enc', 'phone_hash']).limit(3).execute();
    const phones = sample.map((r) => oldCipher.decrypt(r.phone_enc));

    const rotating = new FieldCipher(newKey, [oldKey]);
    const r = await rotateEncryptedColumns(t.og.ctx.db, rotating, t.clock, 100);
    expect(r.columns).toEqual(expect.arrayContaining(['residents.phone_enc', 'residents.id_card_enc', 'residents.address_enc']));
    expect(r.reencrypted).toBeGreaterThan(900);

    const onlyNew = new FieldCipher(newKey);
    for (const [i, s] of sample.entries()) {
      const row = await t.og.ctx.db.selectFrom('residents').select(['phone_enc', 'phone_hash']).where('id', '=', s.id).executeTakeFirstOrThrow();
      expect(onlyNew.decrypt(row.phone_enc)).toBe(phones[i]);
      expect(() => oldCipher.decrypt(row.phone_enc)).toThrow();
      expect(row.phone_hash).toBe(onlyNew.blindIndex(phones[i]));
      expect(row.phone_hash).not.toBe(s.phone_hash);
    }
    const again = await rotateEncryptedColumns(t.og.ctx.db, rotating, t.clock, 100);
    expect(again.reencrypted).toBe(0);
    expect(again.alreadyCurrent).toBe(r.reencrypted + r.alreadyCurrent);
    const audited = await t.og.ctx.db.selectFrom('audit_log').select('action').where('action', '=', 'keys.rotate').execute();
    expect(audited).toHaveLength(2);
  });
});
