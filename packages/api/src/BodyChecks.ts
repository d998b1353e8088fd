/**
 * What a request body must be before a schema sees it: JSON sent as such,
 * valid UTF-8, nested at most `MAX_JSON_DEPTH` deep. Pure; `Envelope.ts`
 * turns a refusal into its answer.
 */

/** Arrays and objects nest at most this deep (an order is 3: body, items, item). */
export const MAX_JSON_DEPTH = 32

/** Whether the request carries a body at all: a non-zero Content-Length or a chunked one. */
export const hasBody = (headers: Readonly<Record<string, string | undefined>>) =>
  (headers["content-length"] !== undefined && headers["content-length"] !== "0") ||
  headers["transfer-encoding"] !== undefined

/** `application/json`, with no charset or `charset=utf-8` (any case, quoted or not). */
export const isJsonContentType = (value: string | undefined) => {
  if (value === undefined) return false
  const [type = "", ...parameters] = value.split(";")
  if (type.trim().toLowerCase() !== "application/json") return false
  return parameters.every((parameter) => {
    const [name = "", charset = ""] = parameter.split("=")
    return (
      name.trim().toLowerCase() !== "charset" ||
      charset
        .trim()
        .replace(/^"(.*)"$/, "$1")
        .toLowerCase() === "utf-8"
    )
  })
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true })

/** The body as text, or undefined when its bytes are not valid UTF-8 (which a lenient decoder would turn into U+FFFD). */
export const decodeUtf8 = (bytes: ArrayBuffer): string | undefined => {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN = [0x5b, 0x7b] // [ {
const CLOSE = [0x5d, 0x7d] // ] }

/**
 * Whether JSON text nests arrays and objects deeper than `limit`, in one pass
 * that skips string contents and stops at the first level past the limit (no
 * recursion: the text may be 20,000 brackets deep). Text that is not JSON may
 * answer either way; the parser refuses it afterwards.
 */
export const nestsDeeperThan = (text: string, limit: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) inString = true
    else if (OPEN.includes(c)) {
      if (++depth > limit) return true
    } else if (CLOSE.includes(c)) depth--
  }
  return false
}
