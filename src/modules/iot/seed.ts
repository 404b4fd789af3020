import type { AppContext } from '../../platform/context.js';
import { systemActor } from '../../platform/auth/actor.js';
import { iotRepo } from './repository.js';
import { createDevice, seedReferenceData, type DeviceInput } from './service.js';
import { iotRuntime } from './runtime.js';

/**
 * Demo devices in 新开铺街道 (a few of each type). Their access tokens are public on purpose: the
 * README uses `demo-manhole-001` (a water-supply cover) to try the loop by hand.
 */
export const DEMO_DEVICES: Array<DeviceInput & { token: string }> = [
  { name: '供水井盖-001', type: 'manhole_tilt', coverType: 'water_supply', lng: 112.9652, lat: 28.1452, address: '新开铺路与桥头街交叉口东北侧', departmentCode: 'GS', token: 'demo-manhole-001' },
  { name: '排水井盖-002', type: 'manhole_tilt', coverType: 'drainage', lng: 112.9741, lat: 28.1523, address: '木莲东路 38 号门前', departmentCode: 'SZ', token: 'demo-manhole-002' },
  { name: '电力井盖-003', type: 'manhole_tilt', coverType: 'power', lng: 112.9833, lat: 28.1587, address: '新天村路口', departmentCode: 'GD', token: 'demo-manhole-003' },
  { name: '垃圾桶-001', type: 'bin_level', lng: 112.9628, lat: 28.1431, address: '桥头菜市场入口', departmentCode: 'HW', token: 'demo-bin-001' },
  { name: '垃圾桶-002', type: 'bin_level', lng: 112.9781, lat: 28.1648, address: '豹子岭公园东门', departmentCode: 'HW', token: 'demo-bin-002' },
  { name: '垃圾桶-003', type: 'bin_level', lng: 112.9867, lat: 28.1419, address: '新开铺小学对面', departmentCode: 'HW', token: 'demo-bin-003' },
  { name: '烟感-001', type: 'smoke', lng: 112.9712, lat: 28.1497, address: '老旧小区 3 栋楼道', departmentCode: 'XF', token: 'demo-smoke-001' },
  { name: '烟感-002', type: 'smoke', lng: 112.9808, lat: 28.1612, address: '电动车集中充电棚', departmentCode: 'XF', token: 'demo-smoke-002' },
  { name: '水位-001', type: 'water_level', lng: 112.9691, lat: 28.1408, address: '铁路桥下穿通道', departmentCode: 'SZ', token: 'demo-water-001' },
  { name: '水位-002', type: 'water_level', lng: 112.9757, lat: 28.1676, address: '低洼路段', departmentCode: 'SZ', token: 'demo-water-002' },
  { name: '手环-001', type: 'bracelet', lng: 112.9644, lat: 28.1489, address: '独居老人（关爱对象）', departmentCode: 'MZ', token: 'demo-bracelet-001' },
  { name: '手环-002', type: 'bracelet', lng: 112.9726, lat: 28.1541, address: '独居老人（关爱对象）', departmentCode: 'MZ', token: 'demo-bracelet-002' },
  { name: '网关-001', type: 'gateway', lng: 112.9750, lat: 28.1550, address: '综治中心机房', token: 'demo-gateway-001', isGateway: true },
];

export async function seedIot(ctx: AppContext): Promise<void> {
  await seedReferenceData(ctx);
  await iotRuntime(ctx).pipeline.rules.refresh(true);
  if (await iotRepo.deviceByName(ctx.db, DEMO_DEVICES[0]!.name)) return;
  for (const d of DEMO_DEVICES) await createDevice(ctx, systemActor(), d);
}
