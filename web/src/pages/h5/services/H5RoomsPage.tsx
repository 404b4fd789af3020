import { useMemo, useState } from 'react';
import { App, Button, Input, Segmented } from 'antd';
import { api } from '../../../api';
import { useApi } from '../../../hooks';
import { addDays, districtDay, districtInstant } from '../../../day';
import { useI18n } from '../../../i18n';
import { errorText } from '../../../errors';
import { fmt, Loadable, useDetailParam, useX } from './common';
import './services.css';

interface Room {
  id: string;
  name: string;
  capacity: number;
  facilities: string | null;
  openFrom: string;
  openTo: string;
}
interface Booking {
  id: string;
  startsAt: string;
  endsAt: string;
  purpose: string;
  userName: string;
  mine: boolean;
}

/** The district's date n days from now. */
const day = (n: number) => addDays(districtDay(), n);
const at = districtInstant;

/** 场地预约: pick a community room, a day and a free hour. */
export default function H5RoomsPage() {
  const x = useX();
  const [id, setId] = useDetailParam();
  const rooms = useApi<Room[]>('/services/rooms');
  const room = rooms.data?.find((r) => r.id === id);
  if (id && room) return <RoomSlots room={room} onBack={() => setId(null)} />;
  return (
    <Loadable state={rooms} empty={(d) => d.length === 0}>
      {(items) => (
        <ul className="og-svc-list" aria-label={x('社区场地', 'Rooms')}>
          {items.map((r) => (
            <li key={r.id}>
              <button type="button" className="og-svc-item" onClick={() => setId(r.id)} data-testid="room-item">
                <span className="og-svc-item-title">{r.name}</span>
                <span className="og-svc-item-meta">
                  {x(`可容纳 ${r.capacity} 人`, `${r.capacity} people`)} · {r.openFrom}–{r.openTo}
                  {r.facilities ? ` · ${r.facilities}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Loadable>
  );
}

function RoomSlots({ room, onBack }: { room: Room; onBack: () => void }) {
  const { t } = useI18n();
  const x = useX();
  const { message } = App.useApp();
  const [d, setD] = useState(day(1));
  const [purpose, setPurpose] = useState('');
  const [slot, setSlot] = useState<string | null>(null);
  const bookings = useApi<{ items: Booking[] }>(`/services/rooms/${room.id}/bookings`, { from: at(d, '00:00'), to: at(d, '23:59') });
  const hours = useMemo(() => {
    const out: string[] = [];
    const [h0] = room.openFrom.split(':').map(Number) as [number];
    const [h1] = room.openTo.split(':').map(Number) as [number];
    for (let h = Math.max(h0, 8); h + 1 <= h1; h++) out.push(`${String(h).padStart(2, '0')}:00`);
    return out;
  }, [room]);
  const taken = (hm: string) => {
    const s = new Date(at(d, hm)).getTime();
    const e = s + 3_600_000;
    return (bookings.data?.items ?? []).some((b) => new Date(b.startsAt).getTime() < e && new Date(b.endsAt).getTime() > s);
  };
  return (
    <section className="og-h5-card">
      <h2 className="og-h5-card-title">{room.name}</h2>
      <span className="og-svc-label" id="room-day">
        {x('选择日期', 'Day')}
      </span>
      <Segmented aria-labelledby="room-day" value={d} onChange={(v) => setD(String(v))} options={[1, 2, 3, 4, 5, 6, 7].map((n) => ({ label: day(n).slice(5), value: day(n) }))} />
      <span className="og-svc-label">{x('选择时段（每格 1 小时，灰色为已约）', 'Hour (grey: taken)')}</span>
      <div className="og-svc-slots">
        {hours.map((h) => (
          <Button key={h} className="og-svc-slot" disabled={taken(h)} type={slot === h ? 'primary' : 'default'} aria-pressed={slot === h} onClick={() => setSlot(h)}>
            {h}
          </Button>
        ))}
      </div>
      <label className="og-svc-label" htmlFor="room-purpose">
        {x('用途', 'Purpose')}
      </label>
      <Input id="room-purpose" maxLength={200} value={purpose} onChange={(e) => setPurpose(e.target.value)} />
      <div className="og-svc-actions">
        <Button
          type="primary"
          size="large"
          className="og-svc-big"
          disabled={!slot || !purpose.trim()}
          onClick={async () => {
            const s = at(d, slot!);
            try {
              await api(`/services/rooms/${room.id}/bookings`, { method: 'POST', body: { startsAt: s, endsAt: new Date(new Date(s).getTime() + 3_600_000).toISOString(), purpose } });
              message.success(x(`预约成功：${fmt(s)}`, `Booked: ${fmt(s)}`));
              setSlot(null);
              bookings.reload();
            } catch (err) {
              message.error(errorText(err, t));
              bookings.reload();
            }
          }}
        >
          {x('预约', 'Book')}
        </Button>
        <Button size="large" className="og-svc-big" onClick={onBack}>
          {x('返回场地列表', 'Back to rooms')}
        </Button>
      </div>
    </section>
  );
}
