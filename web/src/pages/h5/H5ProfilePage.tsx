import { Alert, Button, Descriptions, Skeleton } from 'antd';
import { LogoutOutlined } from '@ant-design/icons';
import { useNavigate } from 'react-router-dom';
import { isResidentOnly, useAuth, useMe } from '../../auth';
import { errorText } from '../../errors';
import { roleLabel, useI18n } from '../../i18n';
import { useApi } from '../../hooks';
import { LargeTextSwitch, LocaleSwitch } from '../../components/PrefControls';
import type { Resident } from '../../types';

/** The resident's own account and registration (masked, as the server returns it). */
export function H5ProfilePage() {
  const me = useMe();
  const { logout } = useAuth();
  const { t } = useI18n();
  const navigate = useNavigate();
  const resident = useApi<Resident>(me.residentId ? `/org/residents/${me.residentId}` : null);

  return (
    <div className="og-h5-profile">
      <section className="og-h5-card">
        <h2 className="og-h5-card-title">{t('h5.account')}</h2>
        <Descriptions column={1} size="small" items={[
          { key: 'name', label: t('residents.name'), children: me.displayName },
          { key: 'user', label: t('h5.account'), children: me.username },
          { key: 'roles', label: t('h5.roles'), children: me.roles.map((r) => roleLabel(t, r)).join(' / ') },
        ]} />
      </section>

      <section className="og-h5-card">
        <h2 className="og-h5-card-title">{t('h5.myInfo')}</h2>
        {!me.residentId ? (
          <Alert type="info" title={t('h5.noResident')} />
        ) : resident.error ? (
          <Alert type="error" title={errorText(resident.error, t)} action={<Button onClick={resident.reload}>{t('common.retry')}</Button>} />
        ) : !resident.data ? (
          <Skeleton active />
        ) : (
          <Descriptions column={1} size="small" items={[
            { key: 'name', label: t('residents.name'), children: resident.data.name },
            { key: 'phone', label: t('residents.phone'), children: resident.data.phone ?? t('common.none') },
            { key: 'idCard', label: t('residents.idCard'), children: resident.data.idCard ?? t('common.none') },
            { key: 'address', label: t('residents.address'), children: resident.data.address ?? t('common.none') },
          ]} />
        )}
      </section>

      <section className="og-h5-card og-h5-prefs">
        <h2 className="og-h5-card-title">{t('h5.settings')}</h2>
        <div className="og-h5-pref-row">
          <div>
            <div className="og-h5-pref-title">{t('prefs.elderMode')}</div>
            <div className="og-h5-pref-desc">{t('prefs.elderModeDesc')}</div>
          </div>
          <LargeTextSwitch label="prefs.elderMode" showLabel={false} icon={false} />
        </div>
        <div className="og-h5-pref-row">
          <div className="og-h5-pref-title">{t('prefs.language')}</div>
          <LocaleSwitch />
        </div>
      </section>

      {!isResidentOnly(me) && (
        <Button block size="large" className="og-h5-logout" onClick={() => navigate('/')}>
          {t('header.toConsole')}
        </Button>
      )}
      <Button
        danger
        block
        size="large"
        icon={<LogoutOutlined />}
        className="og-h5-logout"
        onClick={async () => {
          await logout();
          navigate('/login', { replace: true });
        }}
      >
        {t('header.logout')}
      </Button>
    </div>
  );
}
