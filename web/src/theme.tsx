import type { ReactNode } from 'react';
import { App as AntApp, ConfigProvider, theme as antTheme, type ThemeConfig } from 'antd';
import zhCNLocale from 'antd/locale/zh_CN';
import enUSLocale from 'antd/locale/en_US';
import { useI18n } from './i18n';
import { usePrefs } from './prefs';

const FONT = "-apple-system, BlinkMacSystemFont, 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/** Design tokens for the normal and the large-text (长辈模式) look. */
export function themeFor(largeText: boolean, base: 'console' | 'h5'): ThemeConfig {
  // H5 (residents, many elderly): secondary texts and the error red dark enough for WCAG AA contrast
  const normal = base === 'h5' ? { fontSize: 16, controlHeight: 40, colorTextSecondary: '#434343', colorTextTertiary: '#595959', colorTextDescription: '#595959', colorError: '#cf1322', colorLink: '#0958d9' } : { fontSize: 14, controlHeight: 32 };
  const large = base === 'h5' ? { fontSize: 20, controlHeight: 52, colorLink: '#003a8c' } : { fontSize: 18, controlHeight: 44 };
  return {
    algorithm: antTheme.defaultAlgorithm,
    token: {
      // the resident app's blue is a shade darker so that white text on it passes WCAG AA (4.5:1)
      colorPrimary: largeText ? '#0050b3' : base === 'h5' ? '#0958d9' : '#1677ff',
      fontFamily: FONT,
      borderRadius: 6,
      ...(largeText
        ? { ...large, colorText: '#000000', colorTextSecondary: '#262626', colorTextTertiary: '#434343', colorTextDescription: '#262626', colorBorder: '#8c8c8c', lineWidth: 1 }
        : normal),
    },
  };
}

/** antd's locale, theme and App context (message, modal, notification) for the whole app. */
export function Themed({ children }: { children: ReactNode }) {
  const { locale } = useI18n();
  const { largeText } = usePrefs();
  return (
    <ConfigProvider locale={locale === 'zh-CN' ? zhCNLocale : enUSLocale} theme={themeFor(largeText, 'console')}>
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}
