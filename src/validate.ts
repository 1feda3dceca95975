// Validation of every name and address that comes from the user. A rejected value gives a
// one-line message; the CLI turns it into exit 2. Accepted values are used verbatim as one
// argv element each, never through a shell.
import ipaddr from 'ipaddr.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

// Kernel rule for interface names: 1..15 bytes, not "." or "..", no '/', ':' or whitespace.
// netdoctor also refuses a leading '-' (it would read as an option) and control characters.
export function interfaceNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (Buffer.byteLength(name, 'utf8') > 15) return 'is longer than 15 bytes (the kernel limit for interface names)';
  if (name === '.' || name === '..') return 'cannot be "." or ".."';
  if (name.startsWith('-')) return 'cannot start with "-"';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return 'contains a control character';
  if (/[\s/:]/.test(name)) return 'contains whitespace, "/" or ":"';
  if (!/^[\x21-\x7e]+$/.test(name)) return 'contains non-ASCII characters';
  // The kernel reads '%' as a name template ("br%d" becomes br0): no interface is named with one.
  if (name.includes('%')) return 'contains "%" (the kernel treats it as a name template)';
  return null;
}

// Namespace names become a file under /run/netns: same spirit, a little longer allowed.
export function namespaceNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (Buffer.byteLength(name, 'utf8') > 64) return 'is longer than 64 bytes';
  if (name === '.' || name === '..') return 'cannot be "." or ".."';
  if (name.startsWith('-')) return 'cannot start with "-"';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) return 'contains a control character';
  if (/[\s/:]/.test(name)) return 'contains whitespace, "/" or ":"';
  if (!/^[A-Za-z0-9_.@+=-]+$/.test(name)) return 'may only contain letters, digits and _ . @ + = -';
  return null;
}

/** Show a value in an error message without letting control characters reach the terminal. */
export function quoteForMessage(value: string): string {
  // JSON escapes C0 controls; C1 controls (0x80-0x9f, e.g. 8-bit CSI) are escaped too.
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(value).replace(/[\x7f-\x9f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function validateInterfaceName(flag: string, name: string): string {
  const p = interfaceNameProblem(name);
  if (p) throw new UsageError(`${flag} ${quoteForMessage(name)}: interface name ${p}`);
  return name;
}

export function validateNamespaceName(flag: string, name: string): string {
  const p = namespaceNameProblem(name);
  if (p) throw new UsageError(`${flag} ${quoteForMessage(name)}: namespace name ${p}`);
  return name;
}

/** A unicast IPv4 address in dotted-quad form (what `ping` and the checks expect). */
export function validateIPv4(flag: string, value: string): string {
  if (!ipaddr.IPv4.isValidFourPartDecimal(value)) {
    throw new UsageError(`${flag} ${quoteForMessage(value)}: not an IPv4 address (e.g. 8.8.8.8)`);
  }
  const range = ipaddr.IPv4.parse(value).range();
  if (['unspecified', 'broadcast', 'multicast'].includes(range)) {
    throw new UsageError(`${flag} ${value}: a ${range} address cannot be a probe target`);
  }
  return value;
}

/** An IPv4 CIDR such as 10.20.0.0/16 (host bits allowed: 10.20.0.1/16). */
export function validateIPv4Cidr(flag: string, value: string): string {
  if (!ipaddr.IPv4.isValidCIDR(value) || !ipaddr.IPv4.isValidFourPartDecimal(value.split('/')[0] ?? '')) {
    throw new UsageError(`${flag} ${quoteForMessage(value)}: not an IPv4 CIDR (e.g. 192.168.0.0/16)`);
  }
  return value;
}
