/**
 * Faces: collections (list, create, delete), their faces (paged, cropped from the original where the
 * console knows it), users, IndexFaces from a photo, SearchFacesByImage, and CompareFaces.
 */
import { useEffect, useState } from 'preact/hooks';
import {
  AssociateFacesCommand,
  CompareFacesCommand,
  CreateCollectionCommand,
  CreateUserCommand,
  DeleteCollectionCommand,
  DeleteFacesCommand,
  DeleteUserCommand,
  DescribeCollectionCommand,
  IndexFacesCommand,
  ListCollectionsCommand,
  ListFacesCommand,
  ListUsersCommand,
  SearchFacesByImageCommand,
  type BoundingBox,
  type CompareFacesCommandOutput,
  type DescribeCollectionCommandOutput,
  type FaceMatch,
  type Image,
  type IndexFacesCommandOutput,
  type User,
} from '@aws-sdk/client-rekognition';
import { rekognition } from '../api';
import { ErrorBox } from '../components/error';
import { FaceThumb, rememberImage } from '../components/face-thumb';
import { ImagePicker, type PickedImage } from '../components/image-picker';
import { Overlay } from '../components/overlay';
import { CreateForm } from '../components/create-form';
import { DeleteButton } from '../components/delete-button';
import { Pager } from '../components/pager';
import { useAction } from '../components/use-action';
import { usePagedList } from '../components/use-paged-list';
import { navigate } from '../router';

const imageOf = (img: PickedImage): Image => (img.s3 ? { S3Object: { Bucket: img.s3.bucket, Name: img.s3.key } } : { Bytes: img.bytes });
/** ExternalImageId allows [a-zA-Z0-9_.\-:]; a file name is made to fit. */
const externalIdFor = (name: string) => name.replace(/^.*\//, '').replace(/[^a-zA-Z0-9_.\-:]/g, '_').slice(0, 255) || 'image';

export function FacesPage(props: { path: string }) {
  const selected = decodeURIComponent(props.path.replace(/^\//, '').split('/')[0] ?? '');
  return (
    <section class="columns">
      <Collections selected={selected} />
      <div>
        {selected ? <Collection key={selected} id={selected} /> : <p class="note">Choose or create a collection to index, list and search faces.</p>}
        <Compare />
      </div>
    </section>
  );
}

function Collections(props: { selected: string }) {
  const list = usePagedList(async (NextToken) => {
    const out = await rekognition().send(new ListCollectionsCommand({ MaxResults: 50, NextToken }));
    return { items: out.CollectionIds ?? [], nextToken: out.NextToken };
  });
  return (
    <div class="panel">
      <h2>Collections</h2>
      <ul class="list collections">
        {list.items.map((id) => (
          <li class={id === props.selected ? 'selected' : undefined}>
            <a onClick={() => navigate(`/faces/${encodeURIComponent(id)}`)}>{id}</a>
            <DeleteButton
              confirm={`Delete collection ${id} and its faces?`}
              onDelete={() =>
                list.runAndReload(async () => {
                  await rekognition().send(new DeleteCollectionCommand({ CollectionId: id }));
                  if (id === props.selected) navigate('/faces');
                })
              }
            />
          </li>
        ))}
      </ul>
      <Pager {...list.pagerProps} />
      <CreateForm
        label="new collection id"
        button="Create"
        run={list.runAndReload}
        onCreate={async (id) => {
          await rekognition().send(new CreateCollectionCommand({ CollectionId: id }));
          navigate(`/faces/${encodeURIComponent(id)}`);
        }}
      />
      <ErrorBox error={list.error} />
    </div>
  );
}

function Collection(props: { id: string }) {
  const [info, setInfo] = useState<DescribeCollectionCommandOutput>();
  const [version, setVersion] = useState(0);
  const action = useAction();
  const changed = () => setVersion((v) => v + 1);
  useEffect(() => void action.run(async () => setInfo(await rekognition().send(new DescribeCollectionCommand({ CollectionId: props.id })))), [version]);
  return (
    <div class="collection">
      <h2>{props.id}</h2>
      <ErrorBox error={action.error} />
      {info && (
        <p class="note">
          {info.FaceCount} face(s), {info.UserCount ?? 0} user(s), face model {info.FaceModelVersion}, created {info.CreationTimestamp?.toLocaleString()}
        </p>
      )}
      <IndexFaces collection={props.id} onIndexed={changed} />
      <SearchByImage collection={props.id} />
      <Faces collection={props.id} version={version} onChange={changed} />
      <Users collection={props.id} version={version} onChange={changed} />
    </div>
  );
}

function IndexFaces(props: { collection: string; onIndexed: () => void }) {
  const [externalId, setExternalId] = useState('');
  const [result, setResult] = useState<IndexFacesCommandOutput>();
  const action = useAction();
  const index = (img: PickedImage) =>
    action.run(async () => {
      const out = await rekognition().send(new IndexFacesCommand({ CollectionId: props.collection, Image: imageOf(img), ExternalImageId: externalId.trim() || externalIdFor(img.name), MaxFaces: 20, QualityFilter: 'AUTO' }));
      for (const r of out.FaceRecords ?? []) if (r.Face?.ImageId) rememberImage(r.Face.ImageId, img);
      setResult(out);
      props.onIndexed();
    });
  return (
    <details class="panel" open>
      <summary>
        <strong>Index faces from a photo</strong>
      </summary>
      <div class="row">
        <input placeholder="ExternalImageId (default: the file name)" aria-label="external image id" value={externalId} onInput={(e) => setExternalId(e.currentTarget.value)} />
      </div>
      <ImagePicker name="index-image" label="Drop a photo to index its faces, or click to pick one" onImage={index} />
      {action.busy && <p class="note">Indexing…</p>}
      <ErrorBox error={action.error} />
      {result && (
        <p class="indexed">
          Indexed {result.FaceRecords?.length ?? 0} face(s)
          {(result.UnindexedFaces?.length ?? 0) > 0 && `; not indexed: ${result.UnindexedFaces!.map((u) => u.Reasons?.join('+')).join(', ')}`}.
        </p>
      )}
    </details>
  );
}

function SearchByImage(props: { collection: string }) {
  const [image, setImage] = useState<PickedImage>();
  const [matches, setMatches] = useState<FaceMatch[]>();
  const [searched, setSearched] = useState<BoundingBox>();
  const [threshold, setThreshold] = useState(80);
  const action = useAction();
  const search = (img: PickedImage) =>
    action.run(async () => {
      setImage(img);
      setMatches(undefined);
      const out = await rekognition().send(new SearchFacesByImageCommand({ CollectionId: props.collection, Image: imageOf(img), FaceMatchThreshold: threshold, MaxFaces: 20 }));
      setMatches(out.FaceMatches ?? []);
      setSearched(out.SearchedFaceBoundingBox);
    });
  return (
    <details class="panel" open>
      <summary>
        <strong>Search this collection with a photo</strong>
      </summary>
      <label class="slider">
        Face match threshold {threshold}%
        <input type="range" min={0} max={100} value={threshold} onInput={(e) => setThreshold(Number(e.currentTarget.value))} />
      </label>
      <ImagePicker name="search-image" label="Drop a photo to search for its largest face" onImage={search} />
      {action.busy && <p class="note">Searching…</p>}
      <ErrorBox error={action.error} />
      {image && matches && (
        <div class="row">
          <FaceThumb url={image.url} box={searched} caption="searched face" />
          <span>→</span>
          <div class="matches thumbs">
            {matches.length === 0 && <p class="note">No face in the collection at {threshold}% or more.</p>}
            {matches.map((m) => (
              <FaceThumb
                imageId={m.Face?.ImageId}
                box={m.Face?.BoundingBox}
                title={m.Face?.FaceId}
                caption={
                  <>
                    <span class="similarity-small">{m.Similarity?.toFixed(1)}%</span> {m.Face?.ExternalImageId}
                  </>
                }
              />
            ))}
          </div>
        </div>
      )}
    </details>
  );
}

function Faces(props: { collection: string; version: number; onChange: () => void }) {
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const list = usePagedList(async (NextToken) => {
    const out = await rekognition().send(new ListFacesCommand({ CollectionId: props.collection, MaxResults: 40, NextToken }));
    return { items: out.Faces ?? [], nextToken: out.NextToken };
  }, [props.version]);
  const faces = list.items;
  const toggle = (id: string) => {
    const next = new Set(chosen);
    if (!next.delete(id)) next.add(id);
    setChosen(next);
  };
  return (
    <div class="panel">
      <h3>Faces</h3>
      <ErrorBox error={list.error} />
      <div class="thumbs faces">
        {faces.map((f) => (
          <label>
            <FaceThumb
              imageId={f.ImageId}
              box={f.BoundingBox}
              title={`FaceId ${f.FaceId}\nImageId ${f.ImageId}`}
              caption={
                <>
                  <input type="checkbox" checked={chosen.has(f.FaceId!)} onChange={() => toggle(f.FaceId!)} /> {f.ExternalImageId ?? f.FaceId}
                  {f.UserId && <div>user: {f.UserId}</div>}
                </>
              }
            />
          </label>
        ))}
      </div>
      {faces.length === 0 && <p class="note">No faces yet: index a photo above.</p>}
      <Pager {...list.pagerProps} />
      {chosen.size > 0 && (
        <div class="row">
          <span>{chosen.size} selected:</span>
          <DeleteButton
            onDelete={() =>
              list.run(async () => {
                await rekognition().send(new DeleteFacesCommand({ CollectionId: props.collection, FaceIds: [...chosen] }));
                setChosen(new Set());
                props.onChange();
              })
            }
          >
            Delete faces
          </DeleteButton>
          <AssociateWithUser collection={props.collection} faceIds={[...chosen]} version={props.version} onDone={() => (setChosen(new Set()), props.onChange())} />
        </div>
      )}
    </div>
  );
}

function AssociateWithUser(props: { collection: string; faceIds: string[]; version: number; onDone: () => void }) {
  const [users, setUsers] = useState<User[]>([]);
  const [user, setUser] = useState('');
  const action = useAction();
  useEffect(
    () =>
      void action.run(async () => {
        const list = (await rekognition().send(new ListUsersCommand({ CollectionId: props.collection, MaxResults: 100 }))).Users ?? [];
        setUsers(list);
        setUser(list[0]?.UserId ?? '');
      }),
    [props.version],
  );
  if (users.length === 0) return <span class="note">(create a user below to associate faces)</span>;
  return (
    <>
      <select value={user} onChange={(e) => setUser(e.currentTarget.value)} aria-label="user">
        {users.map((u) => (
          <option value={u.UserId}>{u.UserId}</option>
        ))}
      </select>
      <button
        onClick={() =>
          action.run(async () => {
            const out = await rekognition().send(new AssociateFacesCommand({ CollectionId: props.collection, UserId: user, FaceIds: props.faceIds }));
            if (out.UnsuccessfulFaceAssociations?.length) throw new Error(out.UnsuccessfulFaceAssociations.map((u) => `${u.FaceId}: ${u.Reasons?.join(', ')}`).join('; '));
            props.onDone();
          })
        }
      >
        Associate with user
      </button>
      <ErrorBox error={action.error} />
    </>
  );
}

function Users(props: { collection: string; version: number; onChange: () => void }) {
  const list = usePagedList(async (NextToken) => {
    const out = await rekognition().send(new ListUsersCommand({ CollectionId: props.collection, MaxResults: 50, NextToken }));
    return { items: out.Users ?? [], nextToken: out.NextToken };
  }, [props.version]);
  return (
    <div class="panel">
      <h3>Users</h3>
      <ul class="list">
        {list.items.map((u) => (
          <li>
            <span>
              {u.UserId} <span class="note">{u.UserStatus}</span>
            </span>
            <DeleteButton onDelete={() => list.run(async () => (await rekognition().send(new DeleteUserCommand({ CollectionId: props.collection, UserId: u.UserId! })), props.onChange()))} />
          </li>
        ))}
      </ul>
      <Pager {...list.pagerProps} />
      <CreateForm
        label="new user id"
        button="Create user"
        run={list.run}
        onCreate={async (id) => {
          await rekognition().send(new CreateUserCommand({ CollectionId: props.collection, UserId: id }));
          props.onChange();
        }}
      />
      <ErrorBox error={list.error} />
    </div>
  );
}

function Compare() {
  const [source, setSource] = useState<PickedImage>();
  const [target, setTarget] = useState<PickedImage>();
  const [result, setResult] = useState<CompareFacesCommandOutput>();
  const action = useAction();
  useEffect(() => {
    if (!source || !target) return;
    setResult(undefined);
    void action.run(async () => setResult(await rekognition().send(new CompareFacesCommand({ SourceImage: imageOf(source), TargetImage: imageOf(target), SimilarityThreshold: 0 }))));
  }, [source, target]);
  const best = result?.FaceMatches?.[0];
  return (
    <details class="panel compare" open>
      <summary>
        <strong>Compare two faces</strong>
      </summary>
      <div class="result">
        <div>
          <p>Source (its largest face)</p>
          <ImagePicker name="compare-source" label="Drop the source photo" onImage={setSource} />
          {source && <Overlay src={source.url} shapes={result?.SourceImageFace ? [{ label: 'source', confidence: result.SourceImageFace.Confidence, box: result.SourceImageFace.BoundingBox }] : []} />}
        </div>
        <div>
          <p>Target</p>
          <ImagePicker name="compare-target" label="Drop the target photo" onImage={setTarget} />
          {target && (
            <Overlay
              src={target.url}
              shapes={[
                ...(result?.FaceMatches ?? []).map((m) => ({ label: `${m.Similarity?.toFixed(1)}% similar`, box: m.Face?.BoundingBox })),
                ...(result?.UnmatchedFaces ?? []).map((u) => ({ label: 'no match', box: u.BoundingBox })),
              ]}
            />
          )}
        </div>
      </div>
      {action.busy && <p class="note">Comparing…</p>}
      <ErrorBox error={action.error} />
      {result && <p class="similarity">{best ? `Similarity ${best.Similarity?.toFixed(1)}%` : 'No face in the target resembles the source.'}</p>}
    </details>
  );
}
