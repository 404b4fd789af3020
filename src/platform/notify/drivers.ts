import type { Logger } from '../context.js';
import { maskPhone } from '../crypto.js';

/** What an external channel receives: one message for one user. */
export interface OutboundMessage {
  id: string;
  userId: string;
  username: string | null;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  data: Record<string, unknown>;
  createdAt: string;
  /**
   * Set when the message is addressed to someone without an account (e.g. a family contact's phone,
   * sent by `sendToAddress`); `userId` is then '' and `username` null. An SMS adapter (or the SMS
   * gateway behind a webhook) sends it to `to.phone`.
   */
  to?: { phone: string; name?: string | null };
}

/**
 * A delivery channel. SMS and WeChat drivers are later adapters over this interface: implement
 * `send` (throw to have the job retried with back-off) and register the driver at start.
 */
export interface ChannelDriver {
  name: string;
  /** checks a channel's settings before they are saved; returns a problem in plain words or null */
  validate(config: Record<string, unknown>): string | null;
  send(msg: OutboundMessage, config: Record<string, unknown>, env: { log: Logger }): Promise<void>;
}

const drivers = new Map<string, ChannelDriver>();

export function registerDriver(d: ChannelDriver): void {
  drivers.set(d.name, d);
}
export function driverByName(name: string): ChannelDriver | undefined {
  return drivers.get(name);
}
export function driverNames(): string[] {
  return [...drivers.keys()];
}

/** Writes the message to the server log (development, and a trace of what would be sent). */
export const consoleDriver: ChannelDriver = {
  name: 'console',
  validate: () => null,
  async send(msg, _config, env) {
    // a phone address is logged masked only
    const to = msg.to ? maskPhone(msg.to.phone) : (msg.username ?? msg.userId);
    env.log.info({ notification: { id: msg.id, to, kind: msg.kind, title: msg.title } }, `[notify] ${msg.title}`);
  },
};

/**
 * POSTs the message as JSON to a URL. Optional `secret` is sent as an HMAC-SHA256 signature of the
 * body in `X-OneGrid-Signature`, so that the receiver can check the sender.
 */
export const webhookDriver: ChannelDriver = {
  name: 'webhook',
  validate(config) {
    const url = config.url;
    if (typeof url !== 'string') return 'url 为必填项';
    try {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'url 须为 http 或 https 地址';
    } catch {
      return 'url 不是合法的地址';
    }
    if (config.secret !== undefined && typeof config.secret !== 'string') return 'secret 须为字符串';
    return null;
  },
  async send(msg, config) {
    const body = JSON.stringify({ type: 'notification', message: msg });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (typeof config.secret === 'string' && config.secret) {
      const { createHmac } = await import('node:crypto');
      headers['x-onegrid-signature'] = 'sha256=' + createHmac('sha256', config.secret).update(body).digest('hex');
    }
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), typeof config.timeoutMs === 'number' ? config.timeoutMs : 10_000);
    try {
      const r = await fetch(String(config.url), { method: 'POST', headers, body, signal: ctl.signal });
      if (!r.ok) throw new Error(`webhook answered ${r.status}`);
    } finally {
      clearTimeout(timer);
    }
  },
};

registerDriver(consoleDriver);
registerDriver(webhookDriver);
