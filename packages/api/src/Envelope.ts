import { ErrorBody } from "@brewlytics/domain/api/Errors.ts"
import { ByteSize, Cause, Duration, Effect, Schema } from "effect"
import { HttpIncomingMessage, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiSchemaError } from "effect/http-api/HttpApiError"
import { SqlError } from "effect/sql"

/**
 * The one place where failures become HTTP answers. Whatever went wrong, the
 * client gets JSON `{ _tag, code, message }`: a 4xx for its own mistakes
 * (including those Effect's HTTP layer catches itself: unreadable JSON, a
 * wrong content type, an unknown route, an oversized body), 503 when the
 * database is slow or unreachable, 500 only for our bugs (and those are logged).
 */

const TAGS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  404: "NotFound",
  405: "MethodNotAllowed",
  408: "RequestTimeout",
  409: "Conflict",
  413: "PayloadTooLarge",
  415: "UnsupportedMediaType",
  422: "Unprocessable",
  499: "ClientClosedRequest",
  500: "InternalError",
  503: "Unavailable"
}

export const errorResponse = (status: number, code: string, message: string) =>
  HttpServerResponse.jsonUnsafe({ _tag: TAGS[status] ?? "Error", code, message }, { status })

const CONTRACT_STATUS: Record<string, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  NotFound: 404,
  Conflict: 409,
  Unprocessable: 422,
  Unavailable: 503
}

const isErrorBody = Schema.is(ErrorBody)

/** The response for one failure, or undefined when it is none we know. */
const fromFailure = (value: unknown): HttpServerResponse.HttpServerResponse | undefined => {
  if (HttpApiSchemaError.is(value)) {
    if (value.kind === "Body" || value.kind === "ResponseHeaders") return undefined
    const where = value.kind === "Payload" ? "body" : value.kind === "Params" ? "path" : value.kind.toLowerCase()
    return errorResponse(400, `invalid_${where}`, `The request ${where} is invalid: ${value.cause.message}`)
  }
  if (HttpServerError.isHttpServerError(value)) {
    const reason = value.reason
    if (reason._tag === "RouteNotFound") {
      return errorResponse(
        404,
        "route_not_found",
        `No route ${reason.request.method} ${reason.request.url}: see /docs.`
      )
    }
    if (reason._tag === "RequestParseError") {
      return reason.reason === "BodyTooLarge"
        ? undefined // answered by the caller, who knows the limit
        : errorResponse(400, "unreadable_body", "The request body could not be read.")
    }
  }
  if (typeof value === "object" && value !== null && "_tag" in value && isErrorBody(value)) {
    const status = CONTRACT_STATUS[String(value._tag)]
    if (status !== undefined) return errorResponse(status, value.code, value.message)
  }
  if (SqlError.isSqlError(value) && value.isRetryable) {
    return errorResponse(
      503,
      "database_unavailable",
      "The database is unavailable or too slow right now: retry shortly."
    )
  }
  return undefined
}

const isBodyTooLarge = (value: unknown) =>
  HttpServerError.isHttpServerError(value) &&
  value.reason._tag === "RequestParseError" &&
  value.reason.reason === "BodyTooLarge"

const tooLarge = (limit: number) =>
  errorResponse(413, "payload_too_large", `The request body is over the limit of ${limit} bytes: send less.`)

const fromCause = (cause: Cause.Cause<unknown>, limit: number) =>
  Effect.gen(function* () {
    for (const reason of cause.reasons) {
      const value = Cause.isFailReason(reason) ? reason.error : Cause.isDieReason(reason) ? reason.defect : undefined
      if (value === undefined) continue
      if (isBodyTooLarge(value)) return tooLarge(limit)
      if (HttpServerResponse.isHttpServerResponse(value)) return value
      const response = fromFailure(value)
      if (response !== undefined) return response
    }
    if (cause.reasons.every(Cause.isInterruptReason)) {
      return errorResponse(503, "shutting_down", "The request was interrupted: the server is stopping. Retry shortly.")
    }
    yield* Effect.logError("Request failed unexpectedly", cause)
    return errorResponse(500, "internal_error", "Something went wrong on our side; it has been logged.")
  })

/** Effect's own 4xx answers (415 as text, empty 400s) get the JSON body too. */
const normalize = (response: HttpServerResponse.HttpServerResponse) => {
  if (response.status < 400) return response
  const contentType = ("contentType" in response.body ? response.body.contentType : undefined) ?? ""
  if (contentType.includes("json")) return response
  switch (response.status) {
    case 415:
      return errorResponse(415, "unsupported_media_type", "Send the body as JSON, with Content-Type: application/json.")
    case 413:
      return errorResponse(413, "payload_too_large", "The request body is too large.")
    case 405:
      return errorResponse(405, "method_not_allowed", "This route does not take that method: see /docs.")
    default:
      return errorResponse(
        response.status,
        response.status >= 500 ? "internal_error" : "bad_request",
        response.status >= 500 ? "Something went wrong on our side." : "The request was refused."
      )
  }
}

/**
 * Bounds every request: its body (`maxBodyBytes`, 413), its time
 * (`timeout`, then 503 and the request fiber is interrupted, which cancels its
 * running statement) and the shape of every error answer.
 */
export const envelope =
  (options: { readonly maxBodyBytes: number; readonly timeout: Duration.Duration }) =>
  <E, R>(
    httpApp: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest> =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const length = Number(request.headers["content-length"] ?? 0)
      if (length > options.maxBodyBytes) return tooLarge(options.maxBodyBytes)
      return yield* httpApp.pipe(
        Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(options.maxBodyBytes)),
        Effect.timeoutOrElse({
          duration: options.timeout,
          orElse: () =>
            Effect.succeed(
              errorResponse(
                503,
                "timeout",
                `The request took over ${Duration.format(options.timeout)} (the database is busy or slow): retry shortly.`
              )
            )
        }),
        Effect.map(normalize),
        Effect.catchCause((cause) => fromCause(cause, options.maxBodyBytes))
      )
    })
