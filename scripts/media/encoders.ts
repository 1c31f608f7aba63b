/**
 * Minimal encoders for the media library's built-in files (scripts/make-media-library.ts): PNG
 * (RGB, stored with zlib), lossless WebP (VP8L with two-symbol prefix codes: enough for a sticker
 * of one colour on transparency) and Ogg Opus (silent 20 ms CELT frames). No dependency beyond
 * Node: the files are made once and checked in, and nothing is downloaded at run time.
 */
import { deflateSync } from 'node:zlib';

/** RGBA pixels, row-major. */
export interface Bitmap {
  width: number;
  height: number;
  pixel(x: number, y: number): [number, number, number, number];
}

// ---- PNG ----------------------------------------------------------------------------------------

const CRC32_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 of PNG chunks (reflected, polynomial 0xEDB88320). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC32_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function encodePng(image: Bitmap): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(image.width, 0);
  header.writeUInt32BE(image.height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  const raw = Buffer.alloc((image.width * 3 + 1) * image.height);
  let at = 0;
  for (let y = 0; y < image.height; y++) {
    raw[at++] = 0; // filter: none
    for (let x = 0; x < image.width; x++) {
      const [r, g, b] = image.pixel(x, y);
      raw[at++] = r;
      raw[at++] = g;
      raw[at++] = b;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- WebP (lossless, VP8L) ----------------------------------------------------------------------

class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private used = 0;

  /** Writes the `count` low bits of `value`, least significant first (VP8L's bit order). */
  write(value: number, count: number): void {
    for (let i = 0; i < count; i++) {
      this.current |= ((value >>> i) & 1) << this.used;
      if (++this.used === 8) {
        this.bytes.push(this.current);
        this.current = 0;
        this.used = 0;
      }
    }
  }

  finish(): Buffer {
    if (this.used > 0) this.bytes.push(this.current);
    return Buffer.from(this.bytes);
  }
}

/**
 * VP8L without transforms, colour cache or meta codes. Every channel must take at most two values
 * over the image: each of the five prefix codes is then a "simple code" of one symbol (zero bits per
 * pixel) or two (one bit, the lower value coded 0 as canonical codes order them).
 */
export function encodeWebpLossless(image: Bitmap): Buffer {
  const pixels: Array<[number, number, number, number]> = [];
  for (let y = 0; y < image.height; y++) for (let x = 0; x < image.width; x++) pixels.push(image.pixel(x, y));
  // Channel order of the codes: green, red, blue, alpha (then distance).
  const channels = [1, 0, 2, 3].map((c) => [...new Set(pixels.map((p) => p[c]!))].sort((a, b) => a - b));
  for (const values of channels) if (values.length > 2) throw new Error('encodeWebpLossless: a channel takes more than two values');
  const bits = new BitWriter();
  bits.write(0x2f, 8); // VP8L signature
  bits.write(image.width - 1, 14);
  bits.write(image.height - 1, 14);
  bits.write(1, 1); // alpha is used
  bits.write(0, 3); // version
  bits.write(0, 1); // no transform
  bits.write(0, 1); // no colour cache
  bits.write(0, 1); // no meta prefix codes
  const simpleCode = (symbols: number[]) => {
    bits.write(1, 1); // simple code
    bits.write(symbols.length - 1, 1);
    const wide = symbols[0]! > 1;
    bits.write(wide ? 1 : 0, 1);
    bits.write(symbols[0]!, wide ? 8 : 1);
    if (symbols.length === 2) bits.write(symbols[1]!, 8);
  };
  for (const values of channels) simpleCode(values);
  simpleCode([0]); // distance: unused
  const order = [1, 0, 2, 3];
  for (const pixel of pixels) {
    order.forEach((channel, i) => {
      const values = channels[i]!;
      if (values.length === 2) bits.write(values.indexOf(pixel[channel]!), 1);
    });
  }
  const data = bits.finish();
  const chunk = Buffer.concat([
    Buffer.from('VP8L', 'latin1'),
    u32le(data.length),
    data,
    data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0),
  ]);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(4 + chunk.length), Buffer.from('WEBP', 'latin1'), chunk]);
}

function u32le(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
}

// ---- Ogg Opus -----------------------------------------------------------------------------------

const OGG_CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n << 24;
  for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
  return c >>> 0;
});

/** Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, no final xor). */
export function oggCrc(data: Uint8Array): number {
  let c = 0;
  for (const byte of data) c = ((c << 8) ^ OGG_CRC_TABLE[((c >>> 24) ^ byte) & 0xff]!) >>> 0;
  return c >>> 0;
}

function oggPage(packets: Buffer[], opts: { flags: number; granule: bigint; serial: number; sequence: number }): Buffer {
  const lacing: number[] = [];
  for (const packet of packets) {
    let left = packet.length;
    while (left >= 255) {
      lacing.push(255);
      left -= 255;
    }
    lacing.push(left);
  }
  const header = Buffer.alloc(27);
  header.write('OggS', 0, 'latin1');
  header[4] = 0; // version
  header[5] = opts.flags;
  header.writeBigUInt64LE(opts.granule, 6);
  header.writeUInt32LE(opts.serial, 14);
  header.writeUInt32LE(opts.sequence, 18);
  header[26] = lacing.length;
  const page = Buffer.concat([header, Buffer.from(lacing), ...packets]);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

/** 20 ms of silence: TOC 0xF8 (CELT-only, fullband, 20 ms, mono, one frame) and a silence frame. */
const SILENT_FRAME = Buffer.from([0xf8, 0xff, 0xfe]);
const SAMPLES_PER_FRAME = 960; // 20 ms at 48 kHz
const PRE_SKIP = 312;

/** A mono Ogg Opus stream of `seconds` of silence (RFC 7845 headers, RFC 6716 frames). */
export function encodeSilentOpus(seconds: number, serial: number): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1; // version
  head[9] = 1; // channels
  head.writeUInt16LE(PRE_SKIP, 10);
  head.writeUInt32LE(48_000, 12); // input sample rate (informative)
  head.writeInt16LE(0, 16); // output gain
  head[18] = 0; // channel mapping family
  const vendor = Buffer.from('warmer media library', 'utf8');
  const tags = Buffer.concat([Buffer.from('OpusTags', 'latin1'), u32le(vendor.length), vendor, u32le(0)]);
  const pages = [
    oggPage([head], { flags: 0x02, granule: 0n, serial, sequence: 0 }),
    oggPage([tags], { flags: 0, granule: 0n, serial, sequence: 1 }),
  ];
  const frames = Math.ceil((seconds * 48_000 + PRE_SKIP) / SAMPLES_PER_FRAME);
  const perPage = 50; // one second per page
  for (let done = 0; done < frames; done += perPage) {
    const count = Math.min(perPage, frames - done);
    const last = done + count >= frames;
    pages.push(
      oggPage(
        Array.from({ length: count }, () => SILENT_FRAME),
        {
          flags: last ? 0x04 : 0,
          // The last page's granule trims the stream to the exact length.
          granule: BigInt(last ? Math.round(seconds * 48_000) + PRE_SKIP : (done + count) * SAMPLES_PER_FRAME),
          serial,
          sequence: pages.length,
        },
      ),
    );
  }
  return Buffer.concat(pages);
}
