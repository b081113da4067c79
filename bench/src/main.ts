/**
 * Entry of `pnpm bench` (full) and `pnpm bench:quick` (smoke). Runs every scenario against every
 * contender, writes results JSON and prints a markdown table; exits 1 if any run failed.
 *
 * Flags: --quick, --contenders=id,id (the baseline is always added), --scenarios=id,id,
 * --reps=N, --out=path, --profile=dir (server children write CPU profiles there),
 * --floors=path|none (the performance gate; on by default in quick mode, see gate/gate.ts),
 * --scale-connections=N (the opt-in scale scenario's connection count), --compiled-servers (server
 * children, and the scale scenario's client processes, run bundled ahead of time by plain node, not
 * under tsx: server/compiled-host.ts).
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FULL, QUICK } from './config.ts';
import { baseline, contenders, findContender } from './contenders/index.ts';
import type { ScenarioId } from './contract.ts';
import { GATE_OVERLOAD, GATE_RERUN_REPS, runGate } from './gate/gate.ts';
import { fitConnections, openFileLimit } from './limits.ts';
import { type BenchResults, currentLoad, RunRecord, writeResults } from './report/results.ts';
import { renderTable } from './report/table.ts';
import { runSuite } from './run-suite.ts';
import { scenarios as allScenarios } from './scenarios/index.ts';
import { compileServers, profileServers } from './server/spawn.ts';

const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
const FLOORS_FILE = fileURLToPath(new URL('../floors.json', import.meta.url));

const { values: flags } = parseArgs({
  // `pnpm bench -- --flag` forwards the `--` itself; take it as noise, not as the end of flags.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    quick: { type: 'boolean', default: false },
    contenders: { type: 'string' },
    scenarios: { type: 'string' },
    reps: { type: 'string' },
    out: { type: 'string' },
    profile: { type: 'string' },
    floors: { type: 'string' },
    'scale-connections': { type: 'string' },
    'compiled-servers': { type: 'boolean', default: false },
  },
});

if (flags.profile !== undefined) profileServers(resolve(flags.profile));
if (flags['compiled-servers']) compileServers();
const config = structuredClone(flags.quick ? QUICK : FULL);
if (flags.reps !== undefined) {
  config.reps = Math.max(1, Number.parseInt(flags.reps, 10));
  config.repsByScenario = {};
}

const selected = flags.contenders === undefined ? [...contenders] : flags.contenders.split(',').map(findContender);
if (!selected.includes(baseline)) selected.unshift(baseline);

const wanted = flags.scenarios?.split(',');
const unknown = wanted?.filter((id) => !allScenarios.some((scenario) => scenario.id === id)) ?? [];
if (unknown.length > 0)
  throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${allScenarios.map((s) => s.id).join(', ')}`);
const scenarios =
  wanted === undefined
    ? allScenarios.filter((scenario) => scenario.optIn !== true)
    : allScenarios.filter((scenario) => wanted.includes(scenario.id as ScenarioId));
if (flags['scale-connections'] !== undefined)
  config.scale.connections = Math.max(1, Number.parseInt(flags['scale-connections'], 10));

const warnings: string[] = [];
const fdLimit = openFileLimit();
// The fan-out scenarios keep every contender's connections open until the scenario ends.
const fanoutSets = selected.filter((contender) => contender.unsupported?.fanout === undefined).length;
const storm = fitConnections(config.connections.count, fdLimit);
const fanoutFit = fitConnections(config.fanout.connections, fdLimit, fanoutSets);
for (const fit of [storm, fanoutFit]) {
  if (fit.warning !== undefined) warnings.push(fit.warning);
}
config.connections.count = storm.count;
// Said beside the figures: memory figures of such a run are not comparable with the tsx runs'.
if (flags['compiled-servers'])
  warnings.push(
    "server children ran their host compiled ahead of time by plain node, not under tsx (and the scale scenario's client processes).",
  );
config.fanout.connections = fanoutFit.count;
const run = new RunRecord(fdLimit, warnings);
for (const warning of warnings) console.error(`warning: ${warning}`);

const log = (line: string): void =>
  console.error(`${((Date.now() - run.startedAt.getTime()) / 1000).toFixed(1).padStart(6)}s ${line}`);
log(
  `switchboard bench: ${config.mode} mode, ${config.reps} rep(s), ${selected.length} contenders, ${scenarios.length} scenarios`,
);
const outcomes = await runSuite(scenarios, selected, config, log);

const results: BenchResults = {
  ...run.header(config.mode),
  config,
  baseline: baseline.id,
  contenders: selected.map(({ id, label, limit }) => (limit === true ? { id, label, limit } : { id, label })),
  scenarios: scenarios.map(({ id, title, metrics }) => ({ id, title, metrics })),
  outcomes,
};
const out = flags.out ?? resolve(RESULTS_DIR, config.mode === 'full' ? 'latest.json' : 'quick.json');
await writeResults(results, out);

console.log(renderTable(results));
console.log(`\nWrote ${out} in ${(results.durationMs / 1000).toFixed(1)} s.`);
const failed = Object.values(outcomes).some((row) => Object.values(row).some((outcome) => outcome.status === 'error'));

// The gate: on by default in quick mode (what CI runs), on request in full mode.
const floorsPath = flags.floors ?? (config.mode === 'quick' ? FLOORS_FILE : 'none');
let gatePassed = true;
if (floorsPath !== 'none') {
  const ratiosPath = out.replace(/\.json$/, '') + '-ratios.json';
  const report = await runGate(
    results,
    resolve(floorsPath),
    ratiosPath,
    async (floors) => {
      const ids = new Set(floors.map((floor) => floor.contender));
      const again = selected.filter((contender) => contender === baseline || ids.has(contender.id));
      const which = scenarios.filter((scenario) => floors.some((floor) => floor.scenario === scenario.id));
      const rerunConfig = { ...config, reps: GATE_RERUN_REPS, repsByScenario: {} };
      return { scenarios: which, baseline: baseline.id, outcomes: await runSuite(which, again, rerunConfig, log) };
    },
    log,
    { cores: availableParallelism(), now: currentLoad, atStart: run.loadAtStart },
  );
  gatePassed = report.verdict !== 'failed';
  const fell = report.checks
    .filter((check) => check.status === 'fell')
    .map(({ floor }) => `${floor.scenario} (${floor.contender} ${floor.metric})`)
    .join(', ');
  const loads = report.loadAverages.join(', ');
  console.log(
    report.verdict === 'passed'
      ? `\nPerformance gate: every floor held (${ratiosPath}).`
      : report.verdict === 'failed'
        ? `\nPerformance gate FAILED: ${fell} fell below the floor in every attempt (${ratiosPath}).`
        : `\nPerformance gate NOT JUDGED: ${fell} fell below the floor in every attempt, but the load average (${loads}) was above ${GATE_OVERLOAD}× the ${availableParallelism()} cores, so the figures measured other processes; run \`pnpm --filter @switchboard/bench bench:quick\` again on a quieter machine (${ratiosPath}).`,
  );
}
process.exitCode = failed || !gatePassed ? 1 : 0;
