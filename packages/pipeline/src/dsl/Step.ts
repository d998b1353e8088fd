import { Duration, Effect, Predicate, Schedule, Schema } from "effect"

/**
 * A step is a named, typed unit of work: its inputs and output are schemas,
 * and it carries its own retry schedule, timeout and dead-letter policy.
 * Calling a step with the outputs of earlier steps (TaskFlow style) gives the
 * output of this one, so the graph is whatever the calls make it, and feeding
 * a step the wrong type does not compile.
 */

/** The record of named input schemas a step takes. */
export type InputSchemas = Readonly<Record<string, Schema.Top>>

/** The decoded inputs a step's `run` receives. */
export type InputsOf<I extends InputSchemas> = { readonly [K in keyof I]: I[K]["Type"] }

const NodeTypeId = "~@brewlytics/pipeline/Node"

/**
 * The output of one step inside a pipeline: a handle on a value that will
 * exist when the step has run. Covariant in its value, so a handle of the
 * wrong type cannot feed an input.
 */
export interface Node<out A, out R = never> {
  readonly [NodeTypeId]: { readonly _A: (_: never) => A; readonly _R: (_: never) => R }
  /** Unique within its pipeline: the step's name unless the call renamed it. */
  readonly name: string
  readonly step: AnyStep
  /** Input name → the node that feeds it. */
  readonly inputs: Readonly<Record<string, AnyNode>>
}

// biome-ignore lint/suspicious/noExplicitAny: erased handle for graph walks
export type AnyNode = Node<any, any>

/** What the outputs of earlier steps must be to feed inputs `I`. */
export type NodesFor<I extends InputSchemas> = { readonly [K in keyof I]: Node<I[K]["Type"], unknown> }

type RequirementsOf<N> = N extends Node<infer _A, infer R> ? R : never

/**
 * A failure is transient when retrying may help: the SQL driver marks
 * connection loss, deadlocks, serialization conflicts, lock and statement
 * timeouts as retryable; a step timing out counts too.
 */
export const isTransient = (error: unknown): boolean =>
  (Predicate.hasProperty(error, "isRetryable") && error.isRetryable === true) ||
  (Predicate.isTagged(error, "StepTimedOut") as boolean)

/** Raised inside a step's attempt when it outlives its timeout. */
export class StepTimedOut extends Schema.TaggedError<StepTimedOut>()("StepTimedOut", {
  step: Schema.String,
  timeout: Schema.String
}) {}

/** The step's own error (or its death), described. */
export class StepError extends Schema.TaggedError<StepError>()("StepError", { message: Schema.String }) {}

/** A step's failure that was not recovered: what the run records. Its reason says whether time ran out. */
export class StepFailed extends Schema.TaggedError<StepFailed>()("StepFailed", {
  step: Schema.String,
  attempts: Schema.Number,
  reason: Schema.Union([StepTimedOut, StepError]),
  message: Schema.String
}) {}

/**
 * The default retry: exponential backoff from 100 ms, capped at 5 s, with
 * jitter so runners that failed together do not retry together, at most 5
 * retries. Only transient failures are retried (see `isTransient`).
 */
export const transientRetry: Schedule.Schedule<unknown, unknown> = Schedule.min([
  Schedule.exponential("100 millis"),
  Schedule.spaced("5 seconds")
]).pipe(Schedule.jittered, Schedule.upTo({ times: 5 }))

/**
 * Poison-item isolation: when a whole input fails for good, the step is run
 * again on each part of it; a part that still fails goes to the dead-letter
 * table with its reason, and the outputs of the parts that worked are combined.
 */
export interface DeadLetterPolicy<I extends InputSchemas, O extends Schema.Top> {
  /** The input cut into parts that can be retried alone (usually one item each). */
  readonly split: (input: InputsOf<I>) => ReadonlyArray<InputsOf<I>>
  /** A stable key for a part, e.g. the change id: a part is dead-lettered once. */
  readonly key: (part: InputsOf<I>) => string
  /** The outputs of the parts that worked, joined into the step's output. */
  readonly combine: (outputs: ReadonlyArray<O["Type"]>) => O["Type"]
}

export interface StepOptions<I extends InputSchemas, O extends Schema.Top, E, R> {
  readonly input: I
  readonly output: O
  readonly run: (input: InputsOf<I>) => Effect.Effect<O["Type"], E, R>
  /** Retries of a failed attempt; only transient failures are retried. Default `transientRetry`. */
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  /** Each attempt's limit. Default 60 s. */
  readonly timeout?: Duration.Input | undefined
  readonly deadLetter?: DeadLetterPolicy<I, O> | undefined
  /** The SQL this step runs, as text or as files: part of the pipeline's version hash. */
  readonly sql?: ReadonlyArray<string> | undefined
  readonly sqlFiles?: ReadonlyArray<string> | undefined
  /** One line for the graph and the docs. */
  readonly description?: string | undefined
}

const StepTypeId = "~@brewlytics/pipeline/Step"

export interface Step<I extends InputSchemas, O extends Schema.Top, E, R> {
  /** Applies the step to the outputs of earlier steps, giving its own output. */
  <const N extends NodesFor<I>>(
    inputs: N,
    options?: { readonly as?: string }
  ): Node<O["Type"], R | RequirementsOf<N[keyof N]>>
  readonly [StepTypeId]: typeof StepTypeId
  readonly stepName: string
  readonly input: I
  readonly output: O
  readonly run: (input: InputsOf<I>) => Effect.Effect<O["Type"], E, R>
  readonly retry: Schedule.Schedule<unknown, unknown>
  readonly timeout: Duration.Duration
  readonly deadLetter: DeadLetterPolicy<I, O> | undefined
  readonly sql: ReadonlyArray<string>
  readonly sqlFiles: ReadonlyArray<string>
  readonly description: string | undefined
}

// biome-ignore lint/suspicious/noExplicitAny: erased step for graph walks and execution
export type AnyStep = Step<any, any, any, any>

const STEP_NAME = /^[a-z][a-z0-9_]*$/

/** Declares a step. Its name is a verb in snake_case (`extract_changes`, `load_facts`). */
export const make = <const I extends InputSchemas, O extends Schema.Top, E = never, R = never>(
  name: string,
  options: StepOptions<I, O, E, R>
): Step<I, O, E, R> => {
  if (!STEP_NAME.test(name)) {
    throw new TypeError(`Step name "${name}" must be snake_case (a-z, 0-9, _), starting with a letter.`)
  }
  const apply = (inputs: Readonly<Record<string, AnyNode>>, callOptions?: { readonly as?: string }): AnyNode => {
    const nodeName = callOptions?.as ?? name
    if (!STEP_NAME.test(nodeName)) {
      throw new TypeError(`Step alias "${nodeName}" must be snake_case (a-z, 0-9, _), starting with a letter.`)
    }
    return { [NodeTypeId]: undefined as never, name: nodeName, step: self, inputs }
  }
  const self = Object.assign(apply, {
    [StepTypeId]: StepTypeId,
    stepName: name,
    input: options.input,
    output: options.output,
    run: options.run,
    retry: options.retry ?? transientRetry,
    timeout: Duration.fromInputUnsafe(options.timeout ?? "60 seconds"),
    deadLetter: options.deadLetter,
    sql: options.sql ?? [],
    sqlFiles: options.sqlFiles ?? [],
    description: options.description
  }) as unknown as Step<I, O, E, R>
  return self
}

/** A step with no inputs, applied: the roots of a graph. */
// biome-ignore lint/complexity/noBannedTypes: a step with no inputs takes the empty record of nodes
export const source = <O extends Schema.Top, E, R>(step: Step<{}, O, E, R>): Node<O["Type"], R> => step({})

/** Runs one attempt of a step under its timeout. */
export const attempt = <I extends InputSchemas, O extends Schema.Top, E, R>(
  step: Step<I, O, E, R>,
  input: InputsOf<I>
): Effect.Effect<O["Type"], E | StepTimedOut, R> =>
  step.run(input).pipe(
    Effect.timeoutOrElse({
      duration: step.timeout,
      orElse: () => Effect.fail(new StepTimedOut({ step: step.stepName, timeout: Duration.format(step.timeout) }))
    })
  )
