// pcap's live session, straight on its native binding. `require('pcap')` also loads pcap.js's
// protocol decoders, TCP tracker and DNS cache (~20 ms of the worker's start, on the path of
// every active check) that the worker never uses: it decodes the ICMP headers itself. This is
// pcap.js's own PcapSession for live capture (pcap 3.x), reduced to what the worker uses.
import { EventEmitter } from 'node:events';

interface NativeSession {
  open_live(device: string, filter: string, bufferSize: number, snapLength: number, outfile: string, onPacket: () => void, monitor: boolean, bufferTimeout: number, warn: (w: string) => void, promiscuous: boolean): string;
  dispatch(buf: Buffer, header: Buffer): number;
  start_polling(): void;
  close(): void;
  read_callback?: () => void;
}
interface Binding {
  PcapSession: new () => NativeSession;
}

export interface LeanSessionOptions {
  filter: string;
  buffer_size: number;
  snap_length: number;
  buffer_timeout: number;
  promiscuous: boolean;
}

export class LeanPcapSession extends EventEmitter {
  readonly session: NativeSession;
  readonly link_type: string;
  readonly buf: Buffer;
  readonly header: Buffer;

  constructor(binding: Binding, device: string, o: LeanSessionOptions) {
    super();
    this.session = new binding.PcapSession();
    const ready = () => this.emit('packet', { buf: this.buf, header: this.header, link_type: this.link_type });
    this.buf = Buffer.alloc(o.snap_length);
    this.header = Buffer.alloc(16);
    this.link_type = this.session.open_live(device, o.filter, o.buffer_size, o.snap_length, '', ready, false, o.buffer_timeout, () => undefined, o.promiscuous);
    // Called when the socket is readable: several packets may be waiting.
    this.session.read_callback = () => void this.session.dispatch(this.buf, this.header);
    this.session.start_polling();
    process.nextTick(this.session.read_callback); // what arrived before polling started
  }

  close(): void {
    this.removeAllListeners();
    this.session.close();
  }
}

/** The binding's module path inside the pcap package. */
export const PCAP_BINDING = 'pcap/build/Release/pcap_binding';

export function leanPcap(binding: Binding): { createSession(device: string, o: LeanSessionOptions): LeanPcapSession } {
  return { createSession: (device, o) => new LeanPcapSession(binding, device, o) };
}
