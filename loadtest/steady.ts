/** k6 run -e API_URL=http://localhost:8000 loadtest/steady.ts — see lib/scenarios.ts for its stages and thresholds. */
import { iteration, options as optionsOf, setup as setupOf } from "./k6.ts"
import { scenarios } from "./lib/scenarios.ts"

const scenario = scenarios.steady
export const options = optionsOf(scenario)
export const setup = setupOf(scenario)
export default iteration(scenario)
