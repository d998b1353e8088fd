import { type AnyPipeline, edges } from "./Pipeline.ts"

const label = (text: string) => text.replace(/"/g, "#quot;")

/**
 * The pipeline's DAG as a Mermaid flowchart: one box per step (with its step
 * kind when the call renamed it), one arrow per input, labelled with the input.
 */
export const toMermaid = (pipeline: AnyPipeline): string => {
  const lines = ["flowchart LR"]
  for (const node of pipeline.nodes) {
    const kind = node.step.stepName === node.name ? "" : `<br/><i>${label(node.step.stepName)}</i>`
    const description = node.step.description === undefined ? "" : `<br/><small>${label(node.step.description)}</small>`
    lines.push(`  ${node.name}["${node.name}${kind}${description}"]`)
  }
  for (const edge of edges(pipeline)) {
    lines.push(`  ${edge.from} -->|${label(edge.input)}| ${edge.to}`)
  }
  return lines.join("\n")
}
