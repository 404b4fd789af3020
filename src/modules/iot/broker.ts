import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import mqttPacket from 'mqtt-packet';
import type { AppContext } from '../../platform/context.js';
import type { Reading } from './engine.js';
import type { DeviceInfo, IngestPipeline } from './ingest.js';
import { PayloadError, parseAttributes, parseGatewayAttributes, parseGatewayTelemetry, parseJson, parseTelemetry } from './payload.js';

export interface BrokerStatus {
  mode: 'embedded' | 'external';
  /** the embedded broker's listening port (after an ephemeral bind), else null */
  port: number | null;
  ok: boolean;
  /** what is wrong, in plain words (shown by /readyz and logged) */
  problem: string | null;
}

export interface Ingest {
  status(): BrokerStatus;
  stop(): Promise<void>;
}

/** What a device message turns into: readings and attributes for the pipeline. */
interface Decoded {
  readings: Reading[];
  attrs: Array<{ deviceId: string; attrs: Record<string, unknown> }>;
}

/**
 * Decodes one message for `device` on `topic` (relative topic: 'telemetry', 'attributes', or a
 * gateway topic). Returns null when the topic carries nothing to store (gateway connect/disconnect).
 */
export async function decodeMessage(pipeline: IngestPipeline, ctx: AppContext, device: DeviceInfo, kind: 'telemetry' | 'attributes' | 'gateway/telemetry' | 'gateway/attributes', payload: Buffer | string | unknown): Promise<Decoded> {
  const body = Buffer.isBuffer(payload) || typeof payload === 'string' ? parseJson(payload) : payload;
  const now = ctx.clock.now().getTime();
  if (kind === 'telemetry') return { readings: parseTelemetry(body, now).map((e) => pipeline.stamp(device.id, e)), attrs: [] };
  if (kind === 'attributes') return { readings: [], attrs: [{ deviceId: device.id, attrs: parseAttributes(body) }] };
  if (!device.isGateway) throw new PayloadError('该设备不是网关，不能使用网关接口');
  const out: Decoded = { readings: [], attrs: [] };
  if (kind === 'gateway/telemetry') {
    for (const [name, entries] of parseGatewayTelemetry(body, now)) {
      const d = await pipeline.devices.byDeviceName(name);
      if (!d || !d.active) throw new PayloadError(`网关上报的设备未登记：${name.slice(0, 64)}`);
      out.readings.push(...entries.map((e) => pipeline.stamp(d.id, e)));
    }
  } else {
    for (const [name, attrs] of parseGatewayAttributes(body)) {
      const d = await pipeline.devices.byDeviceName(name);
      if (!d || !d.active) throw new PayloadError(`网关上报的设备未登记：${name.slice(0, 64)}`);
      out.attrs.push({ deviceId: d.id, attrs });
    }
  }
  return out;
}

const DEVICE_TOPIC = /^v1\/devices\/([^/]+)\/(telemetry|attributes)$/;
/** A gateway topic stamped with the gateway's token by the broker (deploy/mosquitto plugin). */
const GATEWAY_TOPIC = /^v1\/gateway\/([^/]+)\/(telemetry|attributes|connect|disconnect)$/;

// ---------------------------------------------------------------- embedded broker (aedes)

/**
 * The embedded broker speaks the ThingsBoard device API: username = access token, publish to
 * v1/devices/me/telemetry (or …/attributes, or the gateway topics). The telemetry is written in
 * `authorizePublish`, whose callback aedes waits for before it sends the PUBACK: a QoS 1 message
 * is acknowledged only after it is committed to the database.
 */
export async function startEmbeddedBroker(ctx: AppContext, pipeline: IngestPipeline): Promise<Ingest> {
  const status: BrokerStatus = { mode: 'embedded', port: null, ok: false, problem: '正在启动内置 MQTT 服务' };
  const deviceOf = new WeakMap<Client, DeviceInfo>();
  const tokenOf = new WeakMap<Client, string>();
  const broker = await Aedes.createBroker({
    authenticate: (client, username, _password, done) => {
      const fail = (code: 4 | 5) => {
        const e = new Error('设备令牌无效') as AuthenticateError;
        (e as { returnCode: number }).returnCode = code;
        done(e, false);
      };
      if (!username) return fail(4);
      pipeline.devices.byAccessToken(username).then(
        (d) => {
          if (!d) return fail(4);
          if (!d.active) return fail(5);
          deviceOf.set(client, d);
          tokenOf.set(client, username);
          done(null, true);
        },
        (err) => {
          ctx.log.warn({ err }, 'iot: device lookup failed');
          const e = new Error('server unavailable') as AuthenticateError;
          (e as { returnCode: number }).returnCode = 3;
          done(e, false);
        },
      );
    },
    authorizePublish: (client, packet, done) => {
      const device = client ? deviceOf.get(client) : undefined;
      if (!device) return done(new Error('not authenticated'));
      const topic = packet.topic;
      let kind: 'telemetry' | 'attributes' | 'gateway/telemetry' | 'gateway/attributes' | null = null;
      const m = DEVICE_TOPIC.exec(topic);
      if (m && (m[1] === 'me' || m[1] === tokenOf.get(client!))) kind = m[2] as 'telemetry' | 'attributes';
      else if (m) return done(new Error('topic of another device'));
      else if (topic === 'v1/gateway/telemetry') kind = 'gateway/telemetry';
      else if (topic === 'v1/gateway/attributes') kind = 'gateway/attributes';
      else if (topic === 'v1/gateway/connect' || topic === 'v1/gateway/disconnect') return done(null);
      else return done(new Error('topic not allowed'));
      decodeMessage(pipeline, ctx, device, kind, packet.payload).then(
        (dec) =>
          pipeline.submit(dec.readings, dec.attrs).then(
            () => done(null),
            (err) => {
              // Not stored: no PUBACK; the connection is closed so the device sends it again.
              ctx.log.warn({ err, device: device.name }, 'iot: telemetry not stored');
              done(err as Error);
            },
          ),
        (err) => {
          // Bad payloads are acknowledged and dropped (as ThingsBoard does), never stored half.
          pipeline.stats.rejected++;
          ctx.log.debug({ err: (err as Error).message, device: device.name, topic }, 'iot: payload refused');
          done(null);
        },
      );
    },
    // Devices may subscribe to their own ThingsBoard topics; device messages are never forwarded to other devices.
    authorizeSubscribe: (_client, sub, done) => done(null, sub.topic.startsWith('v1/devices/me/') ? sub : null),
    authorizeForward: () => null,
  });
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => {
      status.ok = false;
      status.problem =
        err.code === 'EADDRINUSE'
          ? `MQTT 端口 ${ctx.config.mqttPort} 已被占用，内置 MQTT 服务未启动：设备接入需要设置 MQTT_URL（连接该端口上的外部 broker，如 Mosquitto）或换一个 MQTT_PORT；HTTP 接入 POST /api/v1/{token}/telemetry 仍可用`
          : `内置 MQTT 服务无法监听端口 ${ctx.config.mqttPort}：${err.message}；HTTP 接入 POST /api/v1/{token}/telemetry 仍可用`;
      ctx.log.warn({ code: err.code }, status.problem);
      resolve();
    };
    server.once('error', onError);
    server.listen(ctx.config.mqttPort, ctx.config.host, () => {
      server.off('error', onError);
      const addr = server.address();
      status.port = typeof addr === 'object' && addr ? addr.port : ctx.config.mqttPort;
      status.ok = true;
      status.problem = null;
      ctx.log.info(`MQTT (ThingsBoard device API) listening on port ${status.port}`);
      resolve();
    });
  });
  return {
    status: () => ({ ...status }),
    async stop() {
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => broker.close(() => r()));
      await pipeline.drain();
    },
  };
}

// ---------------------------------------------------------------- external broker (Mosquitto, EMQX)

/**
 * The server as a subscriber of an external broker. An external broker does not tell subscribers
 * who published, so the token must be in the topic: `v1/devices/<token>/telemetry`. Devices either
 * publish there themselves (the broker's ACL binds the topic to the username: Mosquitto
 * `pattern write v1/devices/%u/#`), or publish the ThingsBoard way to `v1/devices/me/…` and
 * `v1/gateway/…` and the broker stamps the username into the topic (deploy/mosquitto's plugin:
 * `v1/devices/<token>/…`, `v1/gateway/<token>/…`). The session is persistent
 * (fixed client id, clean start off, session expiry) and subscribed at QoS 1, so the broker queues
 * messages while the server is down. The client is a small MQTT 5 client of our own over
 * mqtt-packet: it acknowledges each message only after the batch holding it committed, while many
 * messages are in flight (Receive Maximum) — mqtt.js handles one message at a time.
 */
export function startExternalSubscriber(ctx: AppContext, pipeline: IngestPipeline, urlText: string): Ingest {
  const url = new URL(urlText);
  const tls = url.protocol === 'mqtts:';
  const host = url.hostname;
  const port = Number(url.port || (tls ? 8883 : 1883));
  const status: BrokerStatus = { mode: 'external', port: null, ok: false, problem: `正在连接外部 MQTT broker ${host}:${port}` };
  const opts = { protocolVersion: 5 };
  let socket: Socket | null = null;
  let stopped = false;
  let retryMs = 500;
  let ping: NodeJS.Timeout | null = null;
  let reconnectTimer: NodeJS.Timeout | null = null;

  const connect = () => {
    if (stopped) return;
    const s: Socket = tls ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
    socket = s;
    s.setNoDelay(true);
    const parser = mqttPacket.parser(opts);
    // PUBACKs go out in the order the messages came in (MQTT 4.6), each after its batch committed.
    const acks: Array<{ id: number | undefined; done: boolean }> = [];
    // A committed batch releases thousands of acknowledgements at once: write them as one chunk.
    let ackTick = false;
    const flushAcks = () => {
      if (ackTick) return;
      ackTick = true;
      process.nextTick(() => {
        ackTick = false;
        const out: Buffer[] = [];
        while (acks.length && acks[0]!.done) {
          const a = acks.shift()!;
          if (a.id !== undefined) out.push(mqttPacket.generate({ cmd: 'puback', messageId: a.id, reasonCode: 0 }, opts));
        }
        if (out.length && !s.destroyed) s.write(out.length === 1 ? out[0]! : Buffer.concat(out));
      });
    };
    const send = (p: mqttPacket.Packet) => {
      if (!s.destroyed) s.write(mqttPacket.generate(p, opts));
    };
    s.on(tls ? 'secureConnect' : 'connect', () => {
      send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 5,
        clientId: ctx.config.mqttClientId,
        clean: false,
        keepalive: 30,
        username: url.username ? decodeURIComponent(url.username) : undefined,
        password: url.password ? Buffer.from(decodeURIComponent(url.password)) : undefined,
        properties: { sessionExpiryInterval: 7 * 24 * 3600, receiveMaximum: 65535 },
      } as mqttPacket.IConnectPacket);
    });
    parser.on('packet', (p) => {
      switch (p.cmd) {
        case 'connack': {
          const code = (p as mqttPacket.IConnackPacket).reasonCode ?? (p as mqttPacket.IConnackPacket).returnCode ?? 0;
          if (code !== 0) {
            status.ok = false;
            status.problem = `外部 MQTT broker 拒绝连接（原因码 ${code}）：请检查 MQTT_URL 中的用户名和密码`;
            ctx.log.warn(status.problem);
            s.destroy();
            return;
          }
          retryMs = 500;
          send({
            cmd: 'subscribe',
            messageId: 1,
            subscriptions: [
              { topic: 'v1/devices/+/telemetry', qos: 1 },
              { topic: 'v1/devices/+/attributes', qos: 1 },
              { topic: 'v1/gateway/+/telemetry', qos: 1 },
              { topic: 'v1/gateway/+/attributes', qos: 1 },
            ],
          } as mqttPacket.ISubscribePacket);
          ping = setInterval(() => send({ cmd: 'pingreq' }), 15_000);
          ping.unref();
          return;
        }
        case 'suback': {
          const granted = (p as mqttPacket.ISubackPacket).granted as number[];
          if (granted.some((g) => g >= 0x80)) {
            status.ok = false;
            status.problem = '外部 MQTT broker 拒绝订阅 v1/devices/+/telemetry：请在 broker 的 ACL 中允许 OneGrid 读取设备主题';
            ctx.log.warn(status.problem);
          } else {
            status.ok = true;
            status.problem = null;
            ctx.log.info(`MQTT: subscribed to ${host}:${port} as ${ctx.config.mqttClientId} (persistent session)`);
          }
          return;
        }
        case 'publish': {
          const pub = p as mqttPacket.IPublishPacket;
          const slot = { id: pub.qos > 0 ? pub.messageId : undefined, done: false };
          acks.push(slot);
          const finish = () => {
            slot.done = true;
            flushAcks();
          };
          const m = DEVICE_TOPIC.exec(pub.topic);
          const g = m ? null : GATEWAY_TOPIC.exec(pub.topic);
          if (!m && (!g || g[2] === 'connect' || g[2] === 'disconnect')) return finish();
          const token = decodeURIComponent((m ?? g)![1]!);
          const kind = m ? (m[2] as 'telemetry' | 'attributes') : (`gateway/${g![2]}` as 'gateway/telemetry' | 'gateway/attributes');
          void (async () => {
            let dec: Decoded;
            try {
              const device = await pipeline.devices.byAccessToken(token);
              if (!device || !device.active) {
                pipeline.stats.rejected++;
                ctx.log.debug({ topic: pub.topic.replace(token, '***') }, 'iot: message for an unknown device token dropped');
                return finish();
              }
              dec = await decodeMessage(pipeline, ctx, device, kind, pub.payload as Buffer);
            } catch (err) {
              if (err instanceof PayloadError) {
                pipeline.stats.rejected++;
                return finish();
              }
              // The database is unreachable: do not acknowledge; reconnect so the broker redelivers.
              ctx.log.warn({ err }, 'iot: device lookup failed; reconnecting');
              s.destroy();
              return;
            }
            try {
              await pipeline.submit(dec.readings, dec.attrs);
              finish();
            } catch (err) {
              ctx.log.warn({ err }, 'iot: telemetry not stored; reconnecting so the broker redelivers');
              s.destroy();
            }
          })();
          return;
        }
        case 'disconnect':
          s.destroy();
          return;
        default:
          return;
      }
    });
    parser.on('error', (err) => {
      ctx.log.warn({ err }, 'iot: bad packet from the MQTT broker');
      s.destroy();
    });
    s.on('data', (buf) => parser.parse(buf));
    s.on('error', (err) => {
      status.ok = false;
      status.problem = `无法连接外部 MQTT broker ${host}:${port}：${err.message}`;
    });
    s.on('close', () => {
      if (ping) clearInterval(ping);
      ping = null;
      if (socket === s) socket = null;
      status.ok = false;
      if (stopped) return;
      status.problem ??= `与外部 MQTT broker ${host}:${port} 的连接已断开，正在重连`;
      reconnectTimer = setTimeout(connect, retryMs);
      reconnectTimer.unref();
      retryMs = Math.min(retryMs * 2, 10_000);
    });
  };
  connect();
  return {
    status: () => ({ ...status }),
    async stop() {
      stopped = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      await pipeline.drain();
      const s = socket;
      if (s && !s.destroyed) {
        await new Promise<void>((r) => {
          s.end(mqttPacket.generate({ cmd: 'disconnect', reasonCode: 0 }, opts), () => r());
          setTimeout(r, 500).unref();
        });
        s.destroy();
      }
    },
  };
}
