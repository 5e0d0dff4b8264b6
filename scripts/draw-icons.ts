// Draws Reach's two Teams icons and writes them to appPackage/:
//   color.png    192×192, a full-bleed calm teal square with a white monoline "R"
//   outline.png   32×32,  the same "R" in white on a transparent background
//
// Teams rounds the corners of the colour icon itself and asks for a solid background with
// the symbol inside the middle 96×96, and for an outline icon that is white and transparent
// only. No image library: shapes are distance fields, anti-aliased by 8×8 supersampling,
// and the PNG is written by hand (zlib deflate + CRC32).
//
// Run with:  npx tsx scripts/draw-icons.ts

import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateSync } from "node:zlib";

/** The colour icon's background, also the manifest's `accentColor`. */
export const ACCENT = "#176B87";

type Rgb = readonly [number, number, number];

const WHITE: Rgb = [255, 255, 255];

function hexToRgb(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

// --- PNG -------------------------------------------------------------------------------

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Encodes 8-bit RGBA pixels (row-major, 4 bytes a pixel) as a PNG. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) {
    throw new Error(`expected ${width * height * 4} bytes of RGBA, got ${rgba.length}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: truecolour with alpha
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0
  ihdr[12] = 0; // no interlace
  // Each scanline is prefixed with its filter type; 0 (None) keeps the encoder trivial.
  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0;
    raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// --- The mark --------------------------------------------------------------------------

function distToSegment(
  px: number,
  py: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Distance to the right half of a circle (y grows downwards), from top to bottom. */
function distToRightArc(px: number, py: number, cx: number, cy: number, r: number): number {
  if (px >= cx) return Math.abs(Math.hypot(px - cx, py - cy) - r);
  return Math.min(Math.hypot(px - cx, py - (cy - r)), Math.hypot(px - cx, py - (cy + r)));
}

// A monoline "R" with round caps, in a unit box (0..1, y down). The stroke is drawn where
// the distance to its centre line is at most STROKE / 2.
const STROKE = 0.135;
const STEM_X = 0.3;
const TOP = 0.15;
const BOTTOM = 0.85;
const BOWL_R = 0.185;
const BOWL_X = 0.5;
const BOWL_CY = TOP + BOWL_R;
const WAIST = BOWL_CY + BOWL_R;

function distToR(x: number, y: number): number {
  return Math.min(
    distToSegment(x, y, STEM_X, TOP, STEM_X, BOTTOM), // stem
    distToSegment(x, y, STEM_X, TOP, BOWL_X, TOP), // top of the bowl
    distToRightArc(x, y, BOWL_X, BOWL_CY, BOWL_R), // bowl
    distToSegment(x, y, BOWL_X, WAIST, STEM_X, WAIST), // waist
    distToSegment(x, y, BOWL_X - 0.03, WAIST, 0.74, BOTTOM), // leg
  );
}

const SAMPLES = 8;

/**
 * Coverage (0..1) of the "R" for each pixel of a size×size image, with the unit box of the
 * letter mapped to the square of side `box` centred in the image.
 */
function coverage(size: number, box: number): Float64Array {
  const out = new Float64Array(size * size);
  const origin = (size - box) / 2;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES - origin) / box;
          const y = (py + (sy + 0.5) / SAMPLES - origin) / box;
          if (distToR(x, y) <= STROKE / 2) hits++;
        }
      }
      out[py * size + px] = hits / (SAMPLES * SAMPLES);
    }
  }
  return out;
}

/** 192×192: the accent colour, full bleed, with the white "R" in the middle 96×96. */
export function drawColorIcon(): Buffer {
  const size = 192;
  const cover = coverage(size, 96);
  const bg = hexToRgb(ACCENT);
  const rgba = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const a = cover[i];
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = Math.round(bg[c] * (1 - a) + WHITE[c] * a);
    rgba[i * 4 + 3] = 255;
  }
  return encodePng(size, size, rgba);
}

/** 32×32: the white "R" on transparent; anti-aliasing lives in the alpha channel only. */
export function drawOutlineIcon(): Buffer {
  const size = 32;
  const cover = coverage(size, 30);
  const rgba = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const alpha = Math.round(cover[i] * 255);
    // Fully transparent pixels are transparent black; every visible pixel is pure white.
    if (alpha > 0) rgba.set([...WHITE, alpha], i * 4);
  }
  return encodePng(size, size, rgba);
}

function main(): void {
  const dir = fileURLToPath(new URL("../appPackage/", import.meta.url));
  writeFileSync(resolve(dir, "color.png"), drawColorIcon());
  writeFileSync(resolve(dir, "outline.png"), drawOutlineIcon());
  console.log(`wrote ${resolve(dir, "color.png")} and ${resolve(dir, "outline.png")}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
