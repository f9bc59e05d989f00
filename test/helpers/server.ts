/** Starts a real Argus server on 127.0.0.1 with a temporary data folder and a known key pair. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RekognitionClient } from '@aws-sdk/client-rekognition';
import { S3Client } from '@aws-sdk/client-s3';
import { loadConfig, type Config } from '../../src/config.js';
import { startArgus, type Argus } from '../../src/app.js';

export const TEST_KEY = { accessKeyId: 'AKIAARGUSTEST0000001', secretAccessKey: 'argus-test-secret-0123456789abcdefghijkl' };

export { EVAL_DATA, hasEvalData, NO_EVAL_DATA } from './eval-data.js';

export interface TestServer {
  argus: Argus;
  config: Config;
  rekognition: RekognitionClient;
  s3: S3Client;
  close(): Promise<void>;
}

export async function startTestServer(overrides: Partial<Config> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'argus-test-'));
  const config = loadConfig({}, { dataDir, port: 0, credentials: [TEST_KEY], workers: 1, intraOpThreads: 1, ...overrides });
  const argus = await startArgus(config);
  const clientConfig = { endpoint: argus.url, region: 'us-east-1', credentials: TEST_KEY, maxAttempts: 1 };
  const rekognition = new RekognitionClient(clientConfig);
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  return {
    argus,
    config,
    rekognition,
    s3,
    async close() {
      rekognition.destroy();
      s3.destroy();
      await argus.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
