// Builders for the exact argv a fix runs, so every plan addresses the right namespace:
// container-side commands use `ip -n NS`, host-side ones run where the host side is
// (here, or `--host-ns HOST`). Pure: nothing is run here.
export interface CommandScope {
  ns: string;
  hostNs: string | null;
}

/** `ip ...` on the host side. */
export function hostIp(scope: CommandScope, ...args: string[]): string[] {
  return scope.hostNs ? ['ip', '-n', scope.hostNs, ...args] : ['ip', ...args];
}

// A namespace without a name (/proc/PID/ns/net, from --pid) is entered with nsenter.
const PROC_NETNS = /^\/proc\/[1-9]\d*\/ns\/net$/;

/** `ip ...` inside the container namespace. */
export function nsIp(scope: CommandScope, ...args: string[]): string[] {
  if (PROC_NETNS.test(scope.ns)) return ['nsenter', `--net=${scope.ns}`, 'ip', ...args];
  return ['ip', '-n', scope.ns, ...args];
}

/** Any other program on the host side. */
export function hostExec(scope: CommandScope, ...argv: string[]): string[] {
  return scope.hostNs ? ['ip', 'netns', 'exec', scope.hostNs, ...argv] : argv;
}

/** Any other program inside the container namespace. */
export function nsExec(scope: CommandScope, ...argv: string[]): string[] {
  if (PROC_NETNS.test(scope.ns)) return ['nsenter', `--net=${scope.ns}`, ...argv];
  return ['ip', 'netns', 'exec', scope.ns, ...argv];
}

/** The comment every rule netdoctor adds carries, so it can find (and only touch) its own. */
export const RULE_COMMENT = 'netdoctor';
