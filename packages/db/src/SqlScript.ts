/**
 * Splits a PostgreSQL script into its statements. The driver speaks only the
 * extended protocol, which takes one statement at a time, so a migration file
 * is run statement by statement (inside one transaction). Semicolons inside
 * quotes, quoted identifiers, dollar-quoted bodies and comments do not split.
 */
export const splitStatements = (script: string): Array<string> => {
  const statements: Array<string> = []
  let start = 0
  let i = 0
  const n = script.length
  const push = (end: number) => {
    const text = script.slice(start, end).trim()
    if (stripComments(text).trim() !== "") statements.push(text)
  }
  while (i < n) {
    const c = script[i]!
    const next = script[i + 1]
    if (c === "-" && next === "-") {
      const eol = script.indexOf("\n", i)
      i = eol === -1 ? n : eol + 1
    } else if (c === "/" && next === "*") {
      let depth = 1
      i += 2
      while (i < n && depth > 0) {
        if (script[i] === "/" && script[i + 1] === "*") depth++, (i += 2)
        else if (script[i] === "*" && script[i + 1] === "/") depth--, (i += 2)
        else i++
      }
    } else if (c === "'" || c === '"') {
      const escapes = c === "'" && (script[i - 1] === "E" || script[i - 1] === "e")
      i++
      while (i < n) {
        if (escapes && script[i] === "\\") i += 2
        else if (script[i] === c && script[i + 1] === c) i += 2
        else if (script[i] === c) break
        else i++
      }
      i++
    } else if (c === "$") {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(script.slice(i, i + 64))
      if (tag !== null && !/[A-Za-z0-9_]/.test(script[i - 1] ?? "")) {
        const close = script.indexOf(tag[0], i + tag[0].length)
        i = close === -1 ? n : close + tag[0].length
      } else i++
    } else if (c === ";") {
      push(i)
      start = ++i
    } else i++
  }
  push(n)
  return statements
}

const stripComments = (text: string) => text.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "")
