import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Form, Grid, Input, Select, Space, Table, Tag, TreeSelect, Typography, type TableColumnsType } from 'antd';
import { EyeOutlined, ReloadOutlined, SearchOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { RESIDENT_TAGS, type OrgNode, type PageResult, type Resident } from '../../types';

interface Filters {
  nodeId?: string;
  tag?: string;
  q?: string;
  status?: Resident['status'];
}

const STATUSES: Resident['status'][] = ['resident', 'moved_out', 'deceased'];

interface TreeOption {
  value: string;
  title: string;
  children?: TreeOption[];
}

function nodeOptions(nodes: OrgNode[]): TreeOption[] {
  const ids = new Set(nodes.map((n) => n.id));
  const kids = new Map<string | null, OrgNode[]>();
  for (const n of nodes) {
    const p = n.parentId && ids.has(n.parentId) ? n.parentId : null;
    kids.set(p, [...(kids.get(p) ?? []), n]);
  }
  const walk = (p: string | null): TreeOption[] =>
    (kids.get(p) ?? [])
      .sort((a, b) => a.code.localeCompare(b.code))
      .map((n) => {
        const c = walk(n.id);
        return { value: n.id, title: n.name, children: c.length ? c : undefined };
      });
  return walk(null);
}

/** 居民管理: residents in the caller's area, masked, with a logged "show full details". */
export default function ResidentsPage() {
  const me = useMe();
  const { t } = useI18n();
  const { modal, message } = App.useApp();
  const [form] = Form.useForm<Filters>();
  const [filters, setFilters] = useState<Filters>({});
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const canReveal = hasPermission(me, 'pii.reveal');
  const screens = Grid.useBreakpoint();
  const compact = !screens.md;

  const nodes = useApi<OrgNode[]>('/org/nodes', { level: ['community', 'estate', 'grid'], geometry: false });
  const residents = useApi<PageResult<Resident>>('/org/residents', { ...filters, page, pageSize });

  const tree = useMemo(() => nodeOptions(nodes.data ?? []), [nodes.data]);
  const codeToName = useMemo(() => new Map((nodes.data ?? []).map((n) => [n.code, n.name])), [nodes.data]);
  /** the resident's grid (or the deepest known area) from their node path */
  const areaOf = (path: string) => {
    const codes = path.split('/');
    for (let i = codes.length - 1; i >= 0; i--) {
      const name = codeToName.get(codes[i] ?? '');
      if (name) return name;
    }
    return codes[codes.length - 1] ?? '';
  };

  const reveal = (r: Resident) => {
    modal.confirm({
      title: t('residents.revealTitle'),
      content: t('residents.revealContent', { name: r.name }),
      okText: t('residents.revealOk'),
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          const full = await api<Resident>(`/org/residents/${r.id}`, { query: { reveal: ['phone', 'idCard', 'address'] } });
          modal.info({
            title: t('residents.revealedTitle', { name: full.name }),
            okText: t('common.close'),
            width: 520,
            content: (
              <>
                <Descriptions column={1} size="small" className="og-revealed" items={[
                  { key: 'phone', label: t('residents.phone'), children: <Typography.Text copyable>{full.phone ?? '-'}</Typography.Text> },
                  { key: 'idCard', label: t('residents.idCard'), children: full.idCard ?? '-' },
                  { key: 'address', label: t('residents.address'), children: full.address ?? '-' },
                ]} />
                <Alert type="warning" showIcon title={t('residents.revealedNote')} style={{ marginTop: 12 }} />
              </>
            ),
          });
        } catch (err) {
          message.error(errorText(err, t));
        }
      },
    });
  };

  const columns: TableColumnsType<Resident> = [
    { title: t('residents.name'), dataIndex: 'name', key: 'name', fixed: compact ? undefined : 'left', width: 96 },
    { title: t('residents.gender'), dataIndex: 'gender', key: 'gender', width: 72, responsive: ['sm'], render: (g: Resident['gender']) => (g === 'M' ? t('residents.genderM') : g === 'F' ? t('residents.genderF') : '-') },
    { title: t('residents.age'), dataIndex: 'age', key: 'age', width: 72, responsive: ['sm'], render: (a: number | null) => a ?? '-' },
    { title: t('residents.phone'), dataIndex: 'phone', key: 'phone', width: 140, render: (p: string | null) => <span className="og-mono" data-testid="masked-phone">{p ?? '-'}</span> },
    { title: t('residents.idCard'), dataIndex: 'idCard', key: 'idCard', width: 190, responsive: ['lg'], render: (p: string | null) => <span className="og-mono">{p ?? '-'}</span> },
    { title: t('residents.grid'), dataIndex: 'nodePath', key: 'area', width: 150, responsive: ['md'], render: (p: string) => areaOf(p) },
    { title: t('residents.relation'), dataIndex: 'relation', key: 'relation', width: 100, responsive: ['xl'], render: (v: string | null) => v ?? '-' },
    { title: t('residents.tags'), dataIndex: 'tags', key: 'tags', width: 200, responsive: ['sm'], render: (tags: string[]) => tags.map((tag) => <Tag key={tag} color="gold">{(RESIDENT_TAGS as readonly string[]).includes(tag) ? t(`tag.${tag as (typeof RESIDENT_TAGS)[number]}`) : tag}</Tag>) },
    { title: t('residents.status'), dataIndex: 'status', key: 'status', width: 90, responsive: ['md'], render: (s: Resident['status']) => <Tag color={s === 'resident' ? 'green' : 'default'}>{t(`residents.status.${s}`)}</Tag> },
    ...(canReveal
      ? [{
          title: t('residents.actions'),
          key: 'actions',
          fixed: compact ? undefined : ('right' as const),
          width: compact ? 56 : 140,
          render: (_: unknown, r: Resident) => (
            <Button type="link" size="small" icon={<EyeOutlined />} onClick={() => reveal(r)} aria-label={t('residents.reveal')} title={t('residents.reveal')}>
              {compact ? null : t('residents.reveal')}
            </Button>
          ),
        }]
      : []),
  ];

  const apply = (values: Filters) => {
    setFilters({ nodeId: values.nodeId || undefined, tag: values.tag || undefined, q: values.q?.trim() || undefined, status: values.status || undefined });
    setPage(1);
  };

  return (
    <div className="og-page">
      <Card size="small">
        <Form<Filters> form={form} layout="inline" onFinish={apply} className="og-filters">
          <Form.Item name="nodeId" label={t('residents.filterNode')}>
            <TreeSelect treeData={tree} allowClear showSearch treeNodeFilterProp="title" placeholder={t('common.all')} style={{ minWidth: 200 }} popupMatchSelectWidth={false} loading={nodes.loading} />
          </Form.Item>
          <Form.Item name="tag" label={t('residents.filterTag')}>
            <Select allowClear placeholder={t('common.all')} style={{ minWidth: 140 }} options={RESIDENT_TAGS.map((tag) => ({ value: tag, label: t(`tag.${tag}`) }))} />
          </Form.Item>
          <Form.Item name="status" label={t('residents.status')}>
            <Select allowClear placeholder={t('common.all')} style={{ minWidth: 110 }} options={STATUSES.map((s) => ({ value: s, label: t(`residents.status.${s}`) }))} />
          </Form.Item>
          <Form.Item name="q" label={t('residents.filterQ')} rules={[{ max: 50, message: t('residents.filterQPlaceholder') }]}>
            <Input allowClear placeholder={t('residents.filterQPlaceholder')} style={{ width: 160 }} />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
                {t('common.search')}
              </Button>
              <Button onClick={() => { form.resetFields(); apply({}); }}>{t('common.reset')}</Button>
            </Space>
          </Form.Item>
        </Form>
      </Card>

      <Card size="small">
        {residents.error ? (
          <Alert type="error" showIcon title={errorText(residents.error, t)} action={<Button icon={<ReloadOutlined />} onClick={residents.reload}>{t('common.retry')}</Button>} style={{ marginBottom: 12 }} />
        ) : null}
        <Table<Resident>
          rowKey="id"
          size="middle"
          columns={columns}
          dataSource={residents.data?.items ?? []}
          loading={residents.loading}
          scroll={compact ? undefined : { x: 900 }}
          data-testid="residents-table"
          pagination={{
            current: page,
            pageSize,
            total: residents.data?.total ?? 0,
            showSizeChanger: true,
            pageSizeOptions: [10, 20, 50, 100],
            showTotal: (total) => t('common.total', { total }),
            onChange: (p, ps) => {
              setPage(ps !== pageSize ? 1 : p);
              setPageSize(ps);
            },
          }}
        />
      </Card>
    </div>
  );
}
