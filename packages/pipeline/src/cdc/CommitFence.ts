import type { OlapSql } from "@brewlytics/db/Databases.ts"
import { Context, Effect } from "effect"
import type { SqlError } from "effect/sql/SqlError"
import type { CdcError } from "./Types.ts"

/**
 * A check run first in a batch's OLAP transaction: it fails with
 * `CdcError`/`LeaseLost` when this runner may no longer commit the pipeline.
 * A single runner has none (the default); in cluster mode it checks the
 * pipeline's lease and bounds how long the transaction may sit idle (see
 * cluster/Fence.ts).
 */
export const CommitFence = Context.Reference<{
  readonly check: (pipeline: string) => Effect.Effect<void, CdcError | SqlError, OlapSql>
}>("@brewlytics/pipeline/CommitFence", { defaultValue: () => ({ check: () => Effect.void }) })
