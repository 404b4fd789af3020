import { useState } from 'react';
import { App, Button, Input, Result } from 'antd';
import { api } from '../../../api';
import { useI18n } from '../../../i18n';
import { errorText } from '../../../errors';
import { useX } from './common';
import { uploadPhotos, type Uploaded } from './upload';
import './services.css';

/** 物业报修: a repair inside the estate goes to the estate's property company as a case. */
export default function H5RepairPage() {
  const { t } = useI18n();
  const x = useX();
  const { message } = App.useApp();
  const [text, setText] = useState('');
  const [photos, setPhotos] = useState<Uploaded[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<{ number: string; trackCode: string; department: string | null } | null>(null);
  if (done)
    return (
      <Result
        status="success"
        title={x('报修已提交', 'Repair request sent')}
        subTitle={x(`案卷编号 ${done.number}，查询码 ${done.trackCode}${done.department ? `，已转${done.department}处理` : ''}`, `Case ${done.number}, tracking code ${done.trackCode}`)}
      />
    );
  return (
    <form
      className="og-h5-card"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        try {
          setDone(await api('/services/repairs', { method: 'POST', body: { description: text, photos: photos.map((p) => p.id) } }));
        } catch (err) {
          message.error(errorText(err, t));
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 className="og-h5-card-title">{x('小区里什么坏了？', 'What needs repair?')}</h2>
      <p className="og-svc-item-meta">{x('楼道灯、门禁、公共水管等公共部位的维修，会交给小区物业公司处理。', 'Shared parts of the estate are repaired by its property company.')}</p>
      <label className="og-svc-label" htmlFor="repair-text">
        {x('说明情况', 'Describe it')}
      </label>
      <Input.TextArea id="repair-text" rows={4} maxLength={2000} value={text} onChange={(e) => setText(e.target.value)} />
      <label className="og-svc-label" htmlFor="repair-photos">
        {x('拍照（选填）', 'Photos (optional)')}
      </label>
      <input
        id="repair-photos"
        type="file"
        accept="image/jpeg,image/png,image/webp"
        multiple
        onChange={async (e) => {
          const list = [...(e.target.files ?? [])];
          e.target.value = '';
          if (!list.length) return;
          try {
            const up = await uploadPhotos(list);
            setPhotos((p) => [...p, ...up].slice(0, 9));
          } catch (err) {
            message.error(errorText(err, t));
          }
        }}
      />
      <p className="og-svc-item-meta" aria-live="polite">
        {x(`已上传 ${photos.length} 张`, `${photos.length} uploaded`)}
      </p>
      <div className="og-svc-actions">
        <Button type="primary" htmlType="submit" size="large" className="og-svc-big" loading={busy} disabled={!text.trim()}>
          {x('提交报修', 'Send')}
        </Button>
      </div>
    </form>
  );
}
