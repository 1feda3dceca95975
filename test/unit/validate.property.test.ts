// Any user-supplied name or address is either refused with one clear line (UsageError, exit 2)
// or accepted verbatim, and then it satisfies the kernel's rules. Nothing in between.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { CannotInspectError } from '../../src/exit-codes.js';
import { exitForError } from '../../src/main-errors.js';
import { readTargetOptions } from '../../src/commands/target-options.js';
import { escapeControl, shellQuote } from '../../src/report/escape.js';
import { UsageError, validateInterfaceName, validateIPv4, validateIPv4Cidr, validateNamespaceName } from '../../src/validate.js';

// Strings a hostile or careless user might pass: control characters, shell metacharacters,
// option-looking prefixes, path tricks, long and non-ASCII names.
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('-rf', '--help', '$(reboot)', '`id`', 'a;b', 'a|b', 'a&&b', '..', '.', '/etc', 'a/b', 'a:b', 'a b', 'a\tb', 'a\nb', '\x1b[2J', 'br0\x00', 'é', 'abcdefghijklmnop', '', '*', '"', "'", '\\', 'br%d', '%'),
  fc.array(fc.constantFrom('a', '0', '-', '.', '_', '$', ';', ' ', '\n', '\x1b', '/', ':', 'é', '"'), { maxLength: 18 }).map((a) => a.join('')),
);

// Kernel rule (net/core/dev.c dev_valid_name) plus netdoctor's stricter extras.
function kernelAcceptsInterfaceName(n: string): boolean {
  return Buffer.byteLength(n) >= 1 && Buffer.byteLength(n) <= 15 && n !== '.' && n !== '..' && !/[/:\s]/.test(n);
}

function expectOneCleanLine(err: unknown): void {
  expect(err).toBeInstanceOf(UsageError);
  const msg = (err as Error).message;
  expect(msg).not.toMatch(/\n/);
  // eslint-disable-next-line no-control-regex
  expect(msg).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
}

describe('name and address validation (property)', () => {
  it('interface names: refused with one clean line, or accepted verbatim and kernel-valid', () => {
    fc.assert(
      fc.property(hostile, (name) => {
        try {
          const out = validateInterfaceName('--bridge', name);
          expect(out).toBe(name);
          expect(kernelAcceptsInterfaceName(name)).toBe(true);
          expect(name.startsWith('-')).toBe(false);
          expect(/^[\x21-\x7e]+$/.test(name)).toBe(true);
          // The kernel turns '%' into a number on creation: such a name never matches a link.
          expect(name).not.toContain('%');
        } catch (err) {
          expectOneCleanLine(err);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('namespace names: refused with one clean line, or accepted verbatim and safe as a /run/netns file name', () => {
    fc.assert(
      fc.property(hostile, (name) => {
        try {
          expect(validateNamespaceName('--ns', name)).toBe(name);
          expect(name).toMatch(/^[A-Za-z0-9_.@+=][A-Za-z0-9_.@+=-]*$/);
          expect(['.', '..']).not.toContain(name);
        } catch (err) {
          expectOneCleanLine(err);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('targets: only dotted-quad unicast IPv4 is accepted, verbatim', () => {
    const candidates = fc.oneof(hostile, fc.ipV4(), fc.ipV4Extended(), fc.ipV6());
    fc.assert(
      fc.property(candidates, (value) => {
        try {
          expect(validateIPv4('--target', value)).toBe(value);
          expect(value).toMatch(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
        } catch (err) {
          expectOneCleanLine(err);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('CIDRs: accepted verbatim or refused', () => {
    const candidates = fc.oneof(hostile, fc.tuple(fc.ipV4(), fc.integer({ min: -2, max: 40 })).map(([a, n]) => `${a}/${n}`));
    fc.assert(
      fc.property(candidates, (value) => {
        try {
          expect(validateIPv4Cidr('--subnet', value)).toBe(value);
          const [, len] = value.split('/');
          expect(Number(len)).toBeGreaterThanOrEqual(0);
          expect(Number(len)).toBeLessThanOrEqual(32);
        } catch (err) {
          expectOneCleanLine(err);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('the check options as a whole: each accepted value is passed through unchanged', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (ns, hostNs, bridge) => {
        try {
          const opts = readTargetOptions({ ns, 'host-ns': hostNs, bridge });
          expect(opts).toEqual({ ns, hostNs, bridge, target: '8.8.8.8' });
        } catch (err) {
          expectOneCleanLine(err);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('error messages at the top of a command', () => {
  it('any message (an option or value quoted back) is one line without a raw control character, with the exit code of its class', () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (msg) => {
          written.length = 0;
          expect(exitForError(new UsageError(msg))).toBe(2);
          expect(written.join('').split('\n')).toHaveLength(2); // one line and its newline
          // eslint-disable-next-line no-control-regex
          expect(written.join('')).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
          written.length = 0;
          expect(exitForError(new CannotInspectError(msg, msg))).toBe(3);
          // eslint-disable-next-line no-control-regex
          expect(written.join('')).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
        }),
        { numRuns: 1000 },
      );
    } finally {
      spy.mockRestore();
    }
  });
});

describe('terminal output of kernel-provided names', () => {
  it('escapeControl leaves no control character, and is the identity on printable text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        // eslint-disable-next-line no-control-regex
        expect(escapeControl(s)).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'abc XYZ-_./:0123'.split('')) }), (s) => {
      expect(escapeControl(s)).toBe(s);
    }));
  });

  it('shellQuote: a shell reading the quoted line gets back exactly the argv', () => {
    const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 16 });
    const samples = fc.sample(fc.array(printable, { minLength: 1, maxLength: 6 }), 300);
    // One bash process for all samples: each line is evaluated as `printf '%s\0' <quoted argv>`.
    const script = samples.map((argv) => `printf '%s\\0' ${shellQuote(argv)}; printf '\\n--\\n'`).join('\n');
    const out = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const got = out.stdout.split('\n--\n').slice(0, -1).map((chunk) => chunk.split('\0').slice(0, -1));
    expect(got).toEqual(samples);
  });
});
