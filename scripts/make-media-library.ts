/**
 * The media library's files (src/adapters/media/files) and the module that ships them
 * (src/adapters/media/library-data.ts, base64, so the worker needs no file at run time).
 *
 *   npx tsx scripts/make-media-library.ts          # makes missing built-in files, rewrites the module
 *   npx tsx scripts/make-media-library.ts --force  # also remakes the built-in files
 *
 * To add an item, drop `<kind>-<name>.<ext>` in the files folder (kind: image, sticker or audio;
 * ext: png, jpg, webp, ogg) and run the script. Keep items small (tens of KB at most): each send
 * carries the file inline.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Bitmap, encodePng, encodeSilentOpus, encodeWebpLossless } from './media/encoders';

const ROOT = path.join(__dirname, '..');
export const FILES_DIR = path.join(ROOT, 'src', 'adapters', 'media', 'files');
const MODULE = path.join(ROOT, 'src', 'adapters', 'media', 'library-data.ts');

const MIME: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  ogg: 'audio/ogg; codecs=opus',
};

const mix = (a: number, b: number, t: number) => Math.round(a + (b - a) * Math.min(1, Math.max(0, t)));

/** A sunset: orange to purple sky, a sun, a dark sea. */
const sunset: Bitmap = {
  width: 64,
  height: 48,
  pixel(x, y) {
    if (y > 34) return [20, 30 + (y % 3) * 6, 70, 255];
    if ((x - 32) ** 2 + (y - 30) ** 2 < 64) return [255, 214, 90, 255];
    const t = y / 34;
    return [mix(120, 255, t), mix(60, 140, t), mix(160, 60, t), 255];
  },
};

/** A blue sky with two clouds. */
const sky: Bitmap = {
  width: 64,
  height: 48,
  pixel(x, y) {
    const cloud = ((x - 18) / 12) ** 2 + ((y - 16) / 5) ** 2 < 1 || ((x - 44) / 10) ** 2 + ((y - 28) / 4) ** 2 < 1;
    if (cloud) return [245, 245, 250, 255];
    const t = y / 48;
    return [mix(60, 150, t), mix(120, 200, t), mix(220, 250, t), 255];
  },
};

const TRANSPARENT: [number, number, number, number] = [0, 0, 0, 0];

/** A red heart on transparency. */
const heart: Bitmap = {
  width: 96,
  height: 96,
  pixel(x, y) {
    const u = (x - 48) / 36;
    const v = (52 - y) / 36;
    const inside = (u * u + v * v - 1) ** 3 - u * u * v * v * v <= 0;
    return inside ? [220, 30, 60, 255] : TRANSPARENT;
  },
};

/** A yellow smiling face (eyes and mouth cut out) on transparency. */
const smile: Bitmap = {
  width: 96,
  height: 96,
  pixel(x, y) {
    const r = Math.hypot(x - 48, y - 48);
    const eye = Math.hypot(x - 34, y - 36) < 6 || Math.hypot(x - 62, y - 36) < 6;
    const mouth = r > 20 && r < 27 && y > 52;
    return r < 44 && !eye && !mouth ? [255, 200, 0, 255] : TRANSPARENT;
  },
};

const BUILT_IN: Record<string, () => Buffer> = {
  'image-por-do-sol.png': () => encodePng(sunset),
  'image-ceu-azul.png': () => encodePng(sky),
  'sticker-coracao.webp': () => encodeWebpLossless(heart),
  'sticker-sorriso.webp': () => encodeWebpLossless(smile),
  'audio-curto.ogg': () => encodeSilentOpus(1.5, 0x5741524d),
  'audio-medio.ogg': () => encodeSilentOpus(3.2, 0x5741524e),
};

/** Length of an Ogg Opus stream: its last page's granule, less the pre-skip, at 48 kHz. */
export function opusSeconds(file: Buffer): number | null {
  const last = file.lastIndexOf('OggS');
  const head = file.indexOf('OpusHead');
  if (last < 0 || head < 0) return null;
  const granule = Number(file.readBigUInt64LE(last + 6));
  return Math.round(((granule - file.readUInt16LE(head + 10)) / 48_000) * 10) / 10;
}

export interface MediaFileEntry {
  id: string;
  kind: 'image' | 'sticker' | 'audio';
  fileName: string;
  mimetype: string;
  seconds: number | null;
  base64: string;
}

/** Every file of the folder as the module ships it; a misnamed file is an error, not skipped. */
export function readLibraryFiles(dir = FILES_DIR): MediaFileEntry[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((fileName) => {
      const match = /^(image|sticker|audio)-([a-z0-9-]+)\.([a-z0-9]+)$/.exec(fileName);
      const mimetype = match ? MIME[match[3]!] : undefined;
      if (!match || !mimetype) throw new Error(`${fileName}: expected <image|sticker|audio>-<name>.<${Object.keys(MIME).join('|')}>`);
      const bytes = readFileSync(path.join(dir, fileName));
      const kind = match[1] as MediaFileEntry['kind'];
      return {
        id: fileName.replace(/\.[^.]+$/, ''),
        kind,
        fileName,
        mimetype,
        seconds: kind === 'audio' && match[3] === 'ogg' ? opusSeconds(bytes) : null,
        base64: bytes.toString('base64'),
      };
    });
}

export function renderModule(entries: MediaFileEntry[]): string {
  const lines = entries.map(
    (e) =>
      `  {\n    id: '${e.id}',\n    kind: '${e.kind}',\n    fileName: '${e.fileName}',\n    mimetype: '${e.mimetype}',\n` +
      `    seconds: ${e.seconds === null ? 'null' : e.seconds},\n    base64:\n      '${e.base64}',\n  },`,
  );
  return [
    '// Generated by scripts/make-media-library.ts from src/adapters/media/files: do not edit, run the script.',
    "import type { MediaFileData } from './media-library';",
    '',
    'export const MEDIA_FILES: readonly MediaFileData[] = [',
    ...lines,
    '];',
    '',
  ].join('\n');
}

function main(): void {
  const force = process.argv.includes('--force');
  mkdirSync(FILES_DIR, { recursive: true });
  for (const [name, make] of Object.entries(BUILT_IN)) {
    const file = path.join(FILES_DIR, name);
    if (force || !existsSync(file)) {
      writeFileSync(file, make());
      console.log(`made ${path.relative(ROOT, file)}`);
    }
  }
  const entries = readLibraryFiles();
  writeFileSync(MODULE, renderModule(entries));
  console.log(`wrote ${path.relative(ROOT, MODULE)}: ${entries.map((e) => e.id).join(', ')}`);
}

if (require.main === module) main();
