import { PAGE_FILES, PAGE_HTML, type PageFile } from "@brewlytics/metabase/Page.ts"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { errorResponse } from "../Envelope.ts"

const serve = (file: PageFile) =>
  HttpServerResponse.file(file.path, {
    contentType: file.contentType,
    headers: { "cache-control": file.cacheControl }
  }).pipe(Effect.orDie)

/** The built-in dashboard page at `/dashboard` and its files (the page's own, and ECharts) under `/dashboard/`. */
export const DashboardPage = Layer.mergeAll(
  HttpRouter.add("GET", "/dashboard", serve(PAGE_HTML)),
  HttpRouter.add(
    "GET",
    "/dashboard/:file",
    Effect.gen(function* () {
      const file = (yield* HttpRouter.params).file ?? ""
      const found = PAGE_FILES[file]
      return found === undefined
        ? errorResponse(404, "page_file_not_found", `The dashboard page has no file ${file}: open /dashboard.`)
        : yield* serve(found)
    })
  )
)
