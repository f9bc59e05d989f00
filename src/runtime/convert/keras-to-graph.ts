/**
 * Keras layers model (tfjs-layers' model.json) -> TensorFlow.js graph model, so that a layers
 * model runs where graph models run: tfjs-converter on the wasm backend, and the ONNX converter
 * (tfjs-to-onnx.ts) on onnxruntime. Pure: JSON and bytes in, JSON and bytes out.
 *
 * Each layer becomes the TF ops Keras itself builds for it at inference time:
 *   Conv2D -> Conv2D (+ BiasAdd) (+ activation)      DepthwiseConv2D -> DepthwiseConv2dNative (+ ...)
 *   BatchNormalization -> FusedBatchNormV3           ReLU -> Relu / Relu6 (max_value 6)
 *   Dense -> MatMul (+ BiasAdd) (+ activation)       Activation -> Relu / Relu6 / Softmax / Sigmoid / Tanh
 *   ZeroPadding2D -> Pad      Add -> AddV2           Concatenate -> ConcatV2
 *   MaxPooling2D / AveragePooling2D -> MaxPool / AvgPool      GlobalAveragePooling2D -> Mean
 *   Flatten -> Reshape [-1, n]      Dropout -> Identity (inference)      InputLayer -> Placeholder
 * Anything else throws, naming the layer classes it met. Only channels_last, single-call layers.
 *
 * The weights are kept byte for byte, quantisation included: every Keras weight `layer/kernel`
 * becomes a Const node of that name. Constants Keras does not store (paddings, axes, a BN scale of
 * ones when `scale: false`) are appended as float32/int32 weights after the original bytes.
 * The last op of each layer carries the layer's name, so graph outputs are Keras layer names
 * (e.g. `dense_3`) and the input is the InputLayer's name (e.g. `input_1`).
 */
import type { KerasLayer, KerasModelJson } from './nsfwjs-bundle.js';
import type { TfAttrValue, TfjsModelJson, TfNode, WeightSpec } from './tfjs-weights.js';

export interface GraphConversion {
  json: TfjsModelJson;
  /** Original weight bytes followed by the appended constants; the manifest names one file. */
  weightData: Buffer;
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
}

export class UnsupportedLayersError extends Error {
  constructor(readonly layers: string[]) {
    super(`unsupported Keras layers: ${layers.join(', ')}`);
    this.name = 'UnsupportedLayersError';
  }
}

const SUPPORTED_LAYERS = new Set([
  'InputLayer', 'Conv2D', 'DepthwiseConv2D', 'BatchNormalization', 'ReLU', 'Activation', 'Dense', 'Dropout', 'Flatten',
  'ZeroPadding2D', 'Add', 'Concatenate', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D',
]);

const ACTIVATIONS: Readonly<Record<string, string | null>> = Object.freeze({
  linear: null, relu: 'Relu', relu6: 'Relu6', softmax: 'Softmax', sigmoid: 'Sigmoid', tanh: 'Tanh', elu: 'Elu', selu: 'Selu',
});

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const T: TfAttrValue = { type: 'DT_FLOAT' };
const NHWC: TfAttrValue = { s: b64('NHWC') };
const ints = (xs: readonly number[]): TfAttrValue => ({ list: { i: xs.map(String) } });
const shapeAttr = (dims: readonly number[]) => ({ dim: dims.map((d) => ({ size: String(d) })) });

interface Tensor {
  node: string;
  /** NHWC / [N, C]; -1 for the batch. */
  shape: number[];
}

function pair(v: unknown, what: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  throw new Error(`${what}: expected a number or a pair, got ${JSON.stringify(v)}`);
}

function outSize(n: number, k: number, s: number, d: number, padding: string): number {
  if (padding === 'same') return Math.ceil(n / s);
  return Math.floor((n - (k - 1) * d - 1) / s) + 1;
}

class GraphBuilder {
  readonly nodes: TfNode[] = [];
  readonly extraSpecs: WeightSpec[] = [];
  private readonly extraBytes: Buffer[] = [];
  private readonly names = new Set<string>();

  add(name: string, op: string, input: string[], attr: Record<string, TfAttrValue> = {}): string {
    if (this.names.has(name)) throw new Error(`duplicate graph node ${name}`);
    this.names.add(name);
    this.nodes.push({ name, op, input, attr });
    return name;
  }

  /** A Const node for a weight stored in the manifest (original or appended). */
  weight(name: string, shape: readonly number[], dtype: 'float32' | 'int32'): string {
    if (this.names.has(name)) return name;
    const dt = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    return this.add(name, 'Const', [], { value: { tensor: { dtype: dt, tensorShape: shapeAttr(shape) } }, dtype: { type: dt } });
  }

  /** Appends a constant of our own to the weights and returns its Const node. */
  constant(name: string, shape: readonly number[], values: Float32Array | Int32Array): string {
    const dtype = values instanceof Float32Array ? 'float32' : 'int32';
    this.extraSpecs.push({ name, shape: shape.slice(), dtype });
    this.extraBytes.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    return this.weight(name, shape, dtype);
  }

  extraData(): Buffer {
    return Buffer.concat(this.extraBytes);
  }
}

/**
 * Converts a Keras layers model (its model.json and weight bytes) to a TF.js graph model.
 * `weightsFile` is the file name the returned manifest gives the weights.
 */
export function kerasToGraph(model: KerasModelJson, weightData: Buffer, weightsFile = 'weights.bin'): GraphConversion {
  // Keras (Python) wraps the model in `model_config`; tfjs-layers' own save does not.
  const top = model.modelTopology as KerasModelJson['modelTopology'] & Partial<KerasModelJson['modelTopology']['model_config']>;
  const cfg = (top?.model_config ?? top)?.config;
  if (!cfg?.layers) throw new Error('not a Keras layers model (no modelTopology.model_config.config.layers)');
  const unsupported = [...new Set(cfg.layers.map((l) => l.class_name).filter((c) => !SUPPORTED_LAYERS.has(c)))].sort();
  if (unsupported.length) throw new UnsupportedLayersError(unsupported);

  const specs = new Map<string, WeightSpec>();
  for (const g of model.weightsManifest) for (const w of g.weights) specs.set(w.name, w);
  const g = new GraphBuilder();
  const tensors = new Map<string, Tensor>();

  const inputOf = (l: KerasLayer): Tensor[] => {
    if (l.inbound_nodes.length > 1) throw new Error(`layer ${l.name} is called ${l.inbound_nodes.length} times; shared layers are not supported`);
    return (l.inbound_nodes[0] ?? []).map(([name, nodeIndex, tensorIndex]) => {
      if (nodeIndex !== 0 || tensorIndex !== 0) throw new Error(`layer ${l.name}: input ${name}[${nodeIndex}][${tensorIndex}] is not supported`);
      const t = tensors.get(name);
      if (!t) throw new Error(`layer ${l.name}: input ${name} is not defined before it`);
      return t;
    });
  };
  const kerasWeight = (l: KerasLayer, suffix: string): { node: string; shape: number[] } => {
    const name = `${l.name}/${suffix}`;
    const spec = specs.get(name);
    if (!spec) throw new Error(`layer ${l.name}: weight ${name} is missing from the manifest`);
    if (spec.dtype !== 'float32') throw new Error(`weight ${name}: dtype ${spec.dtype}, expected float32`);
    return { node: g.weight(name, spec.shape, 'float32'), shape: spec.shape };
  };
  const channelsLast = (l: KerasLayer) => {
    const f = l.config.data_format;
    if (f !== undefined && f !== 'channels_last') throw new Error(`layer ${l.name}: data_format ${String(f)} is not supported`);
  };
  /** Bias and activation after a linear op; the last op gets the layer's name. */
  const finish = (l: KerasLayer, x: string, shape: number[], bias: boolean, activation: unknown): Tensor => {
    const act = typeof activation === 'string' ? activation : 'linear';
    if (!(act in ACTIVATIONS)) throw new Error(`layer ${l.name}: activation '${act}' is not supported`);
    const op = ACTIVATIONS[act];
    let node = x;
    if (bias) {
      const b = kerasWeight(l, 'bias');
      node = g.add(op ? `${l.name}/BiasAdd` : l.name, 'BiasAdd', [node, b.node], { T, data_format: NHWC });
    }
    if (op) node = g.add(l.name, op, [node], { T });
    else if (node === x) node = g.add(l.name, 'Identity', [node], { T });
    return { node, shape };
  };

  const inputs: GraphConversion['inputs'] = [];
  for (const l of cfg.layers) {
    const c = l.config;
    let out: Tensor;
    switch (l.class_name) {
      case 'InputLayer': {
        const shape = (c.batch_input_shape as (number | null)[]).map((d) => d ?? -1);
        g.add(l.name, 'Placeholder', [], { dtype: { type: 'DT_FLOAT' }, shape: { shape: shapeAttr(shape) } });
        inputs.push({ name: l.name, shape });
        out = { node: l.name, shape };
        break;
      }
      case 'ZeroPadding2D': {
        channelsLast(l);
        const [x] = inputOf(l);
        // Keras accepts n, [h, w] or [[top, bottom], [left, right]].
        const p = c.padding as unknown;
        let t: number, b: number, le: number, r: number;
        if (Array.isArray(p) && Array.isArray(p[0])) [[t, b], [le, r]] = p as [[number, number], [number, number]];
        else [[t, le], [b, r]] = [pair(p, `${l.name}.padding`), pair(p, `${l.name}.padding`)];
        const pads = g.constant(`${l.name}/paddings`, [4, 2], Int32Array.from([0, 0, t, b, le, r, 0, 0]));
        const [n, h, w, ch] = x!.shape;
        out = { node: g.add(l.name, 'Pad', [x!.node, pads], { T, Tpaddings: { type: 'DT_INT32' } }), shape: [n!, h! + t + b, w! + le + r, ch!] };
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        channelsLast(l);
        const [x] = inputOf(l);
        const depthwise = l.class_name === 'DepthwiseConv2D';
        const k = kerasWeight(l, depthwise ? 'depthwise_kernel' : 'kernel');
        const [kh, kw] = pair(c.kernel_size, `${l.name}.kernel_size`);
        const [sh, sw] = pair(c.strides ?? 1, `${l.name}.strides`);
        const [dh, dw] = pair(c.dilation_rate ?? 1, `${l.name}.dilation_rate`);
        const padding = String(c.padding);
        if (padding !== 'same' && padding !== 'valid') throw new Error(`layer ${l.name}: padding '${padding}'`);
        const [n, h, w, ch] = x!.shape;
        const outC = depthwise ? ch! * k.shape[3]! : k.shape[3]!;
        const shape = [n!, outSize(h!, kh, sh, dh, padding), outSize(w!, kw, sw, dw, padding), outC];
        const linear = `${l.name}/${depthwise ? 'depthwise' : 'Conv2D'}`;
        g.add(linear, depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', [x!.node, k.node], {
          T,
          strides: ints([1, sh, sw, 1]),
          dilations: ints([1, dh, dw, 1]),
          padding: { s: b64(padding.toUpperCase()) },
          data_format: NHWC,
          explicit_paddings: { list: {} },
        });
        out = finish(l, linear, shape, c.use_bias !== false, c.activation);
        break;
      }
      case 'BatchNormalization': {
        const [x] = inputOf(l);
        const axis = c.axis as number | number[];
        const ax = Array.isArray(axis) ? axis[0] : axis;
        if (ax !== -1 && ax !== x!.shape.length - 1) throw new Error(`layer ${l.name}: BatchNormalization over axis ${String(axis)}, only the last axis is supported`);
        const ch = x!.shape[x!.shape.length - 1]!;
        const scale = c.scale === false ? g.constant(`${l.name}/gamma_ones`, [ch], new Float32Array(ch).fill(1)) : kerasWeight(l, 'gamma').node;
        const offset = c.center === false ? g.constant(`${l.name}/beta_zeros`, [ch], new Float32Array(ch)) : kerasWeight(l, 'beta').node;
        const mean = kerasWeight(l, 'moving_mean').node;
        const variance = kerasWeight(l, 'moving_variance').node;
        const node = g.add(l.name, 'FusedBatchNormV3', [x!.node, scale, offset, mean, variance], {
          T,
          U: { type: 'DT_FLOAT' },
          epsilon: { f: Number(c.epsilon ?? 1e-3) },
          data_format: NHWC,
          is_training: { b: false },
        });
        out = { node, shape: x!.shape };
        break;
      }
      case 'ReLU': {
        const [x] = inputOf(l);
        const max = c.max_value as number | null | undefined;
        if (Number(c.negative_slope ?? 0) !== 0 || Number(c.threshold ?? 0) !== 0) throw new Error(`layer ${l.name}: ReLU with a negative slope or threshold`);
        if (max !== null && max !== undefined && max !== 6) throw new Error(`layer ${l.name}: ReLU max_value ${max} (only 6 or none)`);
        out = { node: g.add(l.name, max === 6 ? 'Relu6' : 'Relu', [x!.node], { T }), shape: x!.shape };
        break;
      }
      case 'Activation': {
        const [x] = inputOf(l);
        out = finish(l, x!.node, x!.shape, false, c.activation);
        break;
      }
      case 'Dropout': {
        const [x] = inputOf(l);
        out = { node: g.add(l.name, 'Identity', [x!.node], { T }), shape: x!.shape };
        break;
      }
      case 'Flatten': {
        channelsLast(l);
        const [x] = inputOf(l);
        const n = x!.shape.slice(1).reduce((a, b) => a * b, 1);
        if (!(n > 0)) throw new Error(`layer ${l.name}: cannot flatten a tensor of shape [${x!.shape}]`);
        const shapeNode = g.constant(`${l.name}/shape`, [2], Int32Array.from([-1, n]));
        out = { node: g.add(l.name, 'Reshape', [x!.node, shapeNode], { T, Tshape: { type: 'DT_INT32' } }), shape: [x!.shape[0]!, n] };
        break;
      }
      case 'Dense': {
        const [x] = inputOf(l);
        if (x!.shape.length !== 2) throw new Error(`layer ${l.name}: Dense on a rank-${x!.shape.length} input`);
        const k = kerasWeight(l, 'kernel');
        const linear = g.add(`${l.name}/MatMul`, 'MatMul', [x!.node, k.node], { T, transpose_a: { b: false }, transpose_b: { b: false } });
        out = finish(l, linear, [x!.shape[0]!, k.shape[1]!], c.use_bias !== false, c.activation);
        break;
      }
      case 'Add': {
        const xs = inputOf(l);
        if (xs.length < 2) throw new Error(`layer ${l.name}: Add of ${xs.length} input`);
        let node = xs[0]!.node;
        for (let i = 1; i < xs.length; i++) node = g.add(i === xs.length - 1 ? l.name : `${l.name}/add_${i}`, 'AddV2', [node, xs[i]!.node], { T });
        out = { node, shape: xs[0]!.shape };
        break;
      }
      case 'Concatenate': {
        const xs = inputOf(l);
        const rank = xs[0]!.shape.length;
        const axis = ((c.axis as number) + rank) % rank;
        if (axis !== rank - 1) throw new Error(`layer ${l.name}: concatenation over axis ${String(c.axis)}, only the last axis is supported`);
        const axisNode = g.constant(`${l.name}/axis`, [], Int32Array.from([axis]));
        const shape = xs[0]!.shape.slice();
        shape[axis] = xs.reduce((a, t) => a + t.shape[axis]!, 0);
        out = { node: g.add(l.name, 'ConcatV2', [...xs.map((t) => t.node), axisNode], { T, N: { i: String(xs.length) }, Tidx: { type: 'DT_INT32' } }), shape };
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        channelsLast(l);
        const [x] = inputOf(l);
        const [kh, kw] = pair(c.pool_size, `${l.name}.pool_size`);
        const [sh, sw] = pair(c.strides ?? c.pool_size, `${l.name}.strides`);
        const padding = String(c.padding);
        if (padding !== 'same' && padding !== 'valid') throw new Error(`layer ${l.name}: padding '${padding}'`);
        const [n, h, w, ch] = x!.shape;
        const op = l.class_name === 'MaxPooling2D' ? 'MaxPool' : 'AvgPool';
        const node = g.add(l.name, op, [x!.node], { T, ksize: ints([1, kh, kw, 1]), strides: ints([1, sh, sw, 1]), padding: { s: b64(padding.toUpperCase()) }, data_format: NHWC });
        out = { node, shape: [n!, outSize(h!, kh, sh, 1, padding), outSize(w!, kw, sw, 1, padding), ch!] };
        break;
      }
      case 'GlobalAveragePooling2D': {
        channelsLast(l);
        const [x] = inputOf(l);
        const axes = g.constant(`${l.name}/axes`, [2], Int32Array.from([1, 2]));
        out = { node: g.add(l.name, 'Mean', [x!.node, axes], { T, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } }), shape: [x!.shape[0]!, x!.shape[3]!] };
        break;
      }
      default:
        throw new UnsupportedLayersError([l.class_name]);
    }
    tensors.set(l.name, out);
  }

  const outputs = cfg.output_layers.map(([name]) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`output layer ${name} is not in the model`);
    return { name: t.node, shape: t.shape };
  });
  const original = model.weightsManifest.flatMap((grp) => grp.weights);
  const json: TfjsModelJson = {
    format: 'graph-model',
    generatedBy: `keras ${model.modelTopology.keras_version ?? '?'}`,
    convertedBy: 'argus keras-to-graph',
    modelTopology: { node: g.nodes, versions: { producer: 0, minConsumer: 0 } },
    weightsManifest: [{ paths: [weightsFile], weights: [...original, ...g.extraSpecs] }],
  };
  return { json, weightData: Buffer.concat([weightData, g.extraData()]), inputs, outputs };
}
