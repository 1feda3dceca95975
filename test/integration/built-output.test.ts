// The built output (`npm run build`: tsc, then the esbuild bundle of scripts/bundle.mjs) is what
// users run: dist/cli.js and the worker scripts netdoctor starts by path. This proves the bundle
// works on a real lab (every worker found and run: the capture worker, the DNS query worker, the
// lab's resolver and UDP flow; the learn watcher runs in learn.test.ts), that what runs is the bundle and not
// tsc's per-module files, and that `check --json` never loads Ink or React (DESIGN: the JSON
// path never renders React), traced module by module.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { distFile, distRootOf } from '../../src/dist-path.js';
import type { Report } from '../../src/model/result.js';
import { run } from '../../src/system/run.js';
import { CLI, integrationSkipReason, labDown, labUp, randomLabOptions } from './helpers.js';

const skip = integrationSkipReason();
const DIST = dirname(CLI);
const TRACE_HOOK = fileURLToPath(new URL('../support/load-trace.mjs', import.meta.url));
const WORKERS = ['system/capture/worker.js', 'system/dns-query-worker.js', 'lab/dns-responder.js', 'lab/udp-flow-worker.js', 'learn/worker.js'];
const tmp = mkdtempSync(join(tmpdir(), 'ndt-built-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run the built CLI with every ES module it loads traced; the loaded files, and the CJS trace on stderr. */
async function traced(args: string[], name: string): Promise<{ code: number | null; stdout: string; stderr: string; loaded: string[] }> {
  const file = join(tmp, `${name}.trace`);
  const r = await run(['node', '--import', TRACE_HOOK, CLI, ...args], { timeoutMs: 60_000, env: { NETDOCTOR_LOAD_TRACE: file, NODE_DEBUG: 'module' } });
  const loaded = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr, loaded };
}

/** The ES modules of the bundle: the CLI's entry and shared chunks (`check` itself is a classic script). */
const isBundle = (f: string) => f === 'cli.js' || f.startsWith('chunks/');
const CHECK_SCRIPT = join(DIST, 'commands/check-main.cjs');
const UI_MARKER = /^\/\/ \S*node_modules\/(ink|react|react-reconciler|yoga-layout)\//m;

/** The files under dist/ among the loaded URLs, relative to dist/. */
function distFiles(urls: readonly string[]): string[] {
  return urls.filter((u) => u.startsWith('file://')).map((u) => fileURLToPath(u)).filter((p) => p.startsWith(`${DIST}/`)).map((p) => relative(DIST, p));
}

/** Ink or React among the loaded modules: from node_modules directly, or bundled into a loaded chunk (esbuild marks each bundled module's source path). */
function uiModules(urls: readonly string[], cjsTrace: string): string[] {
  const direct = urls.filter((u) => /\/node_modules\/(ink|react|react-reconciler|yoga-layout)\//.test(u));
  const bundled = distFiles(urls).filter((f) => UI_MARKER.test(readFileSync(join(DIST, f), 'utf8')));
  const required = cjsTrace.split('\n').filter((l) => /^MODULE .*\/node_modules\/(ink|react|react-reconciler)\//.test(l));
  return [...direct, ...bundled, ...required];
}

describe.skipIf(skip !== null)('the built output', () => {
  it('dist/cli.js is the bundle: it loads its chunks, not tsc per-module files', async () => {
    const r = await traced(['--help'], 'help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^netdoctor: find out why/);
    const files = distFiles(r.loaded);
    expect(files).toContain('cli.js');
    expect(files.filter((f) => !isBundle(f))).toEqual([]);
  });

  it('every worker script netdoctor starts by path is a built entry where distFile() says', () => {
    for (const w of WORKERS) {
      expect(distFile(w), w).toBe(join(DIST, w));
      expect(existsSync(distFile(w)), w).toBe(true);
    }
    // The same resolution from inside the bundle: an entry, a worker entry and a shared chunk.
    const chunk = readdirSync(join(DIST, 'chunks')).find((f) => f.endsWith('.js'));
    expect(chunk).toBeDefined();
    for (const f of [CLI, join(DIST, 'system/capture/worker.js'), join(DIST, 'chunks', chunk!)]) expect(distRootOf(f)).toBe(DIST);
  });

  it('check --json on a real lab: the probe runs every worker; Ink and React are never loaded', async () => {
    // The UDP-flow scenario starts both lab workers (the resolver, the flow); the check's probe
    // starts the capture worker and the DNS query worker inside the lab.
    const opts = randomLabOptions();
    const lab = await labUp('stale-conntrack-udp', opts);
    try {
      expect(lab.processes.map((p) => p.role).sort()).toEqual(['udp-echo', 'udp-sender']);
      const r = await traced(['check', '--ns', lab.names.containerNs, '--host-ns', lab.names.hostNs, '--target', lab.addresses.target, '--json'], 'check');
      expect(r.code, r.stderr).toBe(0); // only a warning
      const report = JSON.parse(r.stdout) as Report;
      // The stuck flow is seen: the flow's workers really run, in their namespaces.
      expect(report.steps.find((s) => s.id === 'host.conntrack')?.status).toBe('warn');
      expect(report.probes.dns?.servers.some((s) => s.answered)).toBe(true); // query worker -> lab resolver
      expect(report.probes.capture?.available).toBe(true); // the capture worker opened the interfaces
      expect(report.probes.capture?.bridge?.requests).toBeGreaterThan(0);
      // What ran is the bundle, with no UI in it: the CLI's entry and chunks as ES modules, the
      // check command as the classic script (not the fallback, tsc's commands/check-main.js).
      expect(distFiles(r.loaded).filter((f) => !isBundle(f))).toEqual([]);
      expect(uiModules(r.loaded, r.stderr)).toEqual([]);
      const script = readFileSync(CHECK_SCRIPT, 'utf8');
      expect(script).toMatch(/^\/\/ src\/diagnosis\/diagnose\.ts$/m); // esbuild's bundle
      expect(UI_MARKER.test(script)).toBe(false);
    } finally {
      await labDown(opts.prefix);
    }
  });

  it('the capture worker loads only the pcap binding, not pcap.js and its decoders (on every active check\'s path)', async () => {
    // stdin closed at once: the worker loads pcap, finds no config, exits. NODE_DEBUG=module traces every require().
    const worker = await run(['node', join(DIST, 'system/capture/worker.js')], { timeoutMs: 30_000, input: '', env: { NODE_DEBUG: 'module' } });
    expect(worker.exitCode, worker.stderr).toBe(0);
    expect(worker.stdout).toBe(''); // no "unavailable": the binding loaded
    expect(worker.stderr).toMatch(/load "[^"]*\/node_modules\/pcap\/build\/Release\/pcap_binding\.node"/);
    expect(worker.stderr).not.toMatch(/node_modules\/pcap\/(pcap|decode\/|tcp_tracker|dns_cache)/);
    // The same detector sees pcap.js's decoders when the whole module is required.
    const whole = await run(['node', '-e', "require('pcap')"], { timeoutMs: 30_000, env: { NODE_DEBUG: 'module' } });
    expect(whole.stderr).toMatch(/node_modules\/pcap\/decode\//);
  });

  it("the check script's code cache is one this Node accepts", async () => {
    const loader = pathToFileURL(join(DIST, 'check-loader.js')).href;
    const probe = `const { runCheckScript } = await import(${JSON.stringify(loader)});
      const { readFileSync } = await import('node:fs');
      const { script } = runCheckScript(${JSON.stringify(CHECK_SCRIPT)}, readFileSync(${JSON.stringify(`${CHECK_SCRIPT}.cache`)}));
      process.stdout.write(String(script.cachedDataRejected));`;
    const r = await run(['node', '--input-type=module', '-e', probe], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('false');
  });

  it('the trace would see Ink and React: the session UI chunk loads them', async () => {
    // Guard against a test that cannot fail: the same detector on the UI's own chunk.
    const mount = readdirSync(join(DIST, 'chunks')).find((f) => /^mount-.*\.js$/.test(f));
    expect(mount).toBeDefined();
    const file = join(tmp, 'mount.trace');
    const r = await run(['node', '--import', TRACE_HOOK, '-e', `await import(${JSON.stringify(join(DIST, 'chunks', mount!))})`, '--input-type=module'], {
      timeoutMs: 60_000,
      env: { NETDOCTOR_LOAD_TRACE: file, CI: '' },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(uiModules(readFileSync(file, 'utf8').split('\n').filter(Boolean), '').length).toBeGreaterThan(0);
  });
});
