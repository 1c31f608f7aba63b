/**
 * TEST / DEMO ONLY — never production. A local messaging network that answers the Evolution API v2
 * HTTP contract (Evolution API v2.3) for any number of instances, delivers
 * messages between them and posts Evolution-shaped webhooks. `control` drives it from tests.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SimError,
  SimNetwork,
  digitsOf,
  type Delivery,
  type PresenceRecord,
  type ReadRecord,
  type SentRecord,
  type SimConnectionState,
  type SimEventName,
  type SimInstance,
} from './network';
import { createPersonControl, createPersonState, type PersonControl } from './person-state';
import { createRoutes } from './routes';
import { type SessionControl, SimSessions } from './sessions';
import { WebhookDispatcher, type WebhookAttempt } from './webhook-dispatcher';

export type { Delivery, PresenceRecord, ReadRecord, SentRecord, SimInstance, WebhookAttempt };

export interface SimulatorOptions {
  /** 0 picks a free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The global API key; each instance also accepts its own token. */
  apiKey: string;
  /** Global webhook, used for instances that have no webhook of their own (set via /webhook/set). */
  webhookUrl?: string;
  webhookHeaders?: Record<string, string>;
  webhookByEvents?: boolean;
  /** Events the global webhook receives. Default: the ones Warmer subscribes to (EVOLUTION_WEBHOOK_EVENTS). */
  webhookEvents?: string[];
  webhookRetries?: number;
  webhookRetryBaseDelayMs?: number;
  /** false (default): presence answers at once; true: the call holds for `delay` like Evolution. */
  holdPresence?: boolean;
  /** Added before every API answer. Default 0. */
  latencyMs?: number;
  /** How long a QR or pairing code stays valid; the next connect issues a new one. Default 60 s. */
  qrLifetimeMs?: number;
  /** One line per request and notable event (no phone numbers). */
  log?: (line: string) => void;
}

export interface RequestRecord {
  method: string;
  path: string;
  instance?: string;
  /** The parsed JSON body, as received. */
  body?: unknown;
  /** 0 while the request is still being answered. */
  status: number;
  at: number;
}

export interface SimulatorControl extends PersonControl, SessionControl {
  /** Creates a connected instance owning `phone` (E.164 digits). Returns it, token included. */
  addInstance(name: string, phone: string): SimInstance;
  /** Connection lost. By default silent, as Evolution is for codes it reconnects on; `emit` posts `close`. */
  disconnect(name: string, options?: { statusReason?: number; emit?: boolean }): void;
  /** Back online: emits connection.update open and delivers the messages that waited. */
  connect(name: string): void;
  /** Emits connection.update close with `code` (402 temporary, 403 forbidden, 406 permanent). */
  ban(name: string, code?: 402 | 403 | 406): void;
  /** Emits connection.update close with 401. */
  logout(name: string): void;
  /** The next `count` sendText calls of `name` answer 500. */
  failNextSends(name: string, count: number): void;
  /** The next `count` calls of any kind on `name` answer `status` (default 500). */
  failNextRequests(name: string, count: number, status?: number): void;
  setLatency(ms: number): void;
  setHoldPresence(hold: boolean): void;
  /** Changes the global webhook (null removes it). */
  setWebhook(url: string | null, headers?: Record<string, string>): void;
  /** Sends and presences to this number answer 400 exists:false. */
  markUnregistered(phone: string): void;
  instances(): SimInstance[];
  state(name: string): SimConnectionState;
  /**
   * What GET /instance/connectionState answers for `name` from now on, whatever the instance's real
   * state (null: its real state again). No webhook is posted: it stands for a provider whose report
   * and state disagree.
   */
  setReportedState(name: string, state: SimConnectionState | null): void;
  /** Accepted sends, in order. */
  sent(): SentRecord[];
  /** Arrivals in receivers' inboxes, in order. */
  deliveries(): Delivery[];
  deliveryCount(messageId: string): number;
  /** Deliveries between two instances (names or phones), both directions, in order. */
  messagesBetween(a: string, b: string): Delivery[];
  /** Messages waiting for `name` to reconnect. */
  pendingDeliveries(name: string): number;
  presences(): PresenceRecord[];
  reads(): ReadRecord[];
  requests(): RequestRecord[];
  webhooks(): WebhookAttempt[];
  /** Resolves when every webhook queued so far has been delivered or given up on. */
  idle(): Promise<void>;
}

export interface Simulator {
  url: string;
  port: number;
  control: SimulatorControl;
  close(): Promise<void>;
}

const DEFAULT_GLOBAL_EVENTS = ['MESSAGES_UPSERT', 'MESSAGES_UPDATE', 'CONNECTION_UPDATE', 'STATUS_INSTANCE', 'LOGOUT_INSTANCE', 'CALL'];
const MAX_BODY_BYTES = 1024 * 1024;

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  if (!options.apiKey) throw new Error('startSimulator: apiKey is required.');
  let latencyMs = options.latencyMs ?? 0;
  let holdPresence = options.holdPresence ?? false;
  let globalWebhook: { url: string; headers: Record<string, string> } | null = options.webhookUrl
    ? { url: options.webhookUrl, headers: options.webhookHeaders ?? {} }
    : null;
  const globalEvents = options.webhookEvents ?? DEFAULT_GLOBAL_EVENTS;
  const log = options.log ?? (() => undefined);
  const requestLog: RequestRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let serverUrl = '';

  const dispatcher = new WebhookDispatcher({
    retries: options.webhookRetries,
    retryBaseDelayMs: options.webhookRetryBaseDelayMs,
  });

  const emit = (instance: SimInstance, event: SimEventName, data: unknown): void => {
    const upper = event.replace(/[.-]/g, '_').toUpperCase();
    let url: string;
    let headers: Record<string, string>;
    let byEvents: boolean;
    let events: string[];
    if (instance.webhook?.enabled) {
      ({ url, headers, byEvents, events } = instance.webhook);
    } else if (globalWebhook) {
      ({ url, headers } = globalWebhook);
      byEvents = options.webhookByEvents ?? false;
      events = globalEvents;
    } else {
      return;
    }
    if (events.length > 0 && !events.includes(upper)) return;
    const destination = byEvents ? `${url.replace(/\/+$/, '')}/${event.replace(/\./g, '-')}` : url;
    dispatcher.post(
      { url: destination, headers },
      {
        event,
        instance: instance.name,
        data,
        destination,
        date_time: localTimeWithZ(),
        sender: instance.phone ? `${instance.phone}@s.whatsapp.net` : null,
        server_url: serverUrl,
        apikey: null,
      },
    );
  };

  const network = new SimNetwork(emit);
  const sessions = new SimSessions(network, options.qrLifetimeMs ?? 60_000);

  const sleep = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, ms);
          timers.add(timer);
        });

  const authorize = (req: IncomingMessage, instance?: SimInstance): void => {
    const key = req.headers.apikey;
    if (key === options.apiKey || (instance !== undefined && key === instance.token)) return;
    throw new SimError(401, 'Unauthorized');
  };

  /** The usual guards of an instance route: exists (404, before auth), key (401), injected failure. */
  const guard = (req: IncomingMessage, name: string): SimInstance => {
    const instance = network.require(name);
    authorize(req, instance);
    const injected = network.takeInjectedFailure(name);
    if (injected) throw injected;
    return instance;
  };

  const person = createPersonState(network, emit, (ms, run) => void sleep(ms).then(run));
  const reportedStates = new Map<string, SimConnectionState>();
  const routes = createRoutes({
    network,
    person,
    apiKey: options.apiKey,
    authorize,
    guard,
    sleep,
    holdPresence: () => holdPresence,
    reportedState: (name) => reportedStates.get(name) ?? network.connectionState(name),
    sessions,
    log,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    // Logged on arrival (status filled in on answer) so tests can count attempts that time out.
    const record: RequestRecord = { method, path: url.pathname, status: 0, at: Date.now() };
    pushBounded(requestLog, record);
    let instance: string | undefined;
    let status = 500;
    let payload: unknown;
    try {
      const body = await readBody(req);
      record.body = body;
      await sleep(latencyMs);
      const route = routes.find((r) => r.method === method && r.path.test(url.pathname));
      if (!route) throw new SimError(404, [`Cannot ${method} ${url.pathname}`]);
      const raw = route.path.exec(url.pathname)?.[1];
      if (raw !== undefined) {
        try {
          instance = decodeURIComponent(raw);
          record.instance = instance;
        } catch {
          throw new SimError(400, ['Malformed instance name']);
        }
      }
      [status, payload] = await route.handler(req, body, { instance: instance ?? '', query: url.searchParams });
    } catch (err) {
      if (err instanceof SimError) {
        status = err.status;
        payload = { status, error: STATUS_CODES[status] ?? 'Error', response: { message: err.responseMessage } };
      } else {
        status = 500;
        payload = { status, error: 'Internal Server Error', response: { message: err instanceof Error ? err.message : String(err) } };
      }
    }
    record.status = status;
    log(`${method} ${url.pathname} -> ${status}`);
    if (res.writableEnded || res.destroyed) return;
    const text = payload === undefined ? '' : JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  serverUrl = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;

  const control: SimulatorControl = {
    ...createPersonControl(person, network),
    ...sessions.control(),
    addInstance: (name, phone) => {
      const digits = digitsOf(phone);
      if (!/^\d{8,15}$/.test(digits)) throw new Error(`addInstance('${name}'): '${phone}' is not a phone number.`);
      return network.createInstance(name, digits);
    },
    disconnect: (name, opts) => network.disconnect(name, opts?.statusReason ?? 428, opts?.emit ?? false),
    connect: (name) => network.connect(name),
    ban: (name, code = 403) => network.close(network.require(name), code),
    logout: (name) => network.close(network.require(name), 401),
    failNextSends: (name, count) => network.failNextSends(name, count),
    failNextRequests: (name, count, status = 500) => network.failNextRequests(name, count, status),
    setLatency: (ms) => {
      latencyMs = Math.max(0, ms);
    },
    setHoldPresence: (hold) => {
      holdPresence = hold;
    },
    setWebhook: (url, headers) => {
      globalWebhook = url ? { url, headers: headers ?? {} } : null;
    },
    markUnregistered: (phone) => network.markUnregistered(phone),
    instances: () => network.list(),
    state: (name) => network.connectionState(name),
    setReportedState: (name, state) => {
      network.require(name);
      if (state === null) reportedStates.delete(name);
      else reportedStates.set(name, state);
    },
    sent: () => network.sent(),
    deliveries: () => network.deliveries(),
    deliveryCount: (messageId) => network.deliveries().filter((d) => d.messageId === messageId).length,
    messagesBetween: (a, b) => {
      const pa = network.phoneOf(a);
      const pb = network.phoneOf(b);
      return network.deliveries().filter((d) => (d.fromPhone === pa && d.toPhone === pb) || (d.fromPhone === pb && d.toPhone === pa));
    },
    pendingDeliveries: (name) => network.pendingFor(name),
    presences: () => network.presences(),
    reads: () => network.reads(),
    requests: () => requestLog.map((r) => ({ ...r })),
    webhooks: () => dispatcher.attempts(),
    idle: () => dispatcher.idle(),
  };

  return {
    url: serverUrl,
    port,
    control,
    close: () =>
      new Promise<void>((resolve) => {
        dispatcher.close();
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Keeps a long-running demo's request log from growing without end. */
function pushBounded<T>(log: T[], entry: T, max = 10_000): void {
  log.push(entry);
  if (log.length > max + 1000) log.splice(0, log.length - max);
}

/** Reads a JSON body (empty -> undefined). Over 1 MiB -> 413, bad JSON -> 400. */
function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(new SimError(413, 'Payload Too Large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim().length === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new SimError(400, ['Unexpected token in JSON body']));
      }
    });
  });
}

/** Evolution stamps webhooks with the server's local wall-clock time and a misleading "Z". */
function localTimeWithZ(): string {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString();
}
