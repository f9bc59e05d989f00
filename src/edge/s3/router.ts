/**
 * Request → S3 operation, path-style only: `/` is the service, `/bucket` a bucket, `/bucket/key…`
 * an object. The operation follows from the method and the subresource in the query (`?uploads`,
 * `?delete`, `?list-type=2`…); other query parameters (the SDK's `x-id`, `response-*`) do not
 * change the operation. Subresources Argus does not implement answer NotImplemented by name.
 */
import { InvalidURI, MethodNotAllowed, NotImplemented } from './errors.js';

export type S3Operation =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'HeadBucket'
  | 'DeleteBucket'
  | 'GetBucketLocation'
  | 'GetBucketVersioning'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'ListMultipartUploads'
  | 'DeleteObjects'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts';

export interface S3Route {
  operation: S3Operation;
  /** Decoded bucket name; '' for service-level operations. */
  bucket: string;
  /** Decoded object key; '' for bucket and service operations. */
  key: string;
  query: URLSearchParams;
}

export interface RawTarget {
  /** Raw path, still percent-encoded. */
  path: string;
  /** Raw query without '?'. */
  query: string;
}

/** Splits the request target; an absolute-form target (`http://host/path`) is reduced to its path. */
export function splitTarget(url: string): RawTarget {
  let target = url;
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?]*/.exec(target);
  if (scheme) target = target.slice(scheme[0].length) || '/';
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/** Query parameters naming S3 features Argus does not have; each answers NotImplemented. */
const UNSUPPORTED_SUBRESOURCES = [
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'logging',
  'metadataConfiguration',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'tagging',
  'torrent',
  'versions',
  'website',
];

function decodePathPart(s: string): string {
  try {
    // Path segments are percent-encoded only: a '+' in a path is a plus, not a space.
    return decodeURIComponent(s);
  } catch {
    throw InvalidURI();
  }
}

/** `hasCopySource`: the request carries x-amz-copy-source (a header, so the caller reads it). */
export function route(method: string, target: RawTarget, hasCopySource = false): S3Route {
  if (!target.path.startsWith('/')) throw InvalidURI();
  const rest = target.path.slice(1);
  const slash = rest.indexOf('/');
  const bucket = decodePathPart(slash < 0 ? rest : rest.slice(0, slash));
  const key = slash < 0 ? '' : decodePathPart(rest.slice(slash + 1));
  const query = new URLSearchParams(target.query);
  const has = (name: string) => query.has(name);
  const found = (operation: S3Operation): S3Route => ({ operation, bucket, key, query });
  const notAllowed = () => MethodNotAllowed(undefined, { Method: method, ResourceType: key ? 'OBJECT' : bucket ? 'BUCKET' : 'SERVICE' });

  const unsupported = UNSUPPORTED_SUBRESOURCES.find(has);
  if (unsupported && bucket) {
    throw NotImplemented(`Argus does not implement the '${unsupported}' subresource.`);
  }

  if (!bucket) {
    if (method === 'GET') return found('ListBuckets');
    throw notAllowed();
  }

  if (!key) {
    if (has('versioning')) {
      if (method === 'GET') return found('GetBucketVersioning');
      throw NotImplemented("Argus does not implement the 'versioning' subresource beyond reading it.");
    }
    switch (method) {
      case 'PUT':
        return found('CreateBucket');
      case 'HEAD':
        return found('HeadBucket');
      case 'DELETE':
        return found('DeleteBucket');
      case 'GET':
        if (has('location')) return found('GetBucketLocation');
        if (has('uploads')) return found('ListMultipartUploads');
        return found(query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects');
      case 'POST':
        if (has('delete')) return found('DeleteObjects');
        throw notAllowed();
      default:
        throw notAllowed();
    }
  }

  const uploadId = has('uploadId');
  switch (method) {
    case 'PUT':
      if (uploadId || has('partNumber')) {
        if (hasCopySource) throw NotImplemented('Argus does not implement UploadPartCopy; upload the part\'s bytes instead.');
        return found('UploadPart');
      }
      return found(hasCopySource ? 'CopyObject' : 'PutObject');
    case 'GET':
      return found(uploadId ? 'ListParts' : 'GetObject');
    case 'HEAD':
      return found('HeadObject');
    case 'DELETE':
      return found(uploadId ? 'AbortMultipartUpload' : 'DeleteObject');
    case 'POST':
      if (has('uploads')) return found('CreateMultipartUpload');
      if (uploadId) return found('CompleteMultipartUpload');
      throw notAllowed();
    default:
      throw notAllowed();
  }
}
