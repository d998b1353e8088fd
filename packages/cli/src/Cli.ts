import { Command } from "effect/cli"
import { api } from "./commands/Api.ts"
import { dashboards } from "./commands/Dashboards.ts"
import { migrate, seedCommand } from "./commands/Database.ts"
import { models } from "./commands/Models.ts"
import { pipeline } from "./commands/Pipeline.ts"
import { reconcileCommand } from "./commands/Reconcile.ts"
import { simulateCommand } from "./commands/Simulate.ts"
import { start } from "./commands/Start.ts"

export const brewlytics = Command.make("brewlytics").pipe(
  Command.withDescription("Brewlytics: a coffee shop's analytics stack, from the till to the chart"),
  Command.withSubcommands([
    start,
    api,
    migrate,
    seedCommand,
    models,
    pipeline,
    reconcileCommand,
    simulateCommand,
    dashboards
  ])
)
