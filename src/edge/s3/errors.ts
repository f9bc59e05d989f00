/**
 * S3's errors: a code, an HTTP status and a message, sent as an <Error> XML document (or as the
 * bare status for HEAD). S3Error extends the edge's ServiceError so `verifySigV4` can throw S3's
 * codes directly through its `errors` option.
 */
import { ServiceError } from '../errors.js';
import { leaf, xmlDocument } from './xml.js';

/** Extra fields S3 puts in the error document, e.g. BucketName, Key, UploadId. */
export type S3ErrorFields = Record<string, string | number | undefined>;

export class S3Error extends ServiceError {
  constructor(
    readonly code: string,
    message: string,
    status: number,
    readonly fields: S3ErrorFields = {},
    /** Response headers the error carries, e.g. Content-Range on 416. */
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message, status);
    this.name = 'S3Error';
  }
}

type Factory = (message?: string, fields?: S3ErrorFields, headers?: Record<string, string>) => S3Error;
const define =
  (code: string, status: number, defaultMessage: string): Factory =>
  (message = defaultMessage, fields = {}, headers = {}) =>
    new S3Error(code, message, status, fields, headers);

export const AccessDenied = define('AccessDenied', 403, 'Access Denied');
export const AuthorizationHeaderMalformed = define('AuthorizationHeaderMalformed', 400, 'The authorization header is malformed.');
export const AuthorizationQueryParametersError = define('AuthorizationQueryParametersError', 400, 'The authorization query parameters are malformed.');
export const BadDigest = define('BadDigest', 400, 'The Content-MD5 or checksum value that you specified did not match what the server received.');
export const BucketAlreadyOwnedByYou = define('BucketAlreadyOwnedByYou', 409, 'Your previous request to create the named bucket succeeded and you already own it.');
export const BucketNotEmpty = define('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty');
export const EntityTooLarge = define('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size');
export const EntityTooSmall = define('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed object size.');
export const IncompleteBody = define('IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
export const InternalError = define('InternalError', 500, 'We encountered an internal error. Please try again.');
export const InvalidAccessKeyId = define('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.');
export const InvalidArgument = define('InvalidArgument', 400, 'Invalid Argument');
export const InvalidURI = define('InvalidURI', 400, "Couldn't parse the specified URI.");
export const MetadataTooLarge = define('MetadataTooLarge', 400, 'Your metadata headers exceed the maximum allowed metadata size.');
export const InvalidBucketName = define('InvalidBucketName', 400, 'The specified bucket is not valid.');
export const InvalidDigest = define('InvalidDigest', 400, 'The Content-MD5 you specified is not valid.');
export const InvalidPart = define('InvalidPart', 400, 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.');
export const InvalidPartOrder = define('InvalidPartOrder', 400, 'The list of parts was not in ascending order. Parts must be ordered by part number.');
export const InvalidRange = define('InvalidRange', 416, 'The requested range is not satisfiable');
export const InvalidRequest = define('InvalidRequest', 400, 'Invalid Request');
export const KeyTooLongError = define('KeyTooLongError', 400, 'Your key is too long');
export const MalformedXML = define('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema');
export const MethodNotAllowed = define('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.');
export const MissingContentLength = define('MissingContentLength', 411, 'You must provide the Content-Length HTTP header.');
export const NoSuchBucket = define('NoSuchBucket', 404, 'The specified bucket does not exist');
export const NoSuchKey = define('NoSuchKey', 404, 'The specified key does not exist.');
export const NoSuchUpload = define('NoSuchUpload', 404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
export const NotImplemented = define('NotImplemented', 501, 'A header or query you provided implies functionality that is not implemented.');
export const PreconditionFailed = define('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
export const RequestTimeTooSkewed = define('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.');
export const SignatureDoesNotMatch = define('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
export const XAmzContentSHA256Mismatch = define('XAmzContentSHA256Mismatch', 400, "The provided 'x-amz-content-sha256' header does not match what was computed.");

/** The <Error> document; `resource` is the request path, as S3 reports it. */
export function errorXml(err: S3Error, resource: string, requestId: string): string {
  const fields = Object.entries(err.fields).map(([name, value]) => leaf(name, value));
  return xmlDocument('Error', [leaf('Code', err.code), leaf('Message', err.message), ...fields, leaf('Resource', resource), leaf('RequestId', requestId)], null);
}
