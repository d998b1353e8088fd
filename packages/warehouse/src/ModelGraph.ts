import * as Fs from "node:fs"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { Effect, Schema } from "effect"
import {
  BadDeclaration,
  BadTemplate,
  Cycle,
  DuplicateModel,
  indexColumns,
  LAYERS,
  MissingRef,
  type Model,
  ModelDeclaration,
  UnknownSelector,
  WarehouseError
} from "./Model.ts"
import { renderTemplate } from "./Template.ts"

/** The shop's own models: `models/{staging,intermediate,marts}/<name>.sql` with `<name>.ts` beside. */
export const MODELS_DIR = Path.resolve(import.meta.dirname, "../models")

const NAME = /^[a-z_][a-z0-9_]*$/

/** Reads the names a template refers to, by rendering it once with recording helpers. */
const scanRefs = (template: string) => {
  const refs: Array<string> = []
  const sources: Array<string> = []
  const record = (list: Array<string>) => (name: string) => {
    if (!list.includes(name)) list.push(name)
    return name
  }
  // Both branches of `{{#if incremental}}` may hold refs: scan both renderings.
  for (const incremental of [false, true]) {
    renderTemplate(template, { self: "self", incremental, ref: record(refs), source: record(sources) })
  }
  return { refs, sources }
}

const fail = (reason: WarehouseError["reason"]) => new WarehouseError({ reason })

const loadDeclaration = (file: string) =>
  Effect.tryPromise({
    try: () => import(pathToFileURL(file).href) as Promise<{ default?: unknown }>,
    catch: (cause) => fail(new BadDeclaration({ message: `Cannot load ${file}: ${String(cause)}`, cause: cause }))
  }).pipe(
    Effect.flatMap((module) =>
      Schema.decodeUnknownEffect(ModelDeclaration)(module.default).pipe(
        Effect.mapError((error) =>
          fail(
            new BadDeclaration({
              message: `${file} must \`export default { description, grain, materialized, columns, … } satisfies ModelDeclaration\`: ${error.message}`,
              cause: error
            })
          )
        )
      )
    )
  )

const checkDeclaration = (model: Model): Effect.Effect<void, WarehouseError> => {
  const d = model.declaration
  if (d.materialized === "incremental" && (d.uniqueKey === undefined || d.uniqueKey.length === 0)) {
    return Effect.fail(
      fail(
        new BadDeclaration({
          message: `${model.declarationFile}: an incremental model needs a uniqueKey (the columns of its grain).`
        })
      )
    )
  }
  const columns = Object.keys(d.columns)
  const named = [
    ...(d.uniqueKey ?? []),
    ...(d.window === undefined ? [] : [d.window]),
    ...(d.indexes ?? []).flatMap((i) => {
      const { columns, include } = indexColumns(i)
      return [...columns, ...include]
    })
  ]
  for (const test of d.tests ?? []) if ("unique_combination" in test) named.push(...test.unique_combination)
  const unknown = named.filter((c) => !columns.includes(c))
  if (unknown.length > 0) {
    return Effect.fail(
      fail(
        new BadDeclaration({
          message: `${model.declarationFile} names column(s) ${unknown.join(", ")} that its columns do not declare (declared: ${columns.join(", ")}).`
        })
      )
    )
  }
  return Effect.void
}

/** Loads every model under `dir` (one folder per layer), each with its declaration. */
export const loadModels = Effect.fn("ModelGraph.load")(function* (dir: string = MODELS_DIR) {
  const models: Array<Model> = []
  for (const layer of LAYERS) {
    const folder = Path.join(dir, layer)
    if (!Fs.existsSync(folder)) continue
    const files = Fs.readdirSync(folder)
      .filter((f) => f.endsWith(".sql"))
      .sort()
    for (const file of files) {
      const name = file.slice(0, -".sql".length)
      const sqlFile = Path.join(folder, file)
      if (!NAME.test(name)) {
        return yield* fail(
          new BadDeclaration({ message: `${sqlFile}: a model name is lower_snake_case (letters, digits, _).` })
        )
      }
      const declarationFile = Path.join(folder, `${name}.ts`)
      if (!Fs.existsSync(declarationFile)) {
        return yield* fail(
          new BadDeclaration({
            message: `${sqlFile} has no declaration: create ${declarationFile} exporting its grain, materialization, columns and tests.`
          })
        )
      }
      const duplicate = models.find((m) => m.name === name)
      if (duplicate !== undefined) {
        return yield* fail(
          new DuplicateModel({ message: `${duplicate.sqlFile} and ${sqlFile} are both model ${name}: rename one.` })
        )
      }
      const template = Fs.readFileSync(sqlFile, "utf8")
      const scanned = yield* Effect.try({
        try: () => scanRefs(template),
        catch: (cause) =>
          fail(new BadTemplate({ message: `${sqlFile} is not a valid template: ${String(cause)}`, cause: cause }))
      })
      const model: Model = {
        name,
        layer,
        relation: `${layer}.${name}`,
        sqlFile,
        declarationFile,
        template,
        declaration: yield* loadDeclaration(declarationFile),
        refs: scanned.refs,
        sources: scanned.sources
      }
      yield* checkDeclaration(model)
      models.push(model)
    }
  }
  return yield* makeGraph(models)
})

export interface ModelGraph {
  readonly models: ReadonlyMap<string, Model>
  /** Every model, each after all the models it refers to. */
  readonly order: ReadonlyArray<string>
  readonly children: ReadonlyMap<string, ReadonlyArray<string>>
}

/** Checks that every ref resolves and that there is no cycle, then orders the models. */
export const makeGraph = (list: ReadonlyArray<Model>): Effect.Effect<ModelGraph, WarehouseError> => {
  const models = new Map(list.map((m) => [m.name, m]))
  const children = new Map<string, Array<string>>(list.map((m) => [m.name, []]))
  for (const model of list) {
    for (const ref of model.refs) {
      const target = models.get(ref)
      if (target === undefined) {
        const near = list.filter((m) => m.name.includes(ref) || ref.includes(m.name)).map((m) => m.name)
        return Effect.fail(
          fail(
            new MissingRef({
              message: `${model.sqlFile} refers to {{ref "${ref}"}}, but no model ${ref} exists${
                near.length > 0 ? ` (did you mean ${near.join(" or ")}?)` : ""
              }: add models/<layer>/${ref}.sql or fix the ref.`
            })
          )
        )
      }
      children.get(ref)!.push(model.name)
    }
  }
  // Depth-first, in file order, so the order is stable; a grey node met again is a cycle.
  const state = new Map<string, "visiting" | "done">()
  const order: Array<string> = []
  const stack: Array<string> = []
  const visit = (name: string): WarehouseError | undefined => {
    const seen = state.get(name)
    if (seen === "done") return undefined
    if (seen === "visiting") {
      const cycle = [...stack.slice(stack.indexOf(name)), name]
      return fail(
        new Cycle({
          message: `The models form a cycle: ${cycle.join(" → ")} (${cycle
            .slice(0, -1)
            .map((n) => models.get(n)!.sqlFile)
            .join(", ")}). Break it by removing one of these refs.`
        })
      )
    }
    state.set(name, "visiting")
    stack.push(name)
    for (const ref of models.get(name)!.refs) {
      const error = visit(ref)
      if (error !== undefined) return error
    }
    stack.pop()
    state.set(name, "done")
    order.push(name)
    return undefined
  }
  for (const model of list) {
    const error = visit(model.name)
    if (error !== undefined) return Effect.fail(error)
  }
  return Effect.succeed({ models, order, children })
}

const closure = (start: string, next: (name: string) => ReadonlyArray<string>) => {
  const seen = new Set<string>()
  const walk = (name: string) => {
    if (seen.has(name)) return
    seen.add(name)
    for (const n of next(name)) walk(n)
  }
  walk(start)
  return seen
}

export const descendants = (graph: ModelGraph, name: string) => closure(name, (n) => graph.children.get(n) ?? [])
export const ancestors = (graph: ModelGraph, name: string) => closure(name, (n) => graph.models.get(n)?.refs ?? [])

/**
 * dbt's selectors: `m` the model alone, `m+` it and everything downstream,
 * `+m` it and everything upstream. No selector: every model. Returned in build order.
 */
export const select = (
  graph: ModelGraph,
  selectors: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<string>, WarehouseError> => {
  if (selectors.length === 0) return Effect.succeed(graph.order)
  const chosen = new Set<string>()
  for (const raw of selectors) {
    const downstream = raw.endsWith("+")
    const upstream = raw.startsWith("+")
    const name = raw.replace(/^\+/, "").replace(/\+$/, "")
    if (!graph.models.has(name)) {
      return Effect.fail(
        fail(
          new UnknownSelector({
            message: `--select ${raw}: there is no model ${name}. Models: ${[...graph.models.keys()].sort().join(", ")}.`
          })
        )
      )
    }
    chosen.add(name)
    if (downstream) for (const n of descendants(graph, name)) chosen.add(n)
    if (upstream) for (const n of ancestors(graph, name)) chosen.add(n)
  }
  return Effect.succeed(graph.order.filter((n) => chosen.has(n)))
}

/** The lineage as a Mermaid flowchart: star-schema sources, then one subgraph per layer. */
export const mermaid = (graph: ModelGraph): string => {
  const lines = ["flowchart LR"]
  const sources = [...new Set([...graph.models.values()].flatMap((m) => m.sources))].sort()
  if (sources.length > 0) {
    lines.push("  subgraph star[star schema]")
    for (const s of sources) lines.push(`    src_${s}[(${s})]`)
    lines.push("  end")
  }
  for (const layer of LAYERS) {
    const inLayer = graph.order.filter((n) => graph.models.get(n)!.layer === layer)
    if (inLayer.length === 0) continue
    lines.push(`  subgraph ${layer}`)
    for (const n of inLayer) lines.push(`    ${n}[${n}<br/><i>${graph.models.get(n)!.declaration.materialized}</i>]`)
    lines.push("  end")
  }
  for (const name of graph.order) {
    const model = graph.models.get(name)!
    for (const s of model.sources) lines.push(`  src_${s} --> ${name}`)
    for (const r of model.refs) lines.push(`  ${r} --> ${name}`)
  }
  return lines.join("\n")
}
