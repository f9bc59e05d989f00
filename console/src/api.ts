/**
 * The console talks to Argus exactly as any client does: the official AWS SDK, signing with the key
 * pair the user typed at login, endpoint = this page's origin. The keys live in sessionStorage only.
 */
import { DescribeProjectsCommand, DescribeProjectVersionsCommand, ListCollectionsCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

const KEY = 'argus.session';

export function loadSession(): Session | undefined {
  const raw = sessionStorage.getItem(KEY);
  return raw ? (JSON.parse(raw) as Session) : undefined;
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
  clients = undefined;
}

export const endpoint = (): string => window.location.origin;

let clients: { session: Session; rekognition: RekognitionClient; s3: S3Client } | undefined;

function make(session: Session) {
  const config = { endpoint: endpoint(), region: session.region, credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey }, maxAttempts: 1 };
  return { session, rekognition: new RekognitionClient(config), s3: new S3Client({ ...config, forcePathStyle: true }) };
}

function current() {
  const session = loadSession();
  if (!session) throw new Error('Not logged in.');
  if (!clients || JSON.stringify(clients.session) !== JSON.stringify(session)) clients = make(session);
  return clients;
}

/** The Rekognition client for the logged-in user. */
export const rekognition = (): RekognitionClient => current().rekognition;
/** The S3 client (path-style) for the logged-in user. */
export const s3 = (): S3Client => current().s3;

/** Checks a key pair with a cheap signed call; resolves when Argus accepts it, rejects with its error otherwise. */
export async function checkKeys(s: Session): Promise<void> {
  const c = make(s);
  try {
    await c.rekognition.send(new ListCollectionsCommand({ MaxResults: 1 }));
  } finally {
    c.rekognition.destroy();
    c.s3.destroy();
  }
}

/** An error in words: the API's own message, with its code. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const name = err.name && err.name !== 'Error' ? `${err.name}: ` : '';
    return `${name}${err.message || 'request failed'}`;
  }
  return String(err);
}

/** The bytes of an object in a bucket. */
export async function getObjectBytes(bucket: string, key: string): Promise<Uint8Array> {
  const out = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!out.Body) throw new Error(`s3://${bucket}/${key} has no body.`);
  return out.Body.transformToByteArray();
}

/** A blob: URL for an image in a bucket (the caller revokes it). */
export async function objectUrl(bucket: string, key: string): Promise<string> {
  const bytes = await getObjectBytes(bucket, key);
  return URL.createObjectURL(new Blob([bytes as BlobPart], { type: typeFor(key) }));
}

const TYPES: [RegExp, string][] = [
  [/\.png$/i, 'image/png'],
  [/\.jpe?g$/i, 'image/jpeg'],
  [/\.(mp4|m4v)$/i, 'video/mp4'],
  [/\.webm$/i, 'video/webm'],
  [/\.mov$/i, 'video/quicktime'],
];

/** A content type from a file name (what the browser needs to show a blob). */
export function typeFor(name: string): string {
  return TYPES.find(([re]) => re.test(name))?.[1] ?? 'application/octet-stream';
}

/** An SDK answer as the wire carried it, without the SDK's $metadata. */
export function withoutMetadata(out: object): object {
  const { $metadata: _, ...rest } = out as { $metadata?: unknown };
  return rest;
}

/** Running model versions (of every project, or of the projects given), for DetectCustomLabels. */
export async function runningVersions(projectArns?: string[]): Promise<{ arn: string; name: string }[]> {
  const client = rekognition();
  const projects = projectArns ?? ((await client.send(new DescribeProjectsCommand({ MaxResults: 100 }))).ProjectDescriptions ?? []).map((p) => p.ProjectArn!);
  const found: { arn: string; name: string }[] = [];
  for (const ProjectArn of projects) {
    const versions = (await client.send(new DescribeProjectVersionsCommand({ ProjectArn, MaxResults: 100 }))).ProjectVersionDescriptions ?? [];
    for (const v of versions) if (v.Status === 'RUNNING') found.push({ arn: v.ProjectVersionArn!, name: v.ProjectVersionArn!.replace(/^.*:project\//, '').replace(/\/\d+$/, '') });
  }
  return found;
}
