import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { repoRoot } from "@brewlytics/db/Settings.ts"
import { Clock, Context, Duration, Effect, Layer, Random, Schedule, Schema } from "effect"
import * as Activity from "effect/workflow/Activity"
import * as Workflow from "effect/workflow/Workflow"
import * as WorkflowEngine from "effect/workflow/WorkflowEngine"
import { DeadLetters } from "./DeadLetters.ts"
import { type AnyNode, type AnyStep, type Node, StepFailed } from "./Step.ts"
import { type Part, type Progress, type RunContext, stepBody } from "./StepRun.ts"

/**
 * Why a run happened: a schedule tick, a change notification, a person, a
 * backfill, or `after` another pipeline's run wrote rows.
 */
export type Trigger = "schedule" | "notify" | "manual" | "backfill" | "after"

/** What a run is asked to do: the next batch, or re-derive a range of business dates. */
export type RunParams =
  | { readonly _tag: "Incremental" }
  | { readonly _tag: "Backfill"; readonly from: string; readonly to: string }

/** What every step of a run can read: which pipeline, which run, which code, which dates. */
export class PipelineRun extends Context.Service<
  PipelineRun,
  {
    readonly pipeline: string
    readonly runId: string
    readonly version: string
    readonly params: RunParams
    readonly trigger: Trigger
  }
>()("@brewlytics/pipeline/dsl/PipelineRun") {}

/** What a run reports to the run history, computed from the pipeline's output. */
export interface RunSummary {
  readonly rowsRead: number
  readonly rowsWritten: number
  readonly lagEvents?: number | undefined
  readonly lagSeconds?: number | undefined
  /** The batch was full: more is waiting, so run again straight away (back-pressure, not a timer). */
  readonly more: boolean
  /**
   * What the run did, in a few words, for the runner's log: a pipeline that
   * reports is logged run by run (`null`: this run did nothing worth a line);
   * one that does not, by its busy and idle spells.
   */
  readonly report?: string | null | undefined
  /** The run's commit was refused because another runner had moved the watermark (a stale owner's batch). */
  readonly superseded?: boolean | undefined
}

export interface Pipeline<A, R> {
  readonly name: string
  readonly description: string
  readonly output: Node<A, R>
  /** Every node, dependencies first. */
  readonly nodes: ReadonlyArray<AnyNode>
  /** The nodes in waves: a wave's nodes depend only on earlier waves, so they run side by side. */
  readonly waves: ReadonlyArray<ReadonlyArray<AnyNode>>
  readonly summary: (output: A) => RunSummary
}

// biome-ignore lint/suspicious/noExplicitAny: erased pipeline for registries
export type AnyPipeline = Pipeline<any, any>

const PIPELINE_NAME = /^[a-z][a-z0-9_]*$/

/**
 * Declares a pipeline from the node its graph ends in: every step that node
 * depends on, transitively, belongs to it. Pipeline outputs are named as data
 * (`cdc_to_star`), steps as verbs.
 */
export const make = <A, R>(
  name: string,
  options: {
    readonly output: Node<A, R>
    readonly summary: (output: A) => RunSummary
    readonly description?: string
  }
): Pipeline<A, R> => {
  if (!PIPELINE_NAME.test(name)) {
    throw new TypeError(`Pipeline name "${name}" must be snake_case (a-z, 0-9, _), starting with a letter.`)
  }
  const ordered: Array<AnyNode> = []
  const depth = new Map<AnyNode, number>()
  const byName = new Map<string, AnyNode>()
  const visit = (node: AnyNode, path: ReadonlyArray<string>): number => {
    const known = depth.get(node)
    if (known !== undefined) return known
    if (path.includes(node.name)) {
      throw new TypeError(`Pipeline "${name}" has a cycle: ${[...path, node.name].join(" → ")}.`)
    }
    const level = Math.max(-1, ...Object.values(node.inputs).map((input) => visit(input, [...path, node.name]))) + 1
    const twin = byName.get(node.name)
    if (twin !== undefined && twin !== node) {
      throw new TypeError(
        `Pipeline "${name}" uses the name "${node.name}" for two steps: call one as step(inputs, { as: "another_name" }).`
      )
    }
    byName.set(node.name, node)
    depth.set(node, level)
    ordered.push(node)
    return level
  }
  visit(options.output, [])
  const waves: Array<Array<AnyNode>> = []
  for (const node of ordered) {
    const level = depth.get(node)!
    ;(waves[level] ??= []).push(node)
  }
  return {
    name,
    description: options.description ?? "",
    output: options.output,
    nodes: ordered,
    waves,
    summary: options.summary
  }
}

/** The graph's edges, `from → to` with the input each one feeds. */
export const edges = (pipeline: AnyPipeline) =>
  pipeline.nodes.flatMap((node) =>
    Object.entries(node.inputs).map(([input, from]) => ({ from: from.name, to: node.name, input }))
  )

export class PipelineDefinitionError extends Schema.TaggedError<PipelineDefinitionError>()("PipelineDefinitionError", {
  message: Schema.String
}) {}

/**
 * The pipeline's version: a hash of its definition (steps, edges, timeouts)
 * and of every SQL text and file its steps declare, so each recorded run says
 * which code produced it. Twelve hex digits, like a short commit id.
 */
export const version = Effect.fn("Pipeline.version")(function* (pipeline: AnyPipeline) {
  const hash = createHash("sha256")
  hash.update(`pipeline ${pipeline.name}\n`)
  for (const node of pipeline.nodes) {
    const step: AnyStep = node.step
    hash.update(`node ${node.name} step ${step.stepName} timeout ${Duration.toMillis(step.timeout)}\n`)
    for (const [input, from] of Object.entries(node.inputs).sort(([a], [b]) => a.localeCompare(b))) {
      hash.update(`edge ${from.name} -> ${node.name}.${input}\n`)
    }
    for (const text of step.sql) hash.update(`sql ${text.replace(/\r\n/g, "\n")}\n`)
    for (const file of step.sqlFiles) {
      const text = yield* Effect.try({
        try: () => Fs.readFileSync(Path.resolve(repoRoot, file), "utf8"),
        catch: () =>
          new PipelineDefinitionError({
            message: `Step "${step.stepName}" of pipeline "${pipeline.name}" declares the SQL file ${file}, which cannot be read (paths are relative to ${repoRoot}): fix the path.`
          })
      })
      hash.update(`file ${file} ${text.replace(/\r\n/g, "\n")}\n`)
    }
  }
  return hash.digest("hex").slice(0, 12)
})

/** How one step went in a run. */
export interface StepReport {
  readonly step: string
  readonly attempts: number
  readonly millis: number
  readonly deadLettered: number
  readonly status: "succeeded" | "failed"
}

export interface RunResult<A> {
  readonly output: A
  readonly steps: ReadonlyArray<StepReport>
}

/** A run that failed, with how far each step got. */
export class RunFailed extends Schema.TaggedError<RunFailed>()("RunFailed", {
  pipeline: Schema.String,
  failure: StepFailed,
  steps: Schema.Array(
    Schema.Struct({
      step: Schema.String,
      attempts: Schema.Number,
      millis: Schema.Number,
      deadLettered: Schema.Number,
      status: Schema.Literals(["succeeded", "failed"])
    })
  )
}) {
  override get message() {
    return this.failure.message
  }
}

/** A run id that is unique enough to key one workflow execution. */
export const newRunId = (pipeline: string) =>
  Effect.all([Clock.currentTimeMillis, Random.nextIntBetween(0, 2 ** 31 - 1)]).pipe(
    Effect.map(([now, random]) => `${pipeline}-${now.toString(36)}-${random.toString(36)}`)
  )

/** One node of the run as an activity: its input from the outputs of the nodes it reads, its output kept for the next. */
const stepActivity = (ctx: RunContext, node: AnyNode, progress: Progress, outputs: Map<AnyNode, unknown>) => {
  const input: Part = Object.fromEntries(Object.entries(node.inputs).map(([key, from]) => [key, outputs.get(from)]))
  const started = performance.now()
  const body = stepBody(ctx, node, progress, input).pipe(
    Effect.ensuring(Effect.sync(() => (progress.millis = Math.round(performance.now() - started)))),
    Effect.provideService(PipelineRun, ctx.run),
    Effect.annotateSpans({ pipeline: ctx.pipeline, runId: ctx.run.runId, step: node.name })
  )
  return Activity.make({
    name: node.name,
    // The engine is in memory and lives for one run, so a result is kept as
    // the value itself: encoding a batch to JSON and back costs CPU in every
    // step, which buys nothing without a durable store. The step's schema
    // still types it and encodes dead letters.
    success: Schema.Any,
    error: StepFailed,
    execute: body,
    // The engine lives for one run only, so an activity interrupted (a sibling
    // step failed, or the runner is stopping) is not replayed: the run ends.
    interruptRetryPolicy: Schedule.recurs(0)
  }).pipe(Effect.tap((value) => Effect.sync(() => outputs.set(node, value))))
}

/** How each step that started went, in the pipeline's order. */
const stepReports = (nodes: ReadonlyArray<AnyNode>, progress: ReadonlyMap<string, Progress>) =>
  nodes.flatMap((node): Array<StepReport> => {
    const p = progress.get(node.name)
    if (p === undefined) return []
    const status = p.failed ? "failed" : "succeeded"
    return [{ step: node.name, attempts: p.attempts, millis: p.millis, deadLettered: p.deadLettered, status }]
  })

const runPipeline = Effect.fn("Pipeline.run")(function* (
  pipeline: Pipeline<unknown, unknown>,
  run: PipelineRun["Service"]
) {
  yield* Effect.annotateCurrentSpan({ pipeline: pipeline.name, runId: run.runId })
  const ctx: RunContext = { pipeline: pipeline.name, run, deadLetters: yield* DeadLetters }
  const progress = new Map<string, Progress>()
  const outputs = new Map<AnyNode, unknown>()
  const runNode = (node: AnyNode) => {
    const p: Progress = { attempts: 0, millis: 0, deadLettered: 0, failed: false }
    progress.set(node.name, p)
    return stepActivity(ctx, node, p, outputs)
  }
  const workflow = Workflow.make(pipeline.name, {
    payload: { runId: Schema.String },
    error: StepFailed,
    idempotencyKey: ({ runId }) => runId
  })
  const registered = workflow.toLayer(() =>
    Effect.forEach(
      pipeline.waves,
      // Every step of a wave settles before the run fails, so a failure is
      // reported as itself, not as the interruption of its siblings.
      (wave) =>
        Effect.forEach(wave, (node) => Effect.exit(runNode(node)), { concurrency: "unbounded" }).pipe(
          Effect.flatMap((exits) => Effect.forEach(exits, (exit) => exit, { discard: true }))
        ),
      { discard: true }
    )
  )
  yield* workflow.execute({ runId: run.runId }).pipe(
    Effect.provide(registered.pipe(Layer.provideMerge(WorkflowEngine.layerMemory))),
    Effect.mapError(
      (failure) => new RunFailed({ pipeline: pipeline.name, failure, steps: stepReports(pipeline.nodes, progress) })
    )
  )
  return { output: outputs.get(pipeline.output), steps: stepReports(pipeline.nodes, progress) }
})

/**
 * Runs a pipeline once, as a workflow of `effect/workflow` whose steps are
 * activities: each wave's steps side by side, each step retried on transient
 * failures by its own schedule and bounded by its own timeout, each in its own
 * span. The workflow engine is made for the run and gone after it, so a
 * long-lived runner holds no memory of old runs.
 */
export const run = <A, R>(
  pipeline: Pipeline<A, R>,
  context: PipelineRun["Service"]
): Effect.Effect<RunResult<A>, RunFailed, Exclude<R, PipelineRun> | DeadLetters> =>
  // The steps' requirements are the pipeline's `R`, which the nodes erase; the run provides PipelineRun itself.
  runPipeline(pipeline as Pipeline<unknown, unknown>, context) as Effect.Effect<
    RunResult<A>,
    RunFailed,
    Exclude<R, PipelineRun> | DeadLetters
  >
