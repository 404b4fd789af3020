import { lazy, Suspense, useCallback, useMemo, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Empty, Input, Progress, Row, Select, Space, Spin, Tag, Typography } from 'antd';
import { ClearOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { format, useI18n } from '../../i18n';
import type { Department, OrgNode } from '../../types';
import type { MapPoint } from '../iot/DeviceMap';
import { COVER_TYPES, LocatedText, pct, TraceTable, type ClassifyResult } from './common';

const DeviceMap = lazy(() => import('../iot/DeviceMap'));

const EXAMPLES = ['桥头街路口的井盖翘起来了，晚上有人差点绊倒', '小区楼下垃圾桶满了好几天没人清运，味道很大', '半夜楼上装修电钻声音太吵'];

/** 智能分派: type a report (and pick a point) to see the classifier's top 3 and where it would go. */
export default function PlaygroundPage() {
  const { t, tl } = useI18n();
  const { message } = App.useApp();
  const nodes = useApi<OrgNode[]>('/org/nodes', { level: ['street', 'community', 'estate', 'grid'], geometry: true });
  const departments = useApi<Department[]>('/org/departments');
  const deptName = useMemo(() => {
    const m = new Map((departments.data ?? []).map((d) => [d.code, d.name]));
    return (c: string) => m.get(c) ?? c;
  }, [departments.data]);
  const [text, setText] = useState('');
  const [point, setPoint] = useState<{ lng: number; lat: number } | null>(null);
  const [coverType, setCoverType] = useState<string | undefined>();
  const [result, setResult] = useState<ClassifyResult | null>(null);
  const [busy, setBusy] = useState(false);
  const points: MapPoint[] = useMemo(() => (point ? [{ id: 'p', ...point, color: '#1677ff', label: `${point.lng}, ${point.lat}`, emphasis: true }] : []), [point]);
  const onPick = useCallback((p: { lng: number; lat: number }) => setPoint(p), []);

  const classify = async () => {
    if (!text.trim()) return;
    setBusy(true);
    try {
      setResult(await api<ClassifyResult>('/dispatch/classify', { method: 'POST', body: { text: text.trim(), location: point ?? undefined, coverType } }));
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  const maxWeight = Math.max(1e-9, ...(result?.words ?? []).map((w) => Math.abs(w.weight)));
  return (
    <div className="og-page">
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={11}>
          <Card size="small" title={tl({ zh: '事件描述', en: 'Report' })}>
            <Input.TextArea rows={4} maxLength={2000} showCount value={text} onChange={(e) => setText(e.target.value)} placeholder={tl({ zh: '输入群众上报的问题描述…', en: 'Type what a resident reported…' })} aria-label={tl({ zh: '事件描述', en: 'Report' })} data-testid="classify-text" />
            <Space wrap style={{ margin: '8px 0' }}>
              {EXAMPLES.map((e) => (
                <Tag key={e} style={{ cursor: 'pointer' }} onClick={() => setText(e)}>
                  {e.slice(0, 12)}…
                </Tag>
              ))}
            </Space>
            <Space wrap style={{ marginBottom: 8 }}>
              <Select allowClear placeholder={tl({ zh: '井盖类型（可选）', en: 'Cover type (optional)' })} style={{ width: 170 }} value={coverType} onChange={setCoverType} options={COVER_TYPES.map((c) => ({ value: c.value, label: tl(c.label) }))} />
              <Typography.Text type="secondary">
                {point ? format(tl({ zh: '位置：{lng}, {lat}', en: 'Point: {lng}, {lat}' }), point) : tl({ zh: '可在地图上点选位置（可选）', en: 'Click the map to add a point (optional)' })}
              </Typography.Text>
              {point && <Button size="small" icon={<ClearOutlined />} onClick={() => setPoint(null)}>{tl({ zh: '清除位置', en: 'Clear point' })}</Button>}
            </Space>
            <Suspense fallback={<Spin />}>
              <DeviceMap nodes={nodes.data ?? []} points={points} onPick={onPick} height={300} testId="classify-map" />
            </Suspense>
            <Button type="primary" icon={<ThunderboltOutlined />} loading={busy} disabled={!text.trim()} onClick={classify} style={{ marginTop: 12 }} block>
              {tl({ zh: '智能分类', en: 'Classify' })}
            </Button>
          </Card>
        </Col>
        <Col xs={24} lg={13}>
          <Card size="small" title={tl({ zh: '分类结果', en: 'Result' })} data-testid="classify-result">
            {!result ? (
              <Empty description={tl({ zh: '输入描述后点击「智能分类」', en: 'Type a report and press Classify' })} />
            ) : (
              <Space direction="vertical" style={{ width: '100%' }} size="middle">
                {result.triage && <Alert type="warning" showIcon title={format(tl({ zh: '置信度低于 {th}，将转人工分拨', en: 'Confidence below {th}: goes to a dispatcher' }), { th: pct(result.threshold, 0) })} />}
                <div data-testid="top3">
                  {result.top.slice(0, 3).map((c, i) => (
                    <div key={c.code} className="og-top3-row" style={{ display: 'flex', alignItems: 'center', gap: 8, marginBottom: 6 }}>
                      <Tag color={i === 0 ? 'blue' : 'default'} style={{ width: 56, textAlign: 'center' }}>{c.code}</Tag>
                      <span style={{ width: 150 }}>{c.name}</span>
                      <Progress percent={Math.round(c.confidence * 1000) / 10} size="small" style={{ flex: 1, margin: 0 }} status={i === 0 ? 'active' : 'normal'} />
                    </div>
                  ))}
                </div>
                <Descriptions size="small" column={1} bordered>
                  <Descriptions.Item label={tl({ zh: '处置部门', en: 'Department' })}>
                    <Typography.Text strong data-testid="classify-department">{result.departmentName ?? deptName(result.departmentCode)}</Typography.Text>
                    {result.routing.rule ? <Tag color="green" style={{ marginLeft: 8 }}>{tl({ zh: '规则', en: 'Rule' })}: {result.routing.rule.name}</Tag> : <Tag style={{ marginLeft: 8 }}>{tl({ zh: '分类默认部门', en: 'Category default' })}</Tag>}
                  </Descriptions.Item>
                  <Descriptions.Item label={tl({ zh: '抄送', en: 'Copied to' })}>{result.ccCodes.length ? result.ccCodes.map((c) => <Tag key={c}>{deptName(c)}</Tag>) : '-'}</Descriptions.Item>
                  <Descriptions.Item label={tl({ zh: '位置', en: 'Location' })}><LocatedText located={result.routing.located} /></Descriptions.Item>
                  <Descriptions.Item label={tl({ zh: '关键词', en: 'Driving words' })}>
                    <Space wrap size={4} data-testid="classify-words">
                      {result.words.length
                        ? result.words.map((w) => (
                            <Tag key={w.word} color={w.weight >= 0 ? 'geekblue' : 'default'} style={{ opacity: 0.45 + 0.55 * (Math.abs(w.weight) / maxWeight) }} title={w.weight.toFixed(3)}>
                              {w.word}
                            </Tag>
                          ))
                        : '-'}
                    </Space>
                  </Descriptions.Item>
                  <Descriptions.Item label={tl({ zh: '模型训练于', en: 'Model trained' })}>{result.model.trainedAt}</Descriptions.Item>
                </Descriptions>
                <div>
                  <Typography.Text type="secondary">{tl({ zh: '分派规则逐条判断：', en: 'Routing rules, in order:' })}</Typography.Text>
                  <TraceTable trace={result.routing.trace} deptName={deptName} />
                </div>
              </Space>
            )}
          </Card>
        </Col>
      </Row>
    </div>
  );
}
