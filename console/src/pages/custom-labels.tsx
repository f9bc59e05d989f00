/**
 * Custom Labels: projects (create, delete), a project's TRAIN and TEST datasets (create empty or from
 * a manifest in a bucket, add images, import and export manifests, statistics), the labelling tool,
 * and the models (see custom-labels-models.tsx).
 */
import { useEffect, useState } from 'preact/hooks';
import {
  CreateDatasetCommand,
  CreateProjectCommand,
  DeleteDatasetCommand,
  DeleteProjectCommand,
  DescribeDatasetCommand,
  DescribeProjectsCommand,
  DistributeDatasetEntriesCommand,
  type DatasetDescription,
  type ProjectDescription,
} from '@aws-sdk/client-rekognition';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { rekognition, s3 } from '../api';
import { ErrorBox } from '../components/error';
import { DropZone } from '../components/image-picker';
import { allEntries, Labeller, saveEntries } from '../components/labeller';
import { CreateForm } from '../components/create-form';
import { DeleteButton } from '../components/delete-button';
import { Pager } from '../components/pager';
import { Table } from '../components/table';
import { useAction } from '../components/use-action';
import { usePagedList } from '../components/use-paged-list';
import { navigate } from '../router';
import { uploadFile } from './buckets';
import { Models } from './custom-labels-models';
import { parseManifest, writeManifest } from '../../../src/vision/custom-labels/manifest.js';

type DatasetType = 'TRAIN' | 'TEST';

export function CustomLabelsPage(props: { path: string }) {
  const project = decodeURIComponent(props.path.replace(/^\//, '').split('/')[0] ?? '');
  return project ? <Project key={project} name={project} /> : <Projects />;
}

/** The bucket names, for the forms that put something into a bucket. */
export function useBuckets(): string[] {
  const [buckets, setBuckets] = useState<string[]>([]);
  useEffect(() => {
    s3()
      .send(new ListBucketsCommand({}))
      .then((out) => setBuckets((out.Buckets ?? []).map((b) => b.Name!)))
      .catch(() => setBuckets([]));
  }, []);
  return buckets;
}

function Projects() {
  const list = usePagedList(async (NextToken) => {
    const out = await rekognition().send(new DescribeProjectsCommand({ MaxResults: 50, NextToken }));
    return { items: out.ProjectDescriptions ?? [], nextToken: out.NextToken };
  });
  const projects = list.items;
  return (
    <section>
      <h2>Custom Labels projects</h2>
      <Table class="projects" head={['Project', 'Created', 'Datasets', '']}>
        {projects.map((p) => {
          const name = p.ProjectArn!.replace(/^.*:project\//, '').replace(/\/\d+$/, '');
          return (
            <tr>
              <td>
                <a class="linklike" onClick={() => navigate(`/custom-labels/${encodeURIComponent(name)}`)}>
                  {name}
                </a>
              </td>
              <td>{p.CreationTimestamp?.toLocaleString()}</td>
              <td>{(p.Datasets ?? []).map((d) => `${d.DatasetType} (${d.Status})`).join(', ') || '—'}</td>
              <td>
                <DeleteButton
                  confirm={`Delete project ${name}? Its datasets and model versions must be deleted first.`}
                  onDelete={() => list.runAndReload(() => rekognition().send(new DeleteProjectCommand({ ProjectArn: p.ProjectArn! })))}
                />
              </td>
            </tr>
          );
        })}
      </Table>
      {projects.length === 0 && !list.busy && <p class="note">No projects yet.</p>}
      <Pager {...list.pagerProps} />
      <CreateForm
        label="new project name"
        button="Create project"
        run={list.run}
        onCreate={async (name) => {
          await rekognition().send(new CreateProjectCommand({ ProjectName: name }));
          navigate(`/custom-labels/${encodeURIComponent(name)}`);
        }}
      />
      <ErrorBox error={list.error} />
    </section>
  );
}

function Project(props: { name: string }) {
  const [project, setProject] = useState<ProjectDescription>();
  const [tab, setTab] = useState<'datasets' | 'label' | 'models'>('datasets');
  const [labelling, setLabelling] = useState<DatasetType>('TRAIN');
  const [version, setVersion] = useState(0);
  const action = useAction();
  useEffect(
    () =>
      void action.run(async () => {
        const p = (await rekognition().send(new DescribeProjectsCommand({ ProjectNames: [props.name] }))).ProjectDescriptions?.[0];
        if (!p) throw new Error(`There is no project called ${props.name}.`);
        setProject(p);
      }),
    [version],
  );
  const arnOf = (type: DatasetType) => project?.Datasets?.find((d) => d.DatasetType === type)?.DatasetArn;
  return (
    <section>
      <h2>
        <a class="linklike" onClick={() => navigate('/custom-labels')}>
          Projects
        </a>{' '}
        / {props.name}
      </h2>
      <ErrorBox error={action.error} />
      <div class="tabs">
        {(['datasets', 'label', 'models'] as const).map((t) => (
          <button class={tab === t ? 'active' : undefined} onClick={() => setTab(t)}>
            {t === 'datasets' ? 'Datasets' : t === 'label' ? 'Label images' : 'Models'}
          </button>
        ))}
      </div>
      {project && tab === 'datasets' && (
        <div class="datasets">
          {(['TRAIN', 'TEST'] as const).map((type) => (
            <Dataset
              type={type}
              project={props.name}
              projectArn={project.ProjectArn!}
              arn={arnOf(type)}
              otherArn={arnOf(type === 'TRAIN' ? 'TEST' : 'TRAIN')}
              onChange={() => setVersion((v) => v + 1)}
              onLabel={() => (setLabelling(type), setTab('label'))}
            />
          ))}
        </div>
      )}
      {project && tab === 'label' && (
        <div>
          <div class="row">
            <span>Dataset:</span>
            <select aria-label="dataset to label" value={labelling} onChange={(e) => setLabelling(e.currentTarget.value as DatasetType)}>
              <option value="TRAIN">TRAIN</option>
              <option value="TEST">TEST</option>
            </select>
          </div>
          {arnOf(labelling) ? <Labeller key={arnOf(labelling)} datasetArn={arnOf(labelling)!} projectArn={project.ProjectArn!} /> : <p class="note">This project has no {labelling} dataset: create it on the Datasets tab.</p>}
        </div>
      )}
      {project && tab === 'models' && <Models project={project} />}
    </section>
  );
}

/** Waits until a dataset is no longer being created or updated; returns its description. */
async function settled(arn: string): Promise<DatasetDescription> {
  for (;;) {
    const d = (await rekognition().send(new DescribeDatasetCommand({ DatasetArn: arn }))).DatasetDescription!;
    if (!d.Status?.endsWith('IN_PROGRESS')) return d;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function Dataset(props: { type: DatasetType; project: string; projectArn: string; arn: string | undefined; otherArn: string | undefined; onChange: () => void; onLabel: () => void }) {
  const [info, setInfo] = useState<DatasetDescription>();
  const [bucket, setBucket] = useState('');
  const [key, setKey] = useState('');
  const [prefix, setPrefix] = useState(`${props.project}/images/`);
  const [progress, setProgress] = useState('');
  const buckets = useBuckets();
  const action = useAction();
  useEffect(() => {
    setBucket((b) => b || buckets[0] || '');
  }, [buckets]);
  const refresh = () => props.arn && action.run(async () => setInfo(await settled(props.arn!)));
  useEffect(() => void refresh(), [props.arn]);

  const create = (fromManifest: boolean) =>
    action.run(async () => {
      const out = await rekognition().send(
        new CreateDatasetCommand({ ProjectArn: props.projectArn, DatasetType: props.type, ...(fromManifest ? { DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: bucket, Name: key } } } } : {}) }),
      );
      setInfo(await settled(out.DatasetArn!));
      props.onChange();
    });

  const addImages = (files: File[]) =>
    action.run(async () => {
      if (!bucket) throw new Error('Choose a bucket for the images (create one on the Buckets page).');
      const refs: string[] = [];
      for (const [n, f] of files.entries()) {
        setProgress(`Uploading ${n + 1} of ${files.length}: ${f.name}`);
        await uploadFile(bucket, prefix + f.name, f);
        refs.push(`s3://${bucket}/${prefix}${f.name}`);
      }
      setProgress('Adding them to the dataset…');
      await saveEntries(props.arn!, refs.map((sourceRef) => ({ sourceRef, labels: [] })));
      setProgress(`Added ${files.length} image(s).`);
      setInfo(await settled(props.arn!));
    });

  const importManifest = (files: File[]) =>
    action.run(async () => {
      const { lines } = parseManifest(await files[0]!.text());
      const bad = lines.filter((l) => l.errors.length);
      if (bad.length) throw new Error(`The manifest has ${bad.length} bad line(s): ${bad.slice(0, 3).map((l) => `line ${l.line}: ${l.errors[0]!.message}`).join('; ')}`);
      await saveEntries(props.arn!, lines.map((l) => l.entry!));
      setInfo(await settled(props.arn!));
    });

  const exportManifest = () =>
    action.run(async () => {
      const text = writeManifest(await allEntries(props.arn!));
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      a.download = `${props.project}-${props.type.toLowerCase()}.manifest`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    });

  const stats = info?.DatasetStats;
  return (
    <div class={`panel dataset dataset-${props.type.toLowerCase()}`}>
      <h3>{props.type} dataset</h3>
      {!props.arn ? (
        <>
          <p class="note">{props.type === 'TEST' ? 'Optional: without a TEST dataset, training holds back 20 % of TRAIN for the evaluation.' : 'The images the model learns from.'}</p>
          <div class="row">
            <button onClick={() => create(false)} disabled={action.busy}>
              Create an empty {props.type} dataset
            </button>
          </div>
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault();
              void create(true);
            }}
          >
            <span>or from a Ground Truth manifest:</span>
            <select value={bucket} onChange={(e) => setBucket(e.currentTarget.value)} aria-label="manifest bucket">
              {buckets.map((b) => (
                <option value={b}>{b}</option>
              ))}
            </select>
            <input placeholder="train.manifest" aria-label="manifest key" value={key} onInput={(e) => setKey(e.currentTarget.value)} required />
            <button type="submit" disabled={action.busy || !bucket}>
              Create from manifest
            </button>
          </form>
        </>
      ) : (
        <>
          {info && (
            <p class="stats">
              {info.Status}: {stats?.TotalEntries ?? 0} images, {stats?.LabeledEntries ?? 0} labelled, {stats?.TotalLabels ?? 0} labels
              {(stats?.ErrorEntries ?? 0) > 0 && `, ${stats!.ErrorEntries} with errors`}. {info.StatusMessage}
            </p>
          )}
          <div class="row">
            <button class="primary" onClick={props.onLabel}>
              Label images
            </button>
            <button onClick={exportManifest}>Export manifest</button>
            {props.type === 'TRAIN' && props.otherArn && (
              <button
                onClick={() =>
                  action.run(async () => {
                    await rekognition().send(new DistributeDatasetEntriesCommand({ Datasets: [{ Arn: props.arn! }, { Arn: props.otherArn! }] }));
                    setInfo(await settled(props.arn!));
                    props.onChange();
                  })
                }
              >
                Move 20 % to TEST
              </button>
            )}
            <DeleteButton
              confirm={`Delete the ${props.type} dataset?`}
              onDelete={() =>
                action.run(async () => {
                  await rekognition().send(new DeleteDatasetCommand({ DatasetArn: props.arn! }));
                  setInfo(undefined);
                  props.onChange();
                })
              }
            >
              Delete dataset
            </DeleteButton>
          </div>
          <div class="row">
            <span>Images go to</span>
            <select value={bucket} onChange={(e) => setBucket(e.currentTarget.value)} aria-label="image bucket">
              {buckets.map((b) => (
                <option value={b}>{b}</option>
              ))}
            </select>
            <input aria-label="image prefix" value={prefix} onInput={(e) => setPrefix(e.currentTarget.value)} />
          </div>
          <DropZone multiple accept="image/jpeg,image/png" name={`add-images-${props.type.toLowerCase()}`} label={`Drop JPEG/PNG images to add them to ${props.type}, or click to pick them`} onFiles={addImages} />
          <DropZone name={`import-manifest-${props.type.toLowerCase()}`} label="Import a manifest (JSON lines): its entries are added or replace those with the same source-ref" onFiles={importManifest} />
          {progress && <p class="note progress">{progress}</p>}
        </>
      )}
      <ErrorBox error={action.error} />
    </div>
  );
}
