/**
 * A model version's evaluation, read from its summary JSON (EvaluationResult.Summary.S3Object, the
 * same file Rekognition writes): per-label precision, recall, F1 and assumed threshold; the
 * precision-recall curve with a threshold slider; the confusion matrix; per-image results with the
 * false positives and negatives first. Argus adds the curves and per-image counts under ArgusMetrics.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ProjectVersionDescription } from '@aws-sdk/client-rekognition';
import { getObjectBytes } from '../api';
import { ErrorBox } from './error';
import { Table } from './table';
import { useAction } from './use-action';

interface Metrics {
  F1Score: number;
  Precision: number;
  Recall: number;
  Threshold?: number;
}

interface PrPoint {
  Threshold: number;
  Precision: number;
  Recall: number;
}

export interface Summary {
  AggregatedEvaluationResults: Metrics & { ConfusionMatrix?: { GroundTruthLabel: string; PredictedLabel: string; Value: number }[] };
  EvaluationDetails: { Labels: string[]; NumberOfTestingImages: number; NumberOfTrainingImages: number; EvaluationEndTimestamp?: string };
  LabelEvaluationResults: { Label: string; Metrics: Metrics; NumberOfTestingImages: number }[];
  ArgusMetrics?: {
    MeanAveragePrecision50?: number;
    MeanAveragePrecision50To95?: number;
    Accuracy?: number;
    Labels?: { Label: string; AP50?: number; PrecisionRecallCurve?: PrPoint[] }[];
    Images?: { Image: number; SourceRef?: string; TruePositives: number; FalsePositives: number; FalseNegatives: number }[];
  };
}

const f3 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(3));

/** The curve's operating point at threshold t: the lowest curve threshold at or above t (predictions scored ≥ t). */
export function pointAt(curve: PrPoint[], t: number): PrPoint | undefined {
  let best: PrPoint | undefined;
  for (const p of curve) if (p.Threshold >= t && (!best || p.Threshold < best.Threshold)) best = p;
  return best;
}

export function Evaluation(props: { version: ProjectVersionDescription }) {
  const [summary, setSummary] = useState<Summary>();
  const [label, setLabel] = useState('');
  const [threshold, setThreshold] = useState<number>();
  const action = useAction();
  const where = props.version.EvaluationResult?.Summary?.S3Object;
  useEffect(
    () =>
      void action.run(async () => {
        if (!where?.Bucket || !where.Name) throw new Error('This version has no evaluation summary.');
        const s = JSON.parse(new TextDecoder().decode(await getObjectBytes(where.Bucket, where.Name))) as Summary;
        setSummary(s);
        const first = s.LabelEvaluationResults[0];
        if (first) {
          setLabel(first.Label);
          setThreshold(first.Metrics.Threshold ?? 0.5);
        }
      }),
    [where?.Bucket, where?.Name],
  );
  if (!summary) return <ErrorBox error={action.error} />;
  const agg = summary.AggregatedEvaluationResults;
  const argus = summary.ArgusMetrics;
  const curve = argus?.Labels?.find((l) => l.Label === label)?.PrecisionRecallCurve ?? [];
  const labelResult = summary.LabelEvaluationResults.find((l) => l.Label === label);
  const at = threshold === undefined ? undefined : pointAt(curve, threshold);
  const images = [...(argus?.Images ?? [])].sort((a, b) => b.FalsePositives + b.FalseNegatives - (a.FalsePositives + a.FalseNegatives) || a.Image - b.Image);

  return (
    <div class="panel evaluation">
      <h3>Evaluation</h3>
      <p class="aggregate">
        F1 <strong>{f3(agg.F1Score)}</strong> · precision {f3(agg.Precision)} · recall {f3(agg.Recall)}
        {argus?.MeanAveragePrecision50 !== undefined && ` · mAP@0.5 ${f3(argus.MeanAveragePrecision50)}`}
        {argus?.Accuracy !== undefined && ` · accuracy ${f3(argus.Accuracy)}`} · {summary.EvaluationDetails.NumberOfTrainingImages} training and {summary.EvaluationDetails.NumberOfTestingImages} test images
      </p>
      <Table class="per-label" head={['Label', 'Test images', 'Precision', 'Recall', 'F1', 'Assumed threshold']}>
        {summary.LabelEvaluationResults.map((l) => (
          <tr
            class={l.Label === label ? 'selected' : undefined}
            onClick={() => {
              setLabel(l.Label);
              setThreshold(l.Metrics.Threshold ?? 0.5);
            }}
          >
            <td>{l.Label}</td>
            <td>{l.NumberOfTestingImages}</td>
            <td>{f3(l.Metrics.Precision)}</td>
            <td>{f3(l.Metrics.Recall)}</td>
            <td>{f3(l.Metrics.F1Score)}</td>
            <td>{f3(l.Metrics.Threshold)}</td>
          </tr>
        ))}
      </Table>
      <div class="result">
        <div>
          <h4>Precision–recall: {label}</h4>
          <PrCurve curve={curve} at={at} />
        </div>
        <div class="threshold">
          <label class="slider">
            Threshold {threshold?.toFixed(2)}
            <input type="range" aria-label="threshold" min={0} max={1} step={0.01} value={threshold ?? 0.5} onInput={(e) => setThreshold(Number(e.currentTarget.value))} />
          </label>
          {at ? (
            <p class="at-threshold">
              At {threshold?.toFixed(2)}: precision <strong>{f3(at.Precision)}</strong>, recall <strong>{f3(at.Recall)}</strong>
            </p>
          ) : (
            <p class="at-threshold note">No prediction scores {threshold?.toFixed(2)} or more: nothing would be found.</p>
          )}
          {labelResult?.Metrics.Threshold !== undefined && (
            <button onClick={() => setThreshold(labelResult.Metrics.Threshold)} class="linklike">
              back to the assumed threshold ({f3(labelResult.Metrics.Threshold)})
            </button>
          )}
        </div>
        {agg.ConfusionMatrix && <ConfusionMatrix labels={summary.EvaluationDetails.Labels} cells={agg.ConfusionMatrix} />}
      </div>
      {images.length > 0 && (
        <>
          <h4>Per test image (false positives and negatives first)</h4>
          <Table class="per-image" head={['Test image', 'True positives', 'False positives', 'False negatives']}>
            {images.map((im) => (
              <tr class={im.FalsePositives + im.FalseNegatives ? 'wrong' : undefined}>
                <td>{im.SourceRef ?? `#${im.Image + 1}`}</td>
                <td>{im.TruePositives}</td>
                <td>{im.FalsePositives}</td>
                <td>{im.FalseNegatives}</td>
              </tr>
            ))}
          </Table>
        </>
      )}
    </div>
  );
}

/** The curve as an SVG line (recall across, precision up), with the slider's operating point marked. */
function PrCurve(props: { curve: PrPoint[]; at: PrPoint | undefined }) {
  const W = 260;
  const H = 200;
  const pts = [...props.curve].sort((a, b) => a.Recall - b.Recall || b.Precision - a.Precision);
  const x = (r: number) => 30 + r * (W - 40);
  const y = (p: number) => H - 25 - p * (H - 35);
  return (
    <svg class="pr-curve" width={W} height={H} viewBox={`0 0 ${W} ${H}`}>
      <rect x={x(0)} y={y(1)} width={x(1) - x(0)} height={y(0) - y(1)} fill="#fff" stroke="#cdd3e0" />
      <polyline fill="none" stroke="#2b6de0" stroke-width={2} points={pts.map((p) => `${x(p.Recall)},${y(p.Precision)}`).join(' ')} />
      {props.at && <circle class="operating-point" cx={x(props.at.Recall)} cy={y(props.at.Precision)} r={5} fill="#e0452b" />}
      <text x={x(0.5)} y={H - 6} text-anchor="middle" font-size={11}>
        recall
      </text>
      <text x={10} y={y(0.5)} font-size={11} transform={`rotate(-90 10 ${y(0.5)})`} text-anchor="middle">
        precision
      </text>
      <text x={x(0)} y={y(0) + 12} font-size={10} text-anchor="middle">
        0
      </text>
      <text x={x(1)} y={y(0) + 12} font-size={10} text-anchor="middle">
        1
      </text>
      <text x={x(0) - 4} y={y(1) + 4} font-size={10} text-anchor="end">
        1
      </text>
    </svg>
  );
}

function ConfusionMatrix(props: { labels: string[]; cells: { GroundTruthLabel: string; PredictedLabel: string; Value: number }[] }) {
  const value = (g: string, p: string) => props.cells.find((c) => c.GroundTruthLabel === g && c.PredictedLabel === p)?.Value ?? 0;
  return (
    <div>
      <h4>Confusion matrix (share of each true label)</h4>
      <Table class="confusion" head={['true ↓ / predicted →', ...props.labels]}>
        {props.labels.map((g) => (
          <tr>
            <th>{g}</th>
            {props.labels.map((p) => {
              const v = value(g, p);
              return (
                <td style={{ background: `rgba(43, 109, 224, ${v.toFixed(2)})`, color: v > 0.5 ? '#fff' : undefined }}>{(100 * v).toFixed(0)} %</td>
              );
            })}
          </tr>
        ))}
      </Table>
    </div>
  );
}
