// The packet path as people read it: namespace -> veth -> bridge -> forward/NAT -> uplink,
// with what the capture counted at each hop and the source before and after NAT. Pure.
import type { CaptureReport, HopCount } from '../model/capture.js';
import { escapeControl } from './escape.js';
import { PLAIN, type Style } from './style.js';
import { wrapText } from './wrap.js';

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function hopLine(label: string, hop: HopCount, nsAddress: string | null, s: Style): string {
  const counts = `${count(hop.requests, 'request', 'requests')}, ${count(hop.replies, 'reply', 'replies')}`;
  let source = '';
  if (hop.sources.length) {
    const untranslated = label === 'uplink' && nsAddress !== null && hop.sources.includes(nsAddress);
    source = `  source ${hop.sources.map(escapeControl).join(', ')}${untranslated ? s.red(' (not translated)') : label === 'uplink' ? ' (after NAT)' : ''}`;
  }
  return `  ${label.padEnd(9)} ${escapeControl(hop.interface).padEnd(15)} ${counts.padEnd(22)}${source}`.trimEnd();
}

export function renderCapture(c: CaptureReport, ns: string, target: string, s: Style = PLAIN, width = 100): string[] {
  const lines = [s.bold('Packet path') + s.dim(` (captured while pinging ${target})`)];
  if (!c.available) {
    lines.push(`  ${s.yellow('unavailable')}: ${escapeControl(c.reason ?? '')}`);
    if (c.remedy) lines.push(`  ${s.dim(`Remedy: ${escapeControl(c.remedy)}`)}`);
    return lines;
  }
  const nsAddress = c.bridge?.sources[0] ?? null;
  lines.push(`  namespace ${escapeControl(ns)}${nsAddress ? ` (${escapeControl(nsAddress)})` : ''}`);
  lines.push(s.dim('      | veth'));
  if (c.bridge) lines.push(hopLine('bridge', c.bridge, nsAddress, s));
  const drop = c.drop ? s.red(`  X dropped: ${escapeControl(c.drop.summary)}`) : '';
  lines.push(s.dim('      | forward, NAT') + drop);
  if (c.uplink) lines.push(hopLine('uplink', c.uplink, nsAddress, s));
  else lines.push('  uplink    (none: the host has no route to the target)');
  lines.push(s.dim('      v'));
  lines.push(`  ${target}`);
  const ok = c.verdict === 'ok';
  const verdict = wrapText(escapeControl(`Verdict: ${c.summary ?? ''}${c.step ? ` (implicates ${c.step})` : ''}`), width, '  ');
  if (verdict[0]) verdict[0] = verdict[0].replace('Verdict:', ok ? s.green('Verdict:') : s.red('Verdict:'));
  lines.push(...verdict);
  if (c.agreement === 'confirms') lines.push(`  ${s.dim('The capture confirms the diagnosis.')}`);
  if (c.advice) lines.push(...wrapText(escapeControl(`${c.agreement === 'differs' ? 'The capture and the inspection differ: ' : ''}${c.advice}.`), width, '  '));
  if (c.drop?.rule) lines.push(`  ${s.dim(`Rule: ${escapeControl(c.drop.rule)}`)}`);
  if (c.trace?.note) lines.push(`  ${s.dim(`Trace: ${escapeControl(c.trace.note)}`)}`);
  return lines;
}
