import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Input, List, Select, Space, Tag, Typography } from 'antd';
import { AimOutlined, CloudUploadOutlined, FlagOutlined, HomeOutlined, PlayCircleOutlined, StopOutlined, WifiOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { errorText } from '../../errors';
import { useI18n } from '../../i18n';
import { Photos, fmt, type FileView } from '../cases/common';
import { FieldPhotos, releasePhotos, splitPhotos, type FieldPhoto } from './FieldPhotos';
import { flush, newKey, pending, QUEUE_EVENT, sendOrQueue, type FlushHandlers, type QueuedRequest } from './offlineQueue';

interface Patrol {
  id: string;
  grid: { code: string; name: string };
  state: 'active' | 'ended';
  startedAt: string;
  pointCount: number;
  distanceM: number;
  summary: string | null;
  stats: { durationMinutes: number; distanceM: number; points: number; casesReported: number; visits: number; buildingsCovered: number; buildingsTotal: number } | null;
  cases?: Array<{ number: string; stateName: string; description: string }>;
}
interface PlanItem {
  residentId: string;
  name: string;
  tags: string[];
  dueAt: string;
  overdue: boolean;
}
interface VisitRecord {
  id: string;
  residentName?: string;
  visitedAt: string;
  kindName: string;
  notes: string | null;
  photos: FileView[];
}
interface Pos {
  at: string;
  lng: number;
  lat: number;
  accuracy: number | null;
}

/** 网格员手机页: start a patrol (positions sent as a track), report problems from it, end with a summary, record visits — all usable without signal. */
export default function FieldPage() {
  const { tl, t } = useI18n();
  const { message } = App.useApp();
  const [patrol, setPatrol] = useState<Patrol | null>(null);
  const [loading, setLoading] = useState(true);
  const [online, setOnline] = useState(typeof navigator === 'undefined' ? true : navigator.onLine);
  const [queue, setQueue] = useState<QueuedRequest[]>(pending());
  const [pos, setPos] = useState<Pos | null>(null);
  const noGeo = typeof navigator === 'undefined' || !('geolocation' in navigator);
  const [geoError, setGeoError] = useState<string | null>(null);
  const [description, setDescription] = useState('');
  const [summary, setSummary] = useState('');
  const [reports, setReports] = useState<Array<{ key: string; text: string; number: string | null }>>([]);
  const [plan, setPlan] = useState<PlanItem[]>([]);
  const [visitResident, setVisitResident] = useState<string | undefined>();
  const [visitNotes, setVisitNotes] = useState('');
  const [visitPhotos, setVisitPhotos] = useState<FieldPhoto[]>([]);
  const [reportPhotos, setReportPhotos] = useState<FieldPhoto[]>([]);
  const [visits, setVisits] = useState<VisitRecord[]>([]);
  const [busy, setBusy] = useState(false);
  const buffer = useRef<Pos[]>([]);
  const patrolRef = useRef<Patrol | null>(null);
  useEffect(() => {
    patrolRef.current = patrol;
  }, [patrol]);

  const loadVisits = useCallback(() => {
    api<{ items: VisitRecord[] }>('/grid-work/visits', { query: { mine: true, pageSize: 5 } })
      .then((r) => setVisits(r.items))
      .catch(() => undefined);
  }, []);

  const onDelivered = useCallback((item: QueuedRequest, data: unknown) => {
    if (item.kind === 'report') {
      const number = (data as { case?: { number?: string } })?.case?.number ?? null;
      setReports((rs) => rs.map((r) => (r.key === item.key ? { ...r, number } : r)));
      message.success(`${tl({ zh: '离线上报已发送', en: 'Queued report sent' })}${number ? `：${number}` : ''}`);
    }
    if (item.kind === 'points') {
      const d = data as { pointCount?: number; distanceM?: number };
      setPatrol((p) => (p && p.state === 'active' ? { ...p, pointCount: d.pointCount ?? p.pointCount, distanceM: d.distanceM ?? p.distanceM } : p));
    }
    if (item.kind === 'visit') {
      message.success(tl({ zh: '离线走访记录已发送', en: 'Queued visit sent' }));
      loadVisits();
    }
  }, [message, tl, loadVisits]);
  const handlers = useMemo<FlushHandlers>(() => ({ onSent: onDelivered, onFailed: (item, msg) => message.warning(`${item.label}：${msg}`) }), [onDelivered, message]);

  // connectivity and the queue
  useEffect(() => {
    const up = () => {
      setOnline(true);
      void flush(handlers);
    };
    const down = () => setOnline(false);
    const changed = () => setQueue(pending());
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    window.addEventListener(QUEUE_EVENT, changed);
    const timer = window.setInterval(() => {
      if (navigator.onLine && pending().length) void flush(handlers);
    }, 15_000);
    if (navigator.onLine) void flush(handlers);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
      window.removeEventListener(QUEUE_EVENT, changed);
      window.clearInterval(timer);
    };
  }, [handlers]);

  useEffect(() => {
    api<{ patrol: Patrol | null }>('/grid-work/patrols/active')
      .then((r) => setPatrol(r.patrol))
      .catch(() => undefined)
      .finally(() => setLoading(false));
    api<{ items: PlanItem[] }>('/grid-work/visits/plan', { query: { pageSize: 50 } })
      .then((r) => setPlan(r.items))
      .catch(() => undefined);
    loadVisits();
  }, [loadVisits]);

  const sendPoints = useCallback(async () => {
    const p = patrolRef.current;
    if (!p || p.state !== 'active' || buffer.current.length === 0) return;
    const points = buffer.current.splice(0, buffer.current.length);
    const r = await sendOrQueue({ key: newKey('pts'), kind: 'points', label: '轨迹', path: `/grid-work/patrols/${p.id}/points`, body: { points } });
    if (r.sent) {
      const d = r.data as { pointCount: number; distanceM: number };
      setPatrol((x) => (x && x.id === p.id ? { ...x, pointCount: d.pointCount, distanceM: d.distanceM } : x));
    }
  }, []);

  // positions: watched all the time the page is open, sent while a patrol runs
  useEffect(() => {
    if (noGeo) return;
    const id = navigator.geolocation.watchPosition(
      (g) => {
        const p: Pos = { at: new Date(g.timestamp || Date.now()).toISOString(), lng: g.coords.longitude, lat: g.coords.latitude, accuracy: g.coords.accuracy ?? null };
        setPos(p);
        setGeoError(null);
        if (patrolRef.current?.state === 'active') {
          if (!buffer.current.some((b) => b.at === p.at)) buffer.current.push(p);
          void sendPoints();
        }
      },
      (e) => setGeoError(`${tl({ zh: '定位失败', en: 'Location failed' })}：${e.message}`),
      { enableHighAccuracy: true, maximumAge: 5_000, timeout: 20_000 },
    );
    return () => navigator.geolocation.clearWatch(id);
  }, [noGeo, sendPoints, tl]);

  const start = async () => {
    setBusy(true);
    try {
      const p = await api<Patrol>('/grid-work/patrols', { method: 'POST', body: { idempotencyKey: newKey('patrol'), ...(pos ? { position: pos } : {}) } });
      setPatrol(p);
      setReports([]);
      message.success(tl({ zh: '巡查已开始', en: 'Patrol started' }));
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  const report = async () => {
    if (!patrol || !description.trim()) return;
    const key = newKey('report');
    const text = description.trim();
    const body: Record<string, unknown> = { description: text, idempotencyKey: key };
    if (pos) body.location = { lng: pos.lng, lat: pos.lat };
    const photos = splitPhotos(reportPhotos);
    if (photos.ids.length) body.photos = photos.ids;
    setBusy(true);
    const r = await sendOrQueue({ key, kind: 'report', label: text.slice(0, 20), path: `/grid-work/patrols/${patrol.id}/reports`, body }, photos.local);
    setBusy(false);
    if (r.error) {
      message.error(r.error);
      return;
    }
    releasePhotos(reportPhotos);
    setReportPhotos([]);
    if (r.photosDropped) message.warning(tl({ zh: '此手机无法离线保存照片：问题已保存，但不含照片', en: 'This phone cannot keep photos offline: saved without photos' }));
    const number = r.sent ? ((r.data as { case?: { number?: string } })?.case?.number ?? null) : null;
    setReports((rs) => [...rs, { key, text, number }]);
    setDescription('');
    if (r.sent) message.success(`${tl({ zh: '已上报，案卷编号', en: 'Reported, case' })} ${number}`);
    else message.warning(tl({ zh: '当前无网络，已保存在手机上，恢复网络后自动发送', en: 'Offline: saved on the phone, will be sent when back online' }));
  };

  const end = async () => {
    if (!patrol) return;
    setBusy(true);
    try {
      await sendPoints();
      await flush(handlers);
      const p = await api<Patrol>(`/grid-work/patrols/${patrol.id}/end`, { method: 'POST', body: { summary: summary.trim() || null } });
      setPatrol(p);
      setSummary('');
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  const visit = async () => {
    if (!visitResident) return;
    const key = newKey('visit');
    const photos = splitPhotos(visitPhotos);
    const who = plan.find((p) => p.residentId === visitResident)?.name ?? '';
    const body: Record<string, unknown> = { residentId: visitResident, notes: visitNotes.trim() || null, visitedAt: new Date().toISOString(), kind: 'home', idempotencyKey: key, ...(patrol?.state === 'active' ? { patrolId: patrol.id } : {}) };
    if (photos.ids.length) body.photos = photos.ids;
    setBusy(true);
    const r = await sendOrQueue({ key, kind: 'visit', label: `走访 ${who}`.trim(), path: '/grid-work/visits', body }, photos.local);
    setBusy(false);
    if (r.error) message.error(r.error);
    else if (r.sent) {
      message.success(tl({ zh: '走访已登记', en: 'Visit recorded' }));
      loadVisits();
    } else message.warning(tl({ zh: '当前无网络，走访已保存，恢复网络后自动发送', en: 'Offline: visit saved, will be sent when back online' }));
    if (r.photosDropped) message.warning(tl({ zh: '此手机无法离线保存照片：走访已保存，但不含照片', en: 'This phone cannot keep photos offline: visit saved without photos' }));
    if (!r.error) {
      releasePhotos(visitPhotos);
      setVisitPhotos([]);
      setVisitNotes('');
      setVisitResident(undefined);
    }
  };

  const active = patrol?.state === 'active';
  const queuedVisits = queue.filter((q) => q.kind === 'visit');
  return (
    <div style={{ padding: 12 }} data-testid="field-page">
      <Space style={{ marginBottom: 12, flexWrap: 'wrap' }}>
        <Tag icon={<WifiOutlined />} color={online ? 'green' : 'red'} data-testid="net-status">
          {online ? tl({ zh: '在线', en: 'Online' }) : tl({ zh: '离线', en: 'Offline' })}
        </Tag>
        <Tag icon={<CloudUploadOutlined />} color={queue.length ? 'orange' : 'default'} data-testid="queue-count">
          {tl({ zh: '待发送', en: 'Queued' })} {queue.length}
        </Tag>
        <Tag icon={<AimOutlined />} color={pos ? 'blue' : 'default'}>
          {pos ? `${pos.lng.toFixed(5)}, ${pos.lat.toFixed(5)}` : tl({ zh: '等待定位', en: 'Waiting for location' })}
        </Tag>
      </Space>
      {noGeo && <Alert type="warning" showIcon message={tl({ zh: '此设备不支持定位', en: 'No geolocation on this device' })} style={{ marginBottom: 12 }} />}
      {geoError && <Alert type="warning" showIcon message={geoError} style={{ marginBottom: 12 }} />}

      <Card size="small" title={tl({ zh: '巡查', en: 'Patrol' })} loading={loading} style={{ marginBottom: 12 }}>
        {!active && (
          <Button type="primary" block size="large" icon={<PlayCircleOutlined />} onClick={start} loading={busy} data-testid="patrol-start">
            {tl({ zh: '开始巡查', en: 'Start patrol' })}
          </Button>
        )}
        {active && patrol && (
          <>
            <Descriptions size="small" column={1} data-testid="patrol-active">
              <Descriptions.Item label={tl({ zh: '网格', en: 'Grid' })}>{patrol.grid.name}</Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '轨迹点', en: 'Track points' })}>
                <span data-testid="patrol-points">{patrol.pointCount}</span>
              </Descriptions.Item>
              <Descriptions.Item label={tl({ zh: '里程', en: 'Distance' })}>{patrol.distanceM} 米</Descriptions.Item>
            </Descriptions>
            <Typography.Text strong>{tl({ zh: '发现问题', en: 'Report a problem' })}</Typography.Text>
            <Input.TextArea rows={3} value={description} onChange={(e) => setDescription(e.target.value)} placeholder={tl({ zh: '描述看到的问题，如：路灯不亮、井盖缺失', en: 'What did you see?' })} data-testid="report-description" maxLength={2000} style={{ margin: '6px 0' }} />
            <FieldPhotos value={reportPhotos} onChange={setReportPhotos} testId="report-photos" />
            <Button block icon={<FlagOutlined />} onClick={report} disabled={!description.trim()} loading={busy} data-testid="report-submit">
              {tl({ zh: '上报问题', en: 'Report' })}
            </Button>
            {reports.length > 0 && (
              <List
                size="small"
                style={{ marginTop: 8 }}
                dataSource={reports}
                data-testid="report-list"
                renderItem={(r) => (
                  <List.Item>
                    <Typography.Text ellipsis style={{ maxWidth: 200 }}>
                      {r.text}
                    </Typography.Text>
                    {r.number ? <Tag color="green">{r.number}</Tag> : <Tag color="orange">{tl({ zh: '待发送', en: 'Queued' })}</Tag>}
                  </List.Item>
                )}
              />
            )}
            <Input.TextArea rows={2} value={summary} onChange={(e) => setSummary(e.target.value)} placeholder={tl({ zh: '巡查小结（可选）', en: 'Summary (optional)' })} data-testid="patrol-summary-input" style={{ margin: '12px 0 6px' }} />
            <Button danger block icon={<StopOutlined />} onClick={end} loading={busy} data-testid="patrol-end">
              {tl({ zh: '结束巡查', en: 'End patrol' })}
            </Button>
          </>
        )}
        {patrol?.state === 'ended' && patrol.stats && (
          <Descriptions size="small" column={2} style={{ marginTop: 12 }} title={tl({ zh: '巡查小结', en: 'Patrol summary' })} data-testid="patrol-summary">
            <Descriptions.Item label={tl({ zh: '时长', en: 'Duration' })}>{patrol.stats.durationMinutes} 分钟</Descriptions.Item>
            <Descriptions.Item label={tl({ zh: '里程', en: 'Distance' })}>{patrol.stats.distanceM} 米</Descriptions.Item>
            <Descriptions.Item label={tl({ zh: '轨迹点', en: 'Points' })}>{patrol.stats.points}</Descriptions.Item>
            <Descriptions.Item label={tl({ zh: '上报问题', en: 'Problems' })}>
              <span data-testid="summary-cases">{patrol.stats.casesReported}</span>
            </Descriptions.Item>
            <Descriptions.Item label={tl({ zh: '走访', en: 'Visits' })}>{patrol.stats.visits}</Descriptions.Item>
            <Descriptions.Item label={tl({ zh: '楼栋覆盖', en: 'Buildings' })}>
              {patrol.stats.buildingsCovered}/{patrol.stats.buildingsTotal}
            </Descriptions.Item>
            {patrol.summary && <Descriptions.Item label={tl({ zh: '小结', en: 'Summary' })}>{patrol.summary}</Descriptions.Item>}
          </Descriptions>
        )}
      </Card>

      <Card size="small" title={tl({ zh: '入户走访', en: 'Household visit' })}>
        <Select
          style={{ width: '100%' }}
          showSearch
          optionFilterProp="label"
          placeholder={tl({ zh: '选择走访对象', en: 'Choose a resident' })}
          value={visitResident}
          onChange={setVisitResident}
          data-testid="visit-resident"
          options={plan.map((p) => ({ value: p.residentId, label: `${p.name}（${p.tags.join('、')}）${p.overdue ? ' · 已逾期' : ''}` }))}
        />
        <Input.TextArea rows={2} value={visitNotes} onChange={(e) => setVisitNotes(e.target.value)} placeholder={tl({ zh: '走访情况', en: 'Notes' })} style={{ margin: '6px 0' }} data-testid="visit-notes" />
        <FieldPhotos value={visitPhotos} onChange={setVisitPhotos} testId="visit-photos" />
        <Button block icon={<HomeOutlined />} onClick={visit} disabled={!visitResident} loading={busy} data-testid="visit-submit">
          {tl({ zh: '登记走访', en: 'Record visit' })}
        </Button>
        {(queuedVisits.length > 0 || visits.length > 0) && (
          <List
            size="small"
            style={{ marginTop: 8 }}
            header={<Typography.Text type="secondary">{tl({ zh: '我的走访记录', en: 'My visits' })}</Typography.Text>}
            data-testid="visit-list"
            dataSource={[...queuedVisits.map((q) => ({ key: q.key, queued: q })), ...visits.map((v) => ({ key: v.id, record: v }))]}
            renderItem={(x) =>
              'queued' in x && x.queued ? (
                <List.Item data-testid="visit-queued">
                  <Space direction="vertical" size={2} style={{ width: '100%' }}>
                    <Space wrap>
                      <Typography.Text strong>{x.queued.label}</Typography.Text>
                      <Tag color="orange">{tl({ zh: '待发送', en: 'Queued' })}</Tag>
                      {x.queued.localPhotos ? <Tag>{tl({ zh: `照片 ${x.queued.localPhotos} 张待上传`, en: `${x.queued.localPhotos} photo(s) to upload` })}</Tag> : null}
                    </Space>
                    {typeof x.queued.body.notes === 'string' && <Typography.Text>{x.queued.body.notes}</Typography.Text>}
                  </Space>
                </List.Item>
              ) : 'record' in x && x.record ? (
                <List.Item data-testid="visit-record">
                  <Space direction="vertical" size={2} style={{ width: '100%' }}>
                    <Space wrap>
                      <Typography.Text strong>{x.record.residentName}</Typography.Text>
                      <Tag color="green">{x.record.kindName}</Tag>
                      <Typography.Text type="secondary">{fmt(x.record.visitedAt)}</Typography.Text>
                    </Space>
                    {x.record.notes && <Typography.Text>{x.record.notes}</Typography.Text>}
                    <Photos photos={x.record.photos} />
                  </Space>
                </List.Item>
              ) : null
            }
          />
        )}
      </Card>
    </div>
  );
}
