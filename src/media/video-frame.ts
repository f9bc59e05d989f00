/** One decoded video frame, as the frame source (media/video.ts) hands it to the analysers. */
export interface VideoFrame {
  /** 0-based number of the frame in the video (counting every decoded frame, sampled or not). */
  index: number;
  /** Presentation time in milliseconds from the start of the video (the first frame is at 0 unless the stream starts late). */
  timestampMs: number;
  width: number;
  height: number;
  /** RGB, 8-bit, interleaved, row-major: width * height * 3 bytes. Display orientation (rotation already applied). */
  data: Uint8Array;
}
