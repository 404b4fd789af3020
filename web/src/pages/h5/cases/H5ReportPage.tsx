import { useEffect, useState } from 'react';
import { Alert, App, Button, Form, Input, Result, Select, Space, Switch } from 'antd';
import { AimOutlined } from '@ant-design/icons';
import { Link } from 'react-router-dom';
import { api } from '../../../api';
import { useMe } from '../../../auth';
import { useI18n } from '../../../i18n';
import { errorText } from '../../../errors';
import { PhotoPicker, PinMap, SuggestionTags, newIdemKey, useCategories, useGridShapes, useSuggestions, useX, type CaseView, type FileView } from '../../cases/common';
import '../../cases/cases.css';

interface Values {
  description: string;
  photos?: FileView[];
  location?: { lng: number; lat: number };
  address?: string;
  category?: string;
  anonymous?: boolean;
}
interface Located {
  grid: { name: string } | null;
  community: { name: string } | null;
  estate: { name: string } | null;
}

/** 我要上报: a resident reports a problem with photos and a pin; the receipt shows the number and code. */
export default function H5ReportPage() {
  const x = useX();
  const { t } = useI18n();
  const me = useMe();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  // one key per submission: a retry after a lost answer creates no second case
  const [key, setKey] = useState(newIdemKey);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [done, setDone] = useState<CaseView | null>(null);
  const [locating, setLocating] = useState(false);
  const [place, setPlace] = useState<Located | null>(null);
  const cats = useCategories();
  const grids = useGridShapes(me.permissions.includes('org.read'));
  const description = Form.useWatch('description', form) ?? '';
  const location = Form.useWatch('location', form);
  const category = Form.useWatch('category', form);
  const top = useSuggestions(description, location, me.permissions.includes('dispatch.classify'));

  useEffect(() => {
    if (!location) return;
    const ac = new AbortController();
    api<Located>('/org/locate', { query: { lng: location.lng, lat: location.lat }, signal: ac.signal }).then(setPlace, () => setPlace(null));
    return () => ac.abort();
  }, [location]);

  const locate = () => {
    if (!navigator.geolocation) {
      message.warning(x('此设备不支持定位，请在地图上点选位置', 'No location on this device: tap the map'));
      return;
    }
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setLocating(false);
        form.setFieldsValue({ location: { lng: Math.round(p.coords.longitude * 1e6) / 1e6, lat: Math.round(p.coords.latitude * 1e6) / 1e6 } });
        void form.validateFields(['location']);
      },
      () => {
        setLocating(false);
        message.warning(x('无法获取您的位置，请在地图上点选', 'Could not get your location: tap the map'));
      },
      { enableHighAccuracy: true, timeout: 10_000 },
    );
  };

  if (done)
    return (
      <div className="og-h5-card" data-testid="report-receipt">
        <Result
          status="success"
          title={x('上报成功', 'Report sent')}
          subTitle={x('我们会尽快处理，您可以随时查看办理进度。', 'We will handle it soon; follow its progress any time.')}
          extra={
            <Space orientation="vertical" style={{ width: '100%' }}>
              <div>
                {x('案卷编号', 'Case number')}：<span data-testid="receipt-number">{done.number}</span>
              </div>
              <div>
                {x('查询码', 'Tracking code')}：<span className="og-h5-receipt-code" data-testid="receipt-code">{done.trackCode}</span>
              </div>
              <div className="og-case-muted">{x(`当前状态：${done.stateName}`, `State: ${done.stateName}`)}</div>
              <Link to={`/h5/reports?id=${done.id}`}>
                <Button type="primary" size="large" block>
                  {x('查看办理进度', 'Follow progress')}
                </Button>
              </Link>
              <Button
                size="large"
                block
                onClick={() => {
                  setDone(null);
                  setKey(newIdemKey());
                  form.resetFields();
                  setPlace(null);
                }}
              >
                {x('继续上报', 'Report another')}
              </Button>
            </Space>
          }
        />
      </div>
    );

  return (
    <div className="og-h5-card og-h5-case-form">
      <h2 className="og-h5-card-title">{x('我要上报', 'Report a problem')}</h2>
      {err && <Alert type="error" showIcon title={err} style={{ marginBottom: 12 }} data-testid="report-error" />}
      <Form
        form={form}
        layout="vertical"
        initialValues={{ anonymous: false, photos: [] }}
        onFinish={async (v) => {
          setBusy(true);
          setErr(null);
          try {
            const r = await api<CaseView>('/cases', {
              method: 'POST',
              body: { description: v.description.trim(), location: v.location, address: v.address?.trim() || undefined, category: v.category, anonymous: !!v.anonymous, idempotencyKey: key, photos: (v.photos ?? []).map((p) => p.id) },
            });
            setDone(r);
          } catch (e) {
            setErr(errorText(e, t));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Form.Item name="description" label={x('问题描述', 'What is wrong?')} rules={[{ required: true, whitespace: true, message: x('请描述您发现的问题', 'Please describe the problem') }, { max: 2000, message: x('描述不能超过 2000 字', 'At most 2000 characters') }]}>
          <Input.TextArea rows={4} maxLength={2000} showCount placeholder={x('例如：小区北门路灯不亮，晚上很黑', 'e.g. the street light at the north gate is out')} />
        </Form.Item>
        <SuggestionTags top={top} value={category} onPick={(code) => form.setFieldsValue({ category: category === code ? undefined : code })} />
        <Form.Item name="category" label={x('问题类型（选填）', 'Type (optional)')}>
          <Select allowClear showSearch={{ optionFilterProp: 'label' }} placeholder={x('不确定可不选，由工作人员判断', 'Leave empty if unsure')} options={cats.map((k) => ({ value: k.code, label: k.name }))} />
        </Form.Item>
        <Form.Item name="photos" label={x('现场照片（最多 9 张）', 'Photos (up to 9)')}>
          <PhotoPicker />
        </Form.Item>
        <Form.Item label={x('位置', 'Place')} required>
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Button icon={<AimOutlined />} onClick={locate} loading={locating} block size="large">
              {x('使用我的位置', 'Use my location')}
            </Button>
            <Form.Item name="location" noStyle rules={[{ required: true, message: x('请使用定位或在地图上点选位置', 'Use your location or tap the map') }]}>
              <MapField grids={grids} />
            </Form.Item>
            <div className="og-case-muted" data-testid="report-place">
              {location
                ? place?.grid
                  ? x(`已定位：${[place.community?.name, place.estate?.name, place.grid.name].filter(Boolean).join(' · ')}`, `Located: ${place.grid.name}`)
                  : place
                    ? x('该位置不在本辖区网格内，请重新选择', 'Outside the district: pick again')
                    : x('正在识别位置…', 'Locating…')
                : x('点“使用我的位置”，或在地图上点选', 'Use your location or tap the map')}
            </div>
          </Space>
        </Form.Item>
        <Form.Item name="address" label={x('详细地址（选填）', 'Address (optional)')}>
          <Input maxLength={200} placeholder={x('例如：桥头小区 3 栋北侧', 'e.g. north of building 3')} />
        </Form.Item>
        <Form.Item name="anonymous" label={x('匿名上报', 'Anonymous')} valuePropName="checked" extra={x('匿名后处置部门看不到您的姓名和电话', 'Handlers will not see your name or phone')}>
          <Switch />
        </Form.Item>
        <Button type="primary" htmlType="submit" size="large" block loading={busy} data-testid="report-submit">
          {x('提交上报', 'Send report')}
        </Button>
      </Form>
    </div>
  );
}

function MapField({ value, onChange, grids }: { value?: { lng: number; lat: number }; onChange?: (v: { lng: number; lat: number }) => void; grids: ReturnType<typeof useGridShapes> }) {
  return <PinMap value={value ?? null} onChange={onChange} grids={grids} height={220} />;
}
