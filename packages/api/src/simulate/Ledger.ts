import type { CustomerChoice } from "./Model.ts"

/**
 * What a run of the simulation has written so far, to turn the model's
 * references into database ids: the customers known (those present when the
 * run started, in id order, then each new sign-up in turn) and the orders
 * placed (by the model's ref). Both writers (the API's and the bulk path) keep
 * one, so the same events and the same starting customers give the same ids.
 */
export interface Ledger {
  /** The customer an order goes to; undefined when it cannot be placed (no customer known). */
  readonly customerFor: (choice: CustomerChoice) => number | undefined
  /** A sign-up's customer: `created` false when the email was already taken (the existing customer is used). */
  readonly signedUp: (email: string, id: number, created: boolean) => void
  readonly placed: (ref: string, order: number, items: ReadonlyArray<number>) => void
  /** The order and its item ids, if it was placed. */
  readonly order: (ref: string) => { readonly id: number; readonly items: ReadonlyArray<number> } | undefined
  /** Forgets the orders (their follow-ups come the same day): keeps memory flat over a long run. */
  readonly forgetOrders: () => void
}

export const makeLedger = (customers: ReadonlyArray<number>): Ledger => {
  const pool = [...customers].sort((a, b) => a - b)
  const byEmail = new Map<string, number>()
  let orders = new Map<string, { readonly id: number; readonly items: ReadonlyArray<number> }>()
  return {
    customerFor: (choice) =>
      choice._tag === "New"
        ? byEmail.get(choice.email)
        : pool.length === 0
          ? undefined
          : pool[Math.min(pool.length - 1, Math.floor(choice.pick * pool.length))],
    signedUp: (email, id, created) => {
      byEmail.set(email, id)
      if (created) pool.push(id)
    },
    placed: (ref, id, items) => {
      orders.set(ref, { id, items })
    },
    order: (ref) => orders.get(ref),
    forgetOrders: () => {
      orders = new Map()
    }
  }
}
