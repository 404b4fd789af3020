import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { App, Button, Form, Input, Result, Select } from 'antd';
import { api } from '../../api';
import { errorText } from '../../errors';
import { useI18n } from '../../i18n';
import { TYPES, useOptions, type DisputeDetail } from './common';

interface ApplyForm {
  type: string;
  title: string;
  description: string;
  claims?: string;
  myName: string;
  myPhone?: string;
  otherName: string;
}

/** H5 在线申请调解: parties, type, what happened, what the applicant wants. */
export default function H5ApplyPage() {
  const { t, tl } = useI18n();
  const { message } = App.useApp();
  const options = useOptions();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<DisputeDetail | null>(null);

  const submit = async (v: ApplyForm) => {
    setBusy(true);
    try {
      const d = await api<DisputeDetail>('/mediation/apply', {
        method: 'POST',
        body: {
          type: v.type,
          title: v.title.trim(),
          description: v.description.trim(),
          claims: v.claims?.trim() || undefined,
          parties: [
            { role: 'applicant', name: v.myName.trim(), phone: v.myPhone?.trim() || undefined },
            { role: 'respondent', name: v.otherName.trim() },
          ],
        },
      });
      setDone(d);
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  if (done)
    return (
      <Result
        status="success"
        title={tl({ zh: '申请已提交', en: 'Application sent' })}
        subTitle={tl({ zh: `案号 ${done.number}，社区调解员将尽快与您联系。`, en: `No. ${done.number}. A community mediator will contact you soon.` })}
        extra={<Button type="primary" onClick={() => navigate('/h5/mediation/mine')}>{tl({ zh: '查看我的调解', en: 'My applications' })}</Button>}
      />
    );

  return (
    <div className="og-h5-card" data-testid="mediation-apply">
      <Form<ApplyForm> layout="vertical" onFinish={submit} initialValues={{ type: 'neighbour' }}>
        <Form.Item name="type" label={tl({ zh: '纠纷类型', en: 'Type' })} rules={[{ required: true }]}>
          <Select options={options(TYPES)} />
        </Form.Item>
        <Form.Item name="title" label={tl({ zh: '一句话说明', en: 'In one line' })} rules={[{ required: true, min: 2, max: 100, message: tl({ zh: '请用2-100字说明', en: '2–100 characters' }) }]}>
          <Input placeholder={tl({ zh: '如：楼上深夜噪音', en: 'e.g. noise upstairs at night' })} />
        </Form.Item>
        <Form.Item name="description" label={tl({ zh: '发生了什么', en: 'What happened' })} rules={[{ required: true, min: 5, max: 4000, message: tl({ zh: '请至少写5个字', en: 'At least 5 characters' }) }]}>
          <Input.TextArea rows={4} />
        </Form.Item>
        <Form.Item name="claims" label={tl({ zh: '您的诉求', en: 'What you want' })} rules={[{ max: 2000 }]}>
          <Input.TextArea rows={2} />
        </Form.Item>
        <Form.Item name="myName" label={tl({ zh: '您的姓名', en: 'Your name' })} rules={[{ required: true, max: 100 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="myPhone" label={tl({ zh: '联系电话', en: 'Mobile' })} rules={[{ pattern: /^1\d{10}$/, message: tl({ zh: '请输入11位手机号', en: 'An 11-digit mobile number' }) }]}>
          <Input inputMode="tel" />
        </Form.Item>
        <Form.Item name="otherName" label={tl({ zh: '对方姓名或称呼', en: 'The other party' })} rules={[{ required: true, max: 100 }]}>
          <Input placeholder={tl({ zh: '如：楼上住户', en: 'e.g. the neighbour upstairs' })} />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={busy}>{tl({ zh: '提交申请', en: 'Submit' })}</Button>
      </Form>
    </div>
  );
}
