import type { Reporter, TestModule } from "vitest/node"

/** Ends the run with one plain line, `tests: N passed, N failed, N skipped`, that any CI can read. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
    const count = (state: "passed" | "failed" | "skipped") =>
      testModules.reduce((n, m) => n + [...m.children.allTests(state)].length, 0)
    // A file that fails to load has no test cases: count it as a failure.
    const broken = testModules.filter((m) => m.state() === "failed" && [...m.children.allTests()].length === 0).length
    process.stdout.write(
      `\ntests: ${count("passed")} passed, ${count("failed") + broken + unhandledErrors.length} failed, ${count("skipped")} skipped\n`
    )
  }
}
