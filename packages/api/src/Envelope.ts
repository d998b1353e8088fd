import { ErrorBody, statusOfTag, tagOfStatus } from "@brewlytics/domain/api/Errors.ts"
import { ByteSize, Cause, Duration, Effect, Fiber, Schema } from "effect"
import { HttpIncomingMessage, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiSchemaError } from "effect/http-api/HttpApiError"
import { SqlError } from "effect/sql"
import { decodeUtf8, hasBody, isJsonContentType, MAX_JSON_DEPTH, nestsDeeperThan } from "./BodyChecks.ts"

/**
 * The one place where failures become HTTP answers. Whatever went wrong, the
 * client gets JSON `{ _tag, code, message }`: a 4xx for its own mistakes
 * (including those Effect's HTTP layer catches itself: unreadable JSON, a
 * wrong content type, an unknown route, an oversized body), 503 when the
 * database is slow or unreachable, 500 only for our bugs (and those are logged).
 */

/** The `_tag` of an error answer: the contract's class for its status, or one of the two answers it has no class for. */
const TAGS: ReadonlyMap<number, string> = new Map([
  ...tagOfStatus,
  [499, "ClientClosedRequest"],
  [500, "InternalError"]
])

/** The JSON body of every error answer: also written by hand where Node answers before Effect sees a request. */
export const errorBody = (status: number, code: string, message: string) => ({
  _tag: TAGS.get(status) ?? "Error",
  code,
  message
})

export const errorResponse = (status: number, code: string, message: string) =>
  HttpServerResponse.jsonUnsafe(errorBody(status, code, message), { status })

const unsupportedMediaType = () =>
  errorResponse(
    415,
    "unsupported_media_type",
    "Send the body as JSON, with Content-Type: application/json (charset utf-8 if any)."
  )

/** The message of the 408 for a body that did not arrive in time, also used for slow headers. */
export const slowRequestMessage = (what: string, limit: Duration.Duration) =>
  `The request ${what} did not arrive within ${Duration.format(limit)}: send the whole request at once, then retry.`

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
    const status = statusOfTag.get(String(value._tag))
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

const fromCause = Effect.fn("Envelope.fromCause")(function* (cause: Cause.Cause<unknown>, limit: number) {
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
      return unsupportedMediaType()
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
 * Reads the body before any route sees it, and refuses it (as the answer)
 * unless it is `application/json` (415), arrives within `bodyTimeout` (408,
 * and the connection is closed), is valid UTF-8 and nests at most
 * `MAX_JSON_DEPTH` deep (400). The bytes are cached on the request, so the
 * route decodes the very same body.
 */
const checkBody = Effect.fn("Envelope.checkBody")(function* (
  request: HttpServerRequest.HttpServerRequest,
  options: { readonly bodyTimeout: Duration.Duration }
) {
  if (!hasBody(request.headers)) return undefined
  if (!isJsonContentType(request.headers["content-type"])) return unsupportedMediaType()
  // Interrupting the read would destroy the request stream and with it the
  // socket, before the 408 is written; so the read runs on its own and ends
  // when the connection closes after the answer.
  const reading = yield* Effect.forkDetach(request.arrayBuffer)
  const bytes = yield* Fiber.join(reading).pipe(
    Effect.timeoutOrElse({ duration: options.bodyTimeout, orElse: () => Effect.succeed(undefined) })
  )
  if (bytes === undefined) {
    return errorResponse(408, "body_timeout", slowRequestMessage("body", options.bodyTimeout)).pipe(
      HttpServerResponse.setHeader("connection", "close")
    )
  }
  const text = decodeUtf8(bytes)
  if (text === undefined) {
    return errorResponse(400, "invalid_utf8", "The request body is not valid UTF-8: send text encoded as UTF-8.")
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    return errorResponse(
      400,
      "too_deep",
      `The request body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep: send a flatter body.`
    )
  }
  return undefined
})

/**
 * Bounds every request: its body (`maxBodyBytes`, 413; `checkBody`), its time
 * (`timeout`, then 503 and the request fiber is interrupted, which cancels its
 * running statement) and the shape of every error answer.
 */
export const envelope =
  (options: {
    readonly maxBodyBytes: number
    readonly bodyTimeout: Duration.Duration
    readonly timeout: Duration.Duration
  }) =>
  <E, R>(
    httpApp: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest.HttpServerRequest> =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const length = Number(request.headers["content-length"] ?? 0)
      if (length > options.maxBodyBytes) return tooLarge(options.maxBodyBytes)
      const refusal = yield* checkBody(request, options)
      if (refusal !== undefined) return refusal
      return yield* httpApp.pipe(
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
        Effect.map(normalize)
      )
    }).pipe(
      Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(options.maxBodyBytes)),
      Effect.catchCause((cause) => fromCause(cause, options.maxBodyBytes))
    )
