import type { TestApp } from '../../../test/helpers.js';
import { systemActor } from '../../platform/auth/actor.js';
import { hashPassword } from '../../platform/auth/passwords.js';
import { createUser } from '../../platform/auth/service.js';
import { nodeBriefs, residentBriefs, type ResidentBrief } from '../org/index.js';

export interface ResidentAccount {
  cookie: string;
  residentId: string;
  householdId: string;
  name: string;
  nodePath: string;
}

let hash: Promise<string> | null = null;

/** Creates and signs in resident accounts bound to the given residents (test support only). */
export async function residentAccounts(t: TestApp, residents: ResidentBrief[], prefix: string): Promise<ResidentAccount[]> {
  hash ??= hashPassword('onegrid-demo');
  const h = await hash;
  const out: ResidentAccount[] = [];
  for (const [i, r] of residents.entries()) {
    const username = `${prefix}${i}`;
    await createUser(t.og.ctx, systemActor(), { username, displayName: r.name, password: 'onegrid-demo', passwordHash: h, roles: ['resident'], residentId: r.id });
    out.push({ cookie: await t.login(username), residentId: r.id, householdId: r.householdId!, name: r.name, nodePath: r.nodePath });
  }
  return out;
}

export async function node(t: TestApp, code: string) {
  const all = await nodeBriefs(t.og.ctx.db, { levels: ['community', 'estate', 'grid', 'building', 'household'], under: '430103' });
  const n = all.find((x) => x.code === code);
  if (!n) throw new Error(`node ${code} not found`);
  return n;
}

export async function residentsUnder(t: TestApp, path: string) {
  return (await residentBriefs(t.og.ctx.db, { under: path })).filter((r) => r.status === 'resident');
}

export async function residentIdOf(t: TestApp, cookie: string): Promise<string> {
  const me = (await t.req('GET', '/api/auth/me', { cookie })).json();
  return me.residentId ?? me.user?.residentId;
}
