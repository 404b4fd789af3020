import { useEffect, useState } from 'react';
import { Alert, App, Button } from 'antd';
import { api } from '../../../api';
import { useApi } from '../../../hooks';
import { useI18n } from '../../../i18n';
import { errorText } from '../../../errors';
import { fmt, useX } from './common';
import './services.css';

interface Emergency {
  id: string;
  status: 'raised' | 'escalated' | 'acknowledged' | 'resolved';
  statusName: string;
  raisedAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

/** Where the phone is, if it may tell (a few seconds at most); otherwise the home's position is used. */
function position(): Promise<{ lng: number; lat: number; accuracy: number } | null> {
  if (!('geolocation' in navigator)) return Promise.resolve(null);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lng: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 5000, maximumAge: 60000 },
    );
  });
}

/** 一键报警: one big button; then whether the duty staff have answered. */
export default function H5SosPage() {
  const { t } = useI18n();
  const x = useX();
  const { modal, message } = App.useApp();
  const mine = useApi<{ emergency: Emergency | null }>('/services/my/emergency');
  const [busy, setBusy] = useState(false);
  const open = mine.data?.emergency && mine.data.emergency.status !== 'resolved' ? mine.data.emergency : null;
  const { reload } = mine;
  useEffect(() => {
    if (!open) return;
    const h = setInterval(reload, 5000);
    return () => clearInterval(h);
  }, [open, reload]);

  const raise = async () => {
    setBusy(true);
    try {
      const pos = await position();
      await api('/services/emergency', { method: 'POST', body: pos ? { lng: pos.lng, lat: pos.lat, accuracy: pos.accuracy } : {} });
      reload();
    } catch (err) {
      message.error(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="og-sos-wrap">
      <p className="og-svc-body">{x('遇到紧急情况，按下红色按钮。社区值班人员会马上收到您的位置和信息。', 'In an emergency press the red button. The duty staff get your position and details at once.')}</p>
      <button
        type="button"
        className="og-sos-button"
        data-testid="sos-button"
        disabled={busy || !!open}
        onClick={() =>
          modal.confirm({
            title: x('确定要发出紧急求助吗？', 'Send an emergency call?'),
            okText: x('确定求助', 'Yes, call for help'),
            okButtonProps: { danger: true, size: 'large' },
            cancelButtonProps: { size: 'large' },
            cancelText: t('common.cancel'),
            onOk: raise,
          })
        }
      >
        {x('一键报警', 'SOS')}
      </button>
      {open && (
        <div className="og-sos-status" role="status" aria-live="assertive" data-testid="sos-status">
          {open.status === 'acknowledged' ? (
            <div className="og-svc-result">{x(`${open.acknowledgedBy ?? '工作人员'}已收到您的求助（${fmt(open.acknowledgedAt)}），正在与您联系，请保持电话畅通。`, `${open.acknowledgedBy ?? 'Staff'} answered at ${fmt(open.acknowledgedAt)}. Keep your phone on.`)}</div>
          ) : (
            <div className="og-svc-result warn">{x(`求助已发出（${fmt(open.raisedAt)}），正在通知值班人员…`, `Call sent at ${fmt(open.raisedAt)}; alerting the duty staff…`)}</div>
          )}
        </div>
      )}
      <Alert type="warning" showIcon title={x('有生命危险请同时拨打 120 急救、110 报警、119 火警。', 'If life is at risk also call 120, 110 or 119.')} />
      <div className="og-svc-actions" style={{ width: '100%' }}>
        <Button size="large" className="og-svc-big" href="tel:120">
          {x('拨打 120 急救', 'Call 120')}
        </Button>
      </div>
    </div>
  );
}
