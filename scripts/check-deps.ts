// Lint step: every workspace package declares what it imports, so that it
// installs and runs on its own rather than through whatever npm hoisted to the
// root. Code that ships (src/, models/) must find each bare specifier in the
// package's dependencies or peerDependencies; code that only tests or builds it
// (test/, src/testing/, scripts/) may also use its devDependencies or the
// root's. Node built-ins and the package's own name need nothing.

import * as Fs from "node:fs"
import { isBuiltin } from "node:module"
import * as Path from "node:path"
import ts from "typescript"

export interface Undeclared {
  /** The importing file, relative to the workspace root. */
  readonly file: string
  readonly specifier: string
  /** The package name the specifier needs declared. */
  readonly dependency: string
  /** The package.json that should declare it, relative to the workspace root. */
  readonly manifest: string
  /** Whether a devDependency would do (the file only tests or builds the package). */
  readonly dev: boolean
}

interface Manifest {
  readonly name?: string
  readonly workspaces?: ReadonlyArray<string>
  readonly dependencies?: Record<string, string>
  readonly devDependencies?: Record<string, string>
  readonly peerDependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
}

const readManifest = (file: string): Manifest => JSON.parse(Fs.readFileSync(file, "utf8")) as Manifest

const names = (...maps: ReadonlyArray<Record<string, string> | undefined>) =>
  new Set(maps.flatMap((m) => Object.keys(m ?? {})))

/** `@scope/name/sub/path.ts` → `@scope/name`; `name/sub` → `name`; relative, absolute and `#` imports → undefined. */
export const packageOf = (specifier: string): string | undefined => {
  if (/^[./#]/.test(specifier) || /^[a-z][a-z0-9+.-]*:/i.test(specifier) || isBuiltin(specifier)) return undefined
  const parts = specifier.split("/")
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]
}

/** Every module specifier a file imports: static, type-only, re-exports and `import()`. */
export const importsOf = (text: string): ReadonlyArray<string> =>
  ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName)

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/
const SKIP = new Set(["node_modules", "dist"])

const filesUnder = (dir: string): ReadonlyArray<string> =>
  Fs.existsSync(dir)
    ? Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? SKIP.has(entry.name)
            ? []
            : filesUnder(Path.join(dir, entry.name))
          : SOURCE.test(entry.name)
            ? [Path.join(dir, entry.name)]
            : []
      )
    : []

/** Test and build support: the package's devDependencies and the root's count for it. */
const isDevFile = (relative: string) => /^(test|scripts|src\/testing)\//.test(relative.split(Path.sep).join("/"))

/** The workspace packages' directories, from the root manifest's `workspaces` (plain paths or `dir/*`). */
const workspaceDirs = (root: string, manifest: Manifest): ReadonlyArray<string> =>
  (manifest.workspaces ?? []).flatMap((pattern) => {
    if (!pattern.endsWith("/*")) return [Path.join(root, pattern)]
    const parent = Path.join(root, pattern.slice(0, -2))
    return Fs.readdirSync(parent, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => Path.join(parent, e.name))
  })

/** The imports of every workspace package that its package.json (or, for dev files, the root's) does not declare. */
export const findUndeclared = (root: string): ReadonlyArray<Undeclared> => {
  const rootManifest = readManifest(Path.join(root, "package.json"))
  const rootDeclared = names(
    rootManifest.dependencies,
    rootManifest.devDependencies,
    rootManifest.peerDependencies,
    rootManifest.optionalDependencies
  )
  const found: Array<Undeclared> = []
  for (const dir of workspaceDirs(root, rootManifest)) {
    const manifestFile = Path.join(dir, "package.json")
    if (!Fs.existsSync(manifestFile)) continue
    const manifest = readManifest(manifestFile)
    const runtime = names(manifest.dependencies, manifest.peerDependencies, manifest.optionalDependencies)
    const dev = new Set([...runtime, ...names(manifest.devDependencies), ...rootDeclared])
    for (const file of filesUnder(dir)) {
      const isDev = isDevFile(Path.relative(dir, file))
      for (const specifier of importsOf(Fs.readFileSync(file, "utf8"))) {
        const dependency = packageOf(specifier)
        if (dependency === undefined || dependency === manifest.name) continue
        if ((isDev ? dev : runtime).has(dependency)) continue
        found.push({
          file: Path.relative(root, file),
          specifier,
          dependency,
          manifest: Path.relative(root, manifestFile),
          dev: isDev
        })
      }
    }
  }
  return found
}

if (import.meta.main) {
  const root = Path.resolve(process.argv[2] ?? ".")
  const undeclared = findUndeclared(root)
  for (const u of undeclared) {
    process.stderr.write(
      `${u.file}: imports "${u.specifier}", but ${u.manifest} does not declare "${u.dependency}"; add it to its ${
        u.dev ? "devDependencies (or the root's)" : "dependencies"
      }.\n`
    )
  }
  if (undeclared.length > 0) {
    process.stderr.write(`${undeclared.length} undeclared import(s).\n`)
    process.exitCode = 1
  } else {
    process.stdout.write("Every workspace package declares what it imports.\n")
  }
}
