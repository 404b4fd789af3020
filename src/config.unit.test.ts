import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({ ONEGRID_ENCRYPTION_KEY: KEY });
    expect(c.port).toBe(3000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.mqttPort).toBe(1883);
    expect(c.adminPassword).toBe('onegrid-demo');
    expect(c.dataDir).toMatch(/data$/);
  });

  it.each([
    ['PORT', 'abc', /PORT/],
    ['PORT', '70000', /PORT.*between/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL.*postgres/],
    ['MQTT_URL', 'not a url', /MQTT_URL/],
    ['ONEGRID_ENCRYPTION_KEY', 'c2hvcnQ=', /ONEGRID_ENCRYPTION_KEY.*32 bytes/],
    ['ONEGRID_DEMO', 'maybe', /ONEGRID_DEMO/],
    ['CLASSIFY_THRESHOLD', '1.5', /CLASSIFY_THRESHOLD/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
  ])('refuses %s=%s naming the variable', (name, value, re) => {
    expect(() => loadConfig({ ONEGRID_ENCRYPTION_KEY: KEY, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ONEGRID_ENCRYPTION_KEY: KEY, [name]: value })).toThrow(re);
  });

  it('requires an explicit key with a server database', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://localhost/x' })).toThrow(/ONEGRID_ENCRYPTION_KEY.*required/);
  });

  it('accepts hex keys and a list of previous keys', () => {
    const c = loadConfig({ ONEGRID_ENCRYPTION_KEY: 'ab'.repeat(32), ONEGRID_ENCRYPTION_KEY_PREVIOUS: `${KEY}, ${'cd'.repeat(32)}` });
    expect(c.encryptionKey).toHaveLength(32);
    expect(c.previousEncryptionKeys).toHaveLength(2);
  });
});
