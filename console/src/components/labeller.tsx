/**
 * The labelling tool: image-level labels and boxes on a dataset's images, saved as Ground Truth
 * manifest lines through UpdateDatasetEntries (the same lines Argus reads, written by the same code).
 *
 * Keys: 1–9 pick a label (in "image labels" mode they toggle it on the image; with a box selected they
 * relabel it); → or j next image, ← or k previous; Delete removes the selected box; Esc deselects;
 * b switches between boxes and image labels; p pre-labels the image with a running model version of the
 * project. Drag on the image to draw a box with the current label; drag a box to move it, its corners
 * to resize it. Changes are saved when leaving an image.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { DetectCustomLabelsCommand, ListDatasetEntriesCommand, ListDatasetLabelsCommand, UpdateDatasetEntriesCommand } from '@aws-sdk/client-rekognition';
import { objectUrl, rekognition, runningVersions } from '../api';
import { parseManifestLine, parseS3Uri, writeManifestLine, type ManifestBox, type ManifestEntry } from '../../../src/vision/custom-labels/manifest.js';
import { colourFor } from './overlay';
import { ErrorBox } from './error';

interface Item {
  entry: ManifestEntry;
  dirty: boolean;
  /** Whether the entry was stored with a detection attribute (an empty one means "no objects here"). */
  stored: boolean;
}

type Drag =
  | { kind: 'draw'; x0: number; y0: number }
  | { kind: 'move'; box: number; dx: number; dy: number }
  | { kind: 'resize'; box: number; ax: number; ay: number };

const MIN_BOX = 4;

/** Every entry of a dataset (ListDatasetEntries, page by page); `onPage` sees each page as it arrives. */
export async function allEntries(datasetArn: string, onPage?: (entries: ManifestEntry[]) => void): Promise<ManifestEntry[]> {
  const out: ManifestEntry[] = [];
  let NextToken: string | undefined;
  do {
    const page = await rekognition().send(new ListDatasetEntriesCommand({ DatasetArn: datasetArn, MaxResults: 100, NextToken }));
    const entries = (page.DatasetEntries ?? []).flatMap((line) => parseManifestLine(line, 0).entry ?? []);
    out.push(...entries);
    onPage?.(entries);
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

/** Writes entries into a dataset (replacing those with the same source-ref), in requests under 5 MB. */
export async function saveEntries(datasetArn: string, entries: ManifestEntry[]): Promise<void> {
  const lines = entries.map((e) => writeManifestLine(e));
  for (let start = 0; start < lines.length; ) {
    let size = 0;
    let end = start;
    while (end < lines.length && (end === start || size + lines[end]!.length < 4_000_000)) size += lines[end++]!.length + 1;
    await rekognition().send(new UpdateDatasetEntriesCommand({ DatasetArn: datasetArn, Changes: { GroundTruth: new TextEncoder().encode(lines.slice(start, end).join('\n')) } }));
    start = end;
  }
}

export function Labeller(props: { datasetArn: string; projectArn: string }) {
  const [items, setItems] = useState<Item[]>([]);
  const [labels, setLabels] = useState<string[]>([]);
  const [i, setI] = useState(0);
  const [active, setActive] = useState(0);
  const [mode, setMode] = useState<'boxes' | 'image'>('image');
  const [selected, setSelected] = useState<number>();
  const [url, setUrl] = useState<string>();
  const [size, setSize] = useState<{ width: number; height: number }>();
  const [draft, setDraft] = useState<ManifestBox>();
  const [status, setStatus] = useState('');
  const [error, setError] = useState<unknown>();
  const [newLabel, setNewLabel] = useState('');
  const [models, setModels] = useState<{ arn: string; name: string }[]>([]);
  const [model, setModel] = useState('');
  /** Screen pixels per image pixel, so strokes, text and handles keep their size on screen. */
  const [scale, setScale] = useState(1);
  const drag = useRef<Drag | undefined>(undefined);
  const svg = useRef<SVGSVGElement>(null);
  const urls = useRef(new Map<string, Promise<string>>());
  // The key handler reads the latest state through this ref.
  const state = useRef({ items, i, labels, active, mode, selected });
  state.current = { items, i, labels, active, mode, selected };

  useEffect(() => {
    (async () => {
      const named = (await rekognition().send(new ListDatasetLabelsCommand({ DatasetArn: props.datasetArn, MaxResults: 100 }))).DatasetLabelDescriptions ?? [];
      setLabels(named.map((l) => l.LabelName!).filter(Boolean).sort());
      // The first page shows at once; the rest arrive while the user works.
      await allEntries(props.datasetArn, (entries) => {
        setItems((list) => [...list, ...entries.map((entry) => ({ entry, dirty: false, stored: entry.detection !== undefined }))]);
        const seen = entries.flatMap((e) => [...e.labels, ...(e.detection?.boxes.map((b) => b.label) ?? [])]);
        setLabels((list) => [...list, ...new Set(seen.filter((l) => !list.includes(l)))]);
        if (entries.some((e) => e.detection)) setMode('boxes');
      });
    })().catch(setError);
  }, [props.datasetArn]);

  useEffect(() => {
    runningVersions([props.projectArn])
      .then((found) => {
        setModels(found);
        setModel(found[0]?.arn ?? '');
      })
      .catch(setError);
  }, [props.projectArn]);

  const item = items[i];
  const loadUrl = (ref: string) => {
    let p = urls.current.get(ref);
    if (!p) {
      const s3 = parseS3Uri(ref);
      p = s3 ? objectUrl(s3.bucket, s3.key) : Promise.reject(new Error(`${ref} is not an s3:// address.`));
      urls.current.set(ref, p);
      p.catch(() => urls.current.delete(ref));
    }
    return p;
  };
  useEffect(() => {
    if (!item) return;
    let live = true;
    setSize(undefined);
    setSelected(undefined);
    loadUrl(item.entry.sourceRef).then(
      (u) => live && setUrl(u),
      (err) => live && setError(err),
    );
    // Fetch the next image ahead so moving on is instant.
    const next = items[i + 1];
    if (next) void loadUrl(next.entry.sourceRef).catch(() => {});
    return () => {
      live = false;
    };
  }, [item?.entry.sourceRef]);

  function update(index: number, change: (e: ManifestEntry) => ManifestEntry) {
    setItems((list) => list.map((it, n) => (n === index ? { ...it, entry: change(it.entry), dirty: true } : it)));
  }

  function setBoxes(change: (boxes: ManifestBox[]) => ManifestBox[]) {
    if (!size) return;
    const stored = state.current.items[state.current.i]?.stored;
    update(state.current.i, (e) => {
      const boxes = change(e.detection?.boxes ?? []);
      // Removing the last box of an image that had none leaves it without a detection attribute.
      if (!boxes.length && !stored) return { sourceRef: e.sourceRef, labels: e.labels };
      return { ...e, detection: { imageSize: e.detection?.imageSize ?? { width: size.width, height: size.height, depth: 3 }, boxes } };
    });
  }

  async function save(index: number) {
    const it = state.current.items[index];
    if (!it?.dirty) return;
    try {
      setStatus('Saving…');
      await saveEntries(props.datasetArn, [it.entry]);
      setItems((list) => list.map((x, n) => (n === index && x.entry === it.entry ? { ...x, dirty: false } : x)));
      setStatus(`Saved ${it.entry.sourceRef.replace(/^.*\//, '')}.`);
    } catch (err) {
      setStatus('');
      setError(err);
    }
  }

  function go(to: number) {
    const { items: list, i: from } = state.current;
    if (to < 0 || to >= list.length || to === from) return;
    void save(from);
    setI(to);
  }

  function pick(n: number) {
    const { labels: names, mode: m, selected: sel, i: at } = state.current;
    const label = names[n];
    if (label === undefined) return;
    setActive(n);
    if (m === 'image') update(at, (e) => ({ ...e, labels: e.labels.includes(label) ? e.labels.filter((l) => l !== label) : [...e.labels, label] }));
    else if (sel !== undefined) setBoxes((boxes) => boxes.map((b, k) => (k === sel ? { ...b, label } : b)));
  }

  /** Adds what the chosen model version finds on the image (at its assumed thresholds) as labels and boxes to check. */
  async function prelabel() {
    const { items: list, i: at } = state.current;
    const e = list[at]?.entry;
    const where = e && parseS3Uri(e.sourceRef);
    if (!where || !size || !model) return;
    try {
      setStatus('Pre-labelling…');
      const found = (await rekognition().send(new DetectCustomLabelsCommand({ ProjectVersionArn: model, Image: { S3Object: { Bucket: where.bucket, Name: where.key } } }))).CustomLabels ?? [];
      const names = found.map((c) => c.Name!).filter((n) => !state.current.labels.includes(n));
      if (names.length) setLabels((l) => [...l, ...new Set(names)]);
      const boxes = found.flatMap((c) => {
        const b = c.Geometry?.BoundingBox;
        return b ? [{ label: c.Name!, left: Math.round((b.Left ?? 0) * size.width), top: Math.round((b.Top ?? 0) * size.height), width: Math.round((b.Width ?? 0) * size.width), height: Math.round((b.Height ?? 0) * size.height) }] : [];
      });
      const imageLabels = found.filter((c) => !c.Geometry?.BoundingBox).map((c) => c.Name!);
      update(at, (x) => ({ ...x, labels: [...new Set([...x.labels, ...imageLabels])] }));
      if (boxes.length) setBoxes((old) => [...old, ...boxes]);
      setStatus(`The model found ${found.length ? found.map((c) => `${c.Name} ${c.Confidence?.toFixed(0)}%`).join(', ') : 'nothing'}.`);
    } catch (err) {
      setStatus('');
      setError(err);
    }
  }

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t.closest('input, textarea, select') || e.ctrlKey || e.metaKey || e.altKey) return;
      const { i: at, selected: sel } = state.current;
      if (/^[1-9]$/.test(e.key)) pick(Number(e.key) - 1);
      else if (e.key === 'ArrowRight' || e.key === 'j') go(at + 1);
      else if (e.key === 'ArrowLeft' || e.key === 'k') go(at - 1);
      else if ((e.key === 'Delete' || e.key === 'Backspace') && sel !== undefined) {
        setBoxes((boxes) => boxes.filter((_, k) => k !== sel));
        setSelected(undefined);
      } else if (e.key === 'Escape') setSelected(undefined);
      else if (e.key === 'b') setMode((m) => (m === 'boxes' ? 'image' : 'boxes'));
      else if (e.key === 'p') void prelabel();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [size, model]);

  useEffect(() => {
    const measure = () => size && svg.current && setScale(svg.current.getBoundingClientRect().width / size.width || 1);
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, [size, url]);

  // Save what is unsaved when the tool closes.
  useEffect(() => () => void state.current.items.forEach((_, n) => void save(n)), []);

  function point(e: PointerEvent) {
    const m = svg.current!.getScreenCTM()!.inverse();
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m);
    return { x: Math.max(0, Math.min(size!.width, p.x)), y: Math.max(0, Math.min(size!.height, p.y)) };
  }

  function onDown(e: PointerEvent) {
    if (!size || mode !== 'boxes' || e.button !== 0) return;
    const target = e.target as SVGElement;
    const box = target.dataset.box === undefined ? undefined : Number(target.dataset.box);
    const p = point(e);
    const boxes = item?.entry.detection?.boxes ?? [];
    if (box !== undefined && target.dataset.handle) {
      const b = boxes[box]!;
      // Resize from the opposite corner, which stays put.
      const h = target.dataset.handle;
      drag.current = { kind: 'resize', box, ax: h.includes('l') ? b.left + b.width : b.left, ay: h.includes('t') ? b.top + b.height : b.top };
    } else if (box !== undefined) {
      setSelected(box);
      drag.current = { kind: 'move', box, dx: p.x - boxes[box]!.left, dy: p.y - boxes[box]!.top };
    } else {
      if (labels[active] === undefined) return setError(new Error('Add a label first: boxes are drawn with the current label.'));
      setSelected(undefined);
      drag.current = { kind: 'draw', x0: p.x, y0: p.y };
    }
    svg.current!.setPointerCapture(e.pointerId);
    e.preventDefault();
  }

  function onMove(e: PointerEvent) {
    const d = drag.current;
    if (!d || !size) return;
    const p = point(e);
    if (d.kind === 'draw') setDraft({ label: labels[active]!, left: Math.min(d.x0, p.x), top: Math.min(d.y0, p.y), width: Math.abs(p.x - d.x0), height: Math.abs(p.y - d.y0) });
    else if (d.kind === 'move')
      setBoxes((boxes) => boxes.map((b, k) => (k === d.box ? { ...b, left: Math.max(0, Math.min(size.width - b.width, p.x - d.dx)), top: Math.max(0, Math.min(size.height - b.height, p.y - d.dy)) } : b)));
    else setBoxes((boxes) => boxes.map((b, k) => (k === d.box ? { ...b, left: Math.min(d.ax, p.x), top: Math.min(d.ay, p.y), width: Math.abs(p.x - d.ax), height: Math.abs(p.y - d.ay) } : b)));
  }

  function onUp() {
    const d = drag.current;
    drag.current = undefined;
    if (d?.kind === 'draw' && draft) {
      if (draft.width >= MIN_BOX && draft.height >= MIN_BOX) {
        const round = { ...draft, left: Math.round(draft.left), top: Math.round(draft.top), width: Math.round(draft.width), height: Math.round(draft.height) };
        setBoxes((boxes) => [...boxes, round]);
        setSelected(item?.entry.detection?.boxes.length ?? 0);
      }
      setDraft(undefined);
    } else if (d) setBoxes((boxes) => boxes.map((b) => ({ ...b, left: Math.round(b.left), top: Math.round(b.top), width: Math.round(b.width), height: Math.round(b.height) })));
  }

  if (error && items.length === 0) return <ErrorBox error={error} />;
  if (items.length === 0) return <p class="note">This dataset has no images yet: add some above.</p>;
  const entry = item!.entry;
  const boxes = entry.detection?.boxes ?? [];
  const labelled = items.filter((x) => x.entry.labels.length || x.entry.detection?.boxes.length).length;
  const stroke = 2 / scale;
  const font = 13 / scale;
  const handle = 9 / scale;

  return (
    <div class="labeller">
      <div class="row">
        <button onClick={() => go(i - 1)} disabled={i === 0} title="← or k">
          ← Previous
        </button>
        <span class="position">
          Image {i + 1} of {items.length}
        </span>
        <button onClick={() => go(i + 1)} disabled={i === items.length - 1} title="→ or j">
          Next →
        </button>
        <span class="note">
          {labelled} labelled · {entry.sourceRef} {item!.dirty ? '(unsaved)' : ''}
        </span>
        <button onClick={() => save(i)} disabled={!item!.dirty}>
          Save
        </button>
        <span class="note status">{status}</span>
      </div>
      <div class="row">
        <span>Mode (b):</span>
        <button class={mode === 'image' ? 'primary' : undefined} onClick={() => setMode('image')}>
          Image labels
        </button>
        <button class={mode === 'boxes' ? 'primary' : undefined} onClick={() => setMode('boxes')}>
          Boxes
        </button>
        {models.length > 0 && (
          <>
            <select aria-label="pre-label model" value={model} onChange={(e) => setModel(e.currentTarget.value)}>
              {models.map((m) => (
                <option value={m.arn}>{m.name}</option>
              ))}
            </select>
            <button onClick={() => prelabel()} title="p">
              Pre-label with the model (p)
            </button>
          </>
        )}
      </div>
      <div class="labels row">
        {labels.map((l, n) => (
          <button class={`label-chip${n === active ? ' active' : ''}${entry.labels.includes(l) ? ' on' : ''}`} style={{ borderColor: colourFor(l) }} onClick={() => pick(n)} title={mode === 'image' ? 'toggle this label on the image' : 'draw boxes with this label'}>
            {n < 9 && <kbd>{n + 1}</kbd>} {l}
          </button>
        ))}
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            const name = newLabel.trim();
            if (name && !labels.includes(name)) {
              setLabels([...labels, name]);
              setActive(labels.length);
            }
            setNewLabel('');
          }}
        >
          <input placeholder="new label" aria-label="new label" value={newLabel} onInput={(e) => setNewLabel(e.currentTarget.value)} />
          <button type="submit">Add label</button>
        </form>
      </div>
      <ErrorBox error={error} />
      <div class="canvas">
        {url && (
          <img
            class="probe"
            src={url}
            alt=""
            onLoad={(e) => setSize({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })}
            key={url}
          />
        )}
        {size && url && (
          <svg ref={svg} class={`label-svg mode-${mode}`} viewBox={`0 0 ${size.width} ${size.height}`} onPointerDown={onDown} onPointerMove={onMove} onPointerUp={onUp}>
            <image href={url} width={size.width} height={size.height} />
            {boxes.map((b, k) => (
              <g class={k === selected ? 'box selected' : 'box'}>
                <rect data-box={k} x={b.left} y={b.top} width={b.width} height={b.height} stroke={colourFor(b.label)} stroke-width={stroke} fill={k === selected ? 'rgba(255,255,255,0.15)' : 'transparent'} />
                <text x={b.left + stroke} y={b.top - stroke * 2} font-size={font} stroke-width={3 / scale} fill={colourFor(b.label)}>
                  {b.label}
                </text>
              </g>
            ))}
            {selected !== undefined &&
              boxes[selected] &&
              (['tl', 'tr', 'bl', 'br'] as const).map((h) => {
                const b = boxes[selected]!;
                return <rect class="handle" data-box={selected} data-handle={h} x={(h.includes('l') ? b.left : b.left + b.width) - handle / 2} y={(h.includes('t') ? b.top : b.top + b.height) - handle / 2} width={handle} height={handle} />;
              })}
            {draft && <rect class="draft" x={draft.left} y={draft.top} width={draft.width} height={draft.height} stroke={colourFor(draft.label)} stroke-width={stroke} fill="none" />}
          </svg>
        )}
      </div>
      <p class="note">
        Image labels: {entry.labels.join(', ') || 'none'} · boxes: {boxes.length}. Keys: 1–9 label, → / j next, ← / k previous, Delete removes the selected box, b switches mode.
      </p>
    </div>
  );
}
