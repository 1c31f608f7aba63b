import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUILT_IN_PROFILE_PHOTOS } from '../../../src/adapters/media/profile-photo-data';
import { createProfilePhotos } from '../../../src/adapters/media/profile-photos';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('profile photos', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'warmer-photos-'));
    mkdirSync(path.join(dir, 'fleet-a'));
    writeFileSync(path.join(dir, 'fleet-a', 'one.png'), Buffer.from('fleet-a photo'));
    writeFileSync(path.join(dir, 'shared.jpg'), Buffer.from('shared photo'));
    writeFileSync(path.join(dir, 'notes.txt'), 'not a photo');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the built-in library holds real PNGs, sent as plain base64 (never a data: URI)', () => {
    const photo = createProfilePhotos().photoFor('any', 'chip-1');
    expect(photo).not.toMatch(/^data:/);
    expect(Buffer.from(photo, 'base64').subarray(0, 4)).toEqual(PNG_SIGNATURE);
    expect(BUILT_IN_PROFILE_PHOTOS.map((p) => p.base64)).toContain(photo);
    expect(createProfilePhotos().photoFor('any', 'chip-1')).toBe(photo); // fixed per chip
  });

  test("an operator's folder: the fleet's own photos first, then the shared ones; other files ignored", () => {
    const photos = createProfilePhotos({ dir });
    expect(Buffer.from(photos.photoFor('fleet-a', 'chip-1'), 'base64').toString()).toBe('fleet-a photo');
    expect(Buffer.from(photos.photoFor('fleet-b', 'chip-1'), 'base64').toString()).toBe('shared photo');
  });
});
