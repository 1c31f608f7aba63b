/**
 * DEV ONLY. The dev stack encrypts payloads like production: its key and the codec endpoint's token
 * are made on the first `npm run dev` and kept in <dev dir>/dev-codec.json (owner-only), so the
 * history of earlier runs stays readable and a reused dev server's UI keeps its endpoint.
 * WARMER_CODEC_KEYS in the environment wins over the file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface DevCodecSettings {
  /** WARMER_CODEC_KEYS form: `id:base64`. */
  keys: string;
  token: string;
}

export function devCodecSettings(devDir: string, env: NodeJS.ProcessEnv): DevCodecSettings {
  const file = path.join(devDir, 'dev-codec.json');
  let saved: Partial<DevCodecSettings> = {};
  if (existsSync(file)) saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevCodecSettings>;
  const settings = {
    keys: saved.keys ?? `dev1:${randomBytes(32).toString('base64')}`,
    token: saved.token ?? randomBytes(24).toString('hex'),
  };
  if (settings.keys !== saved.keys || settings.token !== saved.token)
    writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  return { keys: env.WARMER_CODEC_KEYS?.trim() || settings.keys, token: settings.token };
}
