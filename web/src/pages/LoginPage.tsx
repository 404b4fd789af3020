import { useState } from 'react';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError } from '../api';
import { isResidentOnly, landingPath, useAuth } from '../auth';
import { errorText } from '../errors';
import { useT } from '../i18n';
import { LargeTextSwitch, LocaleSwitch } from '../components/PrefControls';
import { FullPageSpin } from '../components/Guards';
import type { Me } from '../types';

interface LoginForm {
  username: string;
  password: string;
}

/** Where to go after signing in: the page asked for, if this user may use that area. */
function target(me: Me, from: string | null): string {
  if (from && from.startsWith('/') && !from.startsWith('//') && !from.startsWith('/login')) {
    const h5 = from === '/h5' || from.startsWith('/h5/');
    if (h5 || !isResidentOnly(me)) return from;
  }
  return landingPath(me);
}

export function LoginPage() {
  const t = useT();
  const { me, login } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [form] = Form.useForm<LoginForm>();
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  if (me === undefined) return <FullPageSpin />;
  if (me) return <Navigate to={target(me, params.get('from'))} replace />;

  const onFinish = async (values: LoginForm) => {
    setError(null);
    setSubmitting(true);
    try {
      const m = await login(values.username.trim(), values.password);
      navigate(target(m, params.get('from')), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.fieldErrors.length) {
        form.setFields(err.fieldErrors.map((f) => ({ name: f.field as keyof LoginForm, errors: [f.message] })));
      }
      setError(err instanceof ApiError && err.status === 429 && !err.message ? t('login.locked') : errorText(err, t));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <div className="og-login">
      <div className="og-login-prefs">
        <LargeTextSwitch label="prefs.largeText" />
        <LocaleSwitch />
      </div>
      <main className="og-login-main">
        <div className="og-login-brand">
          <img src="/favicon.svg" alt="" width={48} height={48} />
          <div>
            <Typography.Title level={2} className="og-login-name">
              {t('app.name')}
            </Typography.Title>
            <Typography.Text className="og-login-sub">{t('app.subtitle')}</Typography.Text>
          </div>
        </div>
        <Card className="og-login-card" title={t('login.title')}>
          {error && <Alert type="error" showIcon title={error} className="og-login-error" role="alert" data-testid="login-error" />}
          <Form<LoginForm> form={form} layout="vertical" size="large" onFinish={onFinish} requiredMark={false} autoComplete="on">
            <Form.Item name="username" label={t('login.username')} rules={[{ required: true, whitespace: true, message: t('login.usernameRequired') }]}>
              <Input prefix={<UserOutlined />} autoComplete="username" autoCapitalize="off" autoCorrect="off" spellCheck={false} inputMode="text" />
            </Form.Item>
            <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.passwordRequired') }]}>
              <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
            </Form.Item>
            <Form.Item style={{ marginBottom: 0 }}>
              <Button type="primary" htmlType="submit" block loading={submitting}>
                {t('login.submit')}
              </Button>
            </Form.Item>
          </Form>
        </Card>
        <Typography.Text type="secondary" className="og-login-footer">
          {t('login.footer')}
        </Typography.Text>
      </main>
    </div>
  );
}
