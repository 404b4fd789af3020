import { lazy, Suspense, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Alert, Card, Checkbox, Select, Space, Spin, Typography } from 'antd';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { format, useI18n } from '../../i18n';
import type { OrgNode } from '../../types';
import { L, MARKER, type Device, type DeviceTypes, type Paged } from './common';
import type { MapPoint } from './DeviceMap';

const DeviceMap = lazy(() => import('./DeviceMap'));

function Dot({ color }: { color: string }) {
  return <span style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 5, background: color, marginRight: 4 }} />;
}

/** 设备地图: devices as markers over the grid polygons, coloured by alarm / online / offline. */
export default function DeviceMapPage() {
  const { t, tl } = useI18n();
  const navigate = useNavigate();
  const [type, setType] = useState<string | undefined>();
  const [alarmedOnly, setAlarmedOnly] = useState(false);
  const nodes = useApi<OrgNode[]>('/org/nodes', { level: ['street', 'community', 'grid'], geometry: true });
  const types = useApi<DeviceTypes>('/iot/device-types');
  const devices = useApi<Paged<Device>>('/iot/devices', { type, alarmed: alarmedOnly || undefined, pageSize: 200 });
  const list = useMemo(() => devices.data?.items ?? [], [devices.data]);
  const points: MapPoint[] = useMemo(
    () =>
      list.map((d) => ({
        id: d.id,
        lng: d.lng,
        lat: d.lat,
        color: d.activeAlarms > 0 ? MARKER.alarm : d.online ? MARKER.online : MARKER.offline,
        emphasis: d.activeAlarms > 0,
        label: `${d.name}（${d.type.name}）${d.activeAlarms ? ` · ${d.activeAlarms} ${tl(L.alarms)}` : ''}`,
      })),
    [list, tl],
  );
  const counts = { alarm: list.filter((d) => d.activeAlarms > 0).length, online: list.filter((d) => d.online && !d.activeAlarms).length, offline: list.filter((d) => !d.online && !d.activeAlarms).length };
  const error = nodes.error ?? devices.error;

  return (
    <div className="og-page">
      <Card
        size="small"
        title={tl({ zh: '设备地图', en: 'Device map' })}
        extra={
          <Space wrap>
            <Select allowClear placeholder={tl(L.type)} style={{ width: 170 }} value={type} onChange={setType} options={(types.data?.types ?? []).map((x) => ({ value: x.code, label: x.name }))} aria-label={tl(L.type)} />
            <Checkbox checked={alarmedOnly} onChange={(e) => setAlarmedOnly(e.target.checked)}>
              {tl({ zh: '只看告警', en: 'Alarmed only' })}
            </Checkbox>
          </Space>
        }
      >
        {error ? <Alert type="error" showIcon title={errorText(error, t)} style={{ marginBottom: 12 }} /> : null}
        <Space wrap size="large" style={{ marginBottom: 8 }} data-testid="map-legend">
          <span className="og-legend-item"><Dot color={MARKER.alarm} />{tl({ zh: '告警', en: 'Alarm' })} {counts.alarm}</span>
          <span className="og-legend-item"><Dot color={MARKER.online} />{tl(L.online)} {counts.online}</span>
          <span className="og-legend-item"><Dot color={MARKER.offline} />{tl(L.offline)} {counts.offline}</span>
          <Typography.Text type="secondary">{format(tl({ zh: '点击设备查看详情；共 {n} 台', en: 'Click a device for details; {n} devices' }), { n: devices.data?.total ?? 0 })}{(devices.data?.total ?? 0) > list.length ? format(tl({ zh: '（地图显示前 {m} 台）', en: ' (first {m} shown)' }), { m: list.length }) : ''}</Typography.Text>
        </Space>
        <Suspense fallback={<Spin />}>
          <DeviceMap nodes={nodes.data ?? []} points={points} onPointClick={(id) => navigate(`/iot/devices/${id}`)} height="calc(100vh - 260px)" />
        </Suspense>
      </Card>
    </div>
  );
}
