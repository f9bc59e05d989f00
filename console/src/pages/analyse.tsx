/**
 * Analyse an image: run one of the image operations on a dropped file or a bucket object, see what
 * was found drawn over the image, filter by confidence, read the raw JSON and the equivalent CLI call.
 */
import { useEffect, useState } from 'preact/hooks';
import {
  DetectCustomLabelsCommand,
  DetectFacesCommand,
  DetectLabelsCommand,
  DetectModerationLabelsCommand,
  DetectTextCommand,
  type Image,
} from '@aws-sdk/client-rekognition';
import { endpoint, loadSession, rekognition, runningVersions, withoutMetadata } from '../api';
import { ErrorBox } from '../components/error';
import { ImagePicker, type PickedImage } from '../components/image-picker';
import { Overlay, type Shape } from '../components/overlay';
import { Table } from '../components/table';
import { useAction } from '../components/use-action';

export const OPERATIONS = ['DetectLabels', 'DetectFaces', 'DetectText', 'DetectModerationLabels', 'DetectCustomLabels'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** A row of the results table: what was found, with its confidence (filtered by the slider). */
interface Finding extends Shape {
  detail?: string;
}

interface Result {
  operation: Operation;
  json: object;
  findings: Finding[];
  cli: string;
}

/** The lowest confidence asked of the API; the slider filters above it in the page. */
const REQUEST_MIN_CONFIDENCE = 1;

const kebab = (s: string) => s.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

/** The equivalent `aws rekognition` call. */
export function cliCommand(operation: Operation, image: PickedImage, extra: string[]): string {
  const imageArg = image.s3 ? `--image '${JSON.stringify({ S3Object: { Bucket: image.s3.bucket, Name: image.s3.key } })}'` : `--image-bytes fileb://${image.name}`;
  const region = loadSession()?.region ?? 'us-east-1';
  return ['aws rekognition', kebab(operation), imageArg, ...extra, `--endpoint-url ${endpoint()}`, `--region ${region}`].join(' ');
}

async function analyse(operation: Operation, image: PickedImage, versionArn: string): Promise<Result> {
  const Image: Image = image.s3 ? { S3Object: { Bucket: image.s3.bucket, Name: image.s3.key } } : { Bytes: image.bytes };
  const client = rekognition();
  const min = ['--min-confidence', String(REQUEST_MIN_CONFIDENCE)].join(' ');
  let json: object;
  let findings: Finding[] = [];
  let extra: string[] = [];
  switch (operation) {
    case 'DetectLabels': {
      const out = await client.send(new DetectLabelsCommand({ Image, MinConfidence: REQUEST_MIN_CONFIDENCE }));
      json = out;
      extra = [min];
      for (const l of out.Labels ?? []) {
        const parents = (l.Parents ?? []).map((p) => p.Name).join(', ');
        findings.push({ label: l.Name ?? '?', confidence: l.Confidence, ...(parents ? { detail: `parents: ${parents}` } : {}) });
        for (const i of l.Instances ?? []) findings.push({ label: l.Name ?? '?', confidence: i.Confidence, box: i.BoundingBox, detail: 'instance' });
      }
      break;
    }
    case 'DetectFaces': {
      const out = await client.send(new DetectFacesCommand({ Image, Attributes: ['ALL'] }));
      json = out;
      extra = ['--attributes ALL'];
      findings = (out.FaceDetails ?? []).map((f, i) => ({
        label: `Face ${i + 1}`,
        confidence: f.Confidence,
        box: f.BoundingBox,
        points: f.Landmarks,
        detail: [f.AgeRange && `age ${f.AgeRange.Low}–${f.AgeRange.High}`, f.Gender?.Value, f.Emotions?.[0]?.Type?.toLowerCase(), f.Smile?.Value && 'smiling'].filter(Boolean).join(', '),
      }));
      break;
    }
    case 'DetectText': {
      const out = await client.send(new DetectTextCommand({ Image }));
      json = out;
      findings = (out.TextDetections ?? []).map((t) => ({
        label: t.DetectedText ?? '',
        confidence: t.Confidence,
        ...(t.Type === 'LINE' ? { polygon: t.Geometry?.Polygon } : {}),
        detail: t.Type?.toLowerCase(),
      }));
      break;
    }
    case 'DetectModerationLabels': {
      const out = await client.send(new DetectModerationLabelsCommand({ Image, MinConfidence: REQUEST_MIN_CONFIDENCE }));
      json = out;
      extra = [min];
      findings = (out.ModerationLabels ?? []).map((m) => ({ label: m.Name ?? '?', confidence: m.Confidence, detail: m.ParentName ? `under ${m.ParentName}` : `level ${m.TaxonomyLevel ?? 1}` }));
      break;
    }
    case 'DetectCustomLabels': {
      if (!versionArn) throw new Error('Choose a running model version first (start one on the Custom Labels page).');
      const out = await client.send(new DetectCustomLabelsCommand({ Image, ProjectVersionArn: versionArn, MinConfidence: 0 }));
      json = out;
      extra = [`--project-version-arn ${versionArn}`, '--min-confidence 0'];
      findings = (out.CustomLabels ?? []).map((c) => ({ label: c.Name ?? '?', confidence: c.Confidence, box: c.Geometry?.BoundingBox, ...(c.Geometry ? {} : { detail: 'image-level' }) }));
      break;
    }
  }
  return { operation, json: withoutMetadata(json), findings, cli: cliCommand(operation, image, extra) };
}

/** The analyser: on its own page, or fixed to one custom model on the Custom Labels page. */
export function Analyser(props: { versionArn?: string }) {
  const [image, setImage] = useState<PickedImage>();
  const [operation, setOperation] = useState<Operation>(props.versionArn ? 'DetectCustomLabels' : 'DetectLabels');
  const [versions, setVersions] = useState<{ arn: string; name: string }[]>([]);
  const [versionArn, setVersionArn] = useState(props.versionArn ?? '');
  const [result, setResult] = useState<Result>();
  const [minConfidence, setMin] = useState(50);
  const action = useAction();

  useEffect(() => {
    if (operation !== 'DetectCustomLabels' || props.versionArn) return;
    action.run(async () => {
      const found = await runningVersions();
      setVersions(found);
      if (!found.some((v) => v.arn === versionArn)) setVersionArn(found[0]?.arn ?? '');
    });
  }, [operation]);

  const run = (img = image) => img && action.run(async () => setResult(await analyse(operation, img, versionArn)));
  const shown = (result?.findings ?? []).filter((f) => (f.confidence ?? 100) >= minConfidence);

  return (
    <div class="analyser">
      <ImagePicker
        name="analyse-image"
        onImage={(img) => {
          if (image) URL.revokeObjectURL(image.url);
          setImage(img);
          setResult(undefined);
          void run(img);
        }}
      />
      <div class="row">
        {!props.versionArn && (
          <select aria-label="operation" value={operation} onChange={(e) => setOperation(e.currentTarget.value as Operation)}>
            {OPERATIONS.map((o) => (
              <option value={o}>{o}</option>
            ))}
          </select>
        )}
        {operation === 'DetectCustomLabels' && !props.versionArn && (
          <select aria-label="model version" value={versionArn} onChange={(e) => setVersionArn(e.currentTarget.value)}>
            {versions.length === 0 && <option value="">no running model version</option>}
            {versions.map((v) => (
              <option value={v.arn}>{v.name}</option>
            ))}
          </select>
        )}
        <button onClick={() => run()} disabled={!image || action.busy}>
          {action.busy ? 'Analysing…' : 'Analyse'}
        </button>
        <label class="slider">
          Min confidence {minConfidence}%
          <input type="range" min={0} max={100} value={minConfidence} aria-label="minimum confidence" onInput={(e) => setMin(Number(e.currentTarget.value))} />
        </label>
      </div>
      <ErrorBox error={action.error} />
      {image && (
        <div class="result">
          <Overlay src={image.url} shapes={result ? shown : []} alt={image.name} />
          {result && (
            <div class="findings">
              <h3>
                {result.operation}: {shown.length} of {result.findings.length} shown
              </h3>
              <Table head={['Name', 'Confidence', 'Detail']}>
                {shown.map((f) => (
                  <tr>
                    <td>{f.label}</td>
                    <td>{f.confidence?.toFixed(1)}</td>
                    <td>{f.detail}</td>
                  </tr>
                ))}
              </Table>
              <p class="cli">
                <code>{result.cli}</code>
              </p>
              <details>
                <summary>Raw JSON</summary>
                <pre class="json">{JSON.stringify(result.json, (k, v) => (k === 'Bytes' ? undefined : v), 2)}</pre>
              </details>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

export function AnalysePage() {
  return (
    <section>
      <h2>Analyse an image</h2>
      <Analyser />
    </section>
  );
}
