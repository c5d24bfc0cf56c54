/**
 * `npm run bench` prints a table with progress bars; `npm run bench -- --json` prints one
 * {"name","value","unit"} object per line. `--only <prefix>` runs matching scenarios.
 * Ratios compare figures measured in the same run, because these machines are noisy.
 */
import { runBench, Scenario } from './harness';
import { commandsScenario } from './scenarios/commands';
import { projectionsScenario } from './scenarios/projections';
import { storeScenario } from './scenarios/store';

const scenarios: Scenario[] = [storeScenario, commandsScenario, projectionsScenario, (require('./scenarios/docstore') as typeof import('./scenarios/docstore')).docstoreScenario];

const args = process.argv.slice(2);
const json = args.includes('--json');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;

runBench(scenarios, { json, ...(only ? { only } : {}) }).catch((error) => {
  console.error(error);
  process.exit(1);
});
