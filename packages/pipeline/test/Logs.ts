import { Array as Arr, type Layer, Logger } from "effect"

export interface Logged {
  readonly level: string
  readonly message: string
}

/** A logger that keeps every line (level and text) in `lines`, in place of the console: what the terminal would show. */
export const captureLogs = () => {
  const lines: Array<Logged> = []
  const layer = Logger.layer([
    Logger.make((options) => {
      lines.push({ level: options.logLevel, message: Arr.ensure(options.message).map(String).join(" ") })
    })
  ])
  return { lines, layer: layer as Layer.Layer<never> }
}
