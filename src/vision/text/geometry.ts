/**
 * Plane geometry for text regions: convex hulls, minimum-area rectangles, polygon offsetting (the
 * DB "unclip"), quadrilaterals in reading order, and the share of a polygon inside a region.
 * Pure; coordinates are whatever the caller uses (map pixels, image pixels or ratios).
 */
import type { Box } from '../boxes.js';

export interface Point {
  x: number;
  y: number;
}

/**
 * A text quadrilateral in reading order: top-left, top-right, bottom-right, bottom-left *of the
 * text* (for text upside down in the image, the first point is the image's bottom-right corner).
 */
export type Quad = [Point, Point, Point, Point];

const dist = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);
const lerp = (a: Point, b: Point, t: number): Point => ({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t });
const cross = (o: Point, a: Point, b: Point) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);

/** Shoelace area (absolute). */
export function polygonArea(pts: readonly Point[]): number {
  let s = 0;
  for (let i = 0; i < pts.length; i++) {
    const a = pts[i]!;
    const b = pts[(i + 1) % pts.length]!;
    s += a.x * b.y - b.x * a.y;
  }
  return Math.abs(s) / 2;
}

export function polygonPerimeter(pts: readonly Point[]): number {
  let s = 0;
  for (let i = 0; i < pts.length; i++) s += dist(pts[i]!, pts[(i + 1) % pts.length]!);
  return s;
}

/** Convex hull (Andrew's monotone chain), counter-clockwise in a y-up frame, no collinear points. */
export function convexHull(points: readonly Point[]): Point[] {
  const p = [...points].sort((a, b) => a.x - b.x || a.y - b.y);
  if (p.length < 3) return p;
  const lower: Point[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: Point[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop();
    upper.push(q);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

export interface RotatedRect {
  /** Corners in image order (see orderQuad). */
  quad: Quad;
  /** Lengths of the two sides. */
  long: number;
  short: number;
}

/**
 * The minimum-area enclosing rectangle of a point set (rotating the frame to each hull edge), as
 * OpenCV's minAreaRect. Undefined for fewer than one point; degenerate sets give a zero side.
 */
export function minAreaRect(points: readonly Point[]): RotatedRect | undefined {
  const hull = convexHull(points);
  if (hull.length === 0) return undefined;
  if (hull.length < 3) {
    const a = hull[0]!;
    const b = hull[hull.length - 1]!;
    return { quad: orderQuad([a, b, b, a]), long: dist(a, b), short: 0 };
  }
  let best: { area: number; corners: Point[]; w: number; h: number } | undefined;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    const len = dist(a, b);
    if (len === 0) continue;
    const ux = (b.x - a.x) / len;
    const uy = (b.y - a.y) / len;
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const p of hull) {
      const u = p.x * ux + p.y * uy;
      const v = -p.x * uy + p.y * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (!best || area < best.area) {
      const at = (u: number, v: number): Point => ({ x: u * ux - v * uy, y: u * uy + v * ux });
      best = { area, corners: [at(minU, minV), at(maxU, minV), at(maxU, maxV), at(minU, maxV)], w: maxU - minU, h: maxV - minV };
    }
  }
  if (!best) return undefined;
  return { quad: orderQuad(best.corners), long: Math.max(best.w, best.h), short: Math.min(best.w, best.h) };
}

/**
 * Orders four corners as top-left, top-right, bottom-right, bottom-left in image coordinates
 * (y down), as PaddleOCR does: the two leftmost points form the left side, the upper of each
 * pair comes first.
 */
export function orderQuad(pts: readonly Point[]): Quad {
  if (pts.length !== 4) throw new RangeError(`orderQuad needs 4 points, got ${pts.length}`);
  const s = [...pts].sort((a, b) => a.x - b.x || a.y - b.y);
  const [l1, l2, r1, r2] = s as Quad;
  const [tl, bl] = l1.y <= l2.y ? [l1, l2] : [l2, l1];
  const [tr, br] = r1.y <= r2.y ? [r1, r2] : [r2, r1];
  return [{ ...tl }, { ...tr }, { ...br }, { ...bl }];
}

/**
 * Offsets a convex polygon outwards by `distance` with round corners (the Clipper JT_ROUND offset
 * PaddleOCR's DB post-processing uses to "unclip" a shrunk text kernel). Each corner's arc is
 * approximated by segments at most `maxArcStep` radians apart.
 */
export function offsetConvexPolygon(pts: readonly Point[], distance: number, maxArcStep = Math.PI / 16): Point[] {
  const hull = convexHull(pts);
  if (hull.length < 3 || distance === 0) return hull.map((p) => ({ ...p }));
  // convexHull is counter-clockwise in y-up terms, i.e. its signed shoelace area is positive and
  // the outward normal of edge a->b is (dy, -dx)/len.
  const out: Point[] = [];
  const n = hull.length;
  const normal = (a: Point, b: Point) => {
    const len = dist(a, b) || 1;
    return { x: (b.y - a.y) / len, y: -(b.x - a.x) / len };
  };
  for (let i = 0; i < n; i++) {
    const prev = hull[(i - 1 + n) % n]!;
    const cur = hull[i]!;
    const next = hull[(i + 1) % n]!;
    const n1 = normal(prev, cur);
    const n2 = normal(cur, next);
    const a1 = Math.atan2(n1.y, n1.x);
    // Walk the short way round from the previous edge's normal to the next one's.
    let delta = Math.atan2(n2.y, n2.x) - a1;
    while (delta > Math.PI) delta -= 2 * Math.PI;
    while (delta < -Math.PI) delta += 2 * Math.PI;
    const steps = Math.max(1, Math.ceil(Math.abs(delta) / maxArcStep));
    for (let s = 0; s <= steps; s++) {
      const a = a1 + (delta * s) / steps;
      out.push({ x: cur.x + Math.cos(a) * distance, y: cur.y + Math.sin(a) * distance });
    }
  }
  return out;
}

/** Ray-casting point-in-polygon test (points on an edge may fall either way). */
export function pointInPolygon(p: Point, poly: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i]!;
    const b = poly[j]!;
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

/** Axis-aligned bounding box of points. */
export function boundsOf(pts: readonly Point[]): Box {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of pts) {
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x);
    maxY = Math.max(maxY, p.y);
  }
  return { left: minX, top: minY, width: maxX - minX, height: maxY - minY };
}

/** Length of the reading direction (mean of the top and bottom edges) and of the text height. */
export function quadSize(q: Quad): { width: number; height: number } {
  return { width: (dist(q[0], q[1]) + dist(q[3], q[2])) / 2, height: (dist(q[0], q[3]) + dist(q[1], q[2])) / 2 };
}

/** The same quadrilateral starting `k` corners later (k = 2: the text read upside down). */
export function rotateQuad(q: Quad, k: number): Quad {
  const s = ((k % 4) + 4) % 4;
  return [q[s]!, q[(s + 1) % 4]!, q[(s + 2) % 4]!, q[(s + 3) % 4]!].map((p) => ({ ...p })) as Quad;
}

/** The part of a quadrilateral between fractions f0 < f1 of its reading direction. */
export function subQuad(q: Quad, f0: number, f1: number): Quad {
  return [lerp(q[0], q[1], f0), lerp(q[0], q[1], f1), lerp(q[3], q[2], f1), lerp(q[3], q[2], f0)];
}

/** Scales every point (e.g. pixels to ratios of the image). */
export function scaleQuad(q: Quad, sx: number, sy: number): Quad {
  return q.map((p) => ({ x: p.x * sx, y: p.y * sy })) as Quad;
}

/** Clamps every point into [0, maxX] x [0, maxY]. */
export function clampQuad(q: Quad, maxX: number, maxY: number): Quad {
  return q.map((p) => ({ x: Math.min(maxX, Math.max(0, p.x)), y: Math.min(maxY, Math.max(0, p.y)) })) as Quad;
}

/**
 * The share of quadrilateral `q` that lies inside `region` (any simple polygon), estimated on an
 * n x n grid of points spread evenly over `q`.
 */
export function shareInside(q: Quad, region: readonly Point[], n = 8): number {
  let inside = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const u = (j + 0.5) / n;
      const v = (i + 0.5) / n;
      const p = lerp(lerp(q[0], q[1], u), lerp(q[3], q[2], u), v);
      if (pointInPolygon(p, region)) inside++;
    }
  }
  return inside / (n * n);
}

/** A Box as a clockwise polygon. */
export function boxPolygon(b: Box): Quad {
  return [
    { x: b.left, y: b.top },
    { x: b.left + b.width, y: b.top },
    { x: b.left + b.width, y: b.top + b.height },
    { x: b.left, y: b.top + b.height },
  ];
}
