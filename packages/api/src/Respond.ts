import { Conflict, NotFound, Unprocessable } from "@brewlytics/domain/api/Errors.ts"
import { Effect } from "effect"
import type { ShopError } from "./Problems.ts"

export type HttpError = Conflict | NotFound | Unprocessable

/** The contract error for each reason a service refuses: the one place a refusal gets its status. */
export const toHttpError = (e: ShopError): HttpError => {
  const body = { code: e.code, message: e.message }
  switch (e._tag) {
    case "ShopNotFound":
      return new NotFound(body)
    case "ShopDuplicate":
    case "ShopConflict":
      return new Conflict(body)
    case "ShopInvalid":
      return new Unprocessable(body)
  }
}

/**
 * Maps a service's refusals onto the contract errors an endpoint declares.
 * A refusal the endpoint does not declare is a bug; it still reaches the
 * client as its JSON error (see `Http.ts`), never as a bare 500.
 */
export const respond =
  <const T extends HttpError["_tag"]>(...declared: ReadonlyArray<T>) =>
  <A, R>(effect: Effect.Effect<A, ShopError, R>): Effect.Effect<A, Extract<HttpError, { _tag: T }>, R> =>
    Effect.catch(effect, (e) => {
      const mapped = toHttpError(e)
      return (declared as ReadonlyArray<string>).includes(mapped._tag)
        ? Effect.fail(mapped as Extract<HttpError, { _tag: T }>)
        : Effect.die(mapped)
    })
