// Packet summaries recorded from the real capture worker in lab namespaces while pinging
// 198.51.100.8 with 3 echo requests (test/fixtures/capture/*.jsonl), and the labs' names.
import { readFileSync } from 'node:fs';
import type { CapturedPacket } from '../../src/model/capture.js';
import type { PathWhere } from '../../src/session/path.js';

export type CaptureFixture = 'no-masquerade' | 'healthy' | 'forward-policy-drop' | 'rp-filter-second-uplink';

export function recordedPackets(name: CaptureFixture): CapturedPacket[] {
  return readFileSync(new URL(`../fixtures/capture/${name}.jsonl`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CapturedPacket);
}

export const RECORDED_WHERE: Record<CaptureFixture, PathWhere> = {
  'no-masquerade': { ns: 'ndtrecA-box', nsAddress: '10.66.0.2', nsVeth: 'vcq', hostVeth: 'vhq', bridge: 'brq', uplink: 'upq', target: '198.51.100.8', passive: 'host.masquerade' },
  healthy: { ns: 'ndtrecB-box', nsAddress: '10.67.0.2', nsVeth: 'vcw', hostVeth: 'vhw', bridge: 'brw', uplink: 'upw', target: '198.51.100.8', passive: null },
  'forward-policy-drop': { ns: 'ndtrecC-box', nsAddress: '10.68.0.2', nsVeth: 'vcc', hostVeth: 'vhc', bridge: 'brc', uplink: 'upc', target: '198.51.100.8', passive: 'host.forward' },
  // The replies come back by the second uplink (up2, watched as another way out) and die there.
  'rp-filter-second-uplink': { ns: 'ndtrecD-box', nsAddress: '10.69.0.2', nsVeth: 'vcr', hostVeth: 'vhr', bridge: 'brr', uplink: 'upr', target: '198.51.100.8', passive: 'host.rp-filter', others: ['up2'], hostAddresses: ['10.69.0.1', '203.0.113.2', '198.51.100.254'] },
};
