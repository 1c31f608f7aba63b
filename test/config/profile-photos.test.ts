import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/domain/errors';

test('WARMER_PROFILE_PHOTOS_DIR names an existing folder, or the configuration says which variable is wrong', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'warmer-photos-'));
  try {
    expect(loadConfig({}).profile.photosDir).toBeUndefined();
    expect(loadConfig({ WARMER_PROFILE_PHOTOS_DIR: dir }).profile.photosDir).toBe(path.resolve(dir));
    const missing = path.join(dir, 'nope');
    expect(() => loadConfig({ WARMER_PROFILE_PHOTOS_DIR: missing })).toThrow(ConfigError);
    expect(() => loadConfig({ WARMER_PROFILE_PHOTOS_DIR: missing })).toThrow(/WARMER_PROFILE_PHOTOS_DIR=.*must be an existing folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
