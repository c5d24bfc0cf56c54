/**
 * `npm run bench` prints a table with progress bars; `npm run bench -- --json` prints one
 * {"name","value","unit"} object per line. `--only <prefix>` runs matching scenarios;
 * `--seconds N` shortens each HTTP load run (default 20).
 * Ratios compare figures measured in the same run, because these machines are noisy.
 */
import { runBench, Scenario } from './harness';
import { billingScenario } from './scenarios/billing';
import { commandsScenario } from './scenarios/commands';
import { httpScenario } from './scenarios/http';
import { docstoreScenario } from './scenarios/docstore';
import { matchingScenario } from './scenarios/matching';
import { projectionsScenario } from './scenarios/projections';
import { storeScenario } from './scenarios/store';

const scenarios: Scenario[] = [storeScenario, commandsScenario, projectionsScenario, docstoreScenario, matchingScenario, billingScenario, httpScenario(secondsOption())];

const args = process.argv.slice(2);
const json = args.includes('--json');
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;

runBench(scenarios, { json, ...(only ? { only } : {}) }).catch((error) => {
  console.error(error);
  process.exit(1);
});

function secondsOption(): { seconds?: number } {
  const i = process.argv.indexOf('--seconds');
  return i >= 0 ? { seconds: Number(process.argv[i + 1]) } : {};
}
