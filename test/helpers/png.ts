/** Reads PNG files for tests: size and how much of the image is drawn on. */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';

export interface PngContent {
  width: number;
  height: number;
  /** Share of pixels that are not (near) white. */
  inked: number;
  /** Distinct colours (exact RGB). */
  colours: number;
  /** Pixels of each RGB colour, keyed `r,g,b`. */
  counts: Map<string, number>;
}

export function pngContent(path: string, region?: { x: number; y: number; width: number; height: number }): PngContent {
  const png = PNG.sync.read(readFileSync(path));
  const area = region ?? { x: 0, y: 0, width: png.width, height: png.height };
  const counts = new Map<string, number>();
  let inked = 0;
  for (let y = area.y; y < Math.min(png.height, area.y + area.height); y++) {
    for (let x = area.x; x < Math.min(png.width, area.x + area.width); x++) {
      const i = (y * png.width + x) * 4;
      const [r, g, b] = [png.data[i] as number, png.data[i + 1] as number, png.data[i + 2] as number];
      if (r < 240 || g < 240 || b < 240) inked++;
      const key = `${r},${g},${b}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return { width: png.width, height: png.height, inked: inked / (area.width * area.height), colours: counts.size, counts };
}
