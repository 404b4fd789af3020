import { useMemo, useState } from 'react';
import { Alert, Button, Card, Input, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useApi } from '../../hooks';
import { errorText } from '../../errors';
import { useI18n } from '../../i18n';
import type { Category, Department } from '../../types';

const PRIORITY_COLOR: Record<Category['priority'], string> = { urgent: 'red', high: 'orange', normal: 'blue', low: 'default' };
const PRIORITY_ORDER: Category['priority'][] = ['urgent', 'high', 'normal', 'low'];

/** 事件分类: the case categories, their lead department and time limit. */
export default function CategoriesPage() {
  const { t } = useI18n();
  const categories = useApi<Category[]>('/dispatch/categories');
  const departments = useApi<Department[]>('/org/departments');
  const [q, setQ] = useState('');
  const [group, setGroup] = useState<string | undefined>();

  const all = useMemo(() => categories.data ?? [], [categories.data]);
  const deptName = useMemo(() => {
    const m = new Map((departments.data ?? []).map((d) => [d.code, d.name]));
    return (code: string) => m.get(code) ?? code;
  }, [departments.data]);
  const groups = useMemo(() => [...new Set(all.map((c) => c.group))], [all]);
  const rows = all.filter((c) => (!group || c.group === group) && (!q.trim() || c.name.includes(q.trim()) || c.code.toLowerCase().includes(q.trim().toLowerCase())));

  const columns: TableColumnsType<Category> = [
    { title: t('categories.code'), dataIndex: 'code', key: 'code', width: 90, sorter: (a, b) => a.code.localeCompare(b.code) },
    { title: t('categories.name'), dataIndex: 'name', key: 'name', width: 160 },
    { title: t('categories.group'), dataIndex: 'group', key: 'group', width: 110, responsive: ['sm'] },
    { title: t('categories.department'), dataIndex: 'department', key: 'department', width: 170, render: (c: string) => deptName(c) },
    { title: t('categories.cc'), dataIndex: 'cc', key: 'cc', responsive: ['lg'], render: (cc: string[]) => (cc.length ? cc.map((c) => <Tag key={c}>{deptName(c)}</Tag>) : '-') },
    { title: t('categories.limitHours'), dataIndex: 'limitHours', key: 'limit', width: 110, sorter: (a, b) => a.limitHours - b.limitHours, render: (n: number) => t('categories.hours', { n }) },
    {
      title: t('categories.priority'),
      dataIndex: 'priority',
      key: 'priority',
      width: 100,
      sorter: (a, b) => PRIORITY_ORDER.indexOf(a.priority) - PRIORITY_ORDER.indexOf(b.priority),
      render: (p: Category['priority']) => <Tag color={PRIORITY_COLOR[p]}>{t(`categories.priority.${p}`)}</Tag>,
    },
    { title: t('departments.active'), dataIndex: 'active', key: 'active', width: 90, responsive: ['md'], render: (a: boolean) => <Tag color={a ? 'green' : 'default'}>{a ? t('common.active') : t('common.inactive')}</Tag> },
  ];

  return (
    <div className="og-page">
      <Card size="small">
        <Space wrap>
          <Input.Search allowClear placeholder={t('categories.search')} onChange={(e) => setQ(e.target.value)} style={{ width: 240 }} aria-label={t('categories.search')} />
          <Select allowClear placeholder={t('categories.group')} value={group} onChange={setGroup} style={{ minWidth: 140 }} options={groups.map((g) => ({ value: g, label: g }))} />
          {categories.data && <Typography.Text type="secondary">{t('categories.count', { n: rows.length })}</Typography.Text>}
        </Space>
      </Card>
      <Card size="small">
        {categories.error ? <Alert type="error" showIcon title={errorText(categories.error, t)} action={<Button onClick={categories.reload}>{t('common.retry')}</Button>} style={{ marginBottom: 12 }} /> : null}
        <Table<Category>
          rowKey="code"
          size="middle"
          columns={columns}
          dataSource={rows}
          loading={categories.loading}
          scroll={{ x: 700 }}
          expandable={{ expandedRowRender: (c) => <Typography.Paragraph style={{ margin: 0 }}>{t('categories.description')}: {c.description}</Typography.Paragraph> }}
          pagination={{ defaultPageSize: 20, showSizeChanger: true, showTotal: (total) => t('common.total', { total }) }}
        />
      </Card>
    </div>
  );
}
