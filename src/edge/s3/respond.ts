/** Writing S3 responses: XML documents, empty answers and errors, with S3's request-id headers. */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { errorXml, type S3Error } from './errors.js';

/** Every S3 response names its request twice: x-amz-request-id and the "extended" x-amz-id-2. */
export function setRequestIds(res: ServerResponse, requestId: string): void {
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', createHash('sha256').update(requestId).digest('base64'));
}

export function sendXml(res: ServerResponse, status: number, xml: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(xml, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'application/xml', 'Content-Length': body.length });
  res.end(body);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Length': 0 });
  res.end();
}

/** The error document, or for HEAD (which has no body) just the status and headers. */
export function sendError(res: ServerResponse, method: string, err: S3Error, resource: string, requestId: string): void {
  if (method === 'HEAD') {
    res.writeHead(err.status, { ...err.headers, 'x-amz-error-code': err.code, 'Content-Length': 0 });
    res.end();
    return;
  }
  sendXml(res, err.status, errorXml(err, resource, requestId), err.headers);
}

/** Last-Modified and friends use the IMF-fixdate form. */
export const httpDate = (d: Date) => d.toUTCString();
