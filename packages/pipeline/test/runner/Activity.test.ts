import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import {
  type Activity,
  afterRun,
  type Finished,
  idle,
  type Line,
  makeActivityLog,
  onTick
} from "../../src/runner/Activity.ts"
import { captureLogs } from "../Logs.ts"

const run = (overrides: Partial<Finished> = {}): Finished => ({
  pipeline: "cdc_to_star",
  status: "succeeded",
  startedAt: 0,
  endedAt: 100,
  read: 0,
  written: 0,
  lagEvents: 0,
  more: false,
  report: undefined,
  ...overrides
})

const cadence = { every: Duration.seconds(10), quiet: Duration.seconds(5) }

/** A sequence of runs, each 100 ms long, each after a pause of up to 12 s. */
const runs = fc
  .array(
    fc.record({
      pause: fc.integer({ min: 0, max: 12_000 }),
      read: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50_000 })),
      lag: fc.integer({ min: 0, max: 200_000 }),
      more: fc.boolean(),
      failed: fc.boolean()
    }),
    { maxLength: 60 }
  )
  .map((specs) => {
    let at = 0
    return specs.map((s) => {
      at += s.pause
      const r = run({
        startedAt: at,
        endedAt: at + 100,
        read: s.failed ? 0 : s.read,
        lagEvents: s.lag,
        more: s.read > 0 && s.more,
        status: s.failed ? "failed" : "succeeded"
      })
      at += 100
      return r
    })
  })

/** The spell lines (not the summaries). */
const spells = (lines: ReadonlyArray<Line>) =>
  lines.filter((l) => / idle: |busy: \S+ events in the first batch|busy: catching up on/.test(l.message))

describe("the runner's activity log", () => {
  it("says busy when work is found, idle (with the spell's events) after 5 s without work, and nothing for an empty look", () =>
    fc.assert(
      fc.property(runs, (sequence) => {
        let state: Activity = idle
        let busy = false
        let events = 0
        let lastWork = 0
        const tick = (now: number) => {
          const [next, lines] = onTick("cdc_to_star", state, now, cadence)
          state = next
          if (busy && now - lastWork >= 5_000) {
            assert.deepStrictEqual(
              spells(lines).map((l) => l.message.slice(0, l.message.indexOf(" in "))),
              [`cdc_to_star: idle: loaded ${events.toLocaleString("en-US")} events`]
            )
            busy = false
          } else assert.deepStrictEqual(spells(lines), [])
        }
        for (const r of sequence) {
          // The log looks every second; one look just before the run is enough for its spell lines.
          tick(r.startedAt)
          const [next, lines] = afterRun(state, r)
          state = next
          if (r.status === "succeeded" && r.read > 0) {
            if (!busy) {
              assert.strictEqual(lines.length, 1)
              assert.match(lines[0]!.message, /^cdc_to_star: busy: /)
              busy = true
              events = 0
            } else assert.deepStrictEqual(lines, [])
            events += r.read
            lastWork = r.endedAt
          } else assert.deepStrictEqual(lines, [])
        }
        assert.strictEqual(state._tag, busy ? "Busy" : "Idle")
        if (state._tag === "Busy") assert.strictEqual(state.events, events)
        tick((sequence.at(-1)?.endedAt ?? 0) + 60_000)
        assert.strictEqual(state._tag, "Idle")
      })
    ))

  it("while catching up, the bound never shrinks and the progress never passes it", () =>
    fc.assert(
      fc.property(runs, (sequence) => {
        let state: Activity = idle
        let lastBound = 0
        for (const r of sequence) {
          state = afterRun(state, r)[0]
          if (state._tag === "Busy" && state.bound !== null) {
            assert.isAtLeast(state.bound, lastBound)
            assert.isAtLeast(state.bound, state.events)
            lastBound = state.bound
            const [, lines] = onTick("cdc_to_star", state, state.markAt + 10_000, {
              every: Duration.seconds(10),
              quiet: Duration.hours(1)
            })
            const percent = Number(/\((\d+)%\)/.exec(lines[0]!.message)![1])
            assert.isAtMost(percent, 100)
          } else if (state._tag === "Idle") lastBound = 0
        }
      })
    ))

  it("a pipeline that reports its runs gets one line per run that did something, and none for one that did not", () => {
    const report = "3 model(s) built, 12 unchanged, 0 failed (4 changed day(s), 120 rows)"
    const [, did] = afterRun(idle, run({ pipeline: "warehouse_models", read: 4, written: 120, report, endedAt: 850 }))
    assert.deepStrictEqual(did, [{ level: "info", message: `warehouse_models: ${report} in 850 ms` }])
    const [state, nothing] = afterRun(idle, run({ pipeline: "warehouse_models", report: null }))
    assert.deepStrictEqual(nothing, [])
    assert.strictEqual(state._tag, "Idle")
  })

  it("a backlog shows its progress toward the bound", () => {
    const [first, lines] = afterRun(
      idle,
      run({ read: 5_000, lagEvents: 85_000, more: true, startedAt: 0, endedAt: 300 })
    )
    assert.deepStrictEqual(lines, [
      { level: "info", message: "cdc_to_star: busy: catching up on a backlog of 90,000 events" }
    ])
    let state = first
    for (let i = 1; i < 9; i++) {
      state = afterRun(
        state,
        run({ read: 5_000, lagEvents: 85_000 - i * 5_000, more: true, endedAt: 300 + i * 1_100 })
      )[0]
    }
    const [, summary] = onTick("cdc_to_star", state, 10_000, cadence)
    assert.deepStrictEqual(summary, [
      { level: "info", message: "cdc_to_star: catching up: 45,000 / 90,000 events (50%), 4,500/s" }
    ])
  })

  it.effect("sums up a busy spell every 10 s on the clock, ends it after 5 s without work, then is quiet", () =>
    Effect.gen(function* () {
      const logs = captureLogs()
      yield* Effect.gen(function* () {
        const { observe } = yield* makeActivityLog(cadence)
        const at = (ms: number, read: number) => observe(run({ startedAt: ms, endedAt: ms + 100, read, lagEvents: 7 }))
        yield* at(0, 1_000)
        assert.deepStrictEqual(
          logs.lines.map((l) => l.message),
          ["cdc_to_star: busy: 1,000 events in the first batch, lag 7 events"]
        )
        for (let s = 1; s <= 25; s++) {
          yield* TestClock.adjust("1 second")
          yield* at(s * 1000, 1_000)
        }
        const summaries = logs.lines.filter((l) => l.message.includes("in the last"))
        assert.deepStrictEqual(
          summaries.map((l) => l.message),
          [
            "cdc_to_star: busy: 10,000 events in the last 10.0 s, 1,000/s, lag 7 events",
            "cdc_to_star: busy: 10,000 events in the last 10.0 s, 1,000/s, lag 7 events"
          ]
        )
        // An empty look ends nothing by itself: 5 s without work do.
        yield* at(25_200, 0)
        yield* TestClock.adjust("4 seconds")
        assert.notMatch(logs.lines.at(-1)!.message, / idle: /)
        yield* TestClock.adjust("2 seconds")
        assert.deepStrictEqual(
          logs.lines.filter((l) => l.message.includes(" idle: ")).map((l) => l.message),
          ["cdc_to_star: idle: loaded 26,000 events in 26 batches over 25.1 s, 1,036/s, lag 7 events"]
        )
        const before = logs.lines.length
        yield* TestClock.adjust("1 minute")
        for (let s = 0; s < 5; s++) yield* at(90_000 + s * 1000, 0)
        assert.strictEqual(logs.lines.length, before)
        assert.isTrue(logs.lines.every((l) => l.level === "Info"))
      }).pipe(Effect.scoped, Effect.provide(logs.layer))
    })
  )
})
