/**
 * Where the reads of one of the transport's own connections land (its `onread`): a few buffers of
 * 64 KiB, each reused once the read into it is handled and every piece lent from it is given back
 * (see lent-chunks.ts), so that a connection carrying gigabytes allocates nothing per read.
 */
import type { Socket } from 'node:net';

/** Node reads at most this much at a time. */
const SLOT_BYTES = 64 * 1024;
/** Read buffers a connection keeps for reuse while it carries a request: more than a reader and a file write hold at once. */
const SLOTS_KEPT = 32;
/** …and while it waits idle, so that kept connections do not hold megabytes each. */
const SLOTS_KEPT_IDLE = 2;

/** A read buffer and the holds on it: reused once the read is done and every piece lent from it is back. */
export class SlotHold {
  private holds = 1;

  constructor(
    readonly slot: Buffer,
    private readonly owner: ReadSlots,
  ) {}

  /** One more piece lent out of this slot; the function gives it back (once). */
  retain(): () => void {
    this.holds++;
    let returned = false;
    return () => {
      if (returned) return;
      returned = true;
      this.release();
    };
  }

  release(): void {
    if (--this.holds === 0) this.owner.reuse(this.slot);
  }
}

/** Where a connection's reads land (its `onread`), and who gets each read's bytes. */
export class ReadSlots {
  private readonly pool: Buffer[] = [];
  /** How many free buffers to keep (SLOTS_KEPT, or SLOTS_KEPT_IDLE while the connection is idle). */
  private keep = SLOTS_KEPT;
  /** The current exchange's reader, or the idle connection's watcher. */
  onBytes: ((bytes: Buffer, hold: SlotHold) => void) | undefined;

  /** The buffer for the next read: a reused one when there is one. */
  readonly next = (): Buffer => this.pool.pop() ?? Buffer.allocUnsafeSlow(SLOT_BYTES);

  /** A buffer whose bytes nobody holds any more. */
  reuse(slot: Buffer): void {
    if (this.pool.length < this.keep) this.pool.push(slot);
  }

  /** Idle (fewer buffers kept, the rest left to the collector) or carrying a request. */
  setIdle(idle: boolean): void {
    this.keep = idle ? SLOTS_KEPT_IDLE : SLOTS_KEPT;
    if (this.pool.length > this.keep) this.pool.length = this.keep;
  }

  readonly read = (length: number, slot: Buffer): boolean => {
    const hold = new SlotHold(slot, this);
    try {
      this.onBytes?.(slot.subarray(0, length), hold);
    } finally {
      hold.release();
    }
    return true;
  };
}

const readSlots = new WeakMap<Socket, ReadSlots>();

/** The buffers of a connection made by connectDirect. */
export function readSlotsOf(socket: Socket): ReadSlots {
  const slots = readSlots.get(socket);
  if (!slots) throw new Error('a socket without read slots: not made by connectDirect');
  return slots;
}

/** Gives `socket` its buffers (at its creation, as `onread` is given then). */
export function setReadSlots(socket: Socket, slots: ReadSlots): void {
  readSlots.set(socket, slots);
}
