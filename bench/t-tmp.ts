import { run } from '../src/system/run.js';
const sock = 'ndbtmuxtest3';
const tm = (...a: string[]) => run(['tmux', '-L', sock, ...a]);
await tm('new-session', '-d', '-s', 'b', '-x', '120', '-y', '60', 'sleep', '600');
for (const cli of ['/work/main/dist/cli.js', 'dist/cli.js', '/work/main/dist/cli.js', 'dist/cli.js', '/work/main/dist/cli.js', 'dist/cli.js', '/work/main/dist/cli.js', 'dist/cli.js']) {
const t0 = performance.now();
await tm('new-window', '-d', '-t', 'b', '-n', 'app', 'env', '-u', 'CI', 'TERM=xterm-256color', 'node', cli, '--ns', 'ndbx7-c0', '--host-ns', 'ndbx7-host', '--target', '198.51.100.8');
let last = ''; const out: string[] = [];
while (performance.now() - t0 < 5000) {
  const s = (await tm('capture-pane', '-p', '-t', 'b:app')).stdout;
  const judged = (s.match(/^\s*>?\s*(ok|FAIL|warn|skip|ERR)\s+\S/gm) ?? []).length;
  const running = (s.match(/^\s*>?\s*\.\.\.\s+\S/gm) ?? []).length;
  const sig = `j=${judged} r=${running}${s.includes('Egress') ? ' EG' : ''}`;
  if (sig !== last) { out.push(`${(performance.now() - t0).toFixed(0)} ${sig}`); last = sig; }
  if (s.includes('Egress')) break;
}
console.log(cli.padEnd(24), out.join(' | '));
await tm('kill-window', '-t', 'b:app');
}
await tm('kill-server');
