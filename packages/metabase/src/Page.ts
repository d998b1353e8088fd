import { createRequire } from "node:module"
import * as Path from "node:path"

/**
 * The built-in dashboard page: static files the API serves under
 * `/dashboard/`, drawing every spec with Apache ECharts from our own
 * node_modules (no CDN: it works offline).
 */

const PAGE_DIR = Path.resolve(import.meta.dirname, "../page")

/** ECharts' browser bundle, beside the file its CommonJS entry resolves to. */
const ECHARTS = Path.join(Path.dirname(createRequire(import.meta.url).resolve("echarts")), "echarts.min.js")

export interface PageFile {
  readonly path: string
  readonly contentType: string
  /** Ours change with the code, ECharts only with its version. */
  readonly cacheControl: string
}

const ours = (name: string, contentType: string): PageFile => ({
  path: Path.join(PAGE_DIR, name),
  contentType,
  cacheControl: "no-cache"
})

/** The page's files by the name the page asks for them under `/dashboard/`. */
export const PAGE_FILES: Readonly<Record<string, PageFile>> = {
  "dashboard.js": ours("dashboard.js", "text/javascript; charset=utf-8"),
  "dashboard.css": ours("dashboard.css", "text/css; charset=utf-8"),
  "echarts.min.js": { path: ECHARTS, contentType: "text/javascript; charset=utf-8", cacheControl: "max-age=86400" }
}

/** The page itself, at `/dashboard`. */
export const PAGE_HTML = ours("index.html", "text/html; charset=utf-8")
