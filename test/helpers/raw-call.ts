/** A raw, correctly signed Rekognition request: malformed bodies reach the server as they are, and Argus' extension fields (which the SDK drops) come back. */
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from './sha256.js';
import { TEST_KEY } from './server.js';

export async function rawCall(url: string, target: string, body: string, method = 'POST') {
  const host = new URL(url).host;
  const signer = new SignatureV4({ service: 'rekognition', region: 'us-east-1', credentials: TEST_KEY, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: 'http:', hostname: host.split(':')[0]!, port: Number(host.split(':')[1]), path: '/', headers: { host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body });
  const res = await fetch(`${url}/`, { method, headers: signed.headers, body: method === 'GET' ? undefined : body });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as any };
}
