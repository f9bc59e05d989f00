/** Buckets: list, create and delete buckets; browse a bucket's objects page by page; upload and delete objects. */
import { useState } from 'preact/hooks';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { objectUrl, s3, typeFor } from '../api';
import { ErrorBox } from '../components/error';
import { DropZone } from '../components/image-picker';
import { CreateForm } from '../components/create-form';
import { DeleteButton } from '../components/delete-button';
import { Pager } from '../components/pager';
import { Table } from '../components/table';
import { usePagedList } from '../components/use-paged-list';
import { navigate } from '../router';

const PAGE_SIZE = 50;

/** Puts a file into a bucket under `key`. */
export async function uploadFile(bucket: string, key: string, file: File): Promise<void> {
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: new Uint8Array(await file.arrayBuffer()), ContentType: file.type || typeFor(file.name) }));
}

export function BucketsPage(props: { path: string }) {
  const selected = decodeURIComponent(props.path.replace(/^\//, '').split('/')[0] ?? '');
  const list = usePagedList(async () => ({ items: ((await s3().send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!), nextToken: undefined }));
  return (
    <section class="columns">
      <div class="panel">
        <h2>Buckets</h2>
        <ul class="list">
          {list.items.map((b) => (
            <li class={b === selected ? 'selected' : undefined}>
              <a onClick={() => navigate(`/buckets/${encodeURIComponent(b)}`)}>{b}</a>
              <DeleteButton
                title="Delete the bucket (it must be empty)"
                confirm={`Delete bucket ${b}?`}
                onDelete={() =>
                  list.runAndReload(async () => {
                    await s3().send(new DeleteBucketCommand({ Bucket: b }));
                    if (b === selected) navigate('/buckets');
                  })
                }
              />
            </li>
          ))}
        </ul>
        <CreateForm label="new bucket name" button="Create" run={list.runAndReload} onCreate={(name) => s3().send(new CreateBucketCommand({ Bucket: name }))} />
        <ErrorBox error={list.error} />
      </div>
      <div>{selected ? <Objects key={selected} bucket={selected} /> : <p class="note">Choose a bucket.</p>}</div>
    </section>
  );
}

function Objects(props: { bucket: string }) {
  const [prefix, setPrefix] = useState('');
  const [uploading, setUploading] = useState('');
  const list = usePagedList(async (ContinuationToken) => {
    const out = await s3().send(new ListObjectsV2Command({ Bucket: props.bucket, MaxKeys: PAGE_SIZE, ContinuationToken, ...(prefix ? { Prefix: prefix } : {}) }));
    return { items: out.Contents ?? [], nextToken: out.NextContinuationToken };
  }, [prefix]);
  const objects = list.items;
  const upload = (files: File[]) =>
    list.runAndReload(async () => {
      for (const f of files) {
        setUploading(f.name);
        await uploadFile(props.bucket, prefix + f.name, f);
      }
      setUploading('');
    });
  return (
    <div>
      <h2>{props.bucket}</h2>
      <div class="row">
        <input placeholder="prefix filter, e.g. images/" aria-label="prefix" value={prefix} onChange={(e) => (list.pager.reset(), setPrefix(e.currentTarget.value))} />
      </div>
      <DropZone multiple name="upload" label={uploading ? `Uploading ${uploading}…` : `Drop files here, or click to pick them: they go to s3://${props.bucket}/${prefix}`} onFiles={upload} />
      <ErrorBox error={list.error} />
      <Table class="objects" head={['Key', 'Size', 'Last modified', '']}>
        {objects.map((o) => (
          <tr>
            <td>{o.Key}</td>
            <td>{o.Size?.toLocaleString()} B</td>
            <td>{o.LastModified?.toLocaleString()}</td>
            <td class="row">
              <button
                onClick={() =>
                  list.run(async () => {
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
              <DeleteButton onDelete={() => list.runAndReload(() => s3().send(new DeleteObjectCommand({ Bucket: props.bucket, Key: o.Key! })))} />
            </td>
          </tr>
        ))}
      </Table>
      {objects.length === 0 && !list.busy && <p class="note">No objects{prefix && ` under ${prefix}`}.</p>}
      <Pager {...list.pagerProps} />
    </div>
  );
}
