/**
 * The HTTP edge: one server for the Rekognition JSON API, the embedded S3 endpoint, /health and the console.
 * Every response carries a request id; nothing unexpected reaches a client as a stack trace.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { isConsoleRequest, serveConsole } from './console-static.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>;

export interface Routes {
  rekognition: RouteHandler;
  s3: RouteHandler;
  health: () => object;
}

export function createHttpServer(routes: Routes): Server {
  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const path = (req.url ?? '/').split('?')[0];
    let route: Promise<void>;
    if (req.method === 'GET' && path === '/health') {
      const body = JSON.stringify(routes.health());
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': requestId });
      res.end(body);
      return;
    }
    const isJsonApi = req.headers['x-amz-target'] !== undefined || String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json');
    // The console's static files answer unsigned GETs of / and /console/...; signed ones are S3 calls.
    if (path !== undefined && isConsoleRequest(req, path)) route = serveConsole(req, res, path);
    else route = isJsonApi ? routes.rekognition(req, res, requestId) : routes.s3(req, res, requestId);
    route
      .catch((err) => {
        console.error(`[${requestId}] unhandled error:`, err);
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-requestid': requestId });
          res.end(JSON.stringify({ __type: 'InternalServerError', Message: 'Internal server error.' }));
        }
      })
      .finally(() => {
        // A JSON request refused before its body was read (413) must not leave the socket
        // half-read. The S3 handler drains or closes on its own, so clients can read its error.
        if (isJsonApi && !req.complete) res.once('finish', () => req.destroy());
      });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  // Large S3 uploads may take long; slow-header clients are still cut off by headersTimeout.
  server.requestTimeout = 60 * 60 * 1000;
  server.headersTimeout = 60 * 1000;
  return server;
}
