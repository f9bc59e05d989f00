/**
 * An image (or a video frame) with what was found drawn over it: boxes with their names and
 * confidences, polygons (text lines), paths (people's tracks) and points (face landmarks).
 * Coordinates are Rekognition's ratios of the picture's width and height, so the drawing follows
 * the picture at any size.
 */
import type { ComponentChildren } from 'preact';
export interface Point {
  X?: number;
  Y?: number;
}

export interface Box {
  Left?: number;
  Top?: number;
  Width?: number;
  Height?: number;
}

export interface Shape {
  label: string;
  confidence?: number;
  box?: Box;
  polygon?: Point[];
  /** An open line (a person's path). */
  path?: Point[];
  points?: (Point & { Type?: string })[];
}

const pct = (v: number | undefined) => `${((v ?? 0) * 100).toFixed(3)}%`;

/** A stable colour per label name. */
export function colourFor(name: string): string {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  // The golden angle spreads names that differ in one character (Person 1, Person 2) around the wheel.
  return `hsl(${Math.round((h * 137.508) % 360)} 80% 38%)`;
}

export function Overlay(props: { src: string; shapes: Shape[]; alt?: string }) {
  return (
    <Drawn shapes={props.shapes}>
      <img src={props.src} alt={props.alt ?? 'image'} />
    </Drawn>
  );
}

const tag = (s: Shape) => (
  <>
    {s.label}
    {s.confidence !== undefined && ` ${s.confidence.toFixed(1)}%`}
  </>
);

/** The shapes over whatever picture is the child (an <img> or a <video>). */
export function Drawn(props: { shapes: Shape[]; children: ComponentChildren }) {
  return (
    <div class="overlay">
      {props.children}
      <svg viewBox="0 0 1 1" preserveAspectRatio="none" aria-hidden="true">
        {props.shapes.map((s) =>
          s.polygon && s.polygon.length > 2 ? (
            <polygon class="shape-polygon" points={s.polygon.map((p) => `${p.X ?? 0},${p.Y ?? 0}`).join(' ')} stroke={colourFor(s.label)} />
          ) : s.path && s.path.length > 1 ? (
            <polyline class="shape-polygon" points={s.path.map((p) => `${p.X ?? 0},${p.Y ?? 0}`).join(' ')} stroke={colourFor(s.label)} />
          ) : null,
        )}
      </svg>
      {props.shapes.map((s) => (
        <>
          {s.box && (
            <div class="shape-box" style={{ left: pct(s.box.Left), top: pct(s.box.Top), width: pct(s.box.Width), height: pct(s.box.Height), borderColor: colourFor(s.label) }}>
              <span class="shape-tag" style={{ background: colourFor(s.label) }}>
                {tag(s)}
              </span>
            </div>
          )}
          {!s.box && s.polygon && s.polygon[0] && (
            <span class="shape-tag floating" style={{ left: pct(Math.min(...s.polygon.map((p) => p.X ?? 1))), top: pct(Math.min(...s.polygon.map((p) => p.Y ?? 1))), background: colourFor(s.label) }}>
              {tag(s)}
            </span>
          )}
          {s.points?.map((p) => <span class="shape-point" title={p.Type} style={{ left: pct(p.X), top: pct(p.Y) }} />)}
        </>
      ))}
    </div>
  );
}
