import { DEFAULT_PAGE } from "@brewlytics/domain/api/Pages.ts"

/** Optional query values as SQL parameters: absent becomes NULL, so one prepared statement serves every filter. */
export const orNull = <A>(value: A | undefined): A | null => (value === undefined ? null : value)

/** Escapes LIKE's wildcards so a name filter matches literally. */
export const likePrefix = (text: string) => `${text.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`

export const pageSize = (limit: number | undefined) => limit ?? DEFAULT_PAGE

/** A keyset page: the next page starts after the last id, when this page was full. */
export const toPage = <A extends { readonly id: number }>(items: ReadonlyArray<A>, limit: number) => ({
  items,
  next_after: items.length === limit ? items[items.length - 1]!.id : null
})
