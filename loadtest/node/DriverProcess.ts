/**
 * The driver in a process of its own, started by `npm run rush`: the system
 * under test is not on its event loop, and `process.cpuUsage()` here is the
 * driver's own CPU. Takes a `DriverInput` message, answers progress lines,
 * then the output, and exits.
 */
import { type DriverInput, type DriverOutput, runScenario } from "./Driver.ts"

export type DriverMessage =
  | { readonly _tag: "progress"; readonly line: string }
  | { readonly _tag: "done"; readonly output: DriverOutput }
  | { readonly _tag: "failed"; readonly message: string }

const post = (message: DriverMessage, then: () => void = () => {}) => process.send?.(message, then)

process.once("message", (input: DriverInput) => {
  runScenario(input, (line) => post({ _tag: "progress", line })).then(
    (output) => post({ _tag: "done", output }, () => process.exit(0)),
    (error: unknown) =>
      post({ _tag: "failed", message: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () =>
        process.exit(1)
      )
  )
})
