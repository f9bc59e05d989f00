/**
 * The Rekognition endpoint: AWS JSON 1.1 over `POST /` with `X-Amz-Target:
 * RekognitionService.<Op>`, SigV4-verified, answered as JSON or as Rekognition's error shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './body.js';
import { Serialization, ServiceError, UnknownOperation, toServiceError } from './errors.js';
import { sha256Hex, verifySigV4 } from './sigv4.js';
import { dispatch } from '../operations/dispatch.js';
import type { Services } from '../services/services.js';
import type { Config } from '../config.js';

const CONTENT_TYPE = 'application/x-amz-json-1.1';
const PREFIX = 'RekognitionService.';

/** Timestamps travel as epoch seconds; Buffers (never expected in output) as base64. */
function replacer(this: unknown, key: string, value: unknown) {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Date) return raw.getTime() / 1000;
  return value;
}

export function sendJson(res: ServerResponse, status: number, body: object, requestId: string, extra: Record<string, string> = {}) {
  const text = JSON.stringify(body, replacer);
  res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': requestId, ...extra });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ServiceError, requestId: string) {
  // Rekognition's exception shapes carry Message, Code and Logref; SDKs read __type or the header.
  sendJson(res, err.status, { __type: err.type, Code: err.type, Message: err.message, Logref: requestId }, requestId, { 'x-amzn-errortype': err.type });
}

export function createAwsJsonHandler(config: Config, services: Services) {
  const secrets = new Map(config.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
  return async function rekognition(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
        throw UnknownOperation(`AWS JSON requests are POST /; got ${req.method} ${(req.url ?? '').split('?')[0]}.`);
      }
      const body = await readBody(req, config.maxBodyBytes);
      const [path, query = ''] = (req.url ?? '/').split('?') as [string, string?];
      const auth = verifySigV4(
        { method: 'POST', path, query, headers: req.headers, payloadHash: sha256Hex(body) },
        { service: 'rekognition', region: config.region, secretFor: (id) => secrets.get(id) },
      );
      if (!target.startsWith(PREFIX)) throw UnknownOperation(`X-Amz-Target must be '${PREFIX}<Operation>', got '${target}'.`);
      let parsed: unknown;
      try {
        parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        throw Serialization('The request body is not valid JSON.');
      }
      const result = await dispatch(target.slice(PREFIX.length), parsed, services, { requestId, accessKeyId: auth.accessKeyId });
      sendJson(res, 200, result, requestId);
    } catch (err) {
      const se = toServiceError(err);
      if (!(err instanceof ServiceError)) console.error(`[${requestId}] internal error:`, err);
      if (!res.headersSent) sendError(res, se, requestId);
      else res.destroy();
    }
  };
}
