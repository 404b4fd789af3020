import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, App, Button, Card, Input, Modal, Select, Space, Table, Tag, Typography, Upload, type TableColumnsType } from 'antd';
import { ImportOutlined, ReloadOutlined, UploadOutlined } from '@ant-design/icons';
import { api, ApiError } from '../../api';
import { useMe, hasPermission } from '../../auth';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { format, useI18n } from '../../i18n';
import type { OrgNode } from '../../types';
import { fmtTime, L, OnlineTag, type Device, type DeviceTypes, type Paged } from './common';

const SAMPLE = 'name,type,lng,lat,address,department,coverType,token\n供水井盖-101,manhole_tilt,112.9660,28.1460,桥头街 12 号,GS,water_supply,\n';

interface ImportResult {
  created: number;
  updated: number;
  generatedTokens: Array<{ name: string; accessToken: string }>;
}

/** 设备管理: devices with filters (type, online, grid), paging, and CSV import. */
export default function DevicesPage() {
  const { t, tl } = useI18n();
  const { modal } = App.useApp();
  const me = useMe();
  const canWrite = hasPermission(me, 'iot.devices.write');
  const [type, setType] = useState<string | undefined>();
  const [online, setOnline] = useState<boolean | undefined>();
  const [gridId, setGridId] = useState<string | undefined>();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const types = useApi<DeviceTypes>('/iot/device-types');
  const grids = useApi<OrgNode[]>('/org/nodes', { level: 'grid' });
  const devices = useApi<Paged<Device>>('/iot/devices', { type, online, gridId, q: q.trim() || undefined, page, pageSize });
  const gridName = useMemo(() => new Map((grids.data ?? []).map((g) => [g.id, g.name])), [grids.data]);

  const [importOpen, setImportOpen] = useState(false);
  const [csv, setCsv] = useState('');
  const [busy, setBusy] = useState(false);

  const doImport = async () => {
    setBusy(true);
    try {
      const r = await api<ImportResult>('/iot/devices/import', { method: 'POST', body: { csv } });
      setImportOpen(false);
      setCsv('');
      devices.reload();
      modal.success({
        title: tl({ zh: '导入完成', en: 'Import done' }),
        width: 560,
        content: (
          <div data-testid="import-result">
            <p>{format(tl({ zh: '新增 {c} 台，更新 {u} 台。', en: '{c} created, {u} updated.' }), { c: r.created, u: r.updated })}</p>
            {r.generatedTokens.length > 0 && (
              <>
                <Typography.Text type="warning">{tl({ zh: '以下为新生成的访问令牌，请立即抄送给设备厂商（之后仅能在设备详情中查看）：', en: 'New access tokens — pass them to the vendor now:' })}</Typography.Text>
                <Table size="small" rowKey="name" pagination={false} dataSource={r.generatedTokens} columns={[{ title: tl(L.name), dataIndex: 'name' }, { title: tl({ zh: '访问令牌', en: 'Token' }), dataIndex: 'accessToken', render: (s: string) => <Typography.Text copyable code>{s}</Typography.Text> }]} />
              </>
            )}
          </div>
        ),
      });
    } catch (err) {
      const details = err instanceof ApiError ? err.fieldErrors : [];
      modal.error({
        title: tl({ zh: '导入失败', en: 'Import failed' }),
        width: 560,
        content: (
          <div data-testid="import-errors">
            <p>{errorText(err, t)}</p>
            {details.length > 0 && (
              <ul style={{ maxHeight: 240, overflow: 'auto', paddingLeft: 20 }}>
                {details.map((d, i) => (
                  <li key={i}>
                    <Typography.Text code>{d.field}</Typography.Text> {d.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        ),
      });
    } finally {
      setBusy(false);
    }
  };

  const columns: TableColumnsType<Device> = [
    { title: tl(L.name), dataIndex: 'name', key: 'name', render: (n: string, d) => <Link to={`/iot/devices/${d.id}`}>{n}</Link> },
    { title: tl(L.type), key: 'type', render: (_, d) => d.type.name + (d.coverTypeName ? ` · ${d.coverTypeName}` : '') },
    { title: tl(L.state), dataIndex: 'online', key: 'online', width: 90, render: (o: boolean) => <OnlineTag online={o} /> },
    { title: tl(L.alarms), dataIndex: 'activeAlarms', key: 'alarms', width: 80, render: (n: number) => (n ? <Tag color="red">{n}</Tag> : '-') },
    { title: tl(L.grid), dataIndex: 'gridId', key: 'grid', responsive: ['lg'], render: (g: string | null) => (g ? (gridName.get(g) ?? '-') : '-') },
    { title: tl(L.address), dataIndex: 'address', key: 'address', responsive: ['xl'], ellipsis: true },
    { title: tl(L.department), key: 'dept', responsive: ['md'], render: (_, d) => d.department?.name ?? '-' },
    { title: tl(L.battery), dataIndex: 'battery', key: 'battery', width: 80, responsive: ['lg'], render: (b: number | null) => (b === null ? '-' : `${b}%`) },
    { title: tl(L.lastSeen), dataIndex: 'lastSeenAt', key: 'seen', width: 170, responsive: ['md'], render: fmtTime },
  ];

  return (
    <div className="og-page">
      <Card
        size="small"
        title={tl({ zh: '设备管理', en: 'Devices' })}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={devices.reload} aria-label={tl(L.refresh)} />
            {canWrite && (
              <Button icon={<ImportOutlined />} onClick={() => setImportOpen(true)}>
                {tl({ zh: 'CSV 导入', en: 'Import CSV' })}
              </Button>
            )}
          </Space>
        }
      >
        <Space wrap style={{ marginBottom: 12 }}>
          <Select allowClear placeholder={tl(L.type)} style={{ width: 170 }} value={type} onChange={(v) => { setType(v); setPage(1); }} options={(types.data?.types ?? []).map((x) => ({ value: x.code, label: x.name }))} aria-label={tl(L.type)} />
          <Select
            allowClear
            placeholder={tl(L.state)}
            style={{ width: 120 }}
            value={online === undefined ? undefined : online ? 'on' : 'off'}
            onChange={(v?: string) => { setOnline(v === undefined ? undefined : v === 'on'); setPage(1); }}
            options={[{ value: 'on', label: tl(L.online) }, { value: 'off', label: tl(L.offline) }]}
            aria-label={tl(L.state)}
          />
          <Select allowClear showSearch optionFilterProp="label" placeholder={tl(L.grid)} style={{ width: 200 }} value={gridId} onChange={(v) => { setGridId(v); setPage(1); }} options={(grids.data ?? []).map((g) => ({ value: g.id, label: g.name }))} aria-label={tl(L.grid)} />
          <Input.Search allowClear placeholder={tl(L.search)} style={{ width: 220 }} onSearch={(v) => { setQ(v); setPage(1); }} aria-label={tl(L.search)} />
        </Space>
        {devices.error ? <Alert type="error" showIcon title={errorText(devices.error, t)} style={{ marginBottom: 12 }} /> : null}
        <Table<Device>
          data-testid="devices-table"
          size="small"
          rowKey="id"
          loading={devices.loading}
          columns={columns}
          dataSource={devices.data?.items ?? []}
          pagination={{ current: page, pageSize, total: devices.data?.total ?? 0, showSizeChanger: true, showTotal: (n) => format(tl(L.total), { n }), onChange: (p, s) => { setPage(p); setPageSize(s); } }}
        />
      </Card>
      <Modal
        open={importOpen}
        title={tl({ zh: 'CSV 导入设备', en: 'Import devices from CSV' })}
        onCancel={() => setImportOpen(false)}
        onOk={doImport}
        okText={tl({ zh: '导入', en: 'Import' })}
        okButtonProps={{ disabled: !csv.trim(), loading: busy }}
        width={640}
      >
        <Typography.Paragraph type="secondary">
          {tl({ zh: '表头：name,type,lng,lat,address,department,coverType,token（也可用中文表头）。全部行无误才导入；同名设备会被更新。', en: 'Header: name,type,lng,lat,address,department,coverType,token. All rows or none; existing names are updated.' })}
        </Typography.Paragraph>
        <Space style={{ marginBottom: 8 }}>
          <Upload accept=".csv,text/csv" showUploadList={false} beforeUpload={(f) => { void f.text().then(setCsv); return false; }}>
            <Button icon={<UploadOutlined />}>{tl({ zh: '选择文件', en: 'Choose file' })}</Button>
          </Upload>
          <Button type="link" onClick={() => setCsv(SAMPLE)}>{tl({ zh: '填入示例', en: 'Fill in a sample' })}</Button>
        </Space>
        <Input.TextArea rows={8} value={csv} onChange={(e) => setCsv(e.target.value)} aria-label="CSV" data-testid="import-csv" style={{ fontFamily: 'monospace' }} />
      </Modal>
    </div>
  );
}
