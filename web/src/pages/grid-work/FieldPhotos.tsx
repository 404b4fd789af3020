import { useEffect, useRef, useState, type RefObject } from 'react';
import { Alert, Button, Image, Space, Tag, Typography } from 'antd';
import { CameraOutlined, PictureOutlined } from '@ant-design/icons';
import { ApiError } from '../../api';
import { errorText } from '../../errors';
import { useI18n } from '../../i18n';
import { uploadPhotos, type FileView } from '../cases/common';
import type { LocalPhoto } from './offlineQueue';

/** A photo on the form: uploaded already (has a file id), or kept on the phone until there is signal. */
export type FieldPhoto = { uid: string; remote: FileView } | { uid: string; local: LocalPhoto; url: string };

const TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const MAX_BYTES = 8 * 1024 * 1024;

/** Splits the form's photos into the ids already on the server and those still on the phone. */
export function splitPhotos(v: FieldPhoto[]): { ids: string[]; local: LocalPhoto[] } {
  return { ids: v.flatMap((p) => ('remote' in p ? [p.remote.id] : [])), local: v.flatMap((p) => ('local' in p ? [p.local] : [])) };
}

/** Frees the previews of photos kept on the phone (call when the form is reset). */
export function releasePhotos(v: FieldPhoto[]): void {
  for (const p of v) if ('local' in p) URL.revokeObjectURL(p.url);
}

/**
 * Photos for the grid worker's forms: the camera (or the album), uploaded at once when there is
 * signal; without signal they stay on the phone and go with the record when the signal returns.
 */
export function FieldPhotos({ value, onChange, max = 9, testId }: { value: FieldPhoto[]; onChange: (v: FieldPhoto[]) => void; max?: number; testId: string }) {
  const { tl, t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const camera = useRef<HTMLInputElement>(null);
  const album = useRef<HTMLInputElement>(null);
  const latest = useRef(value);
  useEffect(() => {
    latest.current = value;
  }, [value]);
  const full = value.length >= max;

  const add = async (input: HTMLInputElement) => {
    const files = [...(input.files ?? [])].slice(0, max - value.length);
    input.value = '';
    if (!files.length) return;
    setErr(null);
    const bad = files.find((f) => !TYPES.includes(f.type));
    if (bad) return setErr(tl({ zh: `只接受 JPEG、PNG 或 WebP 格式的照片（${bad.name}）`, en: `Only JPEG, PNG or WebP photos (${bad.name})` }));
    const big = files.find((f) => f.size > MAX_BYTES);
    if (big) return setErr(tl({ zh: `照片不能超过 8 MB（${big.name}）`, en: `Photos must be under 8 MB (${big.name})` }));
    const keepLocal = () => files.map((f, i): FieldPhoto => ({ uid: `local-${Date.now()}-${i}-${f.name}`, local: { name: f.name || `photo-${i + 1}.jpg`, type: f.type, blob: f }, url: URL.createObjectURL(f) }));
    let added: FieldPhoto[];
    if (!navigator.onLine) added = keepLocal();
    else {
      setBusy(true);
      try {
        added = (await uploadPhotos(files)).map((f) => ({ uid: f.id, remote: f }));
      } catch (error) {
        if (error instanceof ApiError) {
          setErr(errorText(error, t));
          return;
        }
        added = keepLocal(); // the signal dropped while uploading
      } finally {
        setBusy(false);
      }
    }
    onChange([...latest.current, ...added].slice(0, max));
  };

  const anyLocal = value.some((p) => 'local' in p);
  const pick = (ref: RefObject<HTMLInputElement | null>) => ref.current?.click();
  return (
    <div style={{ margin: '6px 0' }}>
      <Space wrap>
        {value.map((p) => (
          <div key={p.uid} style={{ textAlign: 'center' }} data-testid={`${testId}-item`}>
            <Image src={'remote' in p ? (p.remote.thumbUrl ?? p.remote.url) : p.url} width={64} height={64} style={{ objectFit: 'cover' }} alt={tl({ zh: '照片', en: 'Photo' })} />
            <div>
              {'local' in p ? <Tag color="orange">{tl({ zh: '待上传', en: 'On phone' })}</Tag> : <Tag color="green">{tl({ zh: '已上传', en: 'Uploaded' })}</Tag>}
              <Button
                size="small"
                type="link"
                danger
                onClick={() => {
                  releasePhotos([p]);
                  onChange(value.filter((v) => v.uid !== p.uid));
                }}
              >
                {tl({ zh: '删除', en: 'Remove' })}
              </Button>
            </div>
          </div>
        ))}
      </Space>
      <input ref={camera} type="file" accept="image/*" capture="environment" style={{ display: 'none' }} data-testid={`${testId}-camera`} onChange={(e) => void add(e.currentTarget)} />
      <input ref={album} type="file" accept="image/jpeg,image/png,image/webp" multiple style={{ display: 'none' }} data-testid={testId} onChange={(e) => void add(e.currentTarget)} />
      <Space style={{ marginTop: 4 }}>
        <Button icon={<CameraOutlined />} loading={busy} disabled={full} onClick={() => pick(camera)}>
          {tl({ zh: '拍照', en: 'Camera' })}
        </Button>
        <Button icon={<PictureOutlined />} disabled={full || busy} onClick={() => pick(album)}>
          {tl({ zh: `相册（${value.length}/${max}）`, en: `Album (${value.length}/${max})` })}
        </Button>
      </Space>
      {anyLocal && (
        <Typography.Paragraph type="warning" style={{ margin: '4px 0 0', fontSize: 12 }} data-testid={`${testId}-offline-note`}>
          {tl({ zh: '当前无网络：照片先保存在手机上，恢复网络后随记录一起上传。', en: 'No signal: photos are kept on the phone and uploaded with the record when the signal returns.' })}
        </Typography.Paragraph>
      )}
      {err && <Alert type="error" showIcon title={err} style={{ marginTop: 6 }} />}
    </div>
  );
}
