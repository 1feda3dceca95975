// The pure parts of fixing: what each command is (and how it is undone and looked up), the
// order fixes come in, check-before-add decisions, script quoting, sysctl overrides, the journal.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deriveAction, nftDeleteByHandle, nftTableHasRules, parseEchoedHandle, planActions, withEchoHandle } from '../../../src/fixes/actions.js';
import { alreadyDone, findNftRule, nftRuleToRemove } from '../../../src/fixes/idempotence.js';
import { allFixes, nextFix } from '../../../src/fixes/plan-order.js';
import { renderScript, shellLine, shellWord } from '../../../src/fixes/script.js';
import { forwardingOverrides, ipForwardSetting } from '../../../src/fixes/persist.js';
import { listRuns, loadRun, newRunId, parseRun, saveRun, undoableRuns, type RunRecord } from '../../../src/fixes/journal.js';
import { hostSideNetns } from '../../../src/system/fix-exec.js';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import type { SavedSnapshot } from '../../../src/commands/check.js';
import type { Report } from '../../../src/model/result.js';

const judge = (id: string): Report => {
  const saved = JSON.parse(readFileSync(new URL(`../../fixtures/snapshots/${id}.json`, import.meta.url), 'utf8')) as SavedSnapshot;
  return diagnose(saved.snapshot, saved.ping);
};

describe('actions: each command with its own undo and existence lookup', () => {
  it('iptables -I: -C before, -D to undo, in the same namespace; iptables-nft may create its table', () => {
    const d = deriveAction(['ip', 'netns', 'exec', 'h', 'iptables-nft', '-t', 'nat', '-I', 'POSTROUTING', '-s', '10.0.0.0/16', '-j', 'MASQUERADE']);
    expect(d.exists).toEqual({ kind: 'argv-succeeds', argv: ['ip', 'netns', 'exec', 'h', 'iptables-nft', '-t', 'nat', '-C', 'POSTROUTING', '-s', '10.0.0.0/16', '-j', 'MASQUERADE'] });
    expect(d.undo).toEqual([['ip', 'netns', 'exec', 'h', 'iptables-nft', '-t', 'nat', '-D', 'POSTROUTING', '-s', '10.0.0.0/16', '-j', 'MASQUERADE']]);
    expect(d.createsTable?.probe).toEqual(['ip', 'netns', 'exec', 'h', 'nft', 'list', 'table', 'ip', 'nat']);
    expect(deriveAction(['iptables-legacy', '-I', 'FORWARD', '-j', 'ACCEPT']).createsTable).toBeNull();
  });

  it('nft rules are applied with --echo --handle and undone by handle', () => {
    const argv = ['nft', 'insert', 'rule', 'inet', 'filter', 'forward', 'iifname', '"br"', 'accept', 'comment', '"netdoctor"'];
    const d = deriveAction(argv);
    expect(d.exists).toEqual({ kind: 'nft-rule', listArgv: ['nft', '-a', 'list', 'chain', 'inet', 'filter', 'forward'], ruleText: 'iifname "br" accept comment "netdoctor"' });
    expect(withEchoHandle(argv)).toEqual(['nft', '--echo', '--handle', ...argv.slice(1)]);
    expect(parseEchoedHandle('insert rule inet filter forward iifname "br" accept comment "netdoctor" # handle 7\n# new generation 4')).toBe(7);
    expect(parseEchoedHandle('')).toBeNull();
    expect(nftDeleteByHandle(d.nftRule!, 7)).toEqual(['nft', 'delete', 'rule', 'inet', 'filter', 'forward', 'handle', '7']);
    expect(d.nftRule).toMatchObject({ ruleText: 'iifname "br" accept comment "netdoctor"', at: 'top' });
    expect(deriveAction(['nft', 'add', 'rule', 'ip', 'nat', 'postrouting', 'masquerade']).nftRule?.at).toBe('end');
  });

  it('a rule journaled without its handle is found again by its exact text, where netdoctor put it', () => {
    const listing = [
      'table inet filter { # handle 2',
      '\tchain forward { # handle 1',
      '\t\ttype filter hook forward priority filter; policy drop;',
      '\t\tiifname "br" accept comment "netdoctor" # handle 9',
      '\t\tiifname "br" accept # handle 4',
      '\t\tiifname  "br"  accept comment "netdoctor" # handle 12',
      '\t}',
      '}',
    ].join('\n');
    const text = 'iifname "br" accept comment "netdoctor"';
    expect(nftRuleToRemove(listing, text, 'top')).toBe(9);
    expect(nftRuleToRemove(listing, text, 'end')).toBe(12);
    expect(nftRuleToRemove(listing, 'iifname "br2" accept comment "netdoctor"', 'top')).toBeNull();
    expect(nftRuleToRemove('', text, 'end')).toBeNull();
  });

  it('nft tables and chains: looked up by listing, undone by deleting them', () => {
    expect(deriveAction(['nft', 'add', 'table', 'ip', 'netdoctor']).undo).toEqual([['nft', 'delete', 'table', 'ip', 'netdoctor']]);
    expect(deriveAction(['nft', 'add', 'chain', 'ip', 'netdoctor', 'postrouting', '{ ... }']).exists).toEqual({ kind: 'argv-succeeds', argv: ['nft', 'list', 'chain', 'ip', 'netdoctor', 'postrouting'] });
    expect(deriveAction(['ip', 'netns', 'add', 'c1']).exists).toEqual({ kind: 'netns', name: 'c1' });
  });

  it('plans: paired undo lines per command, otherwise the whole undo goes with the first command', () => {
    const paired = planActions('bridge.up', { title: 't', commands: [['ip', 'link', 'set', 'b', 'up']], undo: [['ip', 'link', 'set', 'b', 'down']] });
    expect(paired[0]!.undo).toEqual([['ip', 'link', 'set', 'b', 'down']]);
    const veth = planActions('veth.exists', { title: 't', commands: [['ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'c0'], ['ip', 'link', 'set', 'c0', 'netns', 'n']], undo: [['ip', 'link', 'del', 'v0']] });
    expect(veth.map((a) => a.undo)).toEqual([[['ip', 'link', 'del', 'v0']], []]);
  });

  it('every fix plan of every recorded scenario splits into actions that each know their undo', () => {
    for (const id of ['no-masquerade', 'nft-forward-policy-drop', 'docker-forward-drop', 'no-veth', 'no-bridge', 'ip-forward-off']) {
      for (const { step, plan } of allFixes(judge(id))) {
        const actions = planActions(step.id, plan);
        // The first action carries an undo (or completes it from nft's handle); paired plans, every action.
        expect(actions[0]!.undo.length > 0 || actions[0]!.nftRule !== null, `${id} ${step.id}`).toBe(true);
        if (plan.undo.length === plan.commands.length) for (const a of actions) expect(a.undo.length).toBe(1);
      }
    }
  });

  it('"netns 1" (back to the host side) names netdoctor\'s own namespace by pid when run', () => {
    expect(hostSideNetns(['ip', '-n', 'c', 'link', 'set', 'ceth0', 'netns', '1'], 4242)).toEqual(['ip', '-n', 'c', 'link', 'set', 'ceth0', 'netns', '4242']);
    expect(hostSideNetns(['ip', '-n', 'c', 'link', 'set', 'ceth0', 'netns', 'h'], 4242)).toEqual(['ip', '-n', 'c', 'link', 'set', 'ceth0', 'netns', 'h']);
  });
});

describe('idempotence: check before add', () => {
  const listing = `table inet filter {\n\tchain forward { # handle 1\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tiifname "br" oifname "wan" ip saddr 10.0.0.0/16 accept comment "netdoctor" # handle 2\n\t}\n}\n`;
  it('finds netdoctor\'s own nft rule by its text, and only that one', () => {
    expect(findNftRule(listing, 'iifname "br" oifname "wan" ip saddr 10.0.0.0/16 accept comment "netdoctor"')).toBe(2);
    expect(findNftRule(listing, 'iifname "br" oifname "wan" ip saddr 10.1.0.0/16 accept comment "netdoctor"')).toBeNull();
    expect(alreadyDone({ kind: 'nft-rule', listing: null }, 'x')).toBe(false);
  });
  it('iptables -C exit 0 means present; anything else means add it', () => {
    expect(alreadyDone({ kind: 'argv-succeeds', exitCode: 0 })).toBe(true);
    expect(alreadyDone({ kind: 'argv-succeeds', exitCode: 1 })).toBe(false);
    expect(alreadyDone({ kind: 'argv-succeeds', exitCode: null })).toBe(false);
  });
  it('a table is removed after undo only when it holds no rules', () => {
    expect(nftTableHasRules('{"nftables":[{"metainfo":{}},{"table":{}},{"chain":{}}]}')).toBe(false);
    expect(nftTableHasRules('{"nftables":[{"table":{}},{"rule":{}}]}')).toBe(true);
    expect(nftTableHasRules('garbage')).toBe(true);
  });
});

describe('plan order', () => {
  it('the first failing step with a fix, then the next once it is tried; unfixable steps stop the walk', () => {
    const r = judge('no-masquerade');
    const first = nextFix(r, new Set());
    expect(first.kind === 'fix' && first.step.id).toBe('host.masquerade');
    const after = nextFix(r, new Set(['host.masquerade']));
    expect(after.kind).toBe('stuck');
    expect(nextFix(judge('healthy'), new Set()).kind).toBe('done');
    const noRoute = nextFix(judge('host-no-route'), new Set());
    expect(noRoute.kind).toBe('stuck');
    expect(noRoute.kind === 'stuck' && noRoute.unfixable.map((s) => s.id)).toContain('host.uplink');
  });
});

describe('--dry-run script quoting', () => {
  it('reads back as exactly the same argv in bash, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', minLength: 0, maxLength: 12 }).filter((s) => !s.includes('\0')), { minLength: 1, maxLength: 4 }), (argv) => {
        const line = shellLine(argv);
        expect(line).not.toMatch(/[\x00-\x1f\x7f]/);
        const out = execFileSync('bash', ['-c', `for a in ${line}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
        expect(out.split('\0').slice(0, -1)).toEqual(argv);
      }),
      { numRuns: 60 },
    );
  });
  it('plain words stay plain; the script has a shebang, the commands and commented undo lines', () => {
    expect(shellWord('br0')).toBe('br0');
    expect(shellWord('"netdoctor"')).toBe(`'"netdoctor"'`);
    const script = renderScript(allFixes(judge('no-masquerade')), { ns: 'ns0', more: false });
    expect(script).toMatch(/^#!\/bin\/bash\n/);
    expect(script).toMatch(/\nip netns exec \S+ iptables-nft -t nat -I POSTROUTING .* -j MASQUERADE\n/);
    expect(script).toMatch(/#   undo: ip netns exec \S+ iptables-nft -t nat -D POSTROUTING/);
  });
});

describe('--persist: files that switch forwarding off again', () => {
  it('warns about later files and /etc/sysctl.conf that set ip_forward = 0', () => {
    expect(ipForwardSetting('# x\nnet.ipv4.ip_forward=1\nnet/ipv4/ip_forward = 0\n')).toBe('0');
    const warnings = forwardingOverrides([
      { path: '/etc/sysctl.d/10-early.conf', content: 'net.ipv4.ip_forward = 0' },
      { path: '/etc/sysctl.d/99-zzz-late.conf', content: 'net.ipv4.ip_forward = 0' },
      { path: '/etc/sysctl.conf', content: 'net.ipv4.ip_forward=0' },
      { path: '/etc/sysctl.d/99-zzz-other.conf', content: 'net.ipv4.ip_forward = 1' },
    ]);
    expect(warnings.map((w) => w.split(' ')[0])).toEqual(['/etc/sysctl.d/99-zzz-late.conf', '/etc/sysctl.conf']);
  });
});

describe('journal', () => {
  it('runs are written atomically, read back, sorted, and only runs with changes in place are undoable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ndt-journal-'));
    try {
      const mk = (id: string, status: RunRecord['status']): RunRecord => ({
        schemaVersion: 1, id, startedAt: '', updatedAt: '', status,
        target: { ns: 'c', hostNs: null, bridge: null, probe: '8.8.8.8' },
        identity: { ns: { dev: 4, ino: 1, ctimeMs: 5 }, hostNs: null },
        entries: [{ kind: 'command', step: 'bridge.up', title: 't', argv: ['ip', 'link', 'set', 'b', 'up'], undo: [['ip', 'link', 'set', 'b', 'down']], status: 'done', at: '' }],
        trial: null,
      });
      const a = newRunId(new Date('2026-01-01T00:00:00Z'), 1);
      const b = newRunId(new Date('2026-01-02T00:00:00Z'), 2);
      saveRun(dir, mk(b, 'applied'));
      saveRun(dir, mk(a, 'undone'));
      expect(listRuns(dir).map((r) => r.id)).toEqual([a, b]);
      expect(undoableRuns(dir).map((r) => r.id)).toEqual([b]);
      expect(loadRun(dir, b)?.entries[0]).toMatchObject({ status: 'done', undo: [['ip', 'link', 'set', 'b', 'down']] });
      expect(parseRun('{"schemaVersion":2}')).toBeNull();
      expect(() => loadRun(dir, '../../etc/passwd')).toThrow(/not a run id/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
