// Build step: tsc rewrites relative `.ts` specifiers to `.js` in the emitted
// JavaScript but not in the declaration files, which a consumer's compiler
// would then fail to resolve. Give those the same `.js` extension.
import * as Fs from "node:fs"
import * as Path from "node:path"

const dist = Path.resolve(process.argv[2] ?? "dist")
let rewritten = 0

const walk = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(Path.join(dir, entry.name)) : [Path.join(dir, entry.name)]
  )

for (const file of walk(dist).filter((f) => f.endsWith(".d.ts"))) {
  const text = Fs.readFileSync(file, "utf8")
  const fixed = text.replace(/(from |import\()(["'])(\.{1,2}\/[^"']+)\.ts\2/g, "$1$2$3.js$2")
  if (fixed !== text) {
    Fs.writeFileSync(file, fixed)
    rewritten++
  }
}
process.stdout.write(`SDK built in ${dist} (${rewritten} declaration files had their specifiers made .js).\n`)
