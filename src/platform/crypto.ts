import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Field encryption for personal data (phone, ID-card number, exact address): AES-256-GCM with a
 * random 96-bit IV. Stored form: `v1:<base64(iv|tag|ciphertext)>`; the version prefix leaves room
 * for key rotation (see docs/operations.md). A keyed blind index (HMAC-SHA256 with a sub-key) lets
 * us find a person by phone or ID number without storing either in clear text.
 */
export class FieldCipher {
  private readonly encKey: Buffer;
  private readonly indexKey: Buffer;
  /** keys being rotated out: still accepted for decryption, never used to encrypt */
  private readonly oldEncKeys: Buffer[];

  constructor(key: Buffer, previousKeys: Buffer[] = []) {
    for (const k of [key, ...previousKeys]) if (k.length !== 32) throw new Error('encryption key must be 32 bytes');
    this.encKey = createHmac('sha256', key).update('onegrid:enc').digest();
    this.indexKey = createHmac('sha256', key).update('onegrid:index').digest();
    this.oldEncKeys = previousKeys.map((k) => createHmac('sha256', k).update('onegrid:enc').digest());
  }

  encrypt(plain: string): string;
  encrypt(plain: string | null | undefined): string | null;
  encrypt(plain: string | null | undefined): string | null {
    if (plain === null || plain === undefined || plain === '') return null;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.encKey, iv);
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return 'v1:' + Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64');
  }

  decrypt(stored: string): string;
  decrypt(stored: string | null | undefined): string | null;
  decrypt(stored: string | null | undefined): string | null {
    if (!stored) return null;
    if (!stored.startsWith('v1:')) throw new Error('unknown ciphertext version');
    const buf = Buffer.from(stored.slice(3), 'base64');
    let lastErr: unknown;
    // The GCM tag tells which key sealed it: the current key first, then keys being rotated out.
    for (const key of [this.encKey, ...this.oldEncKeys]) {
      try {
        const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
        d.setAuthTag(buf.subarray(12, 28));
        return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr;
  }

  /** True when the value is sealed with the current key (rotation skips it). */
  isCurrent(stored: string): boolean {
    try {
      const buf = Buffer.from(stored.slice(3), 'base64');
      const d = createDecipheriv('aes-256-gcm', this.encKey, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      d.update(buf.subarray(28));
      d.final();
      return true;
    } catch {
      return false;
    }
  }

  /** Deterministic keyed hash for equality search; input is normalised (spaces, case). */
  blindIndex(value: string | null | undefined): string | null {
    if (!value) return null;
    const norm = value.replace(/[\s-]/g, '').toUpperCase();
    return createHmac('sha256', this.indexKey).update(norm).digest('hex');
  }
}

/** 13812345678 → 138****5678 */
export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return null;
  const p = phone.replace(/\s/g, '');
  if (p.length < 7) return '*'.repeat(p.length);
  return p.slice(0, 3) + '*'.repeat(p.length - 7) + p.slice(-4);
}

/** 430103199001011234 → 4301**********1234 */
export function maskIdCard(id: string | null | undefined): string | null {
  if (!id) return null;
  if (id.length <= 8) return '*'.repeat(id.length);
  return id.slice(0, 4) + '*'.repeat(id.length - 8) + id.slice(-4);
}

/** Keep the estate/building part of an address, hide the unit and room: 木莲小区3栋2单元501 → 木莲小区3栋**** */
export function maskAddress(addr: string | null | undefined): string | null {
  if (!addr) return null;
  const m = addr.match(/^(.*?(栋|幢|号楼))/);
  if (m) return m[1] + '****';
  return addr.slice(0, Math.max(2, Math.floor(addr.length / 2))) + '****';
}

/** 张三 → 张* ; 欧阳小明 → 欧阳** (names on public pages) */
export function maskName(name: string | null | undefined): string | null {
  if (!name) return null;
  const chars = [...name];
  if (chars.length <= 1) return name;
  const keep = chars.length >= 4 ? 2 : 1;
  return chars.slice(0, keep).join('') + '*'.repeat(chars.length - keep);
}
