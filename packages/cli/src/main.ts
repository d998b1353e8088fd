import { ensureV8Flags } from "./V8Flags.ts"

// First, before anything heavy is loaded: this may restart the process with its V8 flags.
ensureV8Flags()

// Subpaths, not the `@effect/platform-node` barrel: it loads every platform module, whose memory every process would carry.
const [NodeRuntime, NodeServices, { Effect }, { Command }, { brewlytics }, { withLogging }] = await Promise.all([
  import("@effect/platform-node/NodeRuntime"),
  import("@effect/platform-node/NodeServices"),
  import("effect"),
  import("effect/cli"),
  import("./Cli.ts"),
  import("./Logging.ts")
])

// The one composition root: every command, and the API and runner they start, log through the logger chosen here.
brewlytics.pipe(Command.run({ version: "0.1.0" }), Effect.provide(NodeServices.layer), withLogging, (main) =>
  NodeRuntime.runMain(main, { disableErrorReporting: true })
)
