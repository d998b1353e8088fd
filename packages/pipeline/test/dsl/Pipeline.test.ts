import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { DeadLetters } from "../../src/dsl/DeadLetters.ts"
import { toMermaid } from "../../src/dsl/Mermaid.ts"
import * as Pipeline from "../../src/dsl/Pipeline.ts"
import * as Step from "../../src/dsl/Step.ts"
import { captureLogs } from "../Logs.ts"

const Numbers = Schema.Array(Schema.Number)

const readNumbers = Step.make("read_numbers", {
  input: {},
  output: Numbers,
  run: () => Effect.succeed([1, 2, 3, 4])
})
const double = Step.make("double", {
  input: { xs: Numbers },
  output: Numbers,
  run: ({ xs }) => Effect.succeed(xs.map((x) => x * 2)),
  sql: ["SELECT 2 * x"]
})
const total = Step.make("total", {
  input: { xs: Numbers },
  output: Schema.Number,
  run: ({ xs }) => Effect.succeed(xs.reduce((a, b) => a + b, 0))
})
const count = Step.make("count", {
  input: { xs: Numbers },
  output: Schema.Number,
  run: ({ xs }) => Effect.succeed(xs.length)
})
const Report = Schema.Struct({ total: Schema.Number, count: Schema.Number, runId: Schema.String })
const report = Step.make("report", {
  input: { total: Schema.Number, count: Schema.Number },
  output: Report,
  run: ({ total, count }) => Effect.map(Pipeline.PipelineRun, (run) => ({ total, count, runId: run.runId }))
})

const numbers = Step.source(readNumbers)
const doubled = double({ xs: numbers })
const example = Pipeline.make("example", {
  output: report({ total: total({ xs: doubled }), count: count({ xs: numbers }) }),
  summary: (r) => ({ rowsRead: r.count, rowsWritten: 1, more: false })
})

// A step fed the wrong type does not compile: `total` wants a number, `doubled` is an array.
// @ts-expect-error Node<readonly number[]> is not a Node<number>
report({ total: doubled, count: count({ xs: numbers }) })
// @ts-expect-error an input the step does not declare is missing
report({ total: total({ xs: doubled }) })

/** Dead letters kept in memory: the SQL one is tested in DeadLetters.test.ts. */
const memoryDeadLetters = () => {
  const letters: Array<{ step: string; key: string; reason: string; payload: unknown }> = []
  const layer = Layer.mock(DeadLetters)({
    record: (letter) => Effect.sync(() => void letters.push(letter)),
    list: () => Effect.succeed([])
  })
  return { letters, layer }
}

const context = (runId: string): Pipeline.PipelineRun["Service"] => ({
  pipeline: "example",
  runId,
  version: "test",
  params: { _tag: "Incremental" },
  trigger: "manual"
})

describe("Pipeline DSL", () => {
  it("orders the DAG in waves, dependencies first", () => {
    assert.deepStrictEqual(
      example.waves.map((wave) => wave.map((node) => node.name)),
      [["read_numbers"], ["double", "count"], ["total"], ["report"]]
    )
    assert.deepStrictEqual(Pipeline.edges(example), [
      { from: "read_numbers", to: "double", input: "xs" },
      { from: "double", to: "total", input: "xs" },
      { from: "read_numbers", to: "count", input: "xs" },
      { from: "total", to: "report", input: "total" },
      { from: "count", to: "report", input: "count" }
    ])
  })

  it("prints the DAG as Mermaid", () => {
    assert.strictEqual(
      toMermaid(example),
      [
        "flowchart LR",
        '  read_numbers["read_numbers"]',
        '  double["double"]',
        '  total["total"]',
        '  count["count"]',
        '  report["report"]',
        "  read_numbers -->|xs| double",
        "  double -->|xs| total",
        "  read_numbers -->|xs| count",
        "  total -->|total| report",
        "  count -->|count| report"
      ].join("\n")
    )
  })

  it("refuses two different steps under one name, and says how to rename one", () => {
    assert.throws(
      () =>
        Pipeline.make("twins", {
          output: report({ total: total({ xs: numbers }), count: total({ xs: doubled }) }),
          summary: () => ({ rowsRead: 0, rowsWritten: 0, more: false })
        }),
      /uses the name "total" for two steps: call one as step\(inputs, \{ as: "another_name" \}\)/
    )
    const renamed = Pipeline.make("twins", {
      output: report({ total: total({ xs: numbers }), count: total({ xs: doubled }, { as: "total_doubled" }) }),
      summary: () => ({ rowsRead: 0, rowsWritten: 0, more: false })
    })
    assert.include(toMermaid(renamed), 'total_doubled["total_doubled<br/><i>total</i>"]')
  })

  it.effect("runs each step with its inputs wired from earlier outputs, and reports each step", () =>
    Effect.gen(function* () {
      const { layer } = memoryDeadLetters()
      const result = yield* Pipeline.run(example, context("run-1")).pipe(Effect.provide(layer))
      assert.deepStrictEqual(result.output, { total: 20, count: 4, runId: "run-1" })
      assert.deepStrictEqual(
        result.steps.map((s) => [s.step, s.attempts, s.status]),
        [
          ["read_numbers", 1, "succeeded"],
          ["double", 1, "succeeded"],
          ["total", 1, "succeeded"],
          ["count", 1, "succeeded"],
          ["report", 1, "succeeded"]
        ]
      )
    })
  )

  it.effect("version: the same definition hashes the same; any step, edge or SQL change hashes differently", () =>
    Effect.gen(function* () {
      const v1 = yield* Pipeline.version(example)
      assert.match(v1, /^[0-9a-f]{12}$/)
      assert.strictEqual(yield* Pipeline.version(example), v1)
      const rewired = Pipeline.make("example", {
        output: report({ total: total({ xs: numbers }), count: count({ xs: numbers }) }),
        summary: example.summary
      })
      assert.notStrictEqual(yield* Pipeline.version(rewired), v1)
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(fc.string({ minLength: 1 }), async (text) => {
            const withSql = Step.make("double", {
              input: double.input,
              output: double.output,
              run: double.run,
              sql: [text]
            })
            const p = Pipeline.make("example", {
              output: report({ total: total({ xs: withSql({ xs: numbers }) }), count: count({ xs: numbers }) }),
              summary: example.summary
            })
            const v = await Effect.runPromise(Pipeline.version(p))
            return text === "SELECT 2 * x" ? v === v1 : v !== v1
          }),
          { numRuns: 50 }
        )
      )
    })
  )
})

/**
 * Moves the test clock a second at a time until the fiber is done: each
 * retry's sleep starts only after the previous attempt, so one big jump
 * would pass them by.
 */
const advanceUntilDone = <A, E>(fiber: Fiber.Fiber<A, E>, seconds = 600) =>
  Effect.gen(function* () {
    for (let i = 0; i < seconds && fiber.pollUnsafe() === undefined; i++) yield* TestClock.adjust("1 second")
    return yield* Fiber.join(fiber)
  })

class Flaky extends Schema.TaggedError<Flaky>()("Flaky", { isRetryable: Schema.Boolean }) {}

/** A one-step pipeline whose step fails `failures` times with `error`, then succeeds. */
const failing = (failures: number, error: Flaky) => {
  let calls = 0
  const step = Step.make("flaky_read", {
    input: {},
    output: Schema.Number,
    run: () => Effect.suspend(() => (++calls <= failures ? Effect.fail(error) : Effect.succeed(calls)))
  })
  return Pipeline.make("flaky", {
    output: Step.source(step),
    summary: () => ({ rowsRead: 0, rowsWritten: 0, more: false })
  })
}

describe("Step policies", () => {
  it.effect("retries a transient failure with backoff (on the test clock) until it succeeds", () =>
    Effect.gen(function* () {
      const { layer } = memoryDeadLetters()
      const fiber = yield* Pipeline.run(failing(3, new Flaky({ isRetryable: true })), context("r")).pipe(
        Effect.provide(layer),
        Effect.forkChild
      )
      // Backoff sleeps wait for the clock: nothing has finished yet.
      yield* TestClock.adjust("10 millis")
      assert.isUndefined(fiber.pollUnsafe())
      const result = yield* advanceUntilDone(fiber)
      assert.strictEqual(result.output, 4)
      assert.strictEqual(result.steps[0]!.attempts, 4)
    })
  )

  it.effect("gives up after the schedule's retries and reports the step as failed", () =>
    Effect.gen(function* () {
      const { layer } = memoryDeadLetters()
      const fiber = yield* Pipeline.run(failing(100, new Flaky({ isRetryable: true })), context("r")).pipe(
        Effect.provide(layer),
        Effect.forkChild
      )
      const error = yield* Effect.flip(advanceUntilDone(fiber))
      assert.strictEqual(error.failure.step, "flaky_read")
      assert.strictEqual(error.failure.attempts, 6) // the first try and the 5 retries of `transientRetry`
      assert.match(error.message, /Step flaky_read of flaky failed after 6 attempt\(s\)/)
      assert.deepStrictEqual(
        error.steps.map((s) => [s.step, s.status]),
        [["flaky_read", "failed"]]
      )
    })
  )

  it.effect("does not retry a failure that retrying cannot fix", () =>
    Effect.gen(function* () {
      const { layer } = memoryDeadLetters()
      const error = yield* Effect.flip(
        Pipeline.run(failing(1, new Flaky({ isRetryable: false })), context("r")).pipe(Effect.provide(layer))
      )
      assert.strictEqual(error.failure.attempts, 1)
    })
  )

  it.effect("times out an attempt that outlives the step's timeout, retries it, then fails as TimedOut", () =>
    Effect.gen(function* () {
      const { layer } = memoryDeadLetters()
      const slow = Step.make("slow_read", {
        input: {},
        output: Schema.Number,
        timeout: "2 seconds",
        retry: Step.transientRetry,
        run: () => Effect.sleep("1 hour").pipe(Effect.as(1))
      })
      const pipeline = Pipeline.make("slow", {
        output: Step.source(slow),
        summary: () => ({ rowsRead: 0, rowsWritten: 0, more: false })
      })
      const fiber = yield* Pipeline.run(pipeline, context("r")).pipe(Effect.provide(layer), Effect.forkChild)
      const error = yield* Effect.flip(advanceUntilDone(fiber))
      assert.strictEqual(error.failure.reason._tag, "StepTimedOut")
      assert.strictEqual(error.failure.attempts, 6)
    })
  )

  it.effect("a step that timed out (on a lock, say) and succeeded on its retry leaves a warning in the log", () =>
    Effect.gen(function* () {
      const { layer } = memoryDeadLetters()
      const logs = captureLogs()
      let calls = 0
      const locked = Step.make("load_rows", {
        input: {},
        output: Schema.Number,
        timeout: "2 seconds",
        retry: Step.transientRetry,
        // The first attempt waits on a lock past its timeout; the second gets it.
        run: () =>
          Effect.suspend(() => (++calls === 1 ? Effect.sleep("1 hour") : Effect.void)).pipe(Effect.map(() => calls))
      })
      const pipeline = Pipeline.make("locked", {
        output: Step.source(locked),
        summary: () => ({ rowsRead: 0, rowsWritten: 0, more: false })
      })
      const fiber = yield* Pipeline.run(pipeline, context("r")).pipe(
        Effect.provide(Layer.merge(layer, logs.layer)),
        Effect.forkChild
      )
      const result = yield* advanceUntilDone(fiber)
      assert.strictEqual(result.output, 2)
      assert.strictEqual(result.steps[0]!.status, "succeeded")
      const warnings = logs.lines.filter((l) => l.level === "Warn")
      assert.strictEqual(warnings.length, 1)
      assert.match(warnings[0]!.message, /^locked\.load_rows: attempt 1 timed out after 2s; retrying in \d+/)
    })
  )

  it.effect("dead-letters the items that can never be processed, and the pipeline goes on with the rest", () =>
    Effect.gen(function* () {
      const { letters, layer } = memoryDeadLetters()
      const Item = Schema.Struct({ id: Schema.Number, text: Schema.String })
      const items = Step.make("read_items", {
        input: {},
        output: Schema.Array(Item),
        run: () =>
          Effect.succeed([
            { id: 1, text: "12" },
            { id: 2, text: "twelve" },
            { id: 3, text: "30" },
            { id: 4, text: "x" }
          ])
      })
      const parse = Step.make("parse_items", {
        input: { items: Schema.Array(Item) },
        output: Numbers,
        run: ({ items }) =>
          Effect.forEach(items, (item) =>
            /^\d+$/.test(item.text) ? Effect.succeed(Number(item.text)) : Effect.fail(new Flaky({ isRetryable: false }))
          ),
        deadLetter: {
          split: ({ items }) => items.map((item) => ({ items: [item] })),
          key: ({ items }) => String(items[0]!.id),
          combine: (outputs) => outputs.flat()
        }
      })
      const pipeline = Pipeline.make("parsing", {
        output: total({ xs: parse({ items: Step.source(items) }) }),
        summary: () => ({ rowsRead: 0, rowsWritten: 0, more: false })
      })
      const result = yield* Pipeline.run(pipeline, context("r")).pipe(Effect.provide(layer))
      assert.strictEqual(result.output, 42)
      assert.deepStrictEqual(
        letters.map((l) => [l.step, l.key, l.payload]),
        [
          ["parse_items", "2", { items: [{ id: 2, text: "twelve" }] }],
          ["parse_items", "4", { items: [{ id: 4, text: "x" }] }]
        ]
      )
      assert.deepStrictEqual(
        result.steps.map((s) => [s.step, s.deadLettered, s.status]),
        [
          ["read_items", 0, "succeeded"],
          ["parse_items", 2, "succeeded"],
          ["total", 0, "succeeded"]
        ]
      )
    })
  )
})
