/**
 * Encrypts every payload Temporal stores (workflow inputs and results, activity arguments, signals,
 * queries, memos, schedule actions) with AES-256-GCM, so phone numbers and dialogue never sit in
 * clear in Temporal's database or Temporal Cloud. The first key encrypts; every key decrypts, so a
 * key is rotated by putting a new one first and keeping the old ones until their histories are gone.
 * Each encrypted payload names its key in its metadata; plaintext payloads (written before
 * encryption was turned on) pass through unchanged.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ConfigError } from '../../domain/errors';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface CodecKey {
  id: string;
  key: Buffer;
}

/** `id1:base64,id2:base64` (WARMER_CODEC_KEYS): each key 32 bytes; the first one encrypts. */
export function parseCodecKeys(raw: string, variable = 'WARMER_CODEC_KEYS'): CodecKey[] {
  const keys: CodecKey[] = [];
  for (const [index, entry] of raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .entries()) {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    // Values are secrets: messages name the entry by position and id, never by value.
    if (!KEY_ID.test(id))
      throw new ConfigError(`${variable}: entry ${index + 1} must be <id>:<base64 key> with an id of letters, digits, '.', '_' or '-'`);
    const key = Buffer.from(entry.slice(colon + 1).trim(), 'base64');
    if (key.length !== 32) {
      throw new ConfigError(
        `${variable}: key '${id}' must be 32 bytes in base64 (it is ${key.length}); make one with: openssl rand -base64 32`,
      );
    }
    if (keys.some((k) => k.id === id)) throw new ConfigError(`${variable}: key id '${id}' appears twice`);
    keys.push({ id, key });
  }
  if (keys.length === 0) throw new ConfigError(`${variable} is set but holds no key`);
  return keys;
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly active: CodecKey;

  constructor(keys: CodecKey[]) {
    if (keys.length === 0) throw new ConfigError('The payload codec needs at least one key');
    this.active = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.active.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.active.id) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[KEY_ID_METADATA]) ?? '';
      const key = this.byId.get(id);
      if (!key)
        throw new ConfigError(`A payload is encrypted with key '${id}', which is not in WARMER_CODEC_KEYS: add it back to read it.`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new ConfigError(`An encrypted payload (key '${id}') is truncated.`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}
