import { lazy, Suspense, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Alert, Button, Card, Checkbox, Col, DatePicker, Descriptions, Empty, Row, Segmented, Space, Spin, Table, Tag, Typography } from 'antd';
import { ArrowLeftOutlined, ReloadOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { fmtTime, fmtValue, L, OnlineTag, SeverityTag, StatusTag, type Alarm, type DeviceDetail, type DeviceTypes, type Paged, type Series } from './common';
import type { EChartOption } from './LineChart';

const LineChart = lazy(() => import('./LineChart'));

type Agg = 'raw' | 'hour' | 'day';
const PRESETS: Array<{ key: string; hours: number; zh: string; en: string }> = [
  { key: '1h', hours: 1, zh: '近 1 小时', en: 'Last hour' },
  { key: '24h', hours: 24, zh: '近 24 小时', en: 'Last 24 h' },
  { key: '7d', hours: 168, zh: '近 7 天', en: 'Last 7 days' },
  { key: '30d', hours: 720, zh: '近 30 天', en: 'Last 30 days' },
];

/** A device: its state, latest values, a telemetry chart (range, raw or hourly) and its alarms. */
export default function DeviceDetailPage() {
  const { id } = useParams<{ id: string }>();
  const { t, tl } = useI18n();
  const device = useApi<DeviceDetail>(`/iot/devices/${id}`);
  const types = useApi<DeviceTypes>('/iot/device-types');
  const alarms = useApi<Paged<Alarm>>('/iot/alarms', { deviceId: id, pageSize: 10 });
  const type = types.data?.types.find((x) => x.code === device.data?.type.code);
  const keyDefs = useMemo(() => type?.telemetry ?? [], [type]);

  const [preset, setPreset] = useState<string>('24h');
  const [range, setRange] = useState<{ from: string; to?: string }>(() => ({ from: dayjs().subtract(24, 'hour').toISOString() }));
  const [agg, setAgg] = useState<Agg>('raw');
  const [keys, setKeys] = useState<string[] | null>(null);
  const shownKeys = keys ?? keyDefs.map((k) => k.key);
  const series = useApi<Series>(device.data && keyDefs.length ? `/iot/devices/${id}/telemetry` : null, { keys: shownKeys, from: range.from, to: range.to, agg, limit: 5000 });

  const choosePreset = (k: string) => {
    const p = PRESETS.find((x) => x.key === k)!;
    setPreset(k);
    setRange({ from: dayjs().subtract(p.hours, 'hour').toISOString() });
  };
  const chooseRange = (v: [Dayjs | null, Dayjs | null] | null) => {
    if (!v || !v[0] || !v[1]) return choosePreset('24h');
    setPreset('custom');
    setRange({ from: v[0].toISOString(), to: v[1].toISOString() });
  };

  const option: EChartOption | null = useMemo(() => {
    const s = series.data;
    if (!s || s.keys.length === 0) return null;
    const lines = s.keys.flatMap((k) => {
      const pts = s.series[k.key] ?? [];
      const name = `${k.name}${k.unit ? ` (${k.unit})` : ''}`;
      if (s.agg === 'raw') return [{ name, type: 'line', showSymbol: pts.length < 60, data: pts.map((p) => [p.ts, typeof p.value === 'number' ? p.value : Number(p.value)]) }];
      return [
        { name, type: 'line', showSymbol: pts.length < 60, data: pts.map((p) => [p.ts, p.avg]) },
        { name: `${name} max`, type: 'line', showSymbol: false, lineStyle: { type: 'dashed', width: 1 }, data: pts.map((p) => [p.ts, p.max]) },
        { name: `${name} min`, type: 'line', showSymbol: false, lineStyle: { type: 'dotted', width: 1 }, data: pts.map((p) => [p.ts, p.min]) },
      ];
    });
    return {
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', top: 0 },
      grid: { left: 48, right: 24, top: 36, bottom: 64 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', scale: true },
      dataZoom: [{ type: 'inside' }, { type: 'slider', height: 20, bottom: 12 }],
      series: lines,
    };
  }, [series.data]);
  const points = series.data ? Object.values(series.data.series).reduce((a, x) => a + x.length, 0) : 0;

  if (device.error) return <Alert type="error" showIcon title={errorText(device.error, t)} action={<Link to="/iot/devices">{tl({ zh: '返回列表', en: 'Back to list' })}</Link>} />;
  const d = device.data;
  if (!d) return <Card loading />;

  const latestRows = Object.entries(d.latest ?? {}).map(([key, v]) => ({ key, name: keyDefs.find((k) => k.key === key)?.name ?? key, ...v }));

  return (
    <div className="og-page" data-testid="device-detail">
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={9}>
          <Card
            size="small"
            title={
              <Space>
                <Link to="/iot/devices" aria-label={tl({ zh: '返回列表', en: 'Back to list' })}><ArrowLeftOutlined /></Link>
                {d.name}
                <OnlineTag online={d.online} />
                {d.activeAlarms > 0 && <Tag color="red">{d.activeAlarms} {tl(L.alarms)}</Tag>}
              </Space>
            }
            extra={<Button size="small" icon={<ReloadOutlined />} onClick={() => { device.reload(); series.reload(); alarms.reload(); }} aria-label={tl(L.refresh)} />}
          >
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label={tl(L.type)}>{d.type.name}{d.coverTypeName ? ` · ${d.coverTypeName}` : ''}</Descriptions.Item>
              <Descriptions.Item label={tl(L.address)}>{d.address ?? '-'}</Descriptions.Item>
              <Descriptions.Item label={tl(L.department)}>{d.department?.name ?? '-'}</Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '位置', en: 'Location' })}>{d.lng.toFixed(5)}, {d.lat.toFixed(5)}</Descriptions.Item>
              <Descriptions.Item label={tl(L.lastSeen)}>{fmtTime(d.lastSeenAt)}</Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '令牌尾号', en: 'Token ends' })}>…{d.tokenHint}</Descriptions.Item>
            </Descriptions>
          </Card>
          <Card size="small" title={tl({ zh: '最新值', en: 'Latest values' })} style={{ marginTop: 16 }}>
            <Table
              size="small"
              rowKey="key"
              pagination={false}
              data-testid="latest-values"
              dataSource={latestRows}
              locale={{ emptyText: tl({ zh: '尚无数据', en: 'No data yet' }) }}
              columns={[
                { title: tl({ zh: '指标', en: 'Key' }), dataIndex: 'name' },
                { title: tl({ zh: '值', en: 'Value' }), key: 'v', render: (_, r) => <Typography.Text strong>{fmtValue(r.value)}{r.unit ? ` ${r.unit}` : ''}</Typography.Text> },
                { title: tl({ zh: '时间', en: 'Time' }), dataIndex: 'ts', render: fmtTime },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} xl={15}>
          <Card size="small" title={tl({ zh: '遥测曲线', en: 'Telemetry' })}>
            <Space wrap style={{ marginBottom: 8 }}>
              <Segmented value={preset === 'custom' ? undefined : preset} onChange={(v) => choosePreset(String(v))} options={PRESETS.map((p) => ({ value: p.key, label: tl(p) }))} />
              <DatePicker.RangePicker showTime value={range.to ? [dayjs(range.from), dayjs(range.to)] : null} onChange={chooseRange} aria-label={tl({ zh: '时间范围', en: 'Time range' })} />
              <Segmented<Agg>
                value={agg}
                onChange={setAgg}
                data-testid="agg"
                options={[
                  { value: 'raw', label: tl({ zh: '原始', en: 'Raw' }) },
                  { value: 'hour', label: tl({ zh: '按小时', en: 'Hourly' }) },
                  { value: 'day', label: tl({ zh: '按天', en: 'Daily' }) },
                ]}
              />
            </Space>
            {keyDefs.length > 1 && (
              <div style={{ marginBottom: 8 }}>
                <Checkbox.Group value={shownKeys} onChange={(v) => setKeys(v.length ? (v as string[]) : null)} options={keyDefs.map((k) => ({ value: k.key, label: `${k.name}${k.unit ? ` (${k.unit})` : ''}` }))} />
              </div>
            )}
            {series.error ? <Alert type="error" showIcon title={errorText(series.error, t)} /> : null}
            <div data-testid="telemetry-chart" data-points={points}>
              {!series.data ? (
                <Spin />
              ) : points === 0 || !option ? (
                <Empty description={tl({ zh: '该时间段没有数据', en: 'No data in this range' })} />
              ) : (
                <Suspense fallback={<Spin />}>
                  <LineChart option={option} height={360} ariaLabel={tl({ zh: '遥测曲线', en: 'Telemetry' })} />
                </Suspense>
              )}
            </div>
          </Card>
          <Card size="small" title={tl({ zh: '本设备告警', en: 'Alarms of this device' })} style={{ marginTop: 16 }} extra={<Link to="/iot/alarms">{tl({ zh: '告警中心', en: 'Alarm board' })}</Link>}>
            <Table<Alarm>
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={alarms.data?.items ?? []}
              columns={[
                { title: tl(L.name), dataIndex: 'name' },
                { title: tl(L.severity), dataIndex: 'severity', render: (s: Alarm['severity']) => <SeverityTag s={s} /> },
                { title: tl(L.state), dataIndex: 'status', render: (s: Alarm['status']) => <StatusTag s={s} /> },
                { title: tl({ zh: '开始', en: 'Started' }), dataIndex: 'startedAt', render: fmtTime },
                { title: tl({ zh: '最新值', en: 'Last value' }), dataIndex: 'lastValue', render: fmtValue },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </div>
  );
}
