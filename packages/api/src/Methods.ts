import type { Api } from "@brewlytics/domain/api/Api.ts"
import * as FindMyWay from "effect/http/FindMyWay"
import { HttpApi } from "effect/http-api"

/**
 * The methods a request URL's path takes, from the contract's routes plus the
 * GET-only ones served beside it (`/openapi.json`, `/docs`, `/metrics`);
 * empty for an unknown path. HEAD goes with GET, as the router answers it.
 * Matching uses the router's own matcher and default settings, so a path
 * known here is one the server routes.
 */
export const allowedMethods = (api: typeof Api, getOnly: ReadonlyArray<`/${string}`>) => {
  const router = FindMyWay.make<true>()
  const methods = new Set<string>()
  const add = (method: string, path: `/${string}`) => {
    router.on(method, path, true)
    methods.add(method)
  }
  HttpApi.reflect(api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint }) => add(endpoint.method, endpoint.path as `/${string}`)
  })
  for (const path of getOnly) add("GET", path)
  return (url: string): ReadonlyArray<string> => {
    const allowed = [...methods].filter((method) => router.find(method, url) !== undefined)
    return allowed.includes("GET") ? [...allowed, "HEAD"] : allowed
  }
}
