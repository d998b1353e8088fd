import { Effect } from "effect"
import { CliError } from "effect/cli"

/** Shows an expected failure as its message alone (no stack trace), and exits non-zero. */
export const userFacing = <A, E extends { readonly message: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.mapError(effect, (error) => new CliError.UserError({ cause: error, userMessage: error.message }))
