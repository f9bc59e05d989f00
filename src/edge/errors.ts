/**
 * Errors as Rekognition sends them. Every error a client can see is a ServiceError with the
 * shape name (`__type`), an HTTP status and a message; anything else becomes InternalServerError
 * with no stack on the wire.
 */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

const make = (type: string, status = 400) => (message: string) => new ServiceError(type, message, status);

export const InvalidParameter = make('InvalidParameterException');
export const InvalidImageFormat = make('InvalidImageFormatException');
export const ImageTooLarge = make('ImageTooLargeException');
export const InvalidS3Object = make('InvalidS3ObjectException');
export const ResourceNotFound = make('ResourceNotFoundException');
export const ResourceAlreadyExists = make('ResourceAlreadyExistsException');
export const ResourceInUse = make('ResourceInUseException');
export const ResourceNotReady = make('ResourceNotReadyException');
export const Conflict = make('ConflictException');
export const ServiceQuotaExceeded = make('ServiceQuotaExceededException');
export const VideoTooLarge = make('VideoTooLargeException');
export const InvalidPaginationToken = make('InvalidPaginationTokenException');
export const AccessDenied = make('AccessDeniedException');
export const Validation = make('ValidationException');
export const Serialization = make('SerializationException');
export const UnknownOperation = make('UnknownOperationException', 400);
export const UnrecognizedClient = make('UnrecognizedClientException', 403);
export const InvalidSignature = make('InvalidSignatureException', 403);
export const IncompleteSignature = make('IncompleteSignatureException', 403);
export const MissingAuthenticationToken = make('MissingAuthenticationTokenException', 403);
export const RequestEntityTooLarge = make('RequestEntityTooLargeException', 413);
export const NotImplemented = make('NotImplementedException', 501);
export const Throttling = make('ThrottlingException', 400);
export const InternalServer = make('InternalServerError', 500);

/** Maps any thrown value to a ServiceError; unexpected ones are logged by the caller, never sent. */
export function toServiceError(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  return InternalServer('Internal server error. Retry the request; if it keeps failing, check the server log for the request id.');
}
