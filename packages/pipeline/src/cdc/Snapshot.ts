/**
 * PostgreSQL snapshots (`pg_snapshot` text `xmin:xmax:xip,…`) as watermarks.
 *
 * A snapshot says which transactions are finished: an xid is visible when it
 * is below `xmax` and not in the in-progress list `xip`. The pipeline's
 * watermark is the set of transactions whose changes are loaded; a batch adds
 * the transactions it loads. Transaction ids are `xid8` (64 bit, no
 * wrap-around), held as `bigint`.
 */
export interface Snapshot {
  readonly xmin: bigint
  readonly xmax: bigint
  /** Sorted, unique, each in [xmin, xmax). */
  readonly xip: ReadonlyArray<bigint>
}

export const parseSnapshot = (text: string): Snapshot => {
  const match = /^(\d+):(\d+):([\d,]*)$/.exec(text.trim())
  if (match === null) throw new Error(`not a pg_snapshot: ${JSON.stringify(text)}`)
  const xip = match[3] === "" ? [] : match[3]!.split(",").map(BigInt)
  return { xmin: BigInt(match[1]!), xmax: BigInt(match[2]!), xip: [...new Set(xip)].sort(compare) }
}

export const formatSnapshot = (s: Snapshot): string => `${s.xmin}:${s.xmax}:${s.xip.join(",")}`

export const isVisible = (s: Snapshot, xid: bigint): boolean => xid < s.xmax && !s.xip.includes(xid)

const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0)

const make = (xmax: bigint, xip: Iterable<bigint>): Snapshot => {
  const list = [...new Set(xip)].filter((x) => x < xmax).sort(compare)
  return { xmin: list[0] ?? xmax, xmax, xip: list }
}

/**
 * The watermark after loading, from `from`, every change whose transaction is
 * visible in `bound` and, when `cutoff` is given, has an xid ≤ `cutoff` (a
 * batch cut short by its size limit takes whole transactions in xid order).
 *
 * visible(result) = visible(from) ∪ {x ≤ cutoff visible in bound}, except that
 * transactions that wrote no change may also become visible: harmless, they
 * never will write one.
 */
export const advance = (from: Snapshot, bound: Snapshot, cutoff?: bigint): Snapshot => {
  // Whole bound taken and it already sees all `from` sees (the usual case): the bound itself.
  const boundCoversFrom = bound.xmax >= from.xmax && bound.xip.every((x) => x >= from.xmax || from.xip.includes(x))
  if (cutoff === undefined && boundCoversFrom) return make(bound.xmax, bound.xip)
  const last = cutoff ?? bound.xmax - 1n
  const xmax = from.xmax > last + 1n ? from.xmax : last + 1n
  return make(xmax, [
    // still-unloaded transactions `from` did not see, beyond the cut
    ...from.xip.filter((x) => x > last || !isVisible(bound, x)),
    // transactions still running at the bound
    ...bound.xip.filter((x) => x >= from.xmax || from.xip.includes(x))
  ])
}
