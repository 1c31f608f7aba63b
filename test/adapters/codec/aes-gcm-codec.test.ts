/**
 * The AES-256-GCM payload codec and its keys (WARMER_CODEC_KEYS): round trip, rotation, tampering,
 * plaintext written before encryption, and clear errors for bad keys.
 */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, parseCodecKeys } from '../../../src/adapters/codec/aes-gcm-codec';
import { loadConfig, requireWorkerConfig } from '../../../src/config';
import { ConfigError } from '../../../src/domain/errors';

const key = () => randomBytes(32);
const PHONE = '5511987654321';
const payload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const text = (bytes?: Uint8Array | null) => Buffer.from(bytes ?? []).toString();

describe('AesGcmPayloadCodec', () => {
  const k1 = { id: 'k1', key: key() };
  const k2 = { id: 'k2', key: key() };

  it('encrypts with the first key, naming it, and decodes back to the same payload', async () => {
    const codec = new AesGcmPayloadCodec([k2, k1]);
    const original = payload({ chip: { phone: PHONE }, text: 'Oi, tudo bem?' });
    const [encoded] = await codec.encode([original]);
    expect(text(encoded!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded!.metadata![KEY_ID_METADATA])).toBe('k2');
    expect(Buffer.from(encoded!.data!).toString('latin1')).not.toContain(PHONE);
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ chip: { phone: PHONE }, text: 'Oi, tudo bem?' });
  });

  it('uses a fresh IV each time', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const [a, b] = await codec.encode([payload('same'), payload('same')]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('reads payloads of a retired key while it is still listed, and names a key that is missing', async () => {
    const [old] = await new AesGcmPayloadCodec([k1]).encode([payload(PHONE)]);
    const rotated = new AesGcmPayloadCodec([k2, k1]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toBe(PHONE);
    await expect(new AesGcmPayloadCodec([k2]).decode([old!])).rejects.toThrow(/encrypted with key 'k1', which is not in WARMER_CODEC_KEYS/);
  });

  it('refuses a payload that was altered', async () => {
    const codec = new AesGcmPayloadCodec([k1]);
    const [encoded] = await codec.encode([payload(PHONE)]);
    const data = Buffer.from(encoded!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...encoded!, data }])).rejects.toThrow();
  });

  it('passes plaintext payloads (written before encryption was on) through', async () => {
    const plain = payload({ a: 1 });
    expect(await new AesGcmPayloadCodec([k1]).decode([plain])).toEqual([plain]);
  });
});

describe('WARMER_CODEC_KEYS', () => {
  const b64 = key().toString('base64');

  it('parses id:base64 pairs, the first one active', () => {
    const keys = parseCodecKeys(`new:${b64}, old:${key().toString('base64')}`);
    expect(keys.map((k) => k.id)).toEqual(['new', 'old']);
    expect(keys[0]!.key.toString('base64')).toBe(b64);
  });

  it.each([
    ['nokey', /entry 1 must be <id>:<base64 key>/],
    [`k1:${Buffer.alloc(16).toString('base64')}`, /key 'k1' must be 32 bytes in base64 \(it is 16\)/],
    [`k1:${b64},k1:${b64}`, /key id 'k1' appears twice/],
    [' , ', /holds no key/],
  ])('refuses %s with a message that names the problem, never the key', (raw, message) => {
    expect(() => parseCodecKeys(raw)).toThrow(message);
    try {
      parseCodecKeys(raw);
    } catch (err) {
      expect(String(err)).not.toContain(b64);
    }
  });

  it('a production worker refuses to start without a key, unless WARMER_ALLOW_PLAINTEXT=1', () => {
    const worker = { EVOLUTION_API_URL: 'http://127.0.0.1:9', EVOLUTION_API_KEY: 'k', WEBHOOK_SECRET: 'webhook-secret-0123456789' };
    expect(() => requireWorkerConfig(loadConfig(worker))).toThrow(ConfigError);
    expect(() => requireWorkerConfig(loadConfig(worker))).toThrow(/WARMER_CODEC_KEYS is required.*WARMER_ALLOW_PLAINTEXT=1/s);
    expect(() => requireWorkerConfig(loadConfig({ ...worker, WARMER_ALLOW_PLAINTEXT: '1' }))).not.toThrow();
    expect(() => requireWorkerConfig(loadConfig({ ...worker, WARMER_CODEC_KEYS: `k1:${b64}` }))).not.toThrow();
    expect(() => loadConfig({ WARMER_CODEC_KEYS: 'k1:short' })).toThrow(/WARMER_CODEC_KEYS: key 'k1' must be 32 bytes/);
  });

  it('the codec endpoint needs a token of 16 characters or more, and keys', () => {
    expect(() => loadConfig({ WARMER_CODEC_KEYS: `k1:${b64}`, WARMER_CODEC_PORT: '8083' })).toThrow(/WARMER_CODEC_TOKEN must be set too/);
    expect(() => loadConfig({ WARMER_CODEC_PORT: '8083', WARMER_CODEC_TOKEN: 'x'.repeat(16) })).toThrow(/WARMER_CODEC_KEYS is not/);
    const config = loadConfig({ WARMER_CODEC_KEYS: `k1:${b64}`, WARMER_CODEC_PORT: '8083', WARMER_CODEC_TOKEN: 'x'.repeat(16) });
    expect(config.codec.endpoint).toMatchObject({
      port: 8083,
      corsOrigins: expect.arrayContaining(['http://localhost:8233', 'http://localhost:8080']),
    });
  });
});
