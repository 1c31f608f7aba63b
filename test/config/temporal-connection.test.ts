/**
 * The Temporal connection comes from @temporalio/envconfig: today's variables keep their meaning
 * (blank = unset, TEMPORAL_TLS as Warmer always parsed it), and a temporal.toml profile, mTLS
 * files and gRPC headers work too. The last test connects to a real dev server through a profile.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { connectTemporal } from '../../src/app/context';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/domain/errors';
import { resolveTemporalBinary } from '../../src/temporal-binaries';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'warmer-envconfig-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('the variables Warmer always read', () => {
  it('defaults to a local server without TLS', () => {
    const { temporal } = loadConfig({});
    expect(temporal).toMatchObject({ address: 'localhost:7233', namespace: 'default', tls: false });
    expect(temporal.connection).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      apiKey: undefined,
      tls: undefined,
      metadata: undefined,
    });
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: ' ', TEMPORAL_NAMESPACE: '', TEMPORAL_API_KEY: '  ' }).temporal.connection).toMatchObject({
      address: 'localhost:7233',
      namespace: 'default',
      apiKey: undefined,
    });
  });

  it('turns TLS on with an API key (Temporal Cloud), and TEMPORAL_TLS=false turns it off', () => {
    const cloud = loadConfig({
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'k',
    }).temporal;
    expect(cloud).toMatchObject({ address: 'eu-west-1.aws.api.temporal.io:7233', namespace: 'ns.acct', apiKey: 'k', tls: true });
    expect(cloud.connection.tls).toBe(true);
    expect(loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).temporal.connection.tls).toBe(false);
  });

  it('accepts yes/on for TEMPORAL_TLS and names the variable when it is neither true nor false', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'yes' }).temporal.tls).toBe(true);
    expect(loadConfig({ TEMPORAL_TLS: 'ON' }).temporal.connection.tls).toEqual(expect.objectContaining({}));
    expect(() => loadConfig({ TEMPORAL_TLS: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ TEMPORAL_TLS: 'maybe' })).toThrow(/TEMPORAL_TLS=maybe must be true or false/);
  });
});

describe('what envconfig adds', () => {
  it('reads a profile of a temporal.toml file, with the variables winning over it', () => {
    const config = file(
      'temporal.toml',
      '[profile.default]\naddress = "file-default:7233"\n\n[profile.prod]\naddress = "prod.example:7233"\nnamespace = "warmer-prod"\n',
    );
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: config }).temporal.address).toBe('file-default:7233');
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'prod' }).temporal).toMatchObject({
      address: 'prod.example:7233',
      namespace: 'warmer-prod',
    });
    expect(loadConfig({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'other' }).temporal.namespace).toBe(
      'other',
    );
    expect(() => loadConfig({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'staging' })).toThrow(/Profile 'staging' not found/);
  });

  it('loads an mTLS client certificate and key, a CA and a server name', () => {
    const tls = loadConfig({
      TEMPORAL_TLS_CLIENT_CERT_PATH: file('client.pem', 'CERT'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: file('client.key', 'KEY'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: file('ca.pem', 'CA'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    }).temporal.connection.tls as {
      clientCertPair: { crt: Buffer; key: Buffer };
      serverRootCACertificate: Buffer;
      serverNameOverride: string;
    };
    expect(Buffer.isBuffer(tls.clientCertPair.crt)).toBe(true);
    expect(tls.clientCertPair.crt).toEqual(Buffer.from('CERT'));
    expect(tls.clientCertPair.key).toEqual(Buffer.from('KEY'));
    expect(tls.serverRootCACertificate).toEqual(Buffer.from('CA'));
    expect(tls.serverNameOverride).toBe('temporal.internal');
  });

  it('passes TEMPORAL_GRPC_META_* as gRPC headers', () => {
    expect(loadConfig({ TEMPORAL_GRPC_META_X_TENANT: 'loja' }).temporal.connection.metadata).toEqual({ 'x-tenant': 'loja' });
  });

  it('connects to a real server through a profile', async () => {
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: resolveTemporalBinary('cli') } },
    });
    try {
      const config = file('dev.toml', `[profile.dev]\naddress = "${env.address}"\nnamespace = "default"\n`);
      const handles = await connectTemporal(loadConfig({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'dev' }));
      try {
        const info = await handles.connection.workflowService.getSystemInfo({});
        expect(info.serverVersion).toMatch(/^\d+\.\d+/);
      } finally {
        await handles.connection.close();
      }
    } finally {
      await env.teardown();
    }
  });
});
