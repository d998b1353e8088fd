import type { Model } from "./Model.ts"
import { type ModelGraph, mermaid } from "./ModelGraph.ts"

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

const testLabel = (test: unknown): string => {
  if (typeof test === "string") return test
  if (typeof test === "object" && test !== null) {
    if ("accepted_values" in test) return `accepted_values: ${(test.accepted_values as Array<unknown>).join(", ")}`
    if ("relationships" in test) {
      const r = test.relationships as { to: string; field: string }
      return `relationships → ${r.to}.${r.field}`
    }
    if ("unique_combination" in test)
      return `unique_combination(${(test.unique_combination as Array<string>).join(", ")})`
    if ("name" in test) return String(test.name)
  }
  return JSON.stringify(test)
}

const section = (graph: ModelGraph, model: Model) => {
  const d = model.declaration
  const usedBy = graph.children.get(model.name) ?? []
  const link = (name: string) => `<a href="#${name}">${name}</a>`
  return `<section id="${model.name}">
  <h2>${model.name} <small>${model.layer} · ${d.materialized}${
    d.uniqueKey === undefined ? "" : ` · unique key (${d.uniqueKey.join(", ")})`
  }</small></h2>
  <p>${escapeHtml(d.description)}</p>
  <p><b>Grain:</b> ${escapeHtml(d.grain)}</p>
  <p><b>Reads:</b> ${[...model.refs.map(link), ...model.sources.map((s) => `<code>${s}</code>`)].join(", ") || "—"}
     · <b>Read by:</b> ${usedBy.map(link).join(", ") || "—"}</p>
  <table><thead><tr><th>column</th><th>description</th><th>tests</th></tr></thead><tbody>
${Object.entries(d.columns)
  .map(
    ([name, c]) =>
      `    <tr><td><code>${name}</code></td><td>${escapeHtml(c.description)}</td><td>${(c.tests ?? [])
        .map((t) => escapeHtml(testLabel(t)))
        .join("<br>")}</td></tr>`
  )
  .join("\n")}
  </tbody></table>
  ${
    (d.tests ?? []).length === 0
      ? ""
      : `<p><b>Model tests:</b> ${(d.tests ?? []).map((t) => escapeHtml(testLabel(t))).join(" · ")}</p>`
  }
  <details><summary>SQL (${escapeHtml(model.sqlFile.split("/models/").at(-1) ?? model.sqlFile)})</summary><pre>${escapeHtml(
    model.template
  )}</pre></details>
</section>`
}

/** One static page: the lineage (Mermaid), then each model's grain, columns, tests and SQL. */
export const docsPage = (graph: ModelGraph) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Brewlytics warehouse models</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 1100px; margin: 2rem auto; padding: 0 1rem; color: #222 }
  h2 small { font-weight: normal; color: #777; font-size: 0.7em }
  table { border-collapse: collapse; width: 100% } td, th { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top }
  pre { background: #f6f6f6; padding: 1rem; overflow-x: auto } section { margin-bottom: 3rem }
</style></head><body>
<h1>Brewlytics warehouse models</h1>
<p>${graph.order.length} models in dependency order. Layers: staging (views over the star schema) → intermediate → marts.</p>
<ul>${graph.order.map((n) => `<li><a href="#${n}">${n}</a> — ${escapeHtml(graph.models.get(n)!.declaration.grain)}</li>`).join("")}</ul>
<h2>Lineage</h2>
<pre class="mermaid">
${escapeHtml(mermaid(graph))}
</pre>
${graph.order.map((n) => section(graph, graph.models.get(n)!)).join("\n")}
<script type="module">
  // The lineage draws itself when the page is online; offline it stays readable Mermaid text.
  import mermaid from "https://cdn.jsdelivr.net/npm/mermaid@11/dist/mermaid.esm.min.mjs"
  mermaid.initialize({ startOnLoad: true })
</script>
</body></html>
`
