/**
 * V8 settings of every Brewlytics process started through the CLI (`npm
 * start`, `npm run brewlytics`, `bin/brewlytics.js`, the benches' spawns):
 * set here, in one place, because V8 reads them only when the process starts.
 *
 * `--max-semi-space-size=8`: by default V8 lets the young generation grow
 * under a request rush until that alone puts the API's peak RSS over its
 * budget. Capped at 2 × 8 MB, a scavenge stays cheap and
 * the rush's short-lived request objects still die young (bench/api-rush:
 * peak RSS and the API's CPU per order in the README's Performance section).
 */
export const V8_FLAGS: ReadonlyArray<string> = ["--max-semi-space-size=8"]

/**
 * Re-executes this process with `V8_FLAGS` when it was started without them:
 * `process.execve` replaces the program in place (same pid, same stdio, same
 * signals), so whoever started us sees no difference. Where there is no
 * `execve` (Windows), the process runs on with V8's defaults.
 */
export const ensureV8Flags = () => {
  const missing = V8_FLAGS.filter((flag) => !process.execArgv.includes(flag))
  if (missing.length === 0 || typeof process.execve !== "function") return
  process.execve(
    process.execPath,
    [process.execPath, ...process.execArgv, ...missing, ...process.argv.slice(1)],
    process.env as Record<string, string>
  )
}
