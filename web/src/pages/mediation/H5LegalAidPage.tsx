import { useState } from 'react';
import { App, Button, Card, Form, Input, List, Radio, Select, Tag } from 'antd';
import { api } from '../../api';
import { errorText } from '../../errors';
import { useApi } from '../../hooks';
import { useI18n } from '../../i18n';
import type { PageResult } from '../../types';
import { TYPES, useOptions, type LegalAid } from './common';

/** H5 法律咨询: ask a question as a resident or for an enterprise; it is matched to a lawyer in the pool. */
export default function H5LegalAidPage() {
  const { t, tl } = useI18n();
  const { message } = App.useApp();
  const options = useOptions();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const mine = useApi<PageResult<LegalAid>>('/mediation/legal-aid', { pageSize: 50 });
  const kind = Form.useWatch('requesterKind', form);

  const submit = async (v: { requesterKind: 'resident' | 'enterprise'; enterpriseName?: string; name: string; phone?: string; topic: string; question: string }) => {
    setBusy(true);
    try {
      const r = await api<LegalAid>('/mediation/legal-aid', { method: 'POST', body: { ...v, phone: v.phone || undefined, enterpriseName: v.enterpriseName || undefined } });
      message.success(r.expert ? tl({ zh: `已为您匹配${r.expert.name}${r.expert.kindName}`, en: `Matched to ${r.expert.name}` }) : tl({ zh: '已提交', en: 'Sent' }));
      form.resetFields(['question']);
      mine.reload();
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <div className="og-h5-card">
        <Form form={form} layout="vertical" onFinish={submit} initialValues={{ requesterKind: 'resident', topic: 'neighbour' }}>
          <Form.Item name="requesterKind"><Radio.Group options={[{ value: 'resident', label: tl({ zh: '个人', en: 'Myself' }) }, { value: 'enterprise', label: tl({ zh: '企业', en: 'An enterprise' }) }]} /></Form.Item>
          {kind === 'enterprise' && <Form.Item name="enterpriseName" label={tl({ zh: '企业名称', en: 'Enterprise' })} rules={[{ required: true, max: 100 }]}><Input /></Form.Item>}
          <Form.Item name="name" label={tl({ zh: '姓名', en: 'Name' })} rules={[{ required: true, max: 50 }]}><Input /></Form.Item>
          <Form.Item name="phone" label={tl({ zh: '联系电话', en: 'Mobile' })} rules={[{ pattern: /^1\d{10}$/, message: tl({ zh: '请输入11位手机号', en: 'An 11-digit mobile number' }) }]}><Input inputMode="tel" /></Form.Item>
          <Form.Item name="topic" label={tl({ zh: '问题类别', en: 'Topic' })}><Select options={options(TYPES)} /></Form.Item>
          <Form.Item name="question" label={tl({ zh: '您的问题', en: 'Your question' })} rules={[{ required: true, min: 5, max: 2000 }]}><Input.TextArea rows={4} /></Form.Item>
          <Button type="primary" htmlType="submit" block size="large" loading={busy}>{tl({ zh: '提交咨询', en: 'Ask' })}</Button>
        </Form>
      </div>
      <Card size="small" title={tl({ zh: '我的咨询', en: 'My questions' })} style={{ marginTop: 12 }}>
        <List
          dataSource={mine.data?.items ?? []}
          loading={mine.loading}
          locale={{ emptyText: tl({ zh: '暂无', en: 'None' }) }}
          renderItem={(r) => (
            <List.Item>
              <List.Item.Meta
                title={<>{r.question} <Tag color={r.status === 'answered' ? 'green' : 'blue'}>{r.status === 'answered' ? tl({ zh: '已答复', en: 'Answered' }) : tl({ zh: '处理中', en: 'In progress' })}</Tag></>}
                description={<>{r.expert ? `${r.expert.name}（${r.expert.kindName}）` : ''}{r.answer ? <div>{r.answer}</div> : null}</>}
              />
            </List.Item>
          )}
        />
      </Card>
    </div>
  );
}
