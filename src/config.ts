/**
 * Environment -> one typed, validated config object. Defaults run the embedded stack; every problem
 * found is reported at once, naming the variable and what it should look like. Secrets are kept
 * here and never logged (see describeConfig).
 */
import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { type CodecKey, parseCodecKeys } from './adapters/codec/aes-gcm-codec';
import { parseHost } from './console/guard';
import { isForbiddenAddress, urlHost } from './adapters/events/receiver-address';
import { CONNECTION_ALERT_AFTER_DEFAULT_MS } from './domain/chip-connection-rules';
import { REAL_DAY_MS } from './domain/clock';
import { FLEET_BREAKER_DEFAULT } from './domain/early-warning';
import { ONBOARDING_DEFAULTS, type OnboardingSettings } from './domain/onboarding';
import { ConfigError } from './domain/errors';
import { hasUrlCredentials } from './domain/redact';
import { LOG_LEVELS, type WarmerLogLevel } from './observability/log-levels';
import { PROJECT_ROOT } from './temporal-binaries';
import { loadTemporalConnection, type TemporalConnectionSettings } from './temporal-connection';
import { TASK_QUEUE_DEFAULT, type WarmupSettings } from './workflows/api';

export interface WarmerConfig {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    apiKey?: string;
    tls: boolean;
    connection: TemporalConnectionSettings;
  };
  db: { supabaseUrl?: string; supabaseServiceRoleKey?: string; databaseUrl?: string; dataDir: string };
  evolution: { baseUrl?: string; apiKey?: string };
  webhook: { port: number; secret?: string; publicUrl?: string; instanceSecrets?: Record<string, string> };
  slackWebhookUrl?: string;
  /** connectionAlertAfterMs: how long a lost connection may last before an alert (real time). */
  program: { dayMs: number; epochMs?: number; paceScale: number; connectionAlertAfterMs: number };
  worker: { maxCachedWorkflows: number; maxConcurrentActivities: number; searchAttributes: boolean };
  fleetBreaker: { incidents: number; windowMs: number };
  llm?: { baseUrl: string; apiKey: string; model: string };
  /** Payload encryption; the endpoint lets the Temporal UI / CLI decode with a token. */
  codec: { keys?: CodecKey[]; allowPlaintext: boolean; endpoint?: { port: number; token: string; corsOrigins: string[] } };
  /** LOG_LEVEL, LOG_PRETTY; WARMER_SDK_METRICS: 'auto' (a free loopback port merged into /metrics), 'off', or host:port. */
  observability: { logLevel: WarmerLogLevel; logPretty: boolean; sdkMetrics: string };
  /**
   * The operator's console (warmer console); apiToken guards its JSON API (GET /api/*) for other systems.
   * hosts: Host names it answers besides loopback ones (a proxy's public name); trustedProxies: addresses
   * whose X-Forwarded-Proto it believes.
   */
  console: {
    host: string;
    port: number;
    token?: string;
    apiToken?: string;
    temporalUiUrl: string;
    hosts: string[];
    trustedProxies: string[];
  };
  /**
   * Outbound events to the systems that use the chips: receivers, the signature's secret, and whether
   * receivers on loopback, private or link-local addresses are allowed (WARMER_EVENTS_ALLOW_PRIVATE).
   */
  events: { urls: string[]; secret?: string; allowPrivate: boolean };
  /** How long an onboarding waits for its number, and how long each QR / pairing code is shown. */
  onboarding: OnboardingSettings;
  /** WARMER_PROFILE_PHOTOS_DIR: the operator's profile photos (per fleet in subfolders); absent: the built-in ones. */
  profile: { photosDir?: string };
}

/** The Temporal UI of `npm run dev` (8233) and of docker-compose.yml (8080). */
const CODEC_CORS_DEFAULT = 'http://localhost:8233,http://127.0.0.1:8233,http://localhost:8080,http://127.0.0.1:8080';

/** Every secret (webhook, per-instance, console, API, codec, events) is at least this long. */
export const MIN_SECRET_LENGTH = 16;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: REAL_DAY_MS };

/** "2m", "90s", "1d", "1.5h" or plain milliseconds. */
export function parseDuration(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]) * UNITS[match[2] ?? 'ms']!;
  return amount > 0 ? Math.round(amount) : undefined;
}

/** The folder `npm run dev` keeps its state in: WARMER_DEV_DIR, default .data (relative to the project). */
export function devDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(PROJECT_ROOT, env.WARMER_DEV_DIR?.trim() || '.data');
}

/**
 * The embedded database's folder: WARMER_DATA_DIR, else the dev stack's (<WARMER_DEV_DIR>/db), so a
 * CLI pointed at a dev folder finds the database `npm run dev` serves from it.
 */
export function embeddedDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.WARMER_DATA_DIR?.trim();
  return explicit ? path.resolve(PROJECT_ROOT, explicit) : path.join(devDir(env), 'db');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): WarmerConfig {
  const problems: string[] = [];
  const str = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, fallback: number, min = 0) => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      problems.push(`${name}=${raw} must be a whole number >= ${min}`);
      return fallback;
    }
    return n;
  };
  const num = (name: string, fallback: number) => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) {
      problems.push(`${name}=${raw} must be a number >= 0`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean) => {
    const raw = str(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name}=${raw} must be true or false`);
    return fallback;
  };
  // A short secret is named, never echoed.
  const tooShort = (name: string) =>
    `${name} must be ${MIN_SECRET_LENGTH} characters or more (for example: openssl rand -hex 16); the value is not shown`;
  const secret = (name: string) => {
    const v = str(name);
    if (v !== undefined && v.length < MIN_SECRET_LENGTH) problems.push(tooShort(name));
    return v;
  };
  const url = (name: string) => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!/^(https?|postgres(ql)?):$/.test(parsed.protocol)) throw new Error('protocol');
      return raw;
    } catch {
      problems.push(`${name} is not a valid URL`); // the value may hold a secret: not echoed
      return undefined;
    }
  };

  const dayRaw = str('WARMER_DAY');
  const dayMs = dayRaw === undefined ? REAL_DAY_MS : parseDuration(dayRaw);
  if (dayMs === undefined) problems.push(`WARMER_DAY=${dayRaw} must be a duration such as 2m, 1h or 1d`);
  if (dayMs !== undefined && dayMs < 60_000) problems.push(`WARMER_DAY=${dayRaw} is too short: one program day must last at least 1m`);
  const epochRaw = str('WARMER_EPOCH');
  const epochMs = epochRaw === undefined ? undefined : Date.parse(epochRaw);
  if (epochMs !== undefined && !Number.isFinite(epochMs)) problems.push(`WARMER_EPOCH=${epochRaw} must be an ISO date-time`);

  const supabaseUrl = url('SUPABASE_URL');
  const supabaseServiceRoleKey = str('SUPABASE_SERVICE_ROLE_KEY');
  if (supabaseUrl && !supabaseServiceRoleKey)
    problems.push('SUPABASE_URL is set but SUPABASE_SERVICE_ROLE_KEY is not: set both to use Supabase');
  if (!supabaseUrl && supabaseServiceRoleKey)
    problems.push('SUPABASE_SERVICE_ROLE_KEY is set but SUPABASE_URL is not: set both to use Supabase');

  const llmBase = url('LLM_BASE_URL');
  const llmKey = str('LLM_API_KEY');
  const llmModel = str('LLM_MODEL');
  if (llmBase && (!llmKey || !llmModel)) problems.push('LLM_BASE_URL is set: LLM_API_KEY and LLM_MODEL are needed too');

  // instance=secret pairs, comma-separated; the secrets themselves are never echoed in a problem.
  const instanceSecretsRaw = str('WEBHOOK_INSTANCE_SECRETS');
  let instanceSecrets: Record<string, string> | undefined;
  if (instanceSecretsRaw !== undefined) {
    instanceSecrets = {};
    for (const entry of instanceSecretsRaw
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const at = entry.indexOf('=');
      if (at <= 0 || at === entry.length - 1) problems.push('WEBHOOK_INSTANCE_SECRETS must be instance=secret pairs separated by commas');
      else if (entry.length - at - 1 < MIN_SECRET_LENGTH)
        problems.push(tooShort(`WEBHOOK_INSTANCE_SECRETS (instance '${entry.slice(0, at)}')`));
      else instanceSecrets[entry.slice(0, at)] = entry.slice(at + 1);
    }
  }

  let codecKeys: CodecKey[] | undefined;
  const codecKeysRaw = str('WARMER_CODEC_KEYS');
  try {
    codecKeys = codecKeysRaw === undefined ? undefined : parseCodecKeys(codecKeysRaw);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const codecPort = str('WARMER_CODEC_PORT') === undefined ? undefined : int('WARMER_CODEC_PORT', 0);
  const codecToken = secret('WARMER_CODEC_TOKEN');
  if (codecPort !== undefined && codecToken === undefined)
    problems.push(`WARMER_CODEC_PORT is set: WARMER_CODEC_TOKEN must be set too, ${MIN_SECRET_LENGTH} characters or more`);
  const codecOrigins = (str('WARMER_CODEC_CORS_ORIGINS') ?? CODEC_CORS_DEFAULT)
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const codecEndpoint =
    codecPort !== undefined && codecToken ? { port: codecPort, token: codecToken, corsOrigins: codecOrigins } : undefined;

  const tlsFlag = str('TEMPORAL_TLS') === undefined ? undefined : bool('TEMPORAL_TLS', false);
  const connection = loadTemporalConnection(env, tlsFlag, problems);
  const logLevel = (str('LOG_LEVEL')?.toLowerCase() ?? 'info') as WarmerLogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL=${str('LOG_LEVEL')} must be one of ${LOG_LEVELS.join(', ')}`);
  const sdkMetrics = str('WARMER_SDK_METRICS') ?? 'auto';
  if (!/^(auto|off|[\w.:[\]-]+:\d{1,5})$/.test(sdkMetrics))
    problems.push(`WARMER_SDK_METRICS=${sdkMetrics} must be auto, off, or host:port`);

  // Several receivers, comma-separated; each must be an http(s) URL (never echoed: it may hold a token).
  const eventUrls = (str('WARMER_EVENTS_URL') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const eventsAllowPrivate = bool('WARMER_EVENTS_ALLOW_PRIVATE', false);
  eventUrls.forEach((raw, i) => {
    const problem = eventReceiverProblem(raw, eventsAllowPrivate);
    if (problem) problems.push(`WARMER_EVENTS_URL: receiver ${i + 1} ${problem}`);
  });
  const eventsSecret = secret('WARMER_EVENTS_SECRET');
  if (eventUrls.length > 0 && eventsSecret === undefined) {
    problems.push(
      `WARMER_EVENTS_URL is set: WARMER_EVENTS_SECRET must be set too, ${MIN_SECRET_LENGTH} characters or more (receivers verify the signature with it)`,
    );
  }
  const duration = (name: string, fallback: number, min: number) => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const ms = parseDuration(raw);
    if (ms === undefined || ms < min) {
      problems.push(`${name}=${raw} must be a duration of at least ${min / 1000}s, such as 90s, 30m or 24h`);
      return fallback;
    }
    return ms;
  };
  const list = (name: string) =>
    (str(name) ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
  const consoleHosts = list('WARMER_CONSOLE_HOSTS').map((h) => h.toLowerCase());
  for (const h of consoleHosts) {
    if (!parseHost(h))
      problems.push(
        `WARMER_CONSOLE_HOSTS: '${h}' must be a host name or host:port the browser uses, such as console.example.com or console.example.com:8443 (no scheme, no path)`,
      );
  }
  const trustedProxies = list('WARMER_CONSOLE_TRUSTED_PROXIES');
  for (const p of trustedProxies) {
    if (isIP(p) === 0) problems.push(`WARMER_CONSOLE_TRUSTED_PROXIES: '${p}' must be an IP address (the proxy's, as the console sees it)`);
  }
  const apiToken = secret('WARMER_API_TOKEN');
  const evolutionUrl = url('EVOLUTION_API_URL');
  // fetch refuses such a URL on every call, and its error would print the password: refused here instead.
  if (evolutionUrl && hasUrlCredentials(evolutionUrl))
    problems.push('EVOLUTION_API_URL must not carry a user or password (user:password@): Evolution authenticates with EVOLUTION_API_KEY');

  const photosDir = str('WARMER_PROFILE_PHOTOS_DIR');
  if (photosDir && !(existsSync(photosDir) && statSync(photosDir).isDirectory()))
    problems.push(
      `WARMER_PROFILE_PHOTOS_DIR=${photosDir} must be an existing folder of .png/.jpg photos (a subfolder per fleet is optional)`,
    );

  const config: WarmerConfig = {
    temporal: {
      address: connection.address,
      namespace: connection.namespace,
      taskQueue: str('WARMER_TASK_QUEUE') ?? TASK_QUEUE_DEFAULT,
      apiKey: connection.apiKey,
      tls: connection.tls === undefined ? Boolean(connection.apiKey) : connection.tls !== false,
      connection,
    },
    db: {
      supabaseUrl,
      supabaseServiceRoleKey,
      databaseUrl: url('DATABASE_URL'),
      dataDir: embeddedDataDir({ WARMER_DATA_DIR: str('WARMER_DATA_DIR'), WARMER_DEV_DIR: str('WARMER_DEV_DIR') }),
    },
    evolution: { baseUrl: evolutionUrl, apiKey: str('EVOLUTION_API_KEY') },
    webhook: { port: int('WEBHOOK_PORT', 8082), secret: secret('WEBHOOK_SECRET'), publicUrl: url('WEBHOOK_PUBLIC_URL'), instanceSecrets },
    slackWebhookUrl: url('SLACK_WEBHOOK_URL'),
    program: {
      dayMs: dayMs ?? REAL_DAY_MS,
      epochMs,
      paceScale: num('WARMER_PACE', 1),
      connectionAlertAfterMs: duration('WARMER_CONNECTION_ALERT_AFTER', CONNECTION_ALERT_AFTER_DEFAULT_MS, 60_000),
    },
    worker: {
      maxCachedWorkflows: int('WARMER_MAX_CACHED_WORKFLOWS', 1000, 0),
      maxConcurrentActivities: int('WARMER_MAX_CONCURRENT_ACTIVITIES', 100, 1),
      searchAttributes: bool('WARMER_SEARCH_ATTRIBUTES', true),
    },
    fleetBreaker: {
      incidents: int('WARMER_BREAKER_INCIDENTS', FLEET_BREAKER_DEFAULT.incidents, 1),
      windowMs: FLEET_BREAKER_DEFAULT.windowMs,
    },
    llm: llmBase && llmKey && llmModel ? { baseUrl: llmBase, apiKey: llmKey, model: llmModel } : undefined,
    codec: { keys: codecKeys, allowPlaintext: bool('WARMER_ALLOW_PLAINTEXT', false), endpoint: codecEndpoint },
    observability: { logLevel, logPretty: bool('LOG_PRETTY', false), sdkMetrics },
    console: {
      host: str('WARMER_CONSOLE_HOST') ?? '127.0.0.1',
      port: int('WARMER_CONSOLE_PORT', 8090),
      token: secret('WARMER_CONSOLE_TOKEN'),
      apiToken,
      temporalUiUrl: (url('TEMPORAL_UI_URL') ?? 'http://localhost:8233').replace(/\/+$/, ''),
      hosts: consoleHosts,
      trustedProxies,
    },
    events: { urls: eventUrls, secret: eventsSecret, allowPrivate: eventsAllowPrivate },
    onboarding: {
      timeoutMs: duration('WARMER_ONBOARDING_TIMEOUT', ONBOARDING_DEFAULTS.timeoutMs, 60_000),
      codeLifetimeMs: duration('WARMER_ONBOARDING_CODE_LIFETIME', ONBOARDING_DEFAULTS.codeLifetimeMs, 1_000),
    },
    profile: { photosDir: photosDir ? path.resolve(photosDir) : undefined },
  };
  if (config.codec.endpoint && !config.codec.keys)
    problems.push('WARMER_CODEC_PORT is set but WARMER_CODEC_KEYS is not: the endpoint would have no key to decode with');
  if (config.evolution.baseUrl && !config.evolution.apiKey) problems.push('EVOLUTION_API_URL is set but EVOLUTION_API_KEY is not');
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}

/**
 * Why a receiver URL cannot be used, or null: not http(s), credentials in it, or (unless private
 * receivers are allowed) an address literal that is not public. Host names are checked when sending.
 */
function eventReceiverProblem(raw: string, allowPrivate: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return 'is not a valid http(s) URL';
  }
  if (!/^https?:$/.test(parsed.protocol)) return 'is not a valid http(s) URL';
  if (hasUrlCredentials(raw)) return 'must not carry a user or password (user:password@): put a token in its path or query';
  const host = urlHost(parsed);
  if (!allowPrivate && isIP(host) && isForbiddenAddress(host))
    return 'is a loopback, private or link-local address: set WARMER_EVENTS_ALLOW_PRIVATE=1 to allow it';
  return null;
}

/** Checks what only the worker needs (the CLI can run without a messaging provider). */
export function requireWorkerConfig(
  config: WarmerConfig,
): Required<Pick<WarmerConfig['evolution'], 'baseUrl' | 'apiKey'>> & { webhookSecret: string } {
  const problems: string[] = [];
  if (!config.evolution.baseUrl)
    problems.push('EVOLUTION_API_URL is required (the Evolution API server, or the simulator: npm run simulator)');
  if (!config.evolution.apiKey) problems.push('EVOLUTION_API_KEY is required');
  if (!config.webhook.secret) problems.push('WEBHOOK_SECRET is required: the shared secret every webhook post must carry');
  if (!config.codec.keys && !config.codec.allowPlaintext) {
    problems.push(
      'WARMER_CODEC_KEYS is required: payloads (phone numbers, dialogue) are encrypted before Temporal stores them ' +
        '(WARMER_CODEC_KEYS=k1:$(openssl rand -base64 32)); set WARMER_ALLOW_PLAINTEXT=1 to store them in clear instead',
    );
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return { baseUrl: config.evolution.baseUrl!, apiKey: config.evolution.apiKey!, webhookSecret: config.webhook.secret! };
}

/** The settings every chip workflow gets from this configuration. */
export function warmupSettings(config: WarmerConfig, epochFallbackMs: number): WarmupSettings {
  return {
    dayMs: config.program.dayMs,
    epochMs: config.program.epochMs ?? epochFallbackMs,
    paceScale: config.program.paceScale,
    searchAttributes: config.worker.searchAttributes,
    maxHistoryEvents: 10_000,
    connectionAlertAfterMs: config.program.connectionAlertAfterMs,
  };
}

/** A log-safe summary: which drivers are in use, never a secret or a full URL with credentials. */
export function describeConfig(config: WarmerConfig): Record<string, string> {
  const db = config.db.supabaseUrl ? 'supabase' : config.db.databaseUrl ? 'postgres' : `embedded (${config.db.dataDir})`;
  return {
    temporal: `${config.temporal.address} / ${config.temporal.namespace} / queue ${config.temporal.taskQueue}`,
    database: db,
    messaging: config.evolution.baseUrl ? new URL(config.evolution.baseUrl).origin : 'not configured',
    slack: config.slackWebhookUrl ? 'webhook configured' : 'log only',
    programDay: config.program.dayMs === REAL_DAY_MS ? '1 real day' : `${config.program.dayMs} ms`,
    events: config.events.urls.length > 0 ? `${config.events.urls.length} receiver(s), signed` : 'off',
    payloads: config.codec.keys ? `encrypted (key ${config.codec.keys[0]!.id}, ${config.codec.keys.length} known)` : 'plaintext',
  };
}
