import { Alert, Button } from 'antd';
import { useI18n } from '../../i18n';
import { errorText } from '../../errors';
export { useX, fmt } from '../h5/services/common';

export interface PageOf<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export function LoadError({ error, reload }: { error: unknown; reload: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  return <Alert type="error" showIcon title={errorText(error, t)} action={<Button onClick={reload}>{t('common.retry')}</Button>} style={{ marginBottom: 12 }} />;
}

export const RESIDENT_TAGS = ['独居老人', '高龄', '残疾人', '低保', '优抚对象', '重点关注', '党员', '志愿者'];
