/** `argus serve`: starts the API, the S3 endpoint and /health, and says how to call them. */
import { loadConfig } from '../config.js';
import { startArgus } from '../app.js';
import { flagNumber, flagString, type Parsed } from './args.js';

export async function serveCommand(p: Parsed): Promise<void> {
  const config = loadConfig(process.env, {
    ...(flagNumber(p, 'port') !== undefined ? { port: flagNumber(p, 'port') } : {}),
    ...(flagString(p, 'host') ? { host: flagString(p, 'host') } : {}),
    ...(flagString(p, 'data') ? { dataDir: flagString(p, 'data') } : {}),
  });
  const argus = await startArgus(config);
  const key = config.credentials[0]!;
  console.log(`Argus is serving on ${argus.url} (data in ${config.dataDir}, ${config.workers} inference worker(s))`);
  if (config.credentialsSource === 'generated' || config.credentialsSource === 'data folder') {
    console.log(
      `${config.credentialsSource === 'generated' ? 'Generated an access key' : 'Access key'} (kept in ${config.dataDir}/credentials.json). Use it with:\n` +
        `  export AWS_ACCESS_KEY_ID=${key.accessKeyId} AWS_SECRET_ACCESS_KEY=${key.secretAccessKey} AWS_DEFAULT_REGION=us-east-1\n` +
        `  aws rekognition detect-labels --endpoint-url ${argus.url} --image-bytes fileb://photo.jpg`,
    );
  } else {
    console.log(`Access keys from the ${config.credentialsSource}.`);
  }
  const stop = async () => {
    console.log('stopping');
    await argus.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
