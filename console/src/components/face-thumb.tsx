/**
 * A face cropped from its original image. The API keeps no image, so the console remembers where the
 * images it indexed came from: an object in a bucket (kept in localStorage, fetched again when needed)
 * or a dropped file (for this page's lifetime only). A face whose image is unknown shows its ids only.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { objectUrl } from '../api';
import type { Box } from './overlay';
import type { PickedImage } from './image-picker';

const STORE = 'argus.faceImages';
const urls = new Map<string, string>();

function locations(): Record<string, { bucket: string; key: string }> {
  return JSON.parse(localStorage.getItem(STORE) ?? '{}') as Record<string, { bucket: string; key: string }>;
}

/** Remembers the image an IndexFaces call read, under the ImageId Argus gave it. */
export function rememberImage(imageId: string, image: PickedImage): void {
  urls.set(imageId, image.url);
  if (image.s3) localStorage.setItem(STORE, JSON.stringify({ ...locations(), [imageId]: image.s3 }));
}

async function urlFor(imageId: string): Promise<string | undefined> {
  const known = urls.get(imageId);
  if (known) return known;
  const where = locations()[imageId];
  if (!where) return undefined;
  const url = await objectUrl(where.bucket, where.key);
  urls.set(imageId, url);
  return url;
}

/** Draws `box` (ratios) of the image at `url` into `canvas`, with a margin. */
export async function drawCrop(canvas: HTMLCanvasElement, url: string, box: Box | undefined): Promise<void> {
  const img = new Image();
  img.src = url;
  await img.decode();
  const w = img.naturalWidth;
  const h = img.naturalHeight;
  const b = box ?? { Left: 0, Top: 0, Width: 1, Height: 1 };
  const m = 0.15;
  const x = Math.max(0, ((b.Left ?? 0) - (b.Width ?? 1) * m) * w);
  const y = Math.max(0, ((b.Top ?? 0) - (b.Height ?? 1) * m) * h);
  const cw = Math.min(w - x, (b.Width ?? 1) * (1 + 2 * m) * w);
  const ch = Math.min(h - y, (b.Height ?? 1) * (1 + 2 * m) * h);
  canvas.width = 110;
  canvas.height = 110;
  const ctx = canvas.getContext('2d')!;
  const s = Math.min(110 / cw, 110 / ch);
  ctx.clearRect(0, 0, 110, 110);
  ctx.drawImage(img, x, y, cw, ch, (110 - cw * s) / 2, (110 - ch * s) / 2, cw * s, ch * s);
}

export function FaceThumb(props: { imageId?: string; url?: string; box?: Box; caption: ComponentChildren; title?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [known, setKnown] = useState(true);
  useEffect(() => {
    let live = true;
    (async () => {
      const url = props.url ?? (props.imageId ? await urlFor(props.imageId) : undefined);
      if (!live) return;
      if (!url) return setKnown(false);
      await drawCrop(canvas.current!, url, props.box);
    })().catch(() => live && setKnown(false));
    return () => {
      live = false;
    };
  }, [props.imageId, props.url, props.box?.Left, props.box?.Top]);
  return (
    <figure class="thumb" title={props.title}>
      {known ? <canvas ref={canvas} /> : <div class="noimage">image not in a bucket</div>}
      <figcaption>{props.caption}</figcaption>
    </figure>
  );
}
