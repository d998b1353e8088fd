#!/usr/bin/env node
// The CLI is TypeScript that Node 24 runs directly (type stripping). Under an older
// Node (a plain `./bin/brewlytics.js` or a global `brewlytics` from a shell whose
// `node` is older), re-run this same file under the Node 24 the project pins in
// node_modules, forwarding arguments, signals and the exit code; without it, say
// in one line what to do.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const REQUIRED_MAJOR = 24
const major = Number(process.versions.node.split(".")[0])

if (major >= REQUIRED_MAJOR) {
  await import("../packages/cli/src/main.ts")
} else {
  const pinned = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url))
  if (!existsSync(pinned)) {
    process.stderr.write(
      `brewlytics needs Node ${REQUIRED_MAJOR} or newer, and this is Node ${process.versions.node}: run \`npm install\` in the project (it installs the pinned Node ${REQUIRED_MAJOR}), then \`npm run brewlytics -- <command>\`.\n`
    )
    process.exit(1)
  }
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" })
  // The terminal sends Ctrl-C to the whole process group, so the child gets it too:
  // this process only waits for the child to finish its own shutdown.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      if (signal !== "SIGINT") child.kill(signal)
    })
  }
  child.on("exit", (code, signal) => {
    if (signal !== null) process.kill(process.pid, signal)
    else process.exit(code ?? 1)
  })
}
