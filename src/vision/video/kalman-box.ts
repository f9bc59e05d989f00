/**
 * Constant-velocity Kalman filter for one box, for the person tracker (tracker.ts).
 *
 * State: centre x, centre y, width, height (ratios of the frame, as `Box`) and their velocities
 * (ratios per second). The motion model, the measurement model and the noise are all diagonal
 * per coordinate, so the 8-state filter of SORT/ByteTrack splits exactly into four independent
 * 2-state (position, velocity) filters; each keeps a 2x2 covariance and the arithmetic is a few
 * dozen flops per step.
 *
 * Uneven time steps: frames come with timestamps, so the filter predicts over `dt` seconds with
 * the discretised continuous white-noise-acceleration model, Q = q [[dt^3/3, dt^2/2], [dt^2/2, dt]]
 * (Bar-Shalom, "Estimation with Applications to Tracking and Navigation", 6.2.2); a long gap
 * therefore widens the uncertainty by the right amount, and dt = 0 changes nothing.
 *
 * Noise scales with the box height, as in ByteTrack (in pixels there; here the frame's aspect
 * ratio converts a height into x units, so a sigma of "0.05 heights" means the same distance in
 * both axes). All noise figures are in box heights: measurement sigma as a fraction of the height,
 * process noise as an acceleration intensity (heights / s^2 per sqrt(Hz)), initial velocity sigma
 * in heights per second (a new track may be anything from standing to running).
 */
import type { Box } from '../boxes.js';

export interface KalmanNoise {
  /** Measurement sigma of each coordinate, as a fraction of the box height. */
  measurement: number;
  /** White-noise acceleration intensity of the centre, box heights / s^2 / sqrt(Hz). */
  centreAcceleration: number;
  /** The same for width and height (people change size slowly). */
  sizeAcceleration: number;
  /** Sigma of the initial centre velocity, box heights per second. */
  initialVelocity: number;
  /** Sigma of the initial size velocity, box heights per second. */
  initialSizeVelocity: number;
}

export const DEFAULT_KALMAN_NOISE: Readonly<KalmanNoise> = Object.freeze({
  measurement: 0.05,
  centreAcceleration: 0.8,
  sizeAcceleration: 0.3,
  initialVelocity: 2,
  initialSizeVelocity: 0.3,
});

/** Per coordinate: position, velocity, covariance P00, P01, P11. */
const STRIDE = 5;
const CX = 0;
const CY = 1;
const W = 2;
const H = 3;
const MIN_SIZE = 1e-4;

export class BoxKalman {
  private readonly s = new Float64Array(4 * STRIDE);

  /**
   * @param box the first measurement
   * @param frameAspect frame width / height in pixels (converts heights into x units)
   */
  constructor(
    box: Box,
    private readonly frameAspect: number,
    private readonly noise: Readonly<KalmanNoise> = DEFAULT_KALMAN_NOISE,
  ) {
    const z = measurement(box);
    const h = Math.max(box.height, MIN_SIZE);
    for (let k = 0; k < 4; k++) {
      const u = this.unit(k, h);
      const o = k * STRIDE;
      const vSigma = (k < 2 ? noise.initialVelocity : noise.initialSizeVelocity) * u;
      this.s[o] = z[k]!;
      this.s[o + 1] = 0;
      this.s[o + 2] = (noise.measurement * u) ** 2;
      this.s[o + 3] = 0;
      this.s[o + 4] = vSigma * vSigma;
    }
  }

  /** Distance unit of coordinate k: one box height in that axis's ratio units. */
  private unit(k: number, h: number): number {
    return k === CX || k === W ? h / this.frameAspect : h;
  }

  /** Advances the state by `dt` seconds; `holdSize` zeroes the size velocities first (used while a track is lost, as ByteTrack does). */
  predict(dt: number, holdSize = false): void {
    if (holdSize) {
      this.s[W * STRIDE + 1] = 0;
      this.s[H * STRIDE + 1] = 0;
    }
    if (!(dt > 0)) return;
    const h = this.height();
    const dt2 = dt * dt;
    const dt3 = dt2 * dt;
    for (let k = 0; k < 4; k++) {
      const o = k * STRIDE;
      const u = this.unit(k, h);
      const a = (k < 2 ? this.noise.centreAcceleration : this.noise.sizeAcceleration) * u;
      const q = a * a;
      const p00 = this.s[o + 2]!;
      const p01 = this.s[o + 3]!;
      const p11 = this.s[o + 4]!;
      this.s[o] = this.s[o]! + this.s[o + 1]! * dt;
      this.s[o + 2] = p00 + 2 * dt * p01 + dt2 * p11 + (q * dt3) / 3;
      this.s[o + 3] = p01 + dt * p11 + (q * dt2) / 2;
      this.s[o + 4] = p11 + q * dt;
    }
    if (this.s[W * STRIDE]! < MIN_SIZE) this.s[W * STRIDE] = MIN_SIZE;
    if (this.s[H * STRIDE]! < MIN_SIZE) this.s[H * STRIDE] = MIN_SIZE;
  }

  /** Corrects the state with a measured box. */
  update(box: Box): void {
    const z = measurement(box);
    const h = Math.max(box.height, MIN_SIZE);
    for (let k = 0; k < 4; k++) {
      const o = k * STRIDE;
      const r = (this.noise.measurement * this.unit(k, h)) ** 2;
      const p00 = this.s[o + 2]!;
      const p01 = this.s[o + 3]!;
      const p11 = this.s[o + 4]!;
      const sInv = 1 / (p00 + r);
      const k0 = p00 * sInv;
      const k1 = p01 * sInv;
      const y = z[k]! - this.s[o]!;
      this.s[o] = this.s[o]! + k0 * y;
      this.s[o + 1] = this.s[o + 1]! + k1 * y;
      this.s[o + 2] = p00 * r * sInv;
      this.s[o + 3] = p01 * r * sInv;
      this.s[o + 4] = p11 - p01 * k1;
    }
  }

  /** The current box estimate (may extend past the frame; callers clip). */
  box(): Box {
    const w = this.s[W * STRIDE]!;
    const h = this.s[H * STRIDE]!;
    return { left: this.s[CX * STRIDE]! - w / 2, top: this.s[CY * STRIDE]! - h / 2, width: w, height: h };
  }

  height(): number {
    return Math.max(this.s[H * STRIDE]!, MIN_SIZE);
  }

  /** Sigma of the centre position in ratio units of each axis. */
  centreSigma(): { x: number; y: number } {
    return { x: Math.sqrt(this.s[CX * STRIDE + 2]!), y: Math.sqrt(this.s[CY * STRIDE + 2]!) };
  }

  /** Centre velocity in ratio units per second. */
  velocity(): { x: number; y: number } {
    return { x: this.s[CX * STRIDE + 1]!, y: this.s[CY * STRIDE + 1]! };
  }
}

function measurement(b: Box): [number, number, number, number] {
  return [b.left + b.width / 2, b.top + b.height / 2, b.width, b.height];
}
