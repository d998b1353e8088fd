import { Cause, Duration, Effect, Option, Schedule, Schema } from "effect"
import type { DeadLetters } from "./DeadLetters.ts"
import type { PipelineRun } from "./Pipeline.ts"
import { type AnyNode, type AnyStep, attempt, isTransient, StepError, StepFailed, StepTimedOut } from "./Step.ts"

// One step's work within a run: its attempts, retries, the isolation of the
// parts that cannot be processed, and its failure as the run records it.

export const describeFailure = (error: unknown): string =>
  error instanceof Error || (typeof error === "object" && error !== null && "message" in error)
    ? String((error as { message: unknown }).message)
    : String(error)

export type Part = Readonly<Record<string, unknown>>

/** How far one step got in this run; the activity updates it as it goes. */
export interface Progress {
  attempts: number
  millis: number
  deadLettered: number
  failed: boolean
}

/** What a step's activity needs of the run it is part of. */
export interface RunContext {
  readonly pipeline: string
  readonly run: PipelineRun["Service"]
  readonly deadLetters: DeadLetters["Service"]
}

/** Why an attempt failed, in the words of a log line. */
const attemptFailure = (error: unknown): string =>
  error instanceof StepTimedOut ? `timed out after ${error.timeout}` : `failed (${describeFailure(error)})`

/**
 * One attempt at the step on `part`, retried on transient failures by the
 * step's own schedule; each retry is a warning in the log (a lock timeout
 * that a retry got past is still worth knowing about).
 */
const tryPart = (ctx: RunContext, node: AnyNode, progress: Progress, part: Part) =>
  Effect.suspend(() => {
    progress.attempts++
    return attempt(node.step as AnyStep, part) as Effect.Effect<unknown, unknown, unknown>
  }).pipe(
    Effect.retry({
      schedule: (node.step as AnyStep).retry.pipe(
        Schedule.tap(({ input, duration }) =>
          Effect.logWarning(
            `${ctx.pipeline}.${node.name}: attempt ${progress.attempts} ${attemptFailure(input)}; retrying in ${Duration.format(duration)}`
          )
        )
      ),
      while: isTransient
    })
  )

/** Puts `part` aside in the dead-letter table, with the failure as its reason. */
const deadLetter = (ctx: RunContext, node: AnyNode, progress: Progress, part: Part, error: unknown) => {
  const step: AnyStep = node.step
  const key = step.deadLetter!.key(part)
  return Schema.encodeUnknownEffect(Schema.toCodecJson(Schema.Struct(step.input)))(part).pipe(
    Effect.option,
    Effect.flatMap((payload) =>
      ctx.deadLetters.record({
        pipeline: ctx.pipeline,
        runId: ctx.run.runId,
        step: node.name,
        key,
        payload: Option.getOrNull(payload),
        reason: describeFailure(error)
      })
    ),
    Effect.tap(() => {
      progress.deadLettered++
      return Effect.logWarning(`${ctx.pipeline}.${node.name}: dead-lettered ${key}: ${describeFailure(error)}`)
    })
  )
}

/**
 * After a failure that retrying cannot fix, a step with a dead-letter policy
 * runs again part by part, and the parts that still fail are put aside. A
 * database that is down must fail the run, not fill the dead-letter table, so
 * transient failures pass through.
 */
const isolate = (ctx: RunContext, node: AnyNode, progress: Progress, input: Part) => (error: unknown) => {
  const policy = (node.step as AnyStep).deadLetter
  if (policy === undefined || isTransient(error)) return Effect.fail(error)
  const parts = policy.split(input)
  if (parts.length <= 1) return deadLetter(ctx, node, progress, input, error).pipe(Effect.as(policy.combine([])))
  return Effect.forEach(parts, (part) =>
    tryPart(ctx, node, progress, part).pipe(
      Effect.map(Option.some),
      Effect.catch((partError) =>
        isTransient(partError)
          ? Effect.fail(partError)
          : deadLetter(ctx, node, progress, part, partError).pipe(Effect.as(Option.none()))
      )
    )
  ).pipe(Effect.map((results) => policy.combine(results.flatMap((r) => (Option.isSome(r) ? [r.value] : [])))))
}

/**
 * The step's failure as the run records it. What reaches the activity is that
 * failure alone: a cause that also holds interruptions (a driver cancelling
 * its reader, say) would otherwise surface as an "interrupted" defect and hide
 * the real error.
 */
const asStepFailed =
  (ctx: RunContext, node: AnyNode, progress: Progress) =>
  <A, R>(effect: Effect.Effect<A, unknown, R>): Effect.Effect<A, StepFailed, R> => {
    const failed = (reason: StepTimedOut | StepError, message: string) => {
      progress.failed = true
      return new StepFailed({ step: node.name, attempts: progress.attempts, reason, message })
    }
    return effect.pipe(
      Effect.mapError((error) =>
        failed(
          error instanceof StepTimedOut ? error : new StepError({ message: describeFailure(error) }),
          `Step ${node.name} of ${ctx.pipeline} failed after ${progress.attempts} attempt(s): ${describeFailure(error)}`
        )
      ),
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause)
          ? Effect.failCause(cause)
          : Effect.fail(
              Option.getOrElse(Cause.findErrorOption(cause), () =>
                failed(
                  new StepError({ message: Cause.pretty(cause) }),
                  `Step ${node.name} of ${ctx.pipeline} died: ${Cause.pretty(cause)}`
                )
              )
            )
      )
    )
  }

/** The step run on its input: retried, its unprocessable parts put aside, its failure a `StepFailed`. */
export const stepBody = (ctx: RunContext, node: AnyNode, progress: Progress, input: Part) =>
  tryPart(ctx, node, progress, input).pipe(
    Effect.catch(isolate(ctx, node, progress, input)),
    asStepFailed(ctx, node, progress)
  )
