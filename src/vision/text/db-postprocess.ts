/**
 * DB (Differentiable Binarization) post-processing, as PaddleOCR's DBPostProcess in "quad" mode:
 * probability map -> binary map -> connected components -> minimum-area rectangle of each
 * component -> mean probability inside it ("box score") -> unclip (offset outwards by
 * area * ratio / perimeter, since DB predicts shrunk text kernels) -> rectangle again.
 * Pure: a Float32Array in, quadrilaterals in map pixels out.
 */
import { boundsOf, minAreaRect, offsetConvexPolygon, pointInPolygon, polygonArea, polygonPerimeter, quadSize, type Point, type Quad } from './geometry.js';

export interface DbOptions {
  /** Pixels with probability above this are text (PaddleOCR det_db_thresh). */
  threshold: number;
  /** Regions whose mean probability is below this are dropped (det_db_box_thresh). */
  boxThreshold: number;
  /** How far the kernel is grown back: distance = area * ratio / perimeter (det_db_unclip_ratio). */
  unclipRatio: number;
  /** Regions whose short side is below this many map pixels are dropped. */
  minSize: number;
  /** At most this many components are examined, largest first. */
  maxCandidates: number;
}

export const DB_DEFAULTS: Readonly<DbOptions> = Object.freeze({ threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3, maxCandidates: 1000 });

export interface TextRegion {
  /** Corners in map pixels, ordered top-left, top-right, bottom-right, bottom-left of the image. */
  quad: Quad;
  /** Mean text probability inside the (shrunk) region, 0..1. */
  score: number;
}

interface Component {
  boundary: Point[];
  size: number;
}

/** 8-connected components of `bits`, each with its boundary pixels (a 4-neighbour is background). */
export function components(bits: Uint8Array, width: number, height: number): Component[] {
  const label = new Int32Array(width * height);
  const out: Component[] = [];
  const stack: number[] = [];
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && bits[y * width + x] === 1;
  for (let start = 0; start < bits.length; start++) {
    if (bits[start] !== 1 || label[start] !== 0) continue;
    const id = out.length + 1;
    const comp: Component = { boundary: [], size: 0 };
    label[start] = id;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % width;
      const y = (i - x) / width;
      comp.size++;
      if (!on(x - 1, y) || !on(x + 1, y) || !on(x, y - 1) || !on(x, y + 1)) comp.boundary.push({ x, y });
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if ((dx || dy) && on(x + dx, y + dy)) {
            const j = (y + dy) * width + x + dx;
            if (label[j] === 0) {
              label[j] = id;
              stack.push(j);
            }
          }
        }
      }
    }
    out.push(comp);
  }
  return out;
}

/** Mean of `map` over the pixels whose centres fall inside `poly` (PaddleOCR's box_score_fast). */
export function meanInside(map: Float32Array, width: number, height: number, poly: readonly Point[]): number {
  const xs = poly.map((p) => p.x);
  const ys = poly.map((p) => p.y);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(...ys)));
  let sum = 0;
  let n = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (pointInPolygon({ x, y }, poly)) {
        sum += map[y * width + x]!;
        n++;
      }
    }
  }
  return n ? sum / n : 0;
}

/**
 * Text regions in a `width` x `height` probability map, highest score first. Quads are in map
 * pixels (scale them to the image yourself) and may reach a little outside the map.
 */
export function dbPostprocess(map: Float32Array, width: number, height: number, options: Partial<DbOptions> = {}): TextRegion[] {
  const o = { ...DB_DEFAULTS, ...options };
  if (map.length < width * height) throw new RangeError(`probability map has ${map.length} values, expected ${width}x${height}`);
  const bits = new Uint8Array(width * height);
  for (let i = 0; i < bits.length; i++) bits[i] = map[i]! > o.threshold ? 1 : 0;
  const comps = components(bits, width, height)
    .filter((c) => c.size >= 4)
    .sort((a, b) => b.size - a.size)
    .slice(0, o.maxCandidates);
  const out: TextRegion[] = [];
  for (const c of comps) {
    const rect = minAreaRect(c.boundary);
    if (!rect || rect.short < o.minSize) continue;
    const score = meanInside(map, width, height, rect.quad);
    if (score < o.boxThreshold) continue;
    const area = polygonArea(rect.quad);
    const grown = minAreaRect(offsetConvexPolygon(rect.quad, (area * o.unclipRatio) / polygonPerimeter(rect.quad)));
    if (!grown || grown.short < o.minSize + 2) continue;
    out.push({ quad: grown.quad, score });
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * Joins regions that continue each other on one text row: the same direction (within 10 degrees),
 * similar heights (at most 1.5 times), centres less than half a height apart across the row, and
 * overlapping or touching along it after unclipping. DB splits a line at wide word gaps ("OPEN" |
 * "24 HOURS" in bold type); each unclipped half then reaches into the other's first letter, which
 * the recogniser reads as an extra character ("1 24 HOURS"). Rekognition returns such a row as one
 * LINE; a gap wider than the unclip margins (a receipt's item and price columns) keeps two lines.
 */
export function mergeRowFragments(regions: readonly TextRegion[]): TextRegion[] {
  // Union-find over every pair whose bounds touch; a chain of fragments becomes one region.
  const parent = regions.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  const bounds = regions.map((r) => boundsOf(r.quad));
  for (let i = 0; i < regions.length; i++) {
    const a = bounds[i]!;
    for (let j = i + 1; j < regions.length; j++) {
      const b = bounds[j]!;
      if (a.left > b.left + b.width || b.left > a.left + a.width || a.top > b.top + b.height || b.top > a.top + a.height) continue;
      if (continues(regions[i]!.quad, regions[j]!.quad)) parent[root(j)] = root(i);
    }
  }
  const groups = new Map<number, TextRegion[]>();
  regions.forEach((r, i) => groups.set(root(i), [...(groups.get(root(i)) ?? []), r]));
  const out = [...groups.values()].map((g) => {
    if (g.length === 1) return { ...g[0]! };
    // The joined score is the fragments' mean weighted by their length.
    const widths = g.map((r) => quadSize(r.quad).width);
    const total = widths.reduce((a, w) => a + w, 0);
    return { quad: minAreaRect(g.flatMap((r) => r.quad))!.quad, score: g.reduce((a, r, k) => a + r.score * widths[k]!, 0) / total };
  });
  return out.sort((a, b) => b.score - a.score);
}

const MAX_ANGLE = (10 * Math.PI) / 180;

function continues(a: Quad, b: Quad): boolean {
  const sa = quadSize(a);
  const sb = quadSize(b);
  if (Math.max(sa.height, sb.height) > 1.5 * Math.min(sa.height, sb.height)) return false;
  const dir = (q: Quad) => Math.atan2(q[1].y - q[0].y + q[2].y - q[3].y, q[1].x - q[0].x + q[2].x - q[3].x);
  let dAngle = Math.abs(dir(a) - dir(b)) % Math.PI;
  if (dAngle > Math.PI / 2) dAngle = Math.PI - dAngle;
  if (dAngle > MAX_ANGLE) return false;
  // Coordinates along (u) and across (v) a's row.
  const t = dir(a);
  const ux = Math.cos(t);
  const uy = Math.sin(t);
  const u = (p: Point) => p.x * ux + p.y * uy;
  const v = (p: Point) => -p.x * uy + p.y * ux;
  const mean = (q: Quad, f: (p: Point) => number) => q.reduce((s, p) => s + f(p), 0) / 4;
  if (Math.abs(mean(a, v) - mean(b, v)) > 0.5 * Math.min(sa.height, sb.height)) return false;
  const gap = Math.max(Math.min(...b.map(u)) - Math.max(...a.map(u)), Math.min(...a.map(u)) - Math.max(...b.map(u)));
  return gap <= 0;
}
