import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, App, Badge, Button, Card, Select, Space, Table, Typography, type TableColumnsType } from 'antd';
import { CheckOutlined, ReloadOutlined, StopOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { format, useI18n } from '../../i18n';
import { fmtTime, fmtValue, L, SEVERITIES, SEVERITY, SeverityTag, STATUS, STATUSES, StatusTag, type Alarm, type AlarmStatus, type DeviceTypes, type Paged, type Severity } from './common';

interface Overview {
  activeAlarms: Record<Severity, number>;
}

type StateFilter = 'active' | 'cleared' | AlarmStatus;

/** 告警中心: the alarms, filtered by severity and state, acknowledged or cleared with a confirmation. */
export default function AlarmsPage() {
  const { t, tl } = useI18n();
  const { modal, message } = App.useApp();
  const me = useMe();
  const canAck = hasPermission(me, 'iot.alarms.ack');
  const [severity, setSeverity] = useState<Severity[]>([]);
  const [state, setState] = useState<StateFilter | undefined>('active');
  const [type, setType] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const types = useApi<DeviceTypes>('/iot/device-types');
  const overview = useApi<Overview>('/iot/overview');
  const query = {
    severity,
    active: state === 'active' ? true : state === 'cleared' ? false : undefined,
    status: state && state !== 'active' && state !== 'cleared' ? [state] : undefined,
    type,
    page,
    pageSize,
  };
  const alarms = useApi<Paged<Alarm>>('/iot/alarms', query);
  const { reload } = alarms;
  const reloadOverview = overview.reload;

  // A board: refresh every 20 s.
  useEffect(() => {
    const h = setInterval(() => {
      reload();
      reloadOverview();
    }, 20_000);
    return () => clearInterval(h);
  }, [reload, reloadOverview]);

  const act = (a: Alarm, kind: 'ack' | 'clear') => {
    const ack = kind === 'ack';
    modal.confirm({
      title: ack ? tl({ zh: '确认该告警？', en: 'Acknowledge this alarm?' }) : tl({ zh: '手动清除该告警？', en: 'Clear this alarm by hand?' }),
      content: (
        <div>
          <p>
            {a.device.name} · {a.name}
          </p>
          <Typography.Text type="secondary">
            {ack
              ? tl({ zh: '确认表示已知晓并安排处置，将记录确认人和时间。', en: 'You have seen it and are acting on it; your name and the time are recorded.' })
              : tl({ zh: '清除后，若条件再次持续满足将产生新告警。', en: 'If the condition holds again for the rule’s duration, a new alarm is raised.' })}
          </Typography.Text>
        </div>
      ),
      okText: ack ? tl({ zh: '确认告警', en: 'Acknowledge' }) : tl({ zh: '清除告警', en: 'Clear' }),
      okButtonProps: ack ? undefined : { danger: true },
      onOk: async () => {
        try {
          await api(`/iot/alarms/${a.id}/${kind}`, { method: 'POST' });
          message.success(ack ? tl({ zh: '已确认', en: 'Acknowledged' }) : tl({ zh: '已清除', en: 'Cleared' }));
          reload();
          reloadOverview();
        } catch (err) {
          message.error(errorText(err, t));
          reload();
        }
      },
    });
  };

  const columns: TableColumnsType<Alarm> = [
    { title: tl(L.severity), dataIndex: 'severity', key: 'severity', width: 80, render: (s: Severity) => <SeverityTag s={s} /> },
    { title: tl(L.device), key: 'device', render: (_, a) => (a.device.name ? <Link to={`/iot/devices/${a.device.id}`}>{a.device.name}</Link> : '-') },
    { title: tl({ zh: '告警', en: 'Alarm' }), dataIndex: 'name', key: 'name' },
    { title: tl(L.state), dataIndex: 'status', key: 'status', width: 130, render: (s: AlarmStatus) => <StatusTag s={s} /> },
    { title: tl({ zh: '开始时间', en: 'Started' }), dataIndex: 'startedAt', key: 'started', width: 165, render: fmtTime },
    { title: tl({ zh: '最新值', en: 'Last value' }), key: 'value', width: 110, responsive: ['md'], render: (_, a) => `${fmtValue(a.lastValue)}${a.readings > 1 ? ` ×${a.readings}` : ''}` },
    {
      title: tl({ zh: '确认', en: 'Acknowledged' }),
      key: 'ack',
      responsive: ['lg'],
      render: (_, a) => (a.ackedAt ? <span data-testid="acked-by">{a.ackedBy?.name ?? '-'} · {fmtTime(a.ackedAt)}</span> : '-'),
    },
    { title: tl({ zh: '清除', en: 'Cleared' }), key: 'cleared', responsive: ['xl'], render: (_, a) => (a.clearedAt ? `${a.clearedBy ?? '-'} · ${fmtTime(a.clearedAt)}` : '-') },
    {
      title: tl({ zh: '案卷', en: 'Case' }),
      key: 'case',
      responsive: ['xl'],
      width: 90,
      render: (_, a) => (a.caseId ? <Typography.Text copyable={{ text: a.caseId }}>{tl({ zh: '已立案', en: 'Filed' })}</Typography.Text> : a.casePending ? <Typography.Text type="warning" title={a.caseError ?? undefined}>{tl({ zh: '待立案', en: 'Pending' })}</Typography.Text> : '-'),
    },
    ...(canAck
      ? [
          {
            title: tl(L.actions),
            key: 'actions',
            width: 170,
            render: (_: unknown, a: Alarm) => (
              <Space size={4}>
                {(a.status === 'active_unack' || a.status === 'cleared_unack') && (
                  <Button size="small" type="primary" icon={<CheckOutlined />} onClick={() => act(a, 'ack')}>
                    {tl({ zh: '确认', en: 'Ack' })}
                  </Button>
                )}
                {(a.status === 'active_unack' || a.status === 'active_ack') && (
                  <Button size="small" danger icon={<StopOutlined />} onClick={() => act(a, 'clear')}>
                    {tl({ zh: '清除', en: 'Clear' })}
                  </Button>
                )}
              </Space>
            ),
          },
        ]
      : []),
  ];

  const counts = overview.data?.activeAlarms;
  return (
    <div className="og-page">
      <Card
        size="small"
        title={tl({ zh: '告警中心', en: 'Alarm board' })}
        extra={
          <Space size="middle" wrap>
            {counts &&
              SEVERITIES.map((s) => (
                <Badge key={s} color={SEVERITY[s].color} text={`${tl(SEVERITY[s])} ${counts[s] ?? 0}`} />
              ))}
            <Button icon={<ReloadOutlined />} onClick={() => { reload(); reloadOverview(); }} aria-label={tl(L.refresh)} />
          </Space>
        }
      >
        <Space wrap style={{ marginBottom: 12 }}>
          <Select
            mode="multiple"
            allowClear
            placeholder={tl(L.severity)}
            style={{ minWidth: 200 }}
            value={severity}
            onChange={(v) => { setSeverity(v); setPage(1); }}
            options={SEVERITIES.map((s) => ({ value: s, label: tl(SEVERITY[s]) }))}
            aria-label={tl(L.severity)}
          />
          <Select<StateFilter>
            allowClear
            placeholder={tl(L.state)}
            style={{ width: 170 }}
            value={state}
            onChange={(v) => { setState(v); setPage(1); }}
            options={[
              { value: 'active', label: tl({ zh: '激活中', en: 'Active' }) },
              { value: 'cleared', label: tl({ zh: '已清除', en: 'Cleared' }) },
              ...STATUSES.map((s) => ({ value: s, label: tl(STATUS[s]) })),
            ]}
            aria-label={tl(L.state)}
            data-testid="alarm-state-filter"
          />
          <Select allowClear placeholder={tl(L.type)} style={{ width: 170 }} value={type} onChange={(v) => { setType(v); setPage(1); }} options={(types.data?.types ?? []).map((x) => ({ value: x.code, label: x.name }))} aria-label={tl(L.type)} />
        </Space>
        {alarms.error ? <Alert type="error" showIcon title={errorText(alarms.error, t)} style={{ marginBottom: 12 }} /> : null}
        <Table<Alarm>
          data-testid="alarms-table"
          size="small"
          rowKey="id"
          loading={alarms.loading && !alarms.data}
          columns={columns}
          dataSource={alarms.data?.items ?? []}
          locale={{ emptyText: tl({ zh: '没有符合条件的告警', en: 'No alarms' }) }}
          pagination={{ current: page, pageSize, total: alarms.data?.total ?? 0, showSizeChanger: true, showTotal: (n) => format(tl(L.total), { n }), onChange: (p, s) => { setPage(p); setPageSize(s); } }}
        />
      </Card>
    </div>
  );
}
