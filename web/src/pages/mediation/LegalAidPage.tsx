import { useState } from 'react';
import { App, Card, Input, Modal, Table, Tag, Button, type TableColumnsType } from 'antd';
import { api } from '../../api';
import { hasPermission, useMe } from '../../auth';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { fmt, type LegalAid } from './common';

/** 法律咨询: residents' and enterprises' questions matched to the expert pool; staff answer them. */
export default function LegalAidPage() {
  const me = useMe();
  const { t, tl } = useI18n();
  const { message } = App.useApp();
  const [page, setPage] = useState(1);
  const [answering, setAnswering] = useState<LegalAid | null>(null);
  const [answer, setAnswer] = useState('');
  const list = useApi<PageResult<LegalAid>>('/mediation/legal-aid', { page, pageSize: 20 });
  const canAnswer = hasPermission(me, 'mediation.handle');
  const submit = async () => {
    if (!answering) return;
    try {
      await api(`/mediation/legal-aid/${answering.id}`, { method: 'POST', body: { answer } });
      setAnswering(null);
      setAnswer('');
      list.reload();
    } catch (err) {
      message.error(errorText(err, t));
    }
  };
  const columns: TableColumnsType<LegalAid> = [
    { title: tl({ zh: '咨询人', en: 'From' }), key: 'who', width: 170, render: (_: unknown, r) => (r.requesterKind === 'enterprise' ? <>{r.enterpriseName}<Tag style={{ marginLeft: 4 }}>{tl({ zh: '企业', en: 'Enterprise' })}</Tag></> : r.name) },
    { title: tl({ zh: '类别', en: 'Topic' }), dataIndex: 'topicName', width: 120 },
    { title: tl({ zh: '问题', en: 'Question' }), dataIndex: 'question' },
    { title: tl({ zh: '匹配专家', en: 'Expert' }), dataIndex: 'expert', width: 160, render: (e: LegalAid['expert']) => (e ? `${e.name}（${e.kindName}）` : '-') },
    { title: tl({ zh: '答复', en: 'Answer' }), dataIndex: 'answer', responsive: ['lg'], render: (a: string | null) => a ?? '-' },
    { title: tl({ zh: '时间', en: 'When' }), dataIndex: 'createdAt', width: 150, responsive: ['md'], render: fmt },
    { title: '', key: 'a', width: 80, render: (_: unknown, r) => (canAnswer && r.status !== 'answered' && r.status !== 'closed' ? <Button size="small" onClick={() => setAnswering(r)}>{tl({ zh: '答复', en: 'Answer' })}</Button> : null) },
  ];
  return (
    <div className="og-page">
      <Card size="small">
        <Table<LegalAid> rowKey="id" size="middle" loading={list.loading} columns={columns} dataSource={list.data?.items ?? []} scroll={{ x: 900 }} pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (total) => t('common.total', { total }) }} />
      </Card>
      <Modal open={answering !== null} title={tl({ zh: '答复法律咨询', en: 'Answer' })} onCancel={() => setAnswering(null)} onOk={submit} okButtonProps={{ disabled: !answer.trim() }} okText={t('common.confirm')} cancelText={t('common.cancel')}>
        <p>{answering?.question}</p>
        <Input.TextArea rows={4} maxLength={4000} value={answer} onChange={(e) => setAnswer(e.target.value)} />
      </Modal>
    </div>
  );
}
