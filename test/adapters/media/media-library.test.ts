/**
 * The media library: the shipped module matches the files, every file is a well-formed PNG, WebP
 * or Ogg Opus (checksums included), items are small, and every dialogue's media exists.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readLibraryFiles, renderModule } from '../../../scripts/make-media-library';
import { crc32, oggCrc } from '../../../scripts/media/encoders';
import { DIALOGUE_LIBRARY } from '../../../src/adapters/dialogue/library';
import { applyMessageMix } from '../../../src/activities/turn-content';
import { createMediaLibrary, REACTION_EMOJIS } from '../../../src/adapters/media/media-library';
import { MEDIA_FILES } from '../../../src/adapters/media/library-data';
import { isSingleEmoji } from '../../../src/domain/message-mix';
import { seededRandom } from '../../../src/domain/random';

const ROOT = path.join(__dirname, '..', '..', '..');
const files = readLibraryFiles();
const bytesOf = (id: string) => Buffer.from(MEDIA_FILES.find((f) => f.id === id)!.base64, 'base64');

describe('media library', () => {
  it('ships exactly the files of src/adapters/media/files (run scripts/make-media-library.ts after adding one)', () => {
    expect(readFileSync(path.join(ROOT, 'src/adapters/media/library-data.ts'), 'utf8')).toBe(renderModule(files));
    expect(MEDIA_FILES.map((f) => f.id)).toEqual(files.map((f) => f.id));
  });

  it('has at least two items of each kind, each small', () => {
    const library = createMediaLibrary();
    for (const kind of ['sticker', 'image', 'audio'] as const) expect(library.ids(kind).length).toBeGreaterThanOrEqual(2);
    for (const file of MEDIA_FILES) expect(Buffer.from(file.base64, 'base64').length).toBeLessThan(16 * 1024);
    for (const emoji of REACTION_EMOJIS) expect(isSingleEmoji(emoji)).toBe(true);
  });

  it('pictures are valid PNG (chunk CRCs) or lossless WebP (RIFF sizes, VP8L header) of the declared size', () => {
    for (const file of MEDIA_FILES.filter((f) => f.kind !== 'audio')) {
      const bytes = bytesOf(file.id);
      if (file.mimetype === 'image/png') {
        expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        const types: string[] = [];
        for (let at = 8; at < bytes.length;) {
          const length = bytes.readUInt32BE(at);
          const body = bytes.subarray(at + 4, at + 8 + length);
          expect(bytes.readUInt32BE(at + 8 + length)).toBe(crc32(body));
          types.push(body.subarray(0, 4).toString('latin1'));
          at += 12 + length;
        }
        expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
      } else {
        expect(file.mimetype).toBe('image/webp');
        expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
        expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
        expect(bytes.subarray(8, 16).toString('latin1')).toBe('WEBPVP8L');
        expect(bytes[20]).toBe(0x2f); // VP8L signature
        const bits = bytes.readUInt32LE(21);
        expect([(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1]).toEqual([96, 96]); // sticker size
      }
    }
  });

  it('voice notes are Ogg Opus: valid page CRCs, OpusHead first, OpusTags second, a length in seconds', () => {
    for (const file of MEDIA_FILES.filter((f) => f.kind === 'audio')) {
      const bytes = bytesOf(file.id);
      const pages: Buffer[] = [];
      for (let at = 0; at < bytes.length;) {
        expect(bytes.subarray(at, at + 4).toString('latin1')).toBe('OggS');
        const segments = bytes[at + 26]!;
        const body = [...bytes.subarray(at + 27, at + 27 + segments)].reduce((a, b) => a + b, 0);
        const page = Buffer.from(bytes.subarray(at, at + 27 + segments + body));
        const crc = page.readUInt32LE(22);
        page.writeUInt32LE(0, 22);
        expect(oggCrc(page)).toBe(crc);
        pages.push(page);
        at += page.length;
      }
      expect(pages[0]!.subarray(28, 36).toString('latin1')).toBe('OpusHead');
      expect(pages[1]!.subarray(28, 36).toString('latin1')).toBe('OpusTags');
      expect(pages.at(-1)![5]! & 0x04).toBe(0x04); // end of stream
      expect(file.seconds).toBeGreaterThanOrEqual(1);
      expect(file.seconds).toBeLessThanOrEqual(10);
    }
  });

  it('every media turn written in the dialogue library names an item of its kind', () => {
    const library = createMediaLibrary();
    const written = DIALOGUE_LIBRARY.flatMap((d) => d.turns.flatMap((t) => (t.media ? [t.media] : [])));
    expect(new Set(written.map((m) => m.kind))).toEqual(new Set(['reaction', 'sticker', 'image', 'audio']));
    for (const media of written) {
      if (media.kind === 'reaction') expect(isSingleEmoji(media.emoji)).toBe(true);
      else expect(library.get(media.asset)?.kind).toBe(media.kind);
    }
  });

  it('the planner dresses turns with library items, keeps written ones, and drops media the phase does not allow', () => {
    const library = createMediaLibrary();
    const dialogue = DIALOGUE_LIBRARY.find((d) => d.id === 'ceu-azul-depois-da-chuva')!;
    const late = applyMessageMix(dialogue, { A: 'operacao', B: 'operacao' }, seededRandom(1), library);
    expect(late.turns.map((t) => t.media?.kind ?? 'text')).toEqual(['text', 'image', 'reaction', 'text', 'text', 'audio', 'sticker']);
    expect(late.turns.map((t) => t.text)).toEqual(dialogue.turns.map((t) => t.text));
    const early = applyMessageMix(dialogue, { A: 'primeiros_contatos', B: 'primeiros_contatos' }, seededRandom(1), library);
    expect(early.turns.every((t) => t.media === undefined)).toBe(true);
    // An item the library lacks falls back to the text.
    const broken = {
      ...dialogue,
      turns: dialogue.turns.map((t) => (t.media?.kind === 'image' ? { ...t, media: { kind: 'image' as const, asset: 'image-nope' } } : t)),
    };
    expect(applyMessageMix(broken, { A: 'operacao', B: 'operacao' }, seededRandom(1), library).turns[1]!.media).toBeUndefined();
    // Drawn media come from the library.
    const plain = DIALOGUE_LIBRARY.find((d) => d.turns.length === 12 && d.turns.every((t) => !t.media))!;
    const items = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      for (const t of applyMessageMix(plain, { A: 'operacao', B: 'operacao' }, seededRandom(seed), library).turns) {
        if (t.media) items.add(t.media.kind === 'reaction' ? t.media.emoji : t.media.asset);
      }
    }
    for (const file of MEDIA_FILES) expect(items).toContain(file.id);
  });
});
