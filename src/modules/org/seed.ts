import { readFileSync } from 'node:fs';
import type { MultiPolygon, Polygon } from 'geojson';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import { systemActor, type Role } from '../../platform/auth/actor.js';
import { hashPassword } from '../../platform/auth/passwords.js';
import { createUser } from '../../platform/auth/service.js';
import { audit } from '../../platform/audit/audit.js';
import { blockPolygon, pointInCell } from './demo-geometry.js';
import { createDepartment, insertResidentsBulk, residentRow, upsertNodes, type NodeInput } from './service.js';
import { orgRepo } from './repository.js';

export const SPEC_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../spec');
export const DEMO_PASSWORD = 'onegrid-demo';

export interface SpecDepartment {
  code: string;
  name: string;
  kind: 'government' | 'utility' | 'company' | 'community';
  handles: string;
}
export function specDepartments(): SpecDepartment[] {
  return (JSON.parse(readFileSync(join(SPEC_DIR, 'departments.json'), 'utf8')) as { departments: SpecDepartment[] }).departments;
}

export const DISTRICT = { code: '430103', name: '长沙市天心区' };
export const STREET = { code: '430103007', name: '新开铺街道' };

/** Communities: slug for account names, and the block of lattice cells each covers (columns i0..i1, rows j0..j1, row 0 in the south). */
export const COMMUNITIES = [
  { code: '430103007001', slug: 'qiaotou', name: '桥头社区', i0: 0, i1: 3, j0: 3, j1: 6, estates: ['桥头小区', '湘府花园', '桥头安置小区'] },
  { code: '430103007002', slug: 'mulian', name: '木莲社区', i0: 3, i1: 6, j0: 3, j1: 6, estates: ['木莲小区', '木莲东区', '金地城'] },
  { code: '430103007003', slug: 'xintian', name: '新天社区', i0: 0, i1: 2, j0: 0, j1: 3, estates: ['新天村小区', '新天华府', '天心家园'] },
  { code: '430103007004', slug: 'baoziling', name: '豹子岭社区', i0: 2, i1: 4, j0: 0, j1: 3, estates: ['豹子岭小区', '万科城', '芙蓉苑'] },
  { code: '430103007005', slug: 'xinkaipu', name: '新开铺社区', i0: 4, i1: 6, j0: 0, j1: 3, estates: ['新开铺小区', '融城苑', '铁道学院宿舍'] },
] as const;

/** Property companies (物业服务企业) of the estates that have one; old estates without one are served by the community. */
export const PROPERTY_COMPANIES = [
  { code: 'WY01', name: '长沙绿城物业服务有限公司' },
  { code: 'WY02', name: '湖南万科物业服务有限公司' },
  { code: 'WY03', name: '湘府物业管理有限公司' },
  { code: 'WY04', name: '金地物业服务集团长沙分公司' },
  { code: 'WY05', name: '天心城投物业管理有限公司' },
];

/** Departments the per-community dept_handler accounts belong to. */
const COMMUNITY_DEPT = ['SZ', 'HW', 'CG', 'GS', 'LD'];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万覃武钱戴严莫孔向汤'.split('');
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力斌波宇浩凯健俊帆晨欣怡佳琪雪梅志勇新春秋香桃湘楚岳麓芙蓉'.split('');

function idCardCheck(body17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const c = '10X98765432';
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(body17[i]) * w[i]!;
  return c[s % 11]!;
}

/**
 * The service area (服务区域) of every demo department, from the seeded nodes: the street offices'
 * government departments and the utilities serve the whole street; the 社区居委会 (SQ) serves its
 * communities; each property company serves exactly the estates whose props.propertyCompanyCode
 * names it, and the 物业服务企业 umbrella (WY) the estates that have any company. Company areas
 * stay tight on purpose: dispatch's service_area rule sends a WY category to the WY0x whose area
 * holds the point, so an old estate without a company must lie outside all of them.
 */
export function serviceAreas(nodes: NodeInput[]): Map<string, Polygon | MultiPolygon> {
  const street = nodes.find((n) => n.level === 'street' && n.code === STREET.code)?.geometry as Polygon | undefined;
  if (!street) throw new Error('demo street has no polygon');
  const polygonsOf = (list: NodeInput[]): MultiPolygon => ({ type: 'MultiPolygon', coordinates: list.map((n) => (n.geometry as Polygon).coordinates) });
  const communities = nodes.filter((n) => n.level === 'community');
  const estates = nodes.filter((n) => n.level === 'estate');
  const companyOf = (e: NodeInput) => (e.props as { propertyCompanyCode?: string | null } | undefined)?.propertyCompanyCode ?? null;
  const areas = new Map<string, Polygon | MultiPolygon>();
  for (const d of specDepartments()) {
    if (d.kind === 'community') areas.set(d.code, polygonsOf(communities));
    else if (d.kind === 'company') areas.set(d.code, polygonsOf(estates.filter((e) => companyOf(e) !== null)));
    else areas.set(d.code, street);
  }
  for (const p of PROPERTY_COMPANIES) {
    const managed = estates.filter((e) => companyOf(e) === p.code);
    if (managed.length === 0) throw new Error(`demo property company ${p.code} manages no estate`);
    areas.set(p.code, polygonsOf(managed));
  }
  return areas;
}

let demoHash: Promise<string> | null = null;
/** The demo accounts share one password, so one argon2id hash serves them all (demo data only). */
const demoPasswordHash = () => (demoHash ??= hashPassword(DEMO_PASSWORD));

/**
 * Seeds the 新开铺街道 demo district into an empty database: the tree with polygons, departments,
 * property companies, buildings, households, residents with tags, and the demo accounts.
 */
export async function seedOrg(ctx: AppContext): Promise<void> {
  if ((await orgRepo.listNodes(ctx.db, { levels: ['district'], withGeometry: false })).length > 0) return;
  const sys = systemActor();
  const rand = rng(20261125);

  const nodes: NodeInput[] = [
    { code: DISTRICT.code, name: DISTRICT.name, level: 'district', geometry: blockPolygon(0, 6, 0, 6) },
    { code: STREET.code, name: STREET.name, level: 'street', parentCode: DISTRICT.code, geometry: blockPolygon(0, 6, 0, 6) },
  ];
  let companyIdx = 0;
  for (const c of COMMUNITIES) {
    nodes.push({ code: c.code, name: c.name, level: 'community', parentCode: STREET.code, geometry: blockPolygon(c.i0, c.i1, c.j0, c.j1) });
    const wide = c.i1 - c.i0 === 3; // 3×3 communities: estates are columns; 2×3: estates are rows
    let gridNo = 0;
    c.estates.forEach((estateName, e) => {
      const [ei0, ei1, ej0, ej1] = wide ? [c.i0 + e, c.i0 + e + 1, c.j0, c.j1] : [c.i0, c.i1, c.j0 + e, c.j0 + e + 1];
      const estateCode = `${c.code}E${e + 1}`;
      const old = /安置|宿舍|村/.test(estateName);
      const company = old ? null : PROPERTY_COMPANIES[companyIdx++ % PROPERTY_COMPANIES.length]!.code;
      nodes.push({ code: estateCode, name: estateName, level: 'estate', parentCode: c.code, geometry: blockPolygon(ei0, ei1, ej0, ej1), props: { propertyCompanyCode: company, oldEstate: old } });
      for (let i = ei0; i < ei1; i++)
        for (let j = ej0; j < ej1; j++) {
          gridNo++;
          const gridCode = `${c.code}G${String(gridNo).padStart(2, '0')}`;
          nodes.push({ code: gridCode, name: `${c.name.replace('社区', '')}第${gridNo}网格`, level: 'grid', parentCode: estateCode, geometry: blockPolygon(i, i + 1, j, j + 1), props: { cell: [i, j] } });
          for (let b = 1; b <= 3; b++) {
            const [lng, lat] = pointInCell(i, j, rand(), rand());
            const buildingNo = (gridNo - 1) * 3 + b;
            const bCode = `${gridCode}B${b}`;
            nodes.push({ code: bCode, name: `${estateName}${buildingNo}栋`, level: 'building', parentCode: gridCode, lng, lat, props: { floors: 6 + Math.floor(rand() * 12), buildingNo } });
            for (let h = 1; h <= 3; h++) {
              const room = `${1 + Math.floor(rand() * 6)}0${h}`;
              nodes.push({ code: `${bCode}H${h}`, name: `${estateName}${buildingNo}栋${Math.ceil(h / 2)}单元${room}室`, level: 'household', parentCode: bCode, lng, lat, props: { unit: Math.ceil(h / 2), room } });
            }
          }
        }
    });
  }
  const areas = serviceAreas(nodes);

  await withTx(ctx, async (trx) => {
    for (const d of specDepartments()) await createDepartment(ctx, sys, { code: d.code, name: d.name, kind: d.kind, handles: d.handles, serviceArea: areas.get(d.code) }, trx);
    for (const p of PROPERTY_COMPANIES) await createDepartment(ctx, sys, { code: p.code, name: p.name, kind: 'company', handles: '小区内维修、秩序、环境', parentCode: 'WY', serviceArea: areas.get(p.code) }, trx);
    await upsertNodes(ctx, sys, nodes, trx);
  });

  // Residents: 1–3 per household, ≥ 300 in all, with realistic tags.
  const households = await orgRepo.listNodes(ctx.db, { levels: ['household'], withGeometry: false });
  const now = ctx.clock.now();
  const year = now.getUTCFullYear();
  const rows: ReturnType<typeof residentRow>[] = [];
  const firstResidentOf = new Map<string, string>();
  let seq = 0;
  for (const hh of households) {
    const n = 1 + Math.floor(rand() * 2.2);
    const surname = SURNAMES[Math.floor(rand() * SURNAMES.length)]!;
    for (let k = 0; k < n; k++) {
      const elderlyAlone = n === 1 && rand() < 0.45;
      const age = elderlyAlone ? 66 + Math.floor(rand() * 26) : k === 2 ? 5 + Math.floor(rand() * 15) : 24 + Math.floor(rand() * 60);
      const birth = `${year - age}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
      const gender = rand() < 0.5 ? 'M' : 'F';
      const name = (k === 1 ? SURNAMES[Math.floor(rand() * SURNAMES.length)]! : surname) + GIVEN[Math.floor(rand() * GIVEN.length)]! + (rand() < 0.6 ? GIVEN[Math.floor(rand() * GIVEN.length)]! : '');
      seq++;
      const body = `430103${birth.replace(/-/g, '')}${String(seq % 1000).padStart(3, '0')}`;
      const tags: string[] = [];
      if (elderlyAlone) tags.push('独居老人');
      if (age >= 80) tags.push('高龄');
      if (rand() < 0.05) tags.push('残疾人');
      if (rand() < 0.05) tags.push('低保');
      if (age >= 18 && rand() < 0.12) tags.push('党员');
      if (age >= 18 && age < 70 && rand() < 0.08) tags.push('志愿者');
      if (rand() < 0.02) tags.push('优抚对象');
      const row = residentRow(
        ctx,
        {
          name,
          gender,
          birthDate: birth,
          idCard: body + idCardCheck(body),
          phone: `1${[3, 5, 7, 8, 9][Math.floor(rand() * 5)]}${String(Math.floor(rand() * 1e9)).padStart(9, '0')}`,
          address: `长沙市天心区新开铺街道${hh.name}`,
          householdId: hh.id,
          relation: k === 0 ? '户主' : k === 1 ? '配偶' : '子女',
          tags,
        },
        hh.path,
        now,
      );
      rows.push(row);
      if (!firstResidentOf.has(hh.path.split('/').slice(0, 3).join('/'))) firstResidentOf.set(hh.path.split('/').slice(0, 3).join('/'), row.id);
    }
  }
  await withTx(ctx, async (trx) => {
    await insertResidentsBulk(ctx, trx, rows);
    await audit(trx, ctx.clock, sys, { action: 'demo.seed.residents', entity: 'resident', after: { count: rows.length } });
  });

  await seedAccounts(ctx, rows);
}

async function seedAccounts(ctx: AppContext, residents: Array<{ id: string; node_path: string; name: string }>): Promise<void> {
  const sys = systemActor();
  const hash = await demoPasswordHash();
  const adminHash = ctx.config.adminPassword === DEMO_PASSWORD ? hash : await hashPassword(ctx.config.adminPassword);
  const street = (await orgRepo.nodeByCode(ctx.db, STREET.code))!;
  const depts = new Map((await orgRepo.departments(ctx.db)).map((d) => [d.code, d]));
  await withTx(ctx, async (trx) => {
    const mk = (username: string, displayName: string, roles: Role[], bind: { nodeId?: string; departmentId?: string; residentId?: string }, h = hash) =>
      createUser(ctx, sys, { username, displayName, password: DEMO_PASSWORD, passwordHash: h, roles, ...bind }, trx);
    await mk('admin', '系统管理员', ['admin'], { nodeId: street.id }, adminHash);
    await mk('dispatcher', '街道受理派遣员', ['dispatcher'], { nodeId: street.id });
    await mk('supervisor', '街道督办员', ['supervisor'], { nodeId: street.id });
    await mk('street_admin', '街道管理员', ['street_admin'], { nodeId: street.id });
    await mk('auditor', '审计员', ['auditor'], { nodeId: street.id });
    for (const [code, d] of depts) await mk(`dept.${code.toLowerCase()}`, `${d.name}处置员`, ['dept_handler'], { departmentId: d.id });

    for (const [ci, c] of COMMUNITIES.entries()) {
      const community = (await orgRepo.nodeByCode(trx, c.code))!;
      const grid = (await orgRepo.nodeByCode(trx, `${c.code}G01`))!;
      const resident = residents.find((r) => r.node_path.startsWith(grid.path + '/'))!;
      const short = c.name.replace('社区', '');
      const roleBind: Record<Role, { nodeId?: string; departmentId?: string; residentId?: string }> = {
        resident: { residentId: resident.id, nodeId: undefined },
        grid_worker: { nodeId: grid.id },
        grid_leader: { nodeId: grid.id },
        dispatcher: { nodeId: community.id },
        dept_handler: { departmentId: depts.get(COMMUNITY_DEPT[ci]!)!.id },
        supervisor: { nodeId: community.id },
        community_admin: { nodeId: community.id },
        street_admin: { nodeId: street.id },
        mediator: { nodeId: community.id },
        partner: {},
        auditor: { nodeId: street.id },
        admin: { nodeId: street.id },
      };
      for (const role of Object.keys(roleBind) as Role[]) {
        const label = role === 'resident' ? `${resident.name}（${short}居民）` : `${short}${ROLE_LABEL[role]}`;
        await mk(`${role}.${c.slug}`, label, [role], roleBind[role]);
      }
    }
  });
}

const ROLE_LABEL: Record<Role, string> = {
  resident: '居民',
  grid_worker: '网格员',
  grid_leader: '网格长',
  dispatcher: '受理员',
  dept_handler: '部门处置员',
  supervisor: '督办员',
  community_admin: '社区管理员',
  street_admin: '街道管理员',
  mediator: '调解员',
  partner: '社区合伙人',
  auditor: '审计员',
  admin: '管理员',
};
