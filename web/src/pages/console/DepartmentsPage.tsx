import { useMemo, useState } from 'react';
import { Alert, Button, Card, Input, Select, Space, Table, Tag, type TableColumnsType } from 'antd';
import { useApi } from '../../hooks';
import { errorText } from '../../errors';
import { isMessageKey, useI18n } from '../../i18n';
import type { Department } from '../../types';

const KIND_COLOR: Record<string, string> = { government: 'blue', utility: 'cyan', company: 'purple', community: 'green' };

/** 处置部门: the departments that handle cases. */
export default function DepartmentsPage() {
  const { t } = useI18n();
  const departments = useApi<Department[]>('/org/departments');
  const [q, setQ] = useState('');
  const [kind, setKind] = useState<string | undefined>();
  const kindLabel = (k: string) => {
    const key = `departments.kind.${k}`;
    return isMessageKey(key) ? t(key) : k;
  };

  const all = useMemo(() => departments.data ?? [], [departments.data]);
  const byCode = useMemo(() => new Map(all.map((d) => [d.code, d])), [all]);
  const kinds = useMemo(() => [...new Set(all.map((d) => d.kind))], [all]);
  const rows = all.filter((d) => (!kind || d.kind === kind) && (!q.trim() || d.name.includes(q.trim()) || d.code.toLowerCase().includes(q.trim().toLowerCase())));

  const columns: TableColumnsType<Department> = [
    { title: t('departments.code'), dataIndex: 'code', key: 'code', width: 90, sorter: (a, b) => a.code.localeCompare(b.code) },
    { title: t('departments.name'), dataIndex: 'name', key: 'name', width: 220 },
    { title: t('departments.kind'), dataIndex: 'kind', key: 'kind', width: 110, render: (k: string) => <Tag color={KIND_COLOR[k]}>{kindLabel(k)}</Tag> },
    { title: t('departments.parent'), dataIndex: 'parentCode', key: 'parent', width: 160, responsive: ['md'], render: (c: string | null) => (c ? (byCode.get(c)?.name ?? c) : '-') },
    { title: t('departments.handles'), dataIndex: 'handles', key: 'handles', ellipsis: true, responsive: ['lg'] },
    { title: t('departments.phone'), dataIndex: 'phone', key: 'phone', width: 130, render: (p: string | null) => p ?? '-' },
    { title: t('departments.active'), dataIndex: 'active', key: 'active', width: 90, render: (a: boolean) => <Tag color={a ? 'green' : 'default'}>{a ? t('common.active') : t('common.inactive')}</Tag> },
  ];

  return (
    <div className="og-page">
      <Card size="small">
        <Space wrap>
          <Input.Search allowClear placeholder={t('departments.search')} onChange={(e) => setQ(e.target.value)} style={{ width: 240 }} aria-label={t('departments.search')} />
          <Select allowClear placeholder={t('departments.kind')} value={kind} onChange={setKind} style={{ minWidth: 140 }} options={kinds.map((k) => ({ value: k, label: kindLabel(k) }))} />
        </Space>
      </Card>
      <Card size="small">
        {departments.error ? <Alert type="error" showIcon title={errorText(departments.error, t)} action={<Button onClick={departments.reload}>{t('common.retry')}</Button>} style={{ marginBottom: 12 }} /> : null}
        <Table<Department>
          rowKey="id"
          size="middle"
          columns={columns}
          dataSource={rows}
          loading={departments.loading}
          scroll={{ x: 640 }}
          pagination={{ defaultPageSize: 20, showSizeChanger: true, showTotal: (total) => t('common.total', { total }) }}
        />
      </Card>
    </div>
  );
}
