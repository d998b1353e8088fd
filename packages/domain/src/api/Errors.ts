import { Schema, SchemaAST } from "effect"

/**
 * Every error the API answers with has the same JSON body:
 * `{ "_tag": "<class>", "code": "<machine-readable>", "message": "<what was wrong and what to do>" }`.
 * One class per HTTP status keeps the contract small; `code` says which case it is.
 */
const body = { code: Schema.String, message: Schema.String }

/** 400: the request could not be read (malformed JSON, a field of the wrong shape, a bad header). */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", body, { httpApiStatus: 400 }) {}

/** 401: a write route without the right `Authorization: Bearer <token>`. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", body, { httpApiStatus: 401 }) {}

/** 404: the resource named in the path does not exist. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", body, { httpApiStatus: 404 }) {}

/** 405: a known path with a method it does not take; the `Allow` header lists those it does. */
export class MethodNotAllowed extends Schema.TaggedError<MethodNotAllowed>()("MethodNotAllowed", body, {
  httpApiStatus: 405
}) {}

/** 408: the client took too long to send its request. */
export class RequestTimeout extends Schema.TaggedError<RequestTimeout>()("RequestTimeout", body, {
  httpApiStatus: 408
}) {}

/** 409: the write collides with existing data (a duplicate email, a reused idempotency key, a cancelled order). */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", body, { httpApiStatus: 409 }) {}

/** 413: the body is over the size limit; refused before it is read. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", body, {
  httpApiStatus: 413
}) {}

/** 415: a body that is not `application/json`. */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()("UnsupportedMediaType", body, {
  httpApiStatus: 415
}) {}

/** 422: well-formed, but refers to something unknown or unusable (an unknown product, an inactive employee). */
export class Unprocessable extends Schema.TaggedError<Unprocessable>()("Unprocessable", body, {
  httpApiStatus: 422
}) {}

/** 503: the database is slow or unreachable; retry later. */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", body, { httpApiStatus: 503 }) {}

/** Every error class of the contract. */
export const ContractErrors = [
  BadRequest,
  Unauthorized,
  NotFound,
  MethodNotAllowed,
  RequestTimeout,
  Conflict,
  PayloadTooLarge,
  UnsupportedMediaType,
  Unprocessable,
  Unavailable
] as const

const httpApiStatus = SchemaAST.resolveAt<number>("httpApiStatus")
const statusAndTag = ContractErrors.map((error) => [httpApiStatus(error.ast) ?? 500, error.identifier] as const)

/** Each contract error's status by its `_tag`: read from the class, where the status is written once. */
export const statusOfTag: ReadonlyMap<string, number> = new Map(statusAndTag.map(([status, tag]) => [tag, status]))

/** The contract error's `_tag` for each of their statuses. */
export const tagOfStatus: ReadonlyMap<number, string> = new Map(statusAndTag)

/**
 * What every route may answer besides its own errors: 400 (a malformed path,
 * query, header or body; also a request envelope the server will not read)
 * and 503 (the database is unavailable, the request took too long, the server
 * is stopping).
 */
export const AnyRouteErrors = [BadRequest, Unavailable] as const

/** What a route that takes a JSON body may answer besides its own errors: also 408, 413 and 415. */
export const BodyRouteErrors = [...AnyRouteErrors, RequestTimeout, PayloadTooLarge, UnsupportedMediaType] as const

/** The body of every error response, whatever its status: what clients outside TypeScript can rely on. */
export const ErrorBody = Schema.Struct({ code: Schema.String, message: Schema.String })
export type ErrorBody = typeof ErrorBody.Type
