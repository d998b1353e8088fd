import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { Unauthorized } from "./Errors.ts"

/**
 * Guards the write routes. With `API_TOKEN` set, they need
 * `Authorization: Bearer <token>`; unset, the API is open, as the seed's was.
 */
export class WriteAuth extends HttpApiMiddleware.Service<WriteAuth>()("@brewlytics/domain/api/WriteAuth", {
  security: { bearer: HttpApiSecurity.bearer },
  error: Unauthorized
}) {}
