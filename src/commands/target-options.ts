// The options that say what to diagnose, shared by `check` and the interactive session.
import { UsageError, validateInterfaceName, validateIPv4, validateNamespaceName } from '../validate.js';

export const TARGET_OPTIONS = {
  ns: { type: 'string' },
  'host-ns': { type: 'string' },
  bridge: { type: 'string' },
  target: { type: 'string' },
} as const;

export const DEFAULT_TARGET = '8.8.8.8';

export interface TargetOptions {
  ns: string | null;
  hostNs: string | null;
  bridge: string | null;
  target: string;
}

export function readTargetOptions(values: { ns?: string; 'host-ns'?: string; bridge?: string; target?: string }): TargetOptions {
  return {
    ns: values.ns === undefined ? null : validateNamespaceName('--ns', values.ns),
    hostNs: values['host-ns'] === undefined ? null : validateNamespaceName('--host-ns', values['host-ns']),
    bridge: values.bridge === undefined ? null : validateInterfaceName('--bridge', values.bridge),
    target: values.target === undefined ? DEFAULT_TARGET : validateIPv4('--target', values.target),
  };
}

export function requireNs(opts: TargetOptions, command: string): string {
  if (!opts.ns) throw new UsageError(`${command}: --ns NAME is required (the namespace to diagnose; see \`ip netns list\`)`);
  return opts.ns;
}
