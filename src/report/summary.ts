// `check --all`: one line per namespace, as text or Markdown. Pure.
import type { Report } from '../model/result.js';
import { escapeControl } from './escape.js';
import { mdCode, mdText } from './markdown.js';
import { PLAIN, type Style } from './style.js';

export interface NamespaceResult {
  /** How the namespace is named: its /run/netns name, or /proc/PID/ns/net. */
  ns: string;
  /** A process inside it, for namespaces without a name. */
  pid: number | null;
  report: Report;
}

export function verdictOf(r: Report): 'healthy' | 'fault' | 'error' {
  if (r.diagnosis) return 'fault';
  return r.steps.some((s) => s.status === 'error') ? 'error' : 'healthy';
}

function warnings(r: Report): string[] {
  return r.steps.filter((s) => s.status === 'warn').map((s) => s.id);
}

export function renderSummaryText(results: NamespaceResult[], s: Style = PLAIN): string {
  if (!results.length) return 'netdoctor check --all: no namespace is connected to this host side.\n';
  const nsWidth = Math.min(40, Math.max(9, ...results.map((r) => escapeControl(r.ns).length)));
  const lines = [s.bold(`${'namespace'.padEnd(nsWidth)}  ${'egress'.padEnd(7)}  result`)];
  for (const { ns, report } of results) {
    const v = verdictOf(report);
    const what =
      v === 'fault'
        ? `${s.red(report.diagnosis!.step)}: ${escapeControl(report.diagnosis!.summary)}`
        : v === 'error'
          ? s.red(`could not judge ${report.steps.filter((x) => x.status === 'error').map((x) => x.id).join(', ')}`)
          : s.green('healthy');
    const warn = warnings(report);
    lines.push(`${escapeControl(ns).padEnd(nsWidth)}  ${report.egress.padEnd(7)}  ${what}${warn.length ? s.yellow(` (warns: ${warn.join(', ')})`) : ''}`);
  }
  const faults = results.filter((r) => verdictOf(r.report) === 'fault').length;
  lines.push('', `${results.length} namespace${results.length === 1 ? '' : 's'}, ${faults} with a fault. Details: netdoctor check --ns NAME (or --pid PID).`);
  return `${lines.join('\n')}\n`;
}

export function renderSummaryMarkdown(results: NamespaceResult[]): string {
  const lines = ['### netdoctor check --all', '', '| namespace | egress | result | warnings |', '| --- | --- | --- | --- |'];
  for (const { ns, report } of results) {
    const v = verdictOf(report);
    const what = v === 'fault' ? `**${mdCode(report.diagnosis!.step)}**: ${mdText(report.diagnosis!.summary)}` : v;
    lines.push(`| ${mdCode(ns)} | ${report.egress} | ${what} | ${warnings(report).map(mdCode).join(', ')} |`);
  }
  lines.push('');
  return lines.join('\n');
}
