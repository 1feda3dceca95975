// Packet counters of links, read from /sys/class/net (the sysfs of the namespace it was mounted
// for: inside a lab world, the world's own). Cheap enough to read around every ping.
import { readFile } from 'node:fs/promises';

export interface LinkCounters {
  rxPackets: number;
  txPackets: number;
}

export async function readLinkCounters(names: string[]): Promise<Record<string, LinkCounters | null>> {
  const out: Record<string, LinkCounters | null> = {};
  await Promise.all(
    names.map(async (name) => {
      if (name.includes('/') || name === '.' || name === '..') {
        out[name] = null;
        return;
      }
      try {
        const [rx, tx] = await Promise.all([
          readFile(`/sys/class/net/${name}/statistics/rx_packets`, 'utf8'),
          readFile(`/sys/class/net/${name}/statistics/tx_packets`, 'utf8'),
        ]);
        out[name] = { rxPackets: Number(rx.trim()), txPackets: Number(tx.trim()) };
      } catch {
        out[name] = null;
      }
    }),
  );
  return out;
}
