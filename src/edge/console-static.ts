/**
 * The web console's static files (built by Vite into dist/console), served at /console/ by the same
 * process as the API. Only unsigned GET/HEAD requests for `/`, `/console` and `/console/...` come
 * here; a signed request for the same path is an S3 call (a bucket may be named `console`).
 * Nothing outside dist/console is ever read; a path without a file falls back to index.html so the
 * console's own routes (/console/faces, ...) load.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** dist/console, beside dist/src (this file runs from dist/src/edge/). */
export const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Whether a request is for the console: GET/HEAD of /, /console or /console/... without any AWS signature. */
export function isConsoleRequest(req: IncomingMessage, path: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (path !== '/' && path !== '/console' && !path.startsWith('/console/')) return false;
  if (req.headers.authorization !== undefined) return false;
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  return !query.has('X-Amz-Signature') && !query.has('Signature');
}

/** Serves one console request (see isConsoleRequest); `/` and `/console` redirect to `/console/`. */
export async function serveConsole(req: IncomingMessage, res: ServerResponse, path: string, dir = CONSOLE_DIR): Promise<void> {
  if (path === '/' || path === '/console') {
    res.writeHead(302, { location: '/console/' });
    res.end();
    return;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(path.slice('/console/'.length));
  } catch {
    return send(req, res, 400, 'text/plain; charset=utf-8', 'Bad path.');
  }
  const clean = normalize('/' + rel).slice(1);
  if (rel.includes('\0') || rel.split(/[\\/]/).includes('..')) return send(req, res, 400, 'text/plain; charset=utf-8', 'Bad path.');
  const file = join(dir, clean);
  if (file !== dir && !file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) return send(req, res, 400, 'text/plain; charset=utf-8', 'Bad path.');
  const found = clean !== '' && (await stat(file).catch(() => undefined))?.isFile();
  if (found) {
    const hashed = clean.startsWith('assets/');
    const body = await readFile(file);
    return send(req, res, 200, TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', body, hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
  }
  // A missing asset is a 404; any other path is one of the console's own routes.
  if (extname(clean) !== '') return send(req, res, 404, 'text/plain; charset=utf-8', 'Not found.');
  const index = await readFile(join(dir, 'index.html')).catch(() => undefined);
  if (!index) return send(req, res, 404, 'text/plain; charset=utf-8', 'The console is not built: run `npm run build`.');
  return send(req, res, 200, TYPES['.html']!, index, 'no-cache');
}

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string | Buffer, cache = 'no-store'): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-type': type, 'content-length': buf.length, 'cache-control': cache, 'x-content-type-options': 'nosniff' });
  res.end(req.method === 'HEAD' ? undefined : buf);
}
