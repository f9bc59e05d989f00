/**
 * The embedded S3-compatible endpoint: authenticate (SigV4 header or presigned URL), route to an
 * operation, run it, and turn any failure into S3's XML error. Internal failures are logged with
 * the request id and answered with a generic InternalError; no stack or path reaches a client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlobNotFoundError, BlobTooLargeError, type BlobStore } from '../../stores/blobs.js';
import type { BucketRepository } from '../../stores/metadata.js';
import { authenticate } from './auth.js';
import { createBucket, deleteBucket, getBucketLocation, getBucketVersioning, headBucket, listBuckets } from './bucket-ops.js';
import type { S3Context, S3Settings } from './context.js';
import { EntityTooLarge, InternalError, MalformedXML, S3Error } from './errors.js';
import { listObjectsV1, listObjectsV2 } from './list-ops.js';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart } from './multipart-ops.js';
import { copyObject, deleteObject, deleteObjects, getObject, headObject, putObject } from './object-ops.js';
import { sendError, setRequestIds } from './respond.js';
import { route, splitTarget, type S3Operation } from './router.js';
import { XmlSyntaxError } from './xml.js';

export interface S3HandlerDeps {
  buckets: BucketRepository;
  blobs: BlobStore;
  secretFor: (accessKeyId: string) => string | undefined;
  /** Largest object (single PUT, each part, and an assembled multipart object). Default 5 GiB. */
  maxObjectBytes?: number;
  now?: () => Date;
  /** Region requests must be signed for and buckets report; undefined accepts any and reports us-east-1. */
  region?: string;
}

export type S3Handler = (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>;

const DEFAULT_MAX_OBJECT_BYTES = 5 * 1024 ** 3;

const OPERATIONS: Record<S3Operation, (ctx: S3Context) => void | Promise<void>> = {
  ListBuckets: listBuckets,
  CreateBucket: createBucket,
  HeadBucket: headBucket,
  DeleteBucket: deleteBucket,
  GetBucketLocation: getBucketLocation,
  GetBucketVersioning: getBucketVersioning,
  ListObjects: listObjectsV1,
  ListObjectsV2: listObjectsV2,
  ListMultipartUploads: listMultipartUploads,
  DeleteObjects: deleteObjects,
  PutObject: putObject,
  CopyObject: copyObject,
  GetObject: (ctx) => getObject(ctx),
  HeadObject: headObject,
  DeleteObject: deleteObject,
  CreateMultipartUpload: createMultipartUpload,
  UploadPart: uploadPart,
  CompleteMultipartUpload: completeMultipartUpload,
  AbortMultipartUpload: abortMultipartUpload,
  ListParts: listParts,
};

/** Errors that mean the client went away: there is nobody left to answer. */
function isClientGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE' || (err as Error | undefined)?.message === 'aborted';
}

/** Maps failures from the layers below to S3 errors; undefined for the unexpected. */
function toS3Error(err: unknown): S3Error | undefined {
  if (err instanceof S3Error) return err;
  if (err instanceof BlobTooLargeError) return EntityTooLarge(undefined, { MaxSizeAllowed: err.limit });
  if (err instanceof XmlSyntaxError) return MalformedXML();
  return undefined;
}

export function createS3Handler(deps: S3HandlerDeps): S3Handler {
  const settings: S3Settings = {
    buckets: deps.buckets,
    blobs: deps.blobs,
    maxObjectBytes: deps.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES,
    region: deps.region ?? 'us-east-1',
    now: deps.now ?? (() => new Date()),
    discardBlob: async (blobId) => {
      try {
        await deps.blobs.delete(blobId);
      } catch (err) {
        // An orphaned blob wastes space but loses nothing; never fail the request over it.
        console.error(`s3: could not delete blob ${blobId}:`, err);
      }
    },
  };

  return async (req, res, requestId) => {
    setRequestIds(res, requestId);
    const method = req.method ?? 'GET';
    const target = splitTarget(req.url ?? '/');
    let resource = target.path;
    try {
      resource = decodeURIComponent(target.path);
    } catch {
      // Keep the raw path in the error document; routing answers InvalidURI.
    }
    try {
      const auth = authenticate({ method, path: target.path, query: target.query, headers: req.headers }, {
        secretFor: deps.secretFor,
        now: settings.now(),
        region: deps.region,
      });
      const r = route(method, target, req.headers['x-amz-copy-source'] !== undefined);
      await OPERATIONS[r.operation]({ req, res, requestId, route: r, auth, settings });
    } catch (err) {
      if (res.headersSent) {
        // Mid-body failure (e.g. a blob read error while streaming): all we can do is cut the response.
        if (!isClientGone(err)) console.error(`s3 ${requestId}: ${method} ${resource} failed after the response started:`, err);
        res.destroy();
        return;
      }
      if (isClientGone(err) && (req.destroyed || res.destroyed)) return;
      let s3err = toS3Error(err);
      if (!s3err) {
        console.error(`s3 ${requestId}: ${method} ${resource} failed:`, err);
        s3err = err instanceof BlobNotFoundError ? InternalError('The object\'s data is missing from the store.') : InternalError();
      }
      if (!req.complete) {
        // The body was not (fully) read. Drain it so the client gets to read the answer, unless it
        // is too large to bother with: then close the connection after answering.
        if (s3err.code === 'EntityTooLarge') res.setHeader('Connection', 'close');
        req.resume();
      }
      sendError(res, method, s3err, resource, requestId);
    }
  };
}
