import { Button, Switch, Tooltip } from 'antd';
import { FontSizeOutlined, GlobalOutlined } from '@ant-design/icons';
import { useI18n } from '../i18n';
import { usePrefs } from '../prefs';

/** Switches between 中文 and English; shows the language it switches to. */
export function LocaleSwitch({ compact }: { compact?: boolean }) {
  const { locale, setLocale } = useI18n();
  const next = locale === 'zh-CN' ? 'en' : 'zh-CN';
  const label = next === 'en' ? 'English' : '中文';
  return (
    <Button type="text" icon={<GlobalOutlined />} onClick={() => setLocale(next)} lang={next} aria-label={label} data-testid="locale-switch">
      {compact ? (next === 'en' ? 'EN' : '中') : label}
    </Button>
  );
}

/** The large-text toggle (大字模式 / 长辈模式). */
export function LargeTextSwitch({ label, showLabel = true, icon = true }: { label: 'prefs.largeText' | 'prefs.elderMode'; showLabel?: boolean; icon?: boolean }) {
  const { t } = useI18n();
  const { largeText, setLargeText } = usePrefs();
  const text = t(label);
  return (
    <Tooltip title={showLabel ? undefined : text}>
      <span className="og-pref-switch">
        {icon && <FontSizeOutlined aria-hidden />}
        {showLabel && <span>{text}</span>}
        <Switch checked={largeText} onChange={setLargeText} aria-label={text} data-testid="large-text-switch" />
      </span>
    </Tooltip>
  );
}
