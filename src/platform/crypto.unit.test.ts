import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FieldCipher, maskAddress, maskIdCard, maskName, maskPhone } from './crypto.js';

describe('field encryption', () => {
  const c = new FieldCipher(randomBytes(32));
  it('round-trips, uses a fresh IV each time, and detects tampering', () => {
    const a = c.encrypt('13812345678');
    const b = c.encrypt('13812345678');
    expect(a).not.toBe(b);
    expect(a).not.toContain('13812345678');
    expect(c.decrypt(a)).toBe('13812345678');
    const raw = Buffer.from(a.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => c.decrypt('v1:' + raw.toString('base64'))).toThrow();
  });
  it('refuses ciphertext sealed with another key', () => {
    const other = new FieldCipher(randomBytes(32));
    expect(() => other.decrypt(c.encrypt('x'))).toThrow();
  });
  it('gives a stable, normalised blind index that differs per key', () => {
    expect(c.blindIndex('138 1234 5678')).toBe(c.blindIndex('13812345678'));
    expect(c.blindIndex('43010319900101123x')).toBe(c.blindIndex('43010319900101123X'));
    expect(new FieldCipher(randomBytes(32)).blindIndex('13812345678')).not.toBe(c.blindIndex('13812345678'));
    expect(c.encrypt(null)).toBeNull();
  });
});

describe('masks', () => {
  it('masks phone, ID, address and name', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskIdCard('430103199001011234')).toBe('4301**********1234');
    expect(maskAddress('长沙市天心区新开铺街道木莲小区3栋2单元501室')).toBe('长沙市天心区新开铺街道木莲小区3栋****');
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳小明')).toBe('欧阳**');
    expect(maskPhone(null)).toBeNull();
  });
});
