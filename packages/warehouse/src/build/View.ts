import { createHash } from "node:crypto"
import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import type { Model } from "../Model.ts"
import { checkBuiltColumns, dropExisting, exec, type Materialized } from "./Relation.ts"

/**
 * A view, stamped with the hash of its SQL: a top-up run (`incremental`)
 * leaves an unchanged one alone, anything else replaces what is there.
 */
export const buildView = Effect.fn("Builder.buildView")(function* (
  sql: PgClient.PgClient,
  model: Model,
  body: string,
  now: { readonly kind: string | undefined; readonly stamp: string | null | undefined; readonly incremental: boolean }
) {
  const stamp = `brewlytics:${createHash("sha256").update(body).digest("hex").slice(0, 32)}`
  const current = now.kind === "v" ? now.stamp : undefined
  if (now.incremental && current === stamp) return { mode: "unchanged", rows: null } satisfies Materialized
  for (const s of dropExisting(model.relation, now.kind)) yield* exec(sql, s)
  yield* exec(sql, `CREATE VIEW ${model.relation} AS\n${body}\n`)
  yield* checkBuiltColumns(sql, model, model.relation)
  yield* exec(sql, `COMMENT ON VIEW ${model.relation} IS '${stamp}'`)
  return { mode: "view", rows: null } satisfies Materialized
})
