/**
 * `npm run simulate`: a fleet of simulated devices for demos — normal readings, random faults
 * (tilted covers, full bins, smoke, waterlogging, SOS) and recoveries — published to a running
 * OneGrid the way real devices do.
 *
 *   SIM_MQTT_URL   broker to publish to (default: the server's MQTT_URL without its credentials when set,
 *                  else mqtt://127.0.0.1:${MQTT_PORT:-1883})
 *   SIM_TOPIC      'token' → v1/devices/<token>/telemetry (default: what OneGrid reads from an external
 *                            broker such as Mosquitto, and what the embedded broker accepts as well)
 *                  'me'    → ThingsBoard topic v1/devices/me/telemetry (embedded broker only; on an
 *                            external broker nobody reads it; see docs/iot.md)
 *   SIM_HTTP_URL   publish over HTTP instead (e.g. http://127.0.0.1:3000 → POST /api/v1/{token}/telemetry)
 *   SIM_INTERVAL_MS  reading interval per device (default 5000)
 *   SIM_FAULT_RATE   chance per reading that a healthy device develops a fault (default 0.01)
 *   SIM_DURATION_S   stop after this many seconds (default: run until Ctrl-C)
 *   SIM_TOKENS       comma-separated extra tokens of bin sensors to simulate as well
 * The demo devices (tokens demo-manhole-001 …) are simulated by default.
 */
import mqtt from 'mqtt';
import { DEMO_DEVICES } from '../src/modules/iot/seed.js';

const interval = Number(process.env.SIM_INTERVAL_MS || 5000);
const faultRate = Number(process.env.SIM_FAULT_RATE || 0.01);
const duration = Number(process.env.SIM_DURATION_S || 0);
const httpUrl = process.env.SIM_HTTP_URL;
/** The server's external broker (MQTT_URL) without its credentials: devices sign in with their token. */
function serverBroker(): string | null {
  if (!process.env.MQTT_URL) return null;
  const u = new URL(process.env.MQTT_URL);
  u.username = '';
  u.password = '';
  return u.toString();
}
const mqttUrl = process.env.SIM_MQTT_URL || serverBroker() || `mqtt://127.0.0.1:${process.env.MQTT_PORT || 1883}`;
const topicStyle = process.env.SIM_TOPIC === 'me' ? 'me' : 'token';
if (process.env.SIM_TOPIC && !['me', 'token'].includes(process.env.SIM_TOPIC)) throw new Error(`SIM_TOPIC must be 'me' or 'token', not '${process.env.SIM_TOPIC}'`);

interface SimDevice {
  name: string;
  type: string;
  token: string;
  battery: number;
  /** ms timestamp until which the current fault lasts, or 0 */
  faultUntil: number;
  fill: number;
  client?: mqtt.MqttClient;
}

const gauss = (mean: number, sd: number) => mean + sd * Math.sqrt(-2 * Math.log(Math.random() || 1e-9)) * Math.cos(2 * Math.PI * Math.random());
const r1 = (x: number) => Math.round(x * 10) / 10;

const devices: SimDevice[] = [
  ...DEMO_DEVICES.filter((d) => d.type !== 'gateway').map((d) => ({ name: d.name, type: d.type, token: d.token, battery: 60 + Math.random() * 40, faultUntil: 0, fill: Math.random() * 50 })),
  ...(process.env.SIM_TOKENS ?? '')
    .split(',')
    .filter(Boolean)
    .map((t) => ({ name: t, type: 'bin_level', token: t, battery: 90, faultUntil: 0, fill: 10 })),
];

const FAULTS: Record<string, { text: string; ms: number }> = {
  manhole_tilt: { text: '井盖倾斜', ms: 120_000 },
  bin_level: { text: '垃圾桶满溢', ms: 0 },
  smoke: { text: '烟雾报警', ms: 40_000 },
  water_level: { text: '积水水位升高', ms: 150_000 },
  bracelet: { text: '紧急呼叫', ms: interval },
};

function reading(d: SimDevice, now: number): Record<string, unknown> {
  const faulty = d.faultUntil > now;
  if (d.faultUntil && !faulty) {
    d.faultUntil = 0;
    console.log(`[${new Date().toLocaleTimeString('zh-CN')}] ✓ ${d.name} 恢复正常`);
  }
  if (!faulty && Math.random() < faultRate) {
    const f = FAULTS[d.type];
    if (f) {
      d.faultUntil = now + (f.ms || 10 * 60_000);
      if (d.type === 'bin_level') d.fill = 92;
      console.log(`[${new Date().toLocaleTimeString('zh-CN')}] ⚠ ${d.name} ${f.text}`);
    }
  }
  d.battery = Math.max(5, d.battery - 0.001);
  const battery = r1(d.battery);
  switch (d.type) {
    case 'manhole_tilt':
      return { tilt: r1(d.faultUntil ? gauss(28, 4) : Math.abs(gauss(1.5, 0.6))), battery, temperature: r1(gauss(18, 1)) };
    case 'bin_level':
      d.fill = d.faultUntil ? Math.min(100, d.fill + 0.5) : Math.min(85, d.fill + Math.random() * 0.8);
      if (!d.faultUntil && d.fill >= 85) d.fill = 5; // emptied by the collection round
      return { fill: r1(d.fill), battery, temperature: r1(gauss(22, 2)) };
    case 'smoke':
      return d.faultUntil ? { smoke: 1, density: r1(gauss(8, 1)), battery } : { smoke: 0, density: r1(Math.abs(gauss(0.05, 0.02))), battery };
    case 'water_level':
      return { level: r1(d.faultUntil ? gauss(42, 3) : Math.abs(gauss(4, 1.5))), battery };
    case 'bracelet':
      return { heart_rate: Math.round(gauss(74, 5)), sos: d.faultUntil ? 1 : 0, fall: 0, steps: Math.round(Math.random() * 20), battery };
    default:
      return { battery };
  }
}

async function publish(d: SimDevice, values: Record<string, unknown>): Promise<void> {
  if (httpUrl) {
    const r = await fetch(`${httpUrl.replace(/\/$/, '')}/api/v1/${encodeURIComponent(d.token)}/telemetry`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(values) });
    if (!r.ok) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
    return;
  }
  if (!d.client) {
    d.client = await mqtt.connectAsync(mqttUrl, { username: d.token, clientId: `sim-${d.token}`, reconnectPeriod: 2000 });
    d.client.on('error', (err) => console.error(`${d.name}: ${err.message}`));
  }
  await d.client.publishAsync(topicStyle === 'me' ? 'v1/devices/me/telemetry' : `v1/devices/${d.token}/telemetry`, JSON.stringify(values), { qos: 1 });
}

async function main(): Promise<void> {
  console.log(`模拟 ${devices.length} 台设备 → ${httpUrl ? httpUrl + ' (HTTP)' : mqttUrl + ` (MQTT, topic ${topicStyle === 'me' ? 'v1/devices/me/telemetry' : 'v1/devices/<token>/telemetry'})`}，间隔 ${interval} ms，故障率 ${faultRate}`);
  let sent = 0;
  let failed = 0;
  const started = Date.now();
  const timers = devices.map((d, i) =>
    setTimeout(function tick() {
      const now = Date.now();
      publish(d, reading(d, now)).then(
        () => sent++,
        (err) => {
          failed++;
          console.error(`${d.name}: ${(err as Error).message}`);
        },
      );
      timers[i] = setTimeout(tick, interval * (0.9 + Math.random() * 0.2));
    }, Math.random() * interval),
  );
  const stats = setInterval(() => console.log(`已发送 ${sent} 条，失败 ${failed} 条`), 30_000);
  const stop = async () => {
    for (const t of timers) clearTimeout(t);
    clearInterval(stats);
    await Promise.all(devices.map((d) => d.client?.endAsync()));
    console.log(`结束：${Math.round((Date.now() - started) / 1000)} 秒内发送 ${sent} 条，失败 ${failed} 条`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  if (duration > 0) setTimeout(() => void stop(), duration * 1000);
}

void main();
