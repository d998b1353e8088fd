import { Schema } from "effect"

/** How many rows a list returns at most, and by default. */
export const MAX_PAGE = 200
export const DEFAULT_PAGE = 50

export const PageLimit = Schema.Int.check(
  Schema.isGreaterThanOrEqualTo(1, { message: "limit must be at least 1" }),
  Schema.isLessThanOrEqualTo(MAX_PAGE, { message: `limit must be at most ${MAX_PAGE}` })
)

/**
 * One page of a list ordered by id. Keyset pagination: pass `next_after` back
 * as `after` for the next page; it is null on the last page. Unlike OFFSET,
 * a page costs the same however deep it is, and rows written meanwhile never
 * shift it.
 */
export const Page = <S extends Schema.Top>(item: S) =>
  Schema.Struct({
    items: Schema.Array(item),
    next_after: Schema.NullOr(Schema.Int)
  })
