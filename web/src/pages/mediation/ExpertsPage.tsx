import { useState } from 'react';
import { App, Button, Card, Form, Input, Select, Space, Switch, Table, Tag, type TableColumnsType } from 'antd';
import { SearchOutlined } from '@ant-design/icons';
import { api } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import { TIERS, TYPES, useOptions, type Expert } from './common';

const KINDS = {
  mediator: { zh: '专职调解员', en: 'Mediator' },
  lawyer: { zh: '律师', en: 'Lawyer' },
  sage: { zh: '乡贤', en: 'Respected local' },
  retired_cadre: { zh: '退休干部', en: 'Retired cadre' },
  party_rep: { zh: '党代表', en: 'Party representative' },
  npc_deputy: { zh: '人大代表', en: 'NPC deputy' },
  cppcc_member: { zh: '政协委员', en: 'CPPCC member' },
  psychologist: { zh: '心理咨询师', en: 'Psychologist' },
};

/** 诉源治理专家库: the pool with expertise, tier, availability and current load. */
export default function ExpertsPage() {
  const me = useMe();
  const { t, tl } = useI18n();
  const { message } = App.useApp();
  const options = useOptions();
  const [filters, setFilters] = useState<Record<string, string | undefined>>({});
  const list = useApi<Expert[]>('/mediation/experts', filters);
  const canEdit = hasPermission(me, 'mediation.experts');

  const toggle = async (e: Expert, available: boolean) => {
    try {
      await api(`/mediation/experts/${e.id}`, { method: 'PATCH', body: { available } });
      list.reload();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };

  const columns: TableColumnsType<Expert> = [
    { title: tl({ zh: '姓名', en: 'Name' }), dataIndex: 'name', width: 90 },
    { title: tl({ zh: '类别', en: 'Kind' }), dataIndex: 'kindName', width: 110, render: (k: string) => <Tag>{k}</Tag> },
    { title: tl({ zh: '调解类型', en: 'Mediation' }), dataIndex: 'mediationTypeName', width: 100, render: (k: string) => <Tag color="blue">{k}</Tag> },
    { title: tl({ zh: '层级', en: 'Tier' }), dataIndex: 'tier', width: 130, render: (x: Expert['tier']) => tl(TIERS[x]) },
    { title: tl({ zh: '单位', en: 'Organisation' }), dataIndex: 'organization', responsive: ['lg'] },
    { title: tl({ zh: '专长', en: 'Expertise' }), dataIndex: 'expertise', render: (x: Expert['expertise']) => x.map((k) => <Tag key={k} color="cyan">{tl(TYPES[k])}</Tag>) },
    { title: tl({ zh: '在办', en: 'Load' }), key: 'load', width: 80, render: (_: unknown, e) => `${e.load}/${e.maxLoad}` },
    { title: tl({ zh: '电话', en: 'Phone' }), dataIndex: 'phone', width: 130, responsive: ['xl'], render: (p: string | null) => <span className="og-mono">{p ?? '-'}</span> },
    { title: tl({ zh: '可接案', en: 'Available' }), dataIndex: 'available', width: 90, render: (a: boolean, e) => (canEdit ? <Switch size="small" checked={a} onChange={(v) => toggle(e, v)} /> : a ? t('common.yes') : t('common.no')) },
  ];

  return (
    <div className="og-page">
      <Card size="small">
        <Form layout="inline" className="og-filters" onFinish={(v) => setFilters({ ...v, q: v.q?.trim() || undefined })}>
          <Form.Item name="kind" label={tl({ zh: '类别', en: 'Kind' })}><Select allowClear style={{ minWidth: 130 }} placeholder={t('common.all')} options={options(KINDS)} /></Form.Item>
          <Form.Item name="tier" label={tl({ zh: '层级', en: 'Tier' })}><Select allowClear style={{ minWidth: 130 }} placeholder={t('common.all')} options={options(TIERS)} /></Form.Item>
          <Form.Item name="expertise" label={tl({ zh: '专长', en: 'Expertise' })}><Select allowClear style={{ minWidth: 130 }} placeholder={t('common.all')} options={options(TYPES)} /></Form.Item>
          <Form.Item name="q"><Input allowClear placeholder={tl({ zh: '姓名', en: 'Name' })} style={{ width: 120 }} /></Form.Item>
          <Form.Item><Space><Button type="primary" htmlType="submit" icon={<SearchOutlined />}>{t('common.search')}</Button></Space></Form.Item>
        </Form>
      </Card>
      <Card size="small" style={{ marginTop: 12 }}>
        <Table<Expert> rowKey="id" size="middle" loading={list.loading} columns={columns} dataSource={list.data ?? []} scroll={{ x: 900 }} pagination={{ pageSize: 20, showTotal: (total) => t('common.total', { total }) }} />
      </Card>
    </div>
  );
}
