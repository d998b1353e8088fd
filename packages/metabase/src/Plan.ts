/** What a sync does, or would do in a dry run: one entry per object, and how the plan is printed. */

export type Action = "create" | "update" | "unchanged" | "archive"

export interface PlanEntry {
  readonly action: Action
  readonly kind: "setup" | "database" | "collection" | "card" | "dashboard"
  /** The object's identity: a name, or a card's `<dashboard>/<card>`. */
  readonly name: string
  /** For an update: the fields that differ. */
  readonly fields: ReadonlyArray<string>
}

/** One line of the plan, as printed. */
export const formatEntry = (entry: PlanEntry): string =>
  `${entry.action.padEnd(9)} ${entry.kind.padEnd(10)} ${entry.name}${entry.fields.length > 0 ? ` (${entry.fields.join(", ")})` : ""}`

/** Counts per action: "2 created, 1 updated, 30 unchanged, 0 archived" (or "to create", … for a plan). */
export const summarize = (entries: ReadonlyArray<PlanEntry>, dryRun: boolean): string => {
  const count = (a: Action) => entries.filter((e) => e.action === a).length
  const words: Record<Action, readonly [string, string]> = {
    create: ["created", "to create"],
    update: ["updated", "to update"],
    unchanged: ["unchanged", "unchanged"],
    archive: ["archived", "to archive"]
  }
  return (["create", "update", "unchanged", "archive"] as const)
    .map((a) => `${count(a)} ${words[a][dryRun ? 1 : 0]}`)
    .join(", ")
}
