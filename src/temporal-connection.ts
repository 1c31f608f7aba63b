/**
 * How to reach Temporal, read by @temporalio/envconfig: the standard Temporal variables Warmer always
 * read (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS) and the ones it adds:
 * a temporal.toml profile (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE), mTLS and a private CA
 * (TEMPORAL_TLS_CLIENT_CERT_PATH, ..._KEY_PATH, ..._SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME;
 * the *_DATA forms too) and gRPC headers (TEMPORAL_GRPC_META_<NAME>). Variables win over the file.
 */
import type { TLSConfig } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';

/** The variables this module reads by name (TEMPORAL_GRPC_META_* are read by prefix). */
export const TEMPORAL_ENV_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
] as const;

export interface TemporalConnectionSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  /** undefined: the SDK's default (TLS on with an API key); false: off; an object: TLS with these settings. */
  tls?: TLSConfig | boolean;
  metadata?: Record<string, string>;
}

/** envconfig reads certificate files as Uint8Array; the connections document Buffers. */
function asBuffers(tls: TLSConfig | boolean | undefined): TLSConfig | boolean | undefined {
  if (typeof tls !== 'object') return tls;
  const buffer = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b));
  const pair = tls.clientCertPair;
  return {
    ...tls,
    serverRootCACertificate: buffer(tls.serverRootCACertificate),
    clientCertPair: pair ? { crt: Buffer.from(pair.crt), key: Buffer.from(pair.key) } : undefined,
  };
}

export const TEMPORAL_DEFAULTS = { address: 'localhost:7233', namespace: 'default' } as const;

/**
 * `tlsFlag` is TEMPORAL_TLS as config.ts validated it (it accepts yes/no/on/off, which envconfig
 * does not). Blank variables count as unset, as everywhere in Warmer's configuration.
 */
export function loadTemporalConnection(
  env: NodeJS.ProcessEnv,
  tlsFlag: boolean | undefined,
  problems: string[],
): TemporalConnectionSettings {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') vars[name] = value.trim();
  }
  delete vars.TEMPORAL_TLS;
  if (tlsFlag !== undefined) vars.TEMPORAL_TLS = String(tlsFlag);
  try {
    const { connectionOptions: o, namespace } = loadClientConnectConfig({ overrideEnvVars: vars });
    return {
      address: o.address ?? TEMPORAL_DEFAULTS.address,
      namespace: namespace ?? TEMPORAL_DEFAULTS.namespace,
      apiKey: typeof o.apiKey === 'string' ? o.apiKey : undefined,
      tls: asBuffers(o.tls ?? undefined),
      metadata: o.metadata as Record<string, string> | undefined,
    };
  } catch (err) {
    problems.push(`Temporal connection (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE, TEMPORAL_TLS_*): ${(err as Error).message}`);
    return { ...TEMPORAL_DEFAULTS };
  }
}
