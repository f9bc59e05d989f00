/**
 * Configuration: defaults, then `<dataDir>/argus.json` (or the file named by ARGUS_CONFIG), then
 * environment variables. Credentials come from the environment, the config file, or a key pair
 * generated into the data folder on first start.
 */
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** Region a request may be signed for; undefined accepts any region. */
  region?: string;
  credentials: Credential[];
  /** Where the credentials came from, for the start-up message. */
  credentialsSource: 'environment' | 'config file' | 'generated' | 'data folder';
  workers: number;
  intraOpThreads: number;
  /** Largest JSON request body (CompareFaces carries two 5 MB images as base64). */
  maxBodyBytes: number;
  maxObjectBytes: number;
  objectModel: 'centernet' | 'nanodet';
  /**
   * The NSFW classifier behind DetectModerationLabels and DetectLabels' Drawing/Illustration
   * (ARGUS_MODERATION_MODEL). InceptionV3 by default: 1.3 % false positives on the safe eval photos
   * against 4.1 % for MobileNetV2, at 73 ms against 9 ms (bench/moderation-eval.ts).
   */
  moderationModel: 'mobilenet-v2' | 'inception-v3';
  /** Models loaded at start instead of on first use. */
  warmUp: boolean;
  /** Convert TF.js graph models to ONNX on first use and run them on onnxruntime-node (ARGUS_CONVERT_TO_ONNX). */
  convertToOnnx: boolean;
  /**
   * Folder with model files no npm package ships, laid out like shared/models
   * (`<dir>/<folder>/<file>.tflite` or `<dir>/<file>.tflite`) (ARGUS_MODELS_DIR).
   */
  modelsDir?: string;
  /** Download such files (sha256-checked, into the data folder) when not found locally (ARGUS_MODEL_DOWNLOADS=1). Default off. */
  modelDownloads: boolean;
  /**
   * Where video jobs' completion notices go: SNS topic ARN → webhook URL (`"snsWebhooks"` in
   * argus.json, or ARGUS_SNS_WEBHOOKS="arn:aws:sns:…:topic=http://host/hook,…").
   */
  snsWebhooks: Record<string, string>;
}

interface FileConfig extends Partial<Omit<Config, 'credentialsSource'>> {}

/** "arn=url,arn=url" (an ARN has no '=' or ','). */
function webhooks(v: string | undefined): Record<string, string> | undefined {
  if (!v) return undefined;
  return Object.fromEntries(
    v.split(',').map((pair) => {
      const i = pair.indexOf('=');
      if (i <= 0) throw new Error(`ARGUS_SNS_WEBHOOKS must be "topicArn=url,…", got '${pair}'`);
      return [pair.slice(0, i).trim(), pair.slice(i + 1).trim()];
    }),
  );
}

const int = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${v}'`);
  return n;
};

export function credentialsFile(dataDir: string) {
  return join(dataDir, 'credentials.json');
}

/** Generates an AWS-style key pair (AKIA… / 40 characters). */
export function generateCredential(): Credential {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = 'AKIA' + [...randomBytes(16)].map((b) => alphabet[b % 32]).join('');
  return { accessKeyId: id, secretAccessKey: randomBytes(30).toString('base64').replace(/[+/=]/g, 'x').slice(0, 40) };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = resolve(overrides.dataDir ?? env.ARGUS_DATA_DIR ?? 'data');
  mkdirSync(dataDir, { recursive: true });
  const configPath = env.ARGUS_CONFIG ?? join(dataDir, 'argus.json');
  const file: FileConfig = existsSync(configPath) ? JSON.parse(readFileSync(configPath, 'utf8')) : {};
  const cores = availableParallelism();
  const workers = overrides.workers ?? int(env.ARGUS_WORKERS, 'ARGUS_WORKERS') ?? file.workers ?? cores;
  const objectModel = (overrides.objectModel ?? env.ARGUS_OBJECT_MODEL ?? file.objectModel ?? 'centernet') as Config['objectModel'];
  if (objectModel !== 'centernet' && objectModel !== 'nanodet') throw new Error(`ARGUS_OBJECT_MODEL must be centernet or nanodet, got '${objectModel}'`);
  const moderationModel = (overrides.moderationModel ?? (env.ARGUS_MODERATION_MODEL || undefined) ?? file.moderationModel ?? 'inception-v3') as Config['moderationModel'];
  if (moderationModel !== 'mobilenet-v2' && moderationModel !== 'inception-v3') {
    throw new Error(`ARGUS_MODERATION_MODEL must be mobilenet-v2 or inception-v3, got '${moderationModel}'`);
  }

  let credentials: Credential[];
  let credentialsSource: Config['credentialsSource'];
  if (overrides.credentials) {
    credentials = overrides.credentials;
    credentialsSource = 'config file';
  } else if (env.ARGUS_ACCESS_KEY_ID && env.ARGUS_SECRET_ACCESS_KEY) {
    credentials = [{ accessKeyId: env.ARGUS_ACCESS_KEY_ID, secretAccessKey: env.ARGUS_SECRET_ACCESS_KEY }];
    credentialsSource = 'environment';
  } else if (file.credentials?.length) {
    credentials = file.credentials;
    credentialsSource = 'config file';
  } else if (existsSync(credentialsFile(dataDir))) {
    credentials = JSON.parse(readFileSync(credentialsFile(dataDir), 'utf8')) as Credential[];
    credentialsSource = 'data folder';
  } else {
    credentials = [generateCredential()];
    writeFileSync(credentialsFile(dataDir), JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
    credentialsSource = 'generated';
  }

  return {
    host: overrides.host ?? env.ARGUS_HOST ?? file.host ?? '127.0.0.1',
    port: overrides.port ?? int(env.ARGUS_PORT, 'ARGUS_PORT') ?? file.port ?? 4600,
    dataDir,
    region: overrides.region ?? env.ARGUS_REGION ?? file.region,
    credentials,
    credentialsSource,
    workers: Math.max(1, workers),
    intraOpThreads: overrides.intraOpThreads ?? Math.max(1, Math.floor(cores / Math.max(1, workers))),
    maxBodyBytes: overrides.maxBodyBytes ?? file.maxBodyBytes ?? 16 * 1024 * 1024,
    maxObjectBytes: overrides.maxObjectBytes ?? file.maxObjectBytes ?? 5 * 1024 ** 3,
    objectModel,
    moderationModel,
    warmUp: overrides.warmUp ?? (env.ARGUS_WARM_UP ? env.ARGUS_WARM_UP !== '0' : (file.warmUp ?? true)),
    convertToOnnx: overrides.convertToOnnx ?? (env.ARGUS_CONVERT_TO_ONNX ? env.ARGUS_CONVERT_TO_ONNX !== '0' : (file.convertToOnnx ?? true)),
    modelsDir: overrides.modelsDir ?? (env.ARGUS_MODELS_DIR ? resolve(env.ARGUS_MODELS_DIR) : file.modelsDir),
    modelDownloads: overrides.modelDownloads ?? (env.ARGUS_MODEL_DOWNLOADS ? env.ARGUS_MODEL_DOWNLOADS === '1' : (file.modelDownloads ?? false)),
    snsWebhooks: overrides.snsWebhooks ?? webhooks(env.ARGUS_SNS_WEBHOOKS) ?? file.snsWebhooks ?? {},
  };
}
