/** Buckets: list, create and delete buckets; browse a bucket's objects page by page; upload and delete objects. */
import { useEffect, useState } from 'preact/hooks';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, type _Object } from '@aws-sdk/client-s3';
import { objectUrl, s3, typeFor } from '../api';
import { ErrorBox } from '../components/error';
import { DropZone } from '../components/image-picker';
import { Pager, usePager } from '../components/pager';
import { useAction } from '../components/use-action';
import { navigate } from '../router';

const PAGE_SIZE = 50;

/** Puts a file into a bucket under `key`. */
export async function uploadFile(bucket: string, key: string, file: File): Promise<void> {
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: new Uint8Array(await file.arrayBuffer()), ContentType: file.type || typeFor(file.name) }));
}

export function BucketsPage(props: { path: string }) {
  const selected = decodeURIComponent(props.path.replace(/^\//, '').split('/')[0] ?? '');
  const [buckets, setBuckets] = useState<string[]>([]);
  const [name, setName] = useState('');
  const action = useAction();
  const load = () => action.run(async () => setBuckets(((await s3().send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!)));
  useEffect(() => void load(), []);
  return (
    <section class="columns">
      <div class="panel">
        <h2>Buckets</h2>
        <ul class="list">
          {buckets.map((b) => (
            <li class={b === selected ? 'selected' : undefined}>
              <a onClick={() => navigate(`/buckets/${encodeURIComponent(b)}`)}>{b}</a>
              <button
                class="danger"
                title="Delete the bucket (it must be empty)"
                onClick={() =>
                  confirm(`Delete bucket ${b}?`) &&
                  action.run(async () => {
                    await s3().send(new DeleteBucketCommand({ Bucket: b }));
                    if (b === selected) navigate('/buckets');
                    await load();
                  })
                }
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            action.run(async () => {
              await s3().send(new CreateBucketCommand({ Bucket: name.trim() }));
              setName('');
              await load();
            });
          }}
        >
          <input placeholder="new bucket name" aria-label="new bucket name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
          <button type="submit">Create</button>
        </form>
        <ErrorBox error={action.error} />
      </div>
      <div>{selected ? <Objects key={selected} bucket={selected} /> : <p class="note">Choose a bucket.</p>}</div>
    </section>
  );
}

function Objects(props: { bucket: string }) {
  const [objects, setObjects] = useState<_Object[]>([]);
  const [nextToken, setNextToken] = useState<string>();
  const [prefix, setPrefix] = useState('');
  const [uploading, setUploading] = useState('');
  const pager = usePager();
  const action = useAction();
  const load = () =>
    action.run(async () => {
      const out = await s3().send(new ListObjectsV2Command({ Bucket: props.bucket, MaxKeys: PAGE_SIZE, ContinuationToken: pager.token, ...(prefix ? { Prefix: prefix } : {}) }));
      setObjects(out.Contents ?? []);
      setNextToken(out.NextContinuationToken);
    });
  useEffect(() => void load(), [pager.token, prefix]);
  const upload = (files: File[]) =>
    action.run(async () => {
      for (const f of files) {
        setUploading(f.name);
        await uploadFile(props.bucket, prefix + f.name, f);
      }
      setUploading('');
      await load();
    });
  return (
    <div>
      <h2>{props.bucket}</h2>
      <div class="row">
        <input placeholder="prefix filter, e.g. images/" aria-label="prefix" value={prefix} onChange={(e) => (pager.reset(), setPrefix(e.currentTarget.value))} />
      </div>
      <DropZone multiple name="upload" label={uploading ? `Uploading ${uploading}…` : `Drop files here, or click to pick them: they go to s3://${props.bucket}/${prefix}`} onFiles={upload} />
      <ErrorBox error={action.error} />
      <table class="objects">
        <thead>
          <tr>
            <th>Key</th>
            <th>Size</th>
            <th>Last modified</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {objects.map((o) => (
            <tr>
              <td>{o.Key}</td>
              <td>{o.Size?.toLocaleString()} B</td>
              <td>{o.LastModified?.toLocaleString()}</td>
              <td class="row">
                <button
                  onClick={() =>
                    action.run(async () => {
                      const a = document.createElement('a');
                      a.href = await objectUrl(props.bucket, o.Key!);
                      a.download = o.Key!.replace(/^.*\//, '');
                      a.click();
                      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
                    })
                  }
                >
                  Download
                </button>
                <button
                  class="danger"
                  onClick={() =>
                    action.run(async () => {
                      await s3().send(new DeleteObjectCommand({ Bucket: props.bucket, Key: o.Key! }));
                      await load();
                    })
                  }
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {objects.length === 0 && !action.busy && <p class="note">No objects{prefix && ` under ${prefix}`}.</p>}
      <Pager page={pager.page} nextToken={nextToken} onNext={pager.next} onPrevious={pager.previous} />
    </div>
  );
}
