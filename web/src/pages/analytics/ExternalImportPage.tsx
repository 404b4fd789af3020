import { useCallback, useEffect, useState } from 'react';
import { Alert, App, Button, Card, Col, DatePicker, Input, Progress, Row, Select, Space, Statistic, Table, Tabs, Tag, Typography, Upload } from 'antd';
import { DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api, ApiError } from '../../api';
import { errorText } from '../../errors';
import { useI18n } from '../../i18n';

type Source = '12345' | 'petition';
type Field = 'source' | 'externalNo' | 'receivedAt' | 'content' | 'address' | 'phone' | 'category' | 'lng' | 'lat' | 'department' | 'status' | 'closedAt' | 'satisfaction';
type Mapping = Partial<Record<Field, number | null>>;

interface PreviewRow {
  row: number;
  sourceName: string;
  externalNo: string;
  receivedAt: string;
  content: string;
  address: string | null;
  phone: string | null;
  categoryName: string | null;
  categoryBy: 'file' | 'classifier' | null;
  grid: string | null;
  exists: boolean;
}

interface ImportView {
  id: string;
  fileName: string | null;
  fileKind: 'csv' | 'xlsx';
  status: 'preview' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  statusName: string;
  headers: string[];
  mapping: Mapping;
  defaultSource: Source | null;
  mappingProblems: string[];
  totalRows: number;
  validRows: number;
  processed: number;
  inserted: number;
  updated: number;
  progress: number;
  errors: Array<{ row: number; externalNo?: string | null; reasons: string[] }>;
  errorCount: number;
  message: string | null;
  sample?: PreviewRow[];
  rawSample?: Array<{ row: number; cells: string[] }>;
  newRows?: number;
  updateRows?: number;
}

interface RecordView {
  id: string;
  sourceName: string;
  externalNo: string;
  receivedAt: string;
  content: string;
  address: string | null;
  phone: string | null;
  categoryName: string | null;
  gridName: string | null;
  department: string | null;
  status: string | null;
  satisfaction: string | null;
}

interface Stats {
  total: number;
  bySource: Array<{ source: Source; name: string; count: number }>;
  byCategory: Array<{ code: string | null; name: string; count: number; satisfactionRate: number | null }>;
  byGrid: Array<{ gridId: string; name: string; count: number }>;
  unassigned: number;
}

const FIELDS: Array<{ key: Field; zh: string; en: string; required?: boolean }> = [
  { key: 'source', zh: '来源', en: 'Source' },
  { key: 'externalNo', zh: '工单编号', en: 'Order number', required: true },
  { key: 'receivedAt', zh: '受理时间', en: 'Received at', required: true },
  { key: 'content', zh: '诉求内容', en: 'Content', required: true },
  { key: 'address', zh: '诉求地址', en: 'Address' },
  { key: 'phone', zh: '来电号码', en: 'Caller phone' },
  { key: 'category', zh: '诉求分类', en: 'Category' },
  { key: 'lng', zh: '经度', en: 'Longitude' },
  { key: 'lat', zh: '纬度', en: 'Latitude' },
  { key: 'department', zh: '办理部门', en: 'Department' },
  { key: 'status', zh: '办理状态', en: 'Status' },
  { key: 'closedAt', zh: '办结时间', en: 'Closed at' },
  { key: 'satisfaction', zh: '满意度', en: 'Satisfaction' },
];

const fmt = (iso: string | null) => (iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '');

/** Uploads with XHR so that a large file shows its upload progress. */
function uploadFile(file: File, source: Source | null, onProgress: (p: number) => void): Promise<ImportView> {
  return new Promise((resolve, reject) => {
    const fd = new FormData();
    fd.append('file', file);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/analytics/external-imports${source ? `?source=${source}` : ''}`);
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => {
      let data: { error?: { code?: string; message?: string; details?: unknown } } | ImportView | null = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as ImportView);
      else {
        const e = (data as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
        reject(new ApiError(xhr.status, e?.code ?? 'error', e?.message ?? '', e?.details));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', '网络错误', null));
    xhr.send(fd);
  });
}

function ImportTab() {
  const { tl, t } = useI18n();
  const { message } = App.useApp();
  const [imp, setImp] = useState<ImportView | null>(null);
  const [source, setSource] = useState<Source | null>(null);
  const [uploadPct, setUploadPct] = useState<number | null>(null);
  const [mapping, setMapping] = useState<Mapping>({});
  const [busy, setBusy] = useState(false);

  const show = useCallback((v: ImportView, keepSample?: ImportView | null) => {
    setImp(keepSample ? { ...v, sample: v.sample ?? keepSample.sample, rawSample: v.rawSample ?? keepSample.rawSample, newRows: v.newRows ?? keepSample.newRows, updateRows: v.updateRows ?? keepSample.updateRows } : v);
    setMapping(v.mapping);
  }, []);

  useEffect(() => {
    if (!imp || !['queued', 'running'].includes(imp.status)) return;
    const timer = window.setTimeout(async () => {
      try {
        show(await api<ImportView>(`/analytics/external-imports/${imp.id}`), imp);
      } catch (err) {
        message.error(errorText(err, t));
      }
    }, 1000);
    return () => window.clearTimeout(timer);
  }, [imp, message, t, show]);

  const upload = async (file: File) => {
    setUploadPct(0);
    try {
      show(await uploadFile(file, source, setUploadPct));
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setUploadPct(null);
    }
    return false;
  };

  const remap = async () => {
    if (!imp) return;
    setBusy(true);
    try {
      show(await api<ImportView>(`/analytics/external-imports/${imp.id}/mapping`, { method: 'PUT', body: { mapping, defaultSource: imp.defaultSource ?? source } }));
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  const act = async (what: 'commit' | 'cancel') => {
    if (!imp) return;
    try {
      show(await api<ImportView>(`/analytics/external-imports/${imp.id}/${what}`, { method: 'POST' }), imp);
    } catch (err) {
      message.error(errorText(err, t));
    }
  };

  const columnOptions = (imp?.headers ?? []).map((h, i) => ({ value: i, label: `${i + 1}. ${h || tl({ zh: '(无表头)', en: '(no header)' })}` }));
  const mappingChanged = imp ? JSON.stringify(mapping) !== JSON.stringify(imp.mapping) : false;

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Card
        title={tl({ zh: '导入 12345 工单 / 信访记录', en: 'Import 12345 orders / petitions' })}
        extra={<Button icon={<DownloadOutlined />} href="/api/analytics/external-imports/template">{tl({ zh: '下载模板', en: 'Template' })}</Button>}
      >
        <Space wrap>
          <Select
            style={{ width: 220 }}
            allowClear
            placeholder={tl({ zh: '文件来源（文件中无来源列时）', en: 'Source (if no source column)' })}
            value={source ?? undefined}
            onChange={(v) => setSource((v as Source) ?? null)}
            options={[
              { value: '12345', label: tl({ zh: '12345 热线', en: '12345 hotline' }) },
              { value: 'petition', label: tl({ zh: '信访', en: 'Petition' }) },
            ]}
          />
          <Upload accept=".csv,.xlsx" showUploadList={false} beforeUpload={(f) => upload(f as File)}>
            <Button type="primary" icon={<UploadOutlined />} loading={uploadPct !== null} data-testid="ext-import-upload">
              {tl({ zh: '选择 CSV / XLSX 文件', en: 'Choose a CSV / XLSX file' })}
            </Button>
          </Upload>
        </Space>
        {uploadPct !== null && <Progress percent={uploadPct} size="small" style={{ marginTop: 8 }} />}
        <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
          {tl({
            zh: '上传后按表头自动匹配列（工单编号、受理时间、诉求内容、诉求地址、来电号码、办理部门、办结时间、满意度等），可手动调整；逐行校验并预览，确认后后台分批导入。同一来源的同一工单编号再次导入只更新，不重复。',
            en: 'Columns are matched from the headers and can be adjusted; every row is checked and previewed; confirmed imports run in batches. Re-importing the same order numbers updates them.',
          })}
        </Typography.Paragraph>
      </Card>

      {imp && (
        <Card title={`${imp.fileName ?? ''} · ${imp.statusName}`} data-testid="ext-import-card">
          <Space size="large" wrap>
            <span>{tl({ zh: '总行数', en: 'Rows' })} {imp.totalRows}</span>
            <span>{tl({ zh: '有效', en: 'Valid' })} {imp.validRows}</span>
            {imp.newRows !== undefined && imp.status === 'preview' && (
              <span>
                {tl({ zh: '新增', en: 'New' })} {imp.newRows} · {tl({ zh: '更新', en: 'Update' })} {imp.updateRows}
              </span>
            )}
            <Tag color={imp.errorCount ? 'red' : 'green'}>{tl({ zh: '错误行', en: 'Bad rows' })} {imp.errorCount}</Tag>
            {imp.status !== 'preview' && (
              <span>
                {tl({ zh: '已新增', en: 'Inserted' })} {imp.inserted} · {tl({ zh: '已更新', en: 'Updated' })} {imp.updated}
              </span>
            )}
          </Space>
          {imp.status !== 'preview' && imp.status !== 'cancelled' && (
            <Progress percent={imp.progress} status={imp.status === 'failed' ? 'exception' : imp.status === 'done' ? 'success' : 'active'} data-testid="ext-import-progress" />
          )}
          {imp.message && <Alert type="success" showIcon message={imp.message} style={{ marginTop: 8 }} />}

          {imp.status === 'preview' && (
            <>
              <Typography.Title level={5} style={{ marginTop: 16 }}>
                {tl({ zh: '列映射', en: 'Column mapping' })}
              </Typography.Title>
              {imp.mappingProblems.length > 0 && <Alert type="warning" showIcon message={imp.mappingProblems.join('；')} style={{ marginBottom: 8 }} />}
              <Row gutter={[12, 8]}>
                {FIELDS.map((f) => (
                  <Col key={f.key} xs={24} sm={12} md={8} lg={6}>
                    <div>
                      {f.required && <span style={{ color: '#ff4d4f' }}>* </span>}
                      {tl({ zh: f.zh, en: f.en })}
                    </div>
                    <Select
                      style={{ width: '100%' }}
                      allowClear
                      placeholder={tl({ zh: '不导入', en: 'Not imported' })}
                      value={mapping[f.key] ?? undefined}
                      onChange={(v) => setMapping((m) => ({ ...m, [f.key]: v ?? null }))}
                      options={columnOptions}
                      data-testid={`ext-map-${f.key}`}
                    />
                  </Col>
                ))}
              </Row>
              <Space style={{ marginTop: 12 }}>
                <Button onClick={remap} loading={busy} type={mappingChanged ? 'primary' : 'default'} data-testid="ext-import-remap">
                  {tl({ zh: '按此映射重新校验', en: 'Apply mapping' })}
                </Button>
                <Button type="primary" onClick={() => act('commit')} disabled={!imp.validRows || mappingChanged || imp.mappingProblems.length > 0} data-testid="ext-import-commit">
                  {tl({ zh: `确认导入 ${imp.validRows} 行`, en: `Import ${imp.validRows} rows` })}
                </Button>
                <Button onClick={() => act('cancel')}>{tl({ zh: '取消', en: 'Cancel' })}</Button>
              </Space>
              {imp.rawSample && imp.rawSample.length > 0 && (
                <Table
                  size="small"
                  style={{ marginTop: 12 }}
                  rowKey="row"
                  pagination={false}
                  scroll={{ x: true }}
                  title={() => tl({ zh: '文件前几行（原始内容，号码已脱敏）', en: 'First rows of the file (phones masked)' })}
                  dataSource={imp.rawSample}
                  columns={[
                    { title: tl({ zh: '行', en: 'Row' }), dataIndex: 'row', width: 60 },
                    ...imp.headers.map((h, i) => ({ title: `${i + 1}. ${h}`, key: String(i), render: (_: unknown, r: { cells: string[] }) => r.cells[i] ?? '' })),
                  ]}
                />
              )}
              {imp.sample && imp.sample.length > 0 && (
                <Table
                  size="small"
                  style={{ marginTop: 12 }}
                  rowKey="row"
                  pagination={false}
                  scroll={{ x: true }}
                  title={() => tl({ zh: '导入预览（前 10 行）', en: 'Preview (first 10 rows)' })}
                  dataSource={imp.sample}
                  data-testid="ext-import-sample"
                  columns={[
                    { title: tl({ zh: '行', en: 'Row' }), dataIndex: 'row', width: 60 },
                    { title: tl({ zh: '来源', en: 'Source' }), dataIndex: 'sourceName' },
                    { title: tl({ zh: '编号', en: 'Number' }), dataIndex: 'externalNo', render: (v: string, r: PreviewRow) => (r.exists ? <Space>{v}<Tag>{tl({ zh: '已存在，将更新', en: 'exists' })}</Tag></Space> : v) },
                    { title: tl({ zh: '受理时间', en: 'Received' }), dataIndex: 'receivedAt', render: fmt },
                    { title: tl({ zh: '内容', en: 'Content' }), dataIndex: 'content', ellipsis: true },
                    { title: tl({ zh: '来电', en: 'Phone' }), dataIndex: 'phone' },
                    { title: tl({ zh: '分类', en: 'Category' }), dataIndex: 'categoryName', render: (v: string | null, r: PreviewRow) => (v ? <Space>{v}{r.categoryBy === 'classifier' && <Tag color="blue">{tl({ zh: '智能', en: 'auto' })}</Tag>}</Space> : '') },
                    { title: tl({ zh: '网格/位置', en: 'Grid / place' }), dataIndex: 'grid', render: (v: string | null) => v ?? <Tag>{tl({ zh: '未定位', en: 'not located' })}</Tag> },
                  ]}
                />
              )}
            </>
          )}

          {imp.errors.length > 0 && (
            <>
              <Space style={{ marginTop: 16 }}>
                <Typography.Text strong>{tl({ zh: '错误行（不导入，其余照常导入）', en: 'Bad rows (skipped)' })}</Typography.Text>
                <Button size="small" icon={<DownloadOutlined />} href={`/api/analytics/external-imports/${imp.id}/errors?format=xlsx`}>XLSX</Button>
                <Button size="small" icon={<DownloadOutlined />} href={`/api/analytics/external-imports/${imp.id}/errors?format=csv`}>CSV</Button>
              </Space>
              <Table
                size="small"
                style={{ marginTop: 8 }}
                rowKey="row"
                dataSource={imp.errors}
                data-testid="ext-import-errors"
                pagination={{ pageSize: 20 }}
                columns={[
                  { title: tl({ zh: '行号', en: 'Row' }), dataIndex: 'row', width: 80 },
                  { title: tl({ zh: '工单编号', en: 'Number' }), dataIndex: 'externalNo', width: 160 },
                  { title: tl({ zh: '原因', en: 'Reason' }), dataIndex: 'reasons', render: (r: string[]) => r.join('；') },
                ]}
              />
            </>
          )}
        </Card>
      )}
    </Space>
  );
}

function RecordsTab() {
  const { tl, t } = useI18n();
  const { message } = App.useApp();
  const [source, setSource] = useState<Source | undefined>();
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ items: RecordView[]; total: number } | null>(null);
  const [stats, setStats] = useState<Stats | null>(null);

  useEffect(() => {
    const query = { source, from: range?.[0]?.format('YYYY-MM-DD'), to: range?.[1]?.format('YYYY-MM-DD'), q: q || undefined };
    let gone = false;
    Promise.all([api<{ items: RecordView[]; total: number }>('/analytics/external-records', { query: { ...query, page, pageSize: 20 } }), api<Stats>('/analytics/external-records/stats', { query })])
      .then(([d, s]) => {
        if (gone) return;
        setData(d);
        setStats(s);
      })
      .catch((err) => !gone && message.error(errorText(err, t)));
    return () => {
      gone = true;
    };
  }, [source, range, q, page, message, t]);

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Space wrap>
        <Select
          style={{ width: 160 }}
          allowClear
          placeholder={tl({ zh: '全部来源', en: 'All sources' })}
          value={source}
          onChange={(v) => {
            setSource(v);
            setPage(1);
          }}
          options={[
            { value: '12345', label: tl({ zh: '12345 热线', en: '12345 hotline' }) },
            { value: 'petition', label: tl({ zh: '信访', en: 'Petition' }) },
          ]}
        />
        <DatePicker.RangePicker
          value={range}
          onChange={(v) => {
            setRange(v as [Dayjs | null, Dayjs | null] | null);
            setPage(1);
          }}
        />
        <Input.Search
          allowClear
          style={{ width: 240 }}
          placeholder={tl({ zh: '编号、内容、地址', en: 'Number, content, address' })}
          onSearch={(v) => {
            setQ(v.trim());
            setPage(1);
          }}
        />
      </Space>
      {stats && (
        <Row gutter={16}>
          <Col xs={24} md={6}>
            <Card size="small">
              <Statistic title={tl({ zh: '记录总数', en: 'Records' })} value={stats.total} />
              {stats.bySource.map((s) => (
                <div key={s.source}>
                  {s.name}：{s.count}
                </div>
              ))}
              <div>
                {tl({ zh: '未定位到网格', en: 'No grid' })}：{stats.unassigned}
              </div>
            </Card>
          </Col>
          <Col xs={24} md={9}>
            <Card size="small" title={tl({ zh: '按分类', en: 'By category' })}>
              <Table
                size="small"
                rowKey={(r) => r.code ?? '-'}
                pagination={{ pageSize: 5 }}
                dataSource={stats.byCategory}
                columns={[
                  { title: tl({ zh: '分类', en: 'Category' }), dataIndex: 'name' },
                  { title: tl({ zh: '件数', en: 'Count' }), dataIndex: 'count', width: 70 },
                  { title: tl({ zh: '满意率', en: 'Satisfied' }), dataIndex: 'satisfactionRate', width: 80, render: (v: number | null) => (v === null ? '—' : `${v}%`) },
                ]}
              />
            </Card>
          </Col>
          <Col xs={24} md={9}>
            <Card size="small" title={tl({ zh: '按网格', en: 'By grid' })}>
              <Table
                size="small"
                rowKey="gridId"
                pagination={{ pageSize: 5 }}
                dataSource={stats.byGrid}
                columns={[
                  { title: tl({ zh: '网格', en: 'Grid' }), dataIndex: 'name' },
                  { title: tl({ zh: '件数', en: 'Count' }), dataIndex: 'count', width: 70 },
                ]}
              />
            </Card>
          </Col>
        </Row>
      )}
      <Table
        size="small"
        rowKey="id"
        scroll={{ x: true }}
        dataSource={data?.items ?? []}
        data-testid="ext-records"
        pagination={{ current: page, pageSize: 20, total: data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          { title: tl({ zh: '来源', en: 'Source' }), dataIndex: 'sourceName', width: 100 },
          { title: tl({ zh: '编号', en: 'Number' }), dataIndex: 'externalNo', width: 150 },
          { title: tl({ zh: '受理时间', en: 'Received' }), dataIndex: 'receivedAt', width: 170, render: fmt },
          { title: tl({ zh: '内容', en: 'Content' }), dataIndex: 'content', ellipsis: true },
          { title: tl({ zh: '地址', en: 'Address' }), dataIndex: 'address', ellipsis: true },
          { title: tl({ zh: '来电', en: 'Phone' }), dataIndex: 'phone', width: 120 },
          { title: tl({ zh: '分类', en: 'Category' }), dataIndex: 'categoryName', width: 110 },
          { title: tl({ zh: '网格', en: 'Grid' }), dataIndex: 'gridName', width: 130, render: (v: string | null) => v ?? '—' },
          { title: tl({ zh: '办理部门', en: 'Department' }), dataIndex: 'department', width: 120 },
          { title: tl({ zh: '状态', en: 'Status' }), dataIndex: 'status', width: 90 },
          { title: tl({ zh: '满意度', en: 'Satisfaction' }), dataIndex: 'satisfaction', width: 90 },
        ]}
      />
    </Space>
  );
}

/** 外部数据导入: 12345 hotline orders and petitions, imported from CSV / XLSX and analysed in scope. */
export default function ExternalImportPage() {
  const { tl } = useI18n();
  return (
    <Tabs
      items={[
        { key: 'import', label: tl({ zh: '导入', en: 'Import' }), children: <ImportTab /> },
        { key: 'records', label: tl({ zh: '已导入记录', en: 'Imported records' }), children: <RecordsTab /> },
      ]}
    />
  );
}
