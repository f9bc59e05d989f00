/**
 * SMPTE timecodes for frame numbers, as Rekognition's segment detection writes them:
 * `HH:MM:SS:FF` for integer frame rates and `HH:MM:SS;FF` (drop-frame) for 29.97 and 59.94.
 *
 * Drop-frame timecode keeps the clock in step with NTSC's 30000/1001 rate by skipping frame
 * numbers 00 and 01 (00-03 at 59.94) at the start of every minute except each tenth minute; no
 * picture is dropped, only labels. 23.976 has no drop-frame form and is counted at a nominal 24,
 * as are other non-integer rates at their rounded rate (SMPTE 12M defines drop frame for the
 * 30000/1001 family only).
 * Rekognition's own example (segment-api.html) labels frame 299 at 29.97 fps `00:00:09;29`, and
 * writes durations with the same function applied to a frame count.
 */

export interface TimecodeBase {
  /** Frames per timecode second (30 for 29.97). */
  nominal: number;
  /** Frame numbers skipped per minute (2 at 29.97, 4 at 59.94, 0 when not drop-frame). */
  drop: number;
}

/** The timecode base for a frame rate: drop-frame when the rate is 30000/1001 or 60000/1001. */
export function timecodeBase(frameRate: number): TimecodeBase {
  if (!(frameRate > 0) || !Number.isFinite(frameRate)) throw new RangeError(`frame rate must be positive, got ${frameRate}`);
  for (const nominal of [30, 60]) {
    if (Math.abs(frameRate - (nominal * 1000) / 1001) < 0.005) return { nominal, drop: nominal / 15 };
  }
  return { nominal: Math.max(1, Math.round(frameRate)), drop: 0 };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * The SMPTE timecode of a 0-based frame number (or of a duration in frames).
 * @example smpteTimecode(299, 30000 / 1001) === '00:00:09;29'; smpteTimecode(1800, 30000 / 1001) === '00:01:00;02'
 */
export function smpteTimecode(frameNumber: number, frameRate: number): string {
  if (!Number.isInteger(frameNumber) || frameNumber < 0) throw new RangeError(`frame number must be a non-negative integer, got ${frameNumber}`);
  const { nominal, drop } = timecodeBase(frameRate);
  let n = frameNumber;
  if (drop > 0) {
    // Add back the labels skipped so far: `drop` per minute, except minutes 0, 10, 20, ...
    const per10Min = nominal * 600 - drop * 9;
    const perMin = nominal * 60 - drop;
    const tens = Math.floor(n / per10Min);
    const rest = n % per10Min;
    n += drop * 9 * tens + (rest > drop ? drop * Math.floor((rest - drop) / perMin) : 0);
  }
  const ff = n % nominal;
  const totalSeconds = Math.floor(n / nominal);
  const ss = totalSeconds % 60;
  const mm = Math.floor(totalSeconds / 60) % 60;
  const hh = Math.floor(totalSeconds / 3600);
  return `${pad(hh)}:${pad(mm)}:${pad(ss)}${drop > 0 ? ';' : ':'}${pad(ff)}`;
}
