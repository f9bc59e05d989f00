/** Choose an image: drop or pick a file, or name an object in a bucket. */
import { useEffect, useState } from 'preact/hooks';
import { ListBucketsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { getObjectBytes, s3, typeFor } from '../api';
import { ErrorBox } from './error';
import { useAction } from './use-action';

export interface PickedImage {
  name: string;
  bytes: Uint8Array;
  /** A blob: URL showing the image. */
  url: string;
  /** Where it came from when it is an object in a bucket. */
  s3?: { bucket: string; key: string };
}

export function picked(name: string, bytes: Uint8Array, s3Object?: { bucket: string; key: string }): PickedImage {
  return { name, bytes, url: URL.createObjectURL(new Blob([bytes as BlobPart], { type: typeFor(name) })), ...(s3Object ? { s3: s3Object } : {}) };
}

export async function fromFile(file: File): Promise<PickedImage> {
  return picked(file.name, new Uint8Array(await file.arrayBuffer()));
}

/** A drop zone with a file input inside; calls onFiles with what was dropped or picked. */
export function DropZone(props: { onFiles: (files: File[]) => void; multiple?: boolean; label: string; name?: string; accept?: string }) {
  const [over, setOver] = useState(false);
  return (
    <label
      class={over ? 'drop over' : 'drop'}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const files = [...(e.dataTransfer?.files ?? [])];
        if (files.length) props.onFiles(props.multiple ? files : files.slice(0, 1));
      }}
    >
      <span>{props.label}</span>
      <input
        type="file"
        name={props.name}
        multiple={props.multiple}
        accept={props.accept}
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])];
          e.currentTarget.value = '';
          if (files.length) props.onFiles(files);
        }}
      />
    </label>
  );
}

export function ImagePicker(props: { onImage: (img: PickedImage) => void; name?: string; label?: string }) {
  const [buckets, setBuckets] = useState<string[]>([]);
  const [bucket, setBucket] = useState('');
  const [key, setKey] = useState('');
  const [keys, setKeys] = useState<string[]>([]);
  const action = useAction();
  useEffect(() => {
    action.run(async () => {
      const out = await s3().send(new ListBucketsCommand({}));
      const names = (out.Buckets ?? []).map((b) => b.Name!).filter(Boolean);
      setBuckets(names);
      setBucket((b) => b || names[0] || '');
    });
  }, []);
  // The bucket's first images, offered as the key is typed.
  useEffect(() => {
    if (!bucket) return;
    s3()
      .send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }))
      .then((out) => setKeys((out.Contents ?? []).map((o) => o.Key!).filter((k) => /\.(jpe?g|png)$/i.test(k))))
      .catch(() => setKeys([]));
  }, [bucket]);
  const listId = `keys-${props.name ?? 'image'}`;
  return (
    <div class="picker">
      <DropZone name={props.name} accept="image/jpeg,image/png" label={props.label ?? 'Drop a JPEG or PNG here, or click to pick one'} onFiles={async (files) => action.run(async () => props.onImage(await fromFile(files[0]!)))} />
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          action.run(async () => props.onImage(picked(key, await getObjectBytes(bucket, key), { bucket, key })));
        }}
      >
        <span>or from a bucket:</span>
        <select value={bucket} onChange={(e) => setBucket(e.currentTarget.value)} aria-label="bucket">
          {buckets.length === 0 && <option value="">no buckets</option>}
          {buckets.map((b) => (
            <option value={b}>{b}</option>
          ))}
        </select>
        <input placeholder="key, e.g. photos/cat.jpg" value={key} onInput={(e) => setKey(e.currentTarget.value)} aria-label="object key" list={listId} />
        <datalist id={listId}>
          {keys.map((k) => (
            <option value={k} />
          ))}
        </datalist>
        <button type="submit" disabled={!bucket || !key || action.busy}>
          Load
        </button>
      </form>
      <ErrorBox error={action.error} />
    </div>
  );
}
