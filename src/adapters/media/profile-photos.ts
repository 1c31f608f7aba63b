/**
 * Where a chip's profile photo comes from: the operator's files for its fleet (WARMER_PROFILE_PHOTOS_DIR:
 * `<dir>/<fleet>/*.png|jpg`, else `<dir>/*.png|jpg`), or the small built-in library. The choice is
 * fixed per chip (its id picks the file), and the photo travels as plain base64: the provider fails on
 * a `data:` URI and cannot fetch a file of ours.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { hashString } from '../../domain/random';
import { BUILT_IN_PROFILE_PHOTOS } from './profile-photo-data';

export interface ProfilePhotos {
  /** Base64 of the chip's photo (no `data:` prefix). */
  photoFor(fleetId: string, chipId: string): string;
}

const PHOTO_FILE = /\.(png|jpe?g)$/i;
/** WhatsApp shrinks profile photos anyway; a bigger file only slows the call down. */
export const MAX_PROFILE_PHOTO_BYTES = 2 * 1024 * 1024;

function photoFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((name) => PHOTO_FILE.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

export function createProfilePhotos(opts: { dir?: string } = {}): ProfilePhotos {
  return {
    photoFor(fleetId, chipId) {
      const pick = hashString(chipId);
      // Read at each call: an operator may add a fleet's photos while the fleet runs.
      const files = opts.dir ? [path.join(opts.dir, fleetId), opts.dir].map(photoFiles).find((list) => list.length > 0) : undefined;
      if (files && files.length > 0) {
        const file = files[pick % files.length]!;
        const bytes = readFileSync(file);
        if (bytes.length > MAX_PROFILE_PHOTO_BYTES) {
          throw new Error(`Profile photo ${path.basename(file)} has ${bytes.length} bytes; keep photos under ${MAX_PROFILE_PHOTO_BYTES}.`);
        }
        return bytes.toString('base64');
      }
      return BUILT_IN_PROFILE_PHOTOS[pick % BUILT_IN_PROFILE_PHOTOS.length]!.base64;
    },
  };
}
