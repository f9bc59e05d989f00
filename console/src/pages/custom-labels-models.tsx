/**
 * A project's models: train a version (CreateProjectVersion) and watch its progress
 * (DescribeProjectVersions, polled), read its evaluation, start and stop it, and try it on an image.
 */
import { useEffect, useState } from 'preact/hooks';
import {
  CreateProjectVersionCommand,
  DeleteProjectVersionCommand,
  DescribeProjectVersionsCommand,
  StartProjectVersionCommand,
  StopProjectVersionCommand,
  type ProjectDescription,
  type ProjectVersionDescription,
} from '@aws-sdk/client-rekognition';
import { rekognition } from '../api';
import { DeleteButton } from '../components/delete-button';
import { ErrorBox } from '../components/error';
import { Evaluation } from '../components/evaluation';
import { Table } from '../components/table';
import { useAction } from '../components/use-action';
import { Analyser } from './analyse';
import { useBuckets } from './custom-labels';

const BUSY = ['TRAINING_IN_PROGRESS', 'STARTING', 'STOPPING', 'DELETING', 'COPYING_IN_PROGRESS'];
const POLL_MS = 1000;

/** "… 42 % done." in a training version's StatusMessage, as a fraction. */
export function progressOf(v: ProjectVersionDescription): number | undefined {
  const m = /(\d+(?:\.\d+)?) % done/.exec(v.StatusMessage ?? '');
  return m ? Number(m[1]) / 100 : undefined;
}

const versionName = (v: ProjectVersionDescription) => v.ProjectVersionArn!.replace(/^.*\/version\//, '').replace(/\/\d+$/, '');

export function Models(props: { project: ProjectDescription }) {
  const projectArn = props.project.ProjectArn!;
  const [versions, setVersions] = useState<ProjectVersionDescription[]>([]);
  const [open, setOpen] = useState<{ arn: string; view: 'evaluation' | 'try' }>();
  const [name, setName] = useState('');
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState(`${props.project.ProjectArn!.replace(/^.*:project\//, '').replace(/\/\d+$/, '')}/output/`);
  const [tick, setTick] = useState(0);
  const buckets = useBuckets();
  const action = useAction();
  useEffect(() => {
    setBucket((b) => b || buckets[0] || '');
  }, [buckets]);

  const load = async () => {
    const all: ProjectVersionDescription[] = [];
    let NextToken: string | undefined;
    do {
      const out = await rekognition().send(new DescribeProjectVersionsCommand({ ProjectArn: projectArn, MaxResults: 100, NextToken }));
      all.push(...(out.ProjectVersionDescriptions ?? []));
      NextToken = out.NextToken;
    } while (NextToken);
    setVersions(all);
    return all;
  };
  // Poll while something is happening (training, starting, stopping).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    action.run(load).then((all) => {
      if (live && all?.some((v) => BUSY.includes(v.Status ?? ''))) timer = setTimeout(() => setTick((t) => t + 1), POLL_MS);
    });
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [tick]);
  const act = (fn: () => Promise<unknown>) =>
    action.run(async () => {
      await fn();
      setTick((t) => t + 1);
    });

  return (
    <div class="models">
      <form
        class="panel row train"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() =>
            rekognition().send(new CreateProjectVersionCommand({ ProjectArn: projectArn, VersionName: name.trim() || `v${versions.length + 1}`, OutputConfig: { S3Bucket: bucket, S3KeyPrefix: prefix } })),
          ).then(() => setName(''));
        }}
      >
        <strong>Train a new version</strong>
        <input placeholder={`version name (v${versions.length + 1})`} aria-label="version name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <span>evaluation goes to</span>
        <select aria-label="output bucket" value={bucket} onChange={(e) => setBucket(e.currentTarget.value)}>
          {buckets.map((b) => (
            <option value={b}>{b}</option>
          ))}
        </select>
        <input aria-label="output prefix" value={prefix} onInput={(e) => setPrefix(e.currentTarget.value)} />
        <button type="submit" disabled={!bucket}>
          Train
        </button>
      </form>
      <ErrorBox error={action.error} />
      <Table class="versions" head={['Version', 'Status', 'F1', 'Created', '']}>
        {versions.map((v) => {
          const arn = v.ProjectVersionArn!;
          const progress = progressOf(v);
          const s = v.Status ?? '';
          return (
            <tr class={open?.arn === arn ? 'selected' : undefined} data-version={versionName(v)}>
              <td>{versionName(v)}</td>
              <td class="status">
                <div>{s}</div>
                {progress !== undefined && <progress max={1} value={progress} />}
                <div class="note">{v.StatusMessage}</div>
              </td>
              <td>{v.EvaluationResult?.F1Score?.toFixed(3) ?? '—'}</td>
              <td>{v.CreationTimestamp?.toLocaleString()}</td>
              <td class="row">
                {v.EvaluationResult?.Summary?.S3Object && <button onClick={() => setOpen({ arn, view: 'evaluation' })}>Evaluation</button>}
                {['TRAINING_COMPLETED', 'STOPPED', 'FAILED'].includes(s) && <button onClick={() => act(() => rekognition().send(new StartProjectVersionCommand({ ProjectVersionArn: arn, MinInferenceUnits: 1 })))}>Start</button>}
                {['RUNNING', 'STARTING', 'TRAINING_IN_PROGRESS'].includes(s) && <button onClick={() => act(() => rekognition().send(new StopProjectVersionCommand({ ProjectVersionArn: arn })))}>Stop</button>}
                {s === 'RUNNING' && (
                  <button class="primary" onClick={() => setOpen({ arn, view: 'try' })}>
                    Try it
                  </button>
                )}
                {!BUSY.includes(s) && s !== 'RUNNING' && (
                  <DeleteButton confirm={`Delete version ${versionName(v)}?`} onDelete={() => act(() => rekognition().send(new DeleteProjectVersionCommand({ ProjectVersionArn: arn })))} />
                )}
              </td>
            </tr>
          );
        })}
      </Table>
      {versions.length === 0 && <p class="note">No versions yet: label the TRAIN dataset, then train.</p>}
      {open?.view === 'evaluation' && versions.find((v) => v.ProjectVersionArn === open.arn) && <Evaluation key={open.arn} version={versions.find((v) => v.ProjectVersionArn === open.arn)!} />}
      {open?.view === 'try' && (
        <div class="panel">
          <h3>Try {versions.find((v) => v.ProjectVersionArn === open.arn) ? versionName(versions.find((v) => v.ProjectVersionArn === open.arn)!) : ''}</h3>
          <Analyser key={open.arn} versionArn={open.arn} />
        </div>
      )}
    </div>
  );
}
