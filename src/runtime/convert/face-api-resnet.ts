/**
 * face-api's FaceRecognitionNet (dlib's ResNet-34-style face descriptor, 150 x 150 RGB in, 128-d
 * out; LFW 99.38 % as reported by dlib) ships as a bare weights manifest: the network itself is
 * TypeScript in the face-api library. This file writes that network as a Keras layers model over
 * the shipped weights, so keras-to-graph.ts turns it into a TF.js graph model and it runs where
 * graph models run (the ONNX cache, or tfjs-wasm). Pure: JSON and bytes in, JSON and bytes out.
 *
 * face-api's layers, and the Keras layers that compute the same thing:
 *   conv (conv + bias, then a per-channel scale w*x + b, then ReLU)
 *      -> Conv2D (bias) + BatchNormalization (gamma = w, beta = b, mean 0, variance 1 - eps) + ReLU
 *   residual: conv, conv without ReLU, add the input, ReLU
 *   residualDown: the same with a stride-2 'valid' first conv; the shortcut is a 2x2 average pool,
 *      zero-padded to the new channel count (here a 1x1 Conv2D with kernel [I | 0], exact) and the
 *      branch zero-padded by one row and column when the pooled map is larger (ZeroPadding2D).
 *   then global average pooling and a 256 -> 128 matrix product (Dense without bias).
 * The input is (RGB - [122.782, 117.001, 104.298]) / 255, done by the caller.
 *
 * The shipped weights keep their bytes (uint8 quantisation included) under Keras names; the
 * constants face-api does not store (BN mean and variance, the padding kernels) are appended.
 */
import type { KerasLayer, KerasModelJson } from './nsfwjs-bundle.js';
import type { WeightSpec } from './tfjs-weights.js';

export const FACE_API_RESNET_INPUT = 150;
export const FACE_API_RESNET_MEAN_RGB = Object.freeze([122.782, 117.001, 104.298]);
const BN_EPSILON = 1e-3;

/** The Keras model and its weight bytes for face-api's face_recognition_model manifest and .bin. */
export function faceApiResnetAsKeras(manifest: { paths: string[]; weights: WeightSpec[] }[], weightData: Buffer): { json: KerasModelJson; weightData: Buffer } {
  const shipped = manifest.flatMap((g) => g.weights);
  const byName = new Map(shipped.map((w) => [w.name, w]));
  const renamed = new Map<string, string>(); // face-api name -> Keras name
  const extra: WeightSpec[] = [];
  const extraBytes: Buffer[] = [];
  const layers: KerasLayer[] = [];
  const constant = (name: string, shape: number[], values: Float32Array) => {
    extra.push({ name, shape, dtype: 'float32' });
    extraBytes.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  };
  const use = (faceApiName: string, kerasName: string) => {
    if (!byName.has(faceApiName)) throw new Error(`face_recognition_model: weight ${faceApiName} is missing`);
    renamed.set(faceApiName, kerasName);
    return byName.get(faceApiName)!;
  };
  const layer = (class_name: string, name: string, config: Record<string, unknown>, inputs: string[]): string => {
    layers.push({ class_name, name, config: { name, ...config }, inbound_nodes: inputs.length ? [inputs.map((i) => [i, 0, 0, {}])] : [] });
    return name;
  };

  /** face-api's convLayer: conv + bias, scale, optional ReLU. */
  const conv = (prefix: string, x: string, stride: number, relu: boolean): string => {
    const name = prefix.replace(/\//g, '_');
    const filters = use(`${prefix}/conv/filters`, `${name}_conv/kernel`);
    use(`${prefix}/conv/bias`, `${name}_conv/bias`);
    use(`${prefix}/scale/weights`, `${name}_scale/gamma`);
    use(`${prefix}/scale/biases`, `${name}_scale/beta`);
    const [kh, kw, , out] = filters.shape as [number, number, number, number];
    let y = layer('Conv2D', `${name}_conv`, { filters: out, kernel_size: [kh, kw], strides: [stride, stride], padding: stride === 1 ? 'same' : 'valid', use_bias: true, activation: 'linear' }, [x]);
    constant(`${name}_scale/moving_mean`, [out], new Float32Array(out));
    constant(`${name}_scale/moving_variance`, [out], new Float32Array(out).fill(1 - BN_EPSILON));
    y = layer('BatchNormalization', `${name}_scale`, { axis: -1, epsilon: BN_EPSILON, center: true, scale: true }, [y]);
    return relu ? layer('ReLU', `${name}_relu`, {}, [y]) : y;
  };
  const residual = (prefix: string, x: string): string => {
    const y = conv(`${prefix}/conv2`, conv(`${prefix}/conv1`, x, 1, true), 1, false);
    return layer('ReLU', `${prefix}_out`, {}, [layer('Add', `${prefix}_add`, {}, [y, x])]);
  };
  /** Spatial size after each layer, to know when residualDown pads. */
  const sizes = new Map<string, { hw: number; ch: number }>();
  const residualDown = (prefix: string, x: string): string => {
    const inSize = sizes.get(x)!;
    let y = conv(`${prefix}/conv2`, conv(`${prefix}/conv1`, x, 2, true), 1, false);
    const outCh = byName.get(`${prefix}/conv2/conv/filters`)!.shape[3]!;
    const outHw = Math.floor((inSize.hw - 3) / 2) + 1;
    let pooled = layer('AveragePooling2D', `${prefix}_pool`, { pool_size: [2, 2], strides: [2, 2], padding: 'valid' }, [x]);
    const pooledHw = Math.floor(inSize.hw / 2);
    if (pooledHw !== outHw) {
      if (pooledHw !== outHw + 1) throw new Error(`${prefix}: cannot pad ${outHw} to ${pooledHw}`);
      y = layer('ZeroPadding2D', `${prefix}_pad`, { padding: [[0, 1], [0, 1]] }, [y]);
    }
    if (outCh !== inSize.ch) {
      const k = new Float32Array(inSize.ch * outCh);
      for (let c = 0; c < inSize.ch; c++) k[c * outCh + c] = 1;
      constant(`${prefix}_widen/kernel`, [1, 1, inSize.ch, outCh], k);
      pooled = layer('Conv2D', `${prefix}_widen`, { filters: outCh, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', use_bias: false, activation: 'linear' }, [pooled]);
    }
    const out = layer('ReLU', `${prefix}_out`, {}, [layer('Add', `${prefix}_add`, {}, [y, pooled])]);
    sizes.set(out, { hw: pooledHw, ch: outCh });
    return out;
  };

  const S = FACE_API_RESNET_INPUT;
  let x = layer('InputLayer', 'input', { batch_input_shape: [null, S, S, 3], dtype: 'float32' }, []);
  x = conv('conv32_down', x, 2, true);
  x = layer('MaxPooling2D', 'conv32_pool', { pool_size: [3, 3], strides: [2, 2], padding: 'valid' }, [x]);
  const afterPool = Math.floor((Math.floor((S - 7) / 2) + 1 - 3) / 2) + 1;
  sizes.set(x, { hw: afterPool, ch: 32 });
  const keep = (prefix: string, y: string) => (sizes.set(y, sizes.get(prefix)!), y);
  for (const p of ['conv32_1', 'conv32_2', 'conv32_3']) x = keep(x, residual(p, x));
  x = residualDown('conv64_down', x);
  for (const p of ['conv64_1', 'conv64_2', 'conv64_3']) x = keep(x, residual(p, x));
  x = residualDown('conv128_down', x);
  for (const p of ['conv128_1', 'conv128_2']) x = keep(x, residual(p, x));
  x = residualDown('conv256_down', x);
  for (const p of ['conv256_1', 'conv256_2']) x = keep(x, residual(p, x));
  x = residualDown('conv256_down_out', x);
  x = layer('GlobalAveragePooling2D', 'pool', {}, [x]);
  use('fc', 'descriptor/kernel');
  x = layer('Dense', 'descriptor', { units: 128, use_bias: false, activation: 'linear' }, [x]);

  const unused = shipped.filter((w) => !renamed.has(w.name)).map((w) => w.name);
  if (unused.length) throw new Error(`face_recognition_model: unexpected weights ${unused.join(', ')}`);
  const weights = [...shipped.map((w) => ({ ...w, name: renamed.get(w.name)! })), ...extra];
  const json: KerasModelJson = {
    format: 'layers-model',
    modelTopology: {
      model_config: { class_name: 'Model', config: { name: 'face_api_resnet', layers, input_layers: [['input', 0, 0]], output_layers: [['descriptor', 0, 0]] } },
    },
    weightsManifest: [{ paths: ['weights.bin'], weights }],
  };
  return { json, weightData: Buffer.concat([weightData, ...extraBytes]) };
}
