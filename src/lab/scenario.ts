// Scenario files (scenarios/*.json): one lab each, data not code. Loaded strictly: a typo in a
// field name or step id is an error that names the file and the field, never a silent default.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename, join } from 'node:path';
import { packageFile } from '../dist-path.js';
import { UsageError, quoteForMessage } from '../validate.js';
import { BUILD_STEP_IDS, RESOLVER_IP, isBuildStepId, selectSteps, unknownPlaceholders, type BuildStepId, type ExtraCommand, type ExtraPlace } from './topology.js';

// Scenario files name diagnosis steps; the ids come from the one list (a leaf module, cheap to load).
export { STEP_IDS as DIAGNOSIS_STEP_IDS } from '../diagnosis/steps.js';
import { STEP_IDS as DIAGNOSIS_STEP_IDS, type StepId } from '../diagnosis/steps.js';

export type DiagnosisStepId = StepId;

/** Programs a lab can run in the background (src/lab/udp-flow.ts ...). */
export const BACKGROUND_PROGRAMS = ['udp-flow'] as const;
export type BackgroundProgram = (typeof BACKGROUND_PROGRAMS)[number];

export interface ScenarioExpectation {
  /** The step `check` must name, or null for a healthy lab. */
  diagnosis: DiagnosisStepId | null;
  /** Steps that must come out as warnings. */
  warn: DiagnosisStepId[];
  /** What a real ping from the container finds. */
  egress: 'ok' | 'broken';
}

export interface Scenario {
  id: string;
  title: string;
  story: string;
  expect: ScenarioExpectation;
  omit: string[];
  extra: ExtraCommand[];
  /** How many containers the lab needs on its bridge (absent: 1; `lab up --containers` overrides). */
  containers?: number;
  /** Lab programs started after the build and before `extra` (e.g. "udp-flow"). */
  background?: BackgroundProgram[];
  /**
   * Build steps the scenario's own commands rely on (an address added to the container's veth
   * end needs it moved there). Lets faults be combined: a combination that leaves out a step
   * another fault needs cannot be built. `extra` in "ns" implies netns.exists.
   */
  needs: BuildStepId[];
  /**
   * Diagnosis steps whose faults this scenario's own commands would hide when combined (its
   * FORWARD accepts come before another fault's DROP): the fault hunt never combines them.
   */
  masks?: DiagnosisStepId[];
  /** Whether netdoctor's fix is expected to repair it (absent: not stated). */
  fixable?: boolean;
  /**
   * The diagnosis rests on what the probe measures (rp_filter drops counted while it ran): the
   * fault is outside what the host's state shows, so with --no-probe its step only warns.
   */
  diagnosedByProbe?: boolean;
  /**
   * Nameservers for the lab's resolv.conf files (/etc/netns/NS/resolv.conf), or null for no
   * file. Absent: the container gets the lab internet's resolver and the host side no file.
   */
  resolvConf?: { ns: string[] | null; host: string[] | null };
  /** The file it came from. */
  file: string;
}

/** scenarios/ at the package root (same depth from src/lab and dist/lab). */
export const SCENARIO_DIR = packageFile('scenarios/');

export class ScenarioError extends UsageError {
  override name = 'ScenarioError';
}

const ID_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const PLACES: readonly ExtraPlace[] = ['host', 'ns', 'inet'];
const TOP_KEYS = ['id', 'title', 'story', 'expect', 'omit', 'extra', 'needs', 'fixable', 'diagnosedByProbe', 'background', 'containers', 'masks', 'resolvConf'];
const EXPECT_KEYS = ['diagnosis', 'warn', 'egress'];
const EXTRA_KEYS = ['in', 'argv', 'early'];

function isDiagnosisStepId(v: unknown): v is DiagnosisStepId {
  return typeof v === 'string' && (DIAGNOSIS_STEP_IDS as readonly string[]).includes(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validate parsed JSON as a scenario. `file` names the source in every error. */
export function parseScenario(data: unknown, file: string): Scenario {
  const fail = (field: string, problem: string): never => {
    throw new ScenarioError(`${file}: ${field}: ${problem}`);
  };
  const onlyKeys = (obj: Record<string, unknown>, allowed: string[], where: string) => {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) fail(where ? `${where}.${k}` : k, `unknown field (allowed: ${allowed.join(', ')})`);
    }
  };
  const text = (v: unknown, field: string, oneLine: boolean): string => {
    if (typeof v !== 'string' || v.trim() === '') return fail(field, 'must be a non-empty string');
    // eslint-disable-next-line no-control-regex
    if (oneLine && /[\x00-\x1f\x7f]/.test(v)) return fail(field, 'must be one line');
    return v;
  };

  if (!isRecord(data)) return fail('(top level)', 'must be a JSON object');
  onlyKeys(data, TOP_KEYS, '');
  const id = text(data.id, 'id', true);
  if (!ID_RE.test(id)) fail('id', `${quoteForMessage(id)} must be lower-case letters, digits and "-"`);
  const stem = basename(file).replace(/\.json$/, '');
  if (file.endsWith('.json') && stem !== id) fail('id', `${quoteForMessage(id)} must match the file name (${stem})`);
  const title = text(data.title, 'title', true);
  const story = text(data.story, 'story', false);

  const ex = data.expect;
  if (!isRecord(ex)) return fail('expect', 'must be an object { diagnosis, warn, egress }');
  onlyKeys(ex, EXPECT_KEYS, 'expect');
  const diagnosis = ex.diagnosis;
  if (diagnosis !== null && !isDiagnosisStepId(diagnosis)) {
    fail('expect.diagnosis', `${JSON.stringify(diagnosis)} is not a step id (null or one of ${DIAGNOSIS_STEP_IDS.join(', ')})`);
  }
  const warn = ex.warn ?? [];
  if (!Array.isArray(warn)) return fail('expect.warn', 'must be an array of step ids');
  warn.forEach((w, i) => {
    if (!isDiagnosisStepId(w)) fail(`expect.warn[${i}]`, `${JSON.stringify(w)} is not a step id`);
  });
  const egress = ex.egress;
  if (egress !== 'ok' && egress !== 'broken') return fail('expect.egress', 'must be "ok" or "broken"');
  // A healthy diagnosis with broken egress would be a bug in check, not a lesson. The reverse is
  // a fault the ping cannot see (ICMP passes, TCP 443 is dropped): a diagnosis with egress "ok".
  if (diagnosis === null && egress !== 'ok') {
    fail('expect.egress', `"${egress}" contradicts expect.diagnosis null (a healthy lab has egress "ok")`);
  }

  const omit = data.omit ?? [];
  if (!Array.isArray(omit)) return fail('omit', 'must be an array of build step ids');
  omit.forEach((o, i) => {
    if (typeof o !== 'string' || !isBuildStepId(o) || o === 'base') {
      fail(`omit[${i}]`, `${JSON.stringify(o)} is not an omittable build step (one of ${BUILD_STEP_IDS.slice(1).join(', ')})`);
    }
  });

  const extraRaw = data.extra ?? [];
  if (!Array.isArray(extraRaw)) return fail('extra', 'must be an array of { "in": ..., "argv": [...] }');
  const { built } = selectSteps(omit as string[]);
  const containerBuilt = built.includes('netns.exists');
  const extra = extraRaw.map((e: unknown, i): ExtraCommand => {
    const where = `extra[${i}]`;
    if (!isRecord(e)) return fail(where, 'must be an object { "in": ..., "argv": [...] }');
    onlyKeys(e, EXTRA_KEYS, where);
    if (typeof e.in !== 'string' || !(PLACES as readonly string[]).includes(e.in)) {
      return fail(`${where}.in`, `must be one of ${PLACES.map((p) => `"${p}"`).join(', ')}`);
    }
    if (e.in === 'ns' && !containerBuilt) fail(`${where}.in`, '"ns" but the scenario leaves out the container namespace');
    const argv = e.argv;
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a): a is string => typeof a === 'string')) {
      return fail(`${where}.argv`, 'must be a non-empty array of strings');
    }
    const unknown = unknownPlaceholders(argv);
    if (unknown.length) fail(`${where}.argv`, `unknown placeholder {${unknown[0]}}`);
    if (e.early !== undefined && typeof e.early !== 'boolean') return fail(`${where}.early`, 'must be true or false');
    return { in: e.in as ExtraPlace, argv, ...(e.early === true ? { early: true } : {}) };
  });

  const backgroundRaw = data.background ?? [];
  if (!Array.isArray(backgroundRaw)) return fail('background', `must be an array of program names (${BACKGROUND_PROGRAMS.join(', ')})`);
  backgroundRaw.forEach((b, i) => {
    if (!(BACKGROUND_PROGRAMS as readonly unknown[]).includes(b)) fail(`background[${i}]`, `${JSON.stringify(b)} is not a lab program (one of ${BACKGROUND_PROGRAMS.join(', ')})`);
  });
  if (backgroundRaw.length && !containerBuilt) fail('background', 'needs the container namespace, which the scenario leaves out');

  const containers = data.containers;
  if (containers !== undefined && (typeof containers !== 'number' || !Number.isInteger(containers) || containers < 1 || containers > 16)) {
    return fail('containers', 'must be a whole number from 1 to 16');
  }

  const needsRaw = data.needs ?? [];
  if (!Array.isArray(needsRaw)) return fail('needs', 'must be an array of build step ids');
  const needs = needsRaw.map((n, i): BuildStepId => {
    if (typeof n !== 'string' || !isBuildStepId(n)) return fail(`needs[${i}]`, `${JSON.stringify(n)} is not a build step (one of ${BUILD_STEP_IDS.join(', ')})`);
    // A scenario that needs what it leaves out could never be built.
    if (!built.includes(n)) fail(`needs[${i}]`, `"${n}" is not built by this scenario (left out, or it depends on a step that is)`);
    return n;
  });
  if (extra.some((e) => e.in === 'ns') && !needs.includes('netns.exists')) needs.push('netns.exists');

  const masksRaw = data.masks ?? [];
  if (!Array.isArray(masksRaw)) return fail('masks', 'must be an array of step ids');
  masksRaw.forEach((m, i) => {
    if (!isDiagnosisStepId(m)) fail(`masks[${i}]`, `${JSON.stringify(m)} is not a step id`);
  });

  const fixable = data.fixable;
  if (fixable !== undefined && typeof fixable !== 'boolean') return fail('fixable', 'must be true or false');
  const diagnosedByProbe = data.diagnosedByProbe;
  if (diagnosedByProbe !== undefined && typeof diagnosedByProbe !== 'boolean') return fail('diagnosedByProbe', 'must be true or false');
  if (diagnosedByProbe && diagnosis === null) fail('diagnosedByProbe', 'needs a diagnosis (the step the probe confirms)');

  let resolvConf: Scenario['resolvConf'];
  if (data.resolvConf !== undefined) {
    const rc = data.resolvConf;
    if (!isRecord(rc)) return fail('resolvConf', 'must be an object { "ns": [...] | null, "host": [...] | null }');
    onlyKeys(rc, ['ns', 'host'], 'resolvConf');
    const servers = (v: unknown, field: string, dflt: string[] | null): string[] | null => {
      if (v === undefined) return dflt;
      if (v === null) return null;
      if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string' && isIP(x) !== 0)) return fail(field, 'must be null or an array of IP addresses');
      return v;
    };
    resolvConf = { ns: servers(rc.ns, 'resolvConf.ns', [RESOLVER_IP]), host: servers(rc.host, 'resolvConf.host', null) };
  }

  return {
    id,
    title,
    story,
    expect: { diagnosis: diagnosis as DiagnosisStepId | null, warn: warn as DiagnosisStepId[], egress },
    omit: omit as string[],
    extra,
    background: backgroundRaw as BackgroundProgram[],
    ...(containers === undefined ? {} : { containers }),

    needs,
    ...(masksRaw.length ? { masks: masksRaw as DiagnosisStepId[] } : {}),
    ...(fixable === undefined ? {} : { fixable }),
    ...(diagnosedByProbe ? { diagnosedByProbe } : {}),
    ...(resolvConf === undefined ? {} : { resolvConf }),
    file,
  };
}

/** Read and validate one scenario file. */
export function loadScenarioFile(file: string): Scenario {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    throw new ScenarioError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseScenario(data, file);
}

/** Every scenario in `dir`, sorted by id. */
export function listScenarios(dir: string = SCENARIO_DIR): Scenario[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch (err) {
    throw new ScenarioError(`${dir}: cannot list scenarios (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return files
    .map((f) => loadScenarioFile(join(dir, f)))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * A scenario by id (`no-masquerade`), or by path when the argument names a .json file, so a
 * learner can try a scenario of their own.
 */
export function findScenario(idOrFile: string, dir: string = SCENARIO_DIR): Scenario {
  if (idOrFile.endsWith('.json') || idOrFile.includes('/')) return loadScenarioFile(idOrFile);
  if (!ID_RE.test(idOrFile)) throw new UsageError(`scenario ${quoteForMessage(idOrFile)}: not a scenario id (see: netdoctor lab list)`);
  const file = join(dir, `${idOrFile}.json`);
  if (!existsSync(file)) throw new UsageError(`unknown scenario ${quoteForMessage(idOrFile)} (see: netdoctor lab list)`);
  return loadScenarioFile(file);
}
