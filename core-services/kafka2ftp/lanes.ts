// One lane per tenant: each tenant's files wait in a queue of their own and are uploaded by a worker
// of their own, in order, with their own back-off. A tenant whose FTP server refuses, is slow or
// takes the connection and never answers holds up only its own lane; the bus consumer hands files
// to the lanes and goes on with the next batch at once.
//
// Memory is bounded per tenant (files and bytes waiting): a file that finds its tenant's lane full
// is not queued but set aside as a dead letter at once, as is a file given up after its retries.
// Each queued file is kept in the store until it is uploaded or set aside (waiting-files.ts): a
// file is only queued once kept, so neither a stop nor a crash loses the files waiting on a
// failing server; after either, this or another instance takes them over.
import type { BusMessage } from '../platform/bus/index.js';
import type { Logger } from '../platform/log.js';
import type { FtpFile } from './message.js';

export interface LaneLimits {
  /** Files one tenant may have waiting. */
  files: number;
  /** Bytes of file content one tenant may have waiting (one file larger than this still goes alone). */
  bytes: number;
}

interface Waiting {
  /** Its row in the store. */
  id: string;
  message: BusMessage;
  file: FtpFile;
}

interface Lane {
  queue: Waiting[];
  bytes: number;
  running: Promise<void> | null;
}

export interface LaneHooks {
  /** Uploads one file with its retries; resolves false when it was given up. */
  upload(tenant: string, file: FtpFile, signal: AbortSignal): Promise<boolean>;
  /** Sets a message aside (a dead letter) with the reason. */
  setAside(message: BusMessage, reason: string): Promise<void>;
  /** Keeps a file in the store before it is queued; resolves with its id. */
  keep(tenant: string, message: BusMessage): Promise<string>;
  /** The file is uploaded or set aside: its row goes. */
  forget(id: string): Promise<void>;
  /** At stop: the files still waiting are left in the store for another instance or the next start. */
  release(): Promise<void>;
}

export class TenantLanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly limits: LaneLimits,
    private readonly hooks: LaneHooks,
    private readonly log: Logger,
  ) {}

  /** Files waiting (or uploading) for a tenant, for /health and metrics. */
  depth(tenant: string): number {
    return this.lanes.get(tenant)?.queue.length ?? 0;
  }

  /** Files waiting in every lane. */
  total(): number {
    let n = 0;
    for (const l of this.lanes.values()) n += l.queue.length;
    return n;
  }

  /** How many more files a tenant's lane takes. */
  room(tenant: string): number {
    return Math.max(0, this.limits.files - this.depth(tenant));
  }

  /**
   * Queues the file in its tenant's lane; resolves once it is kept in the store and queued, or set
   * aside when the lane is full. Rejects (the bus then delivers it again) when it cannot be kept.
   */
  async add(tenant: string, message: BusMessage, file: FtpFile): Promise<void> {
    const lane = this.laneOf(tenant);
    const size = file.content.length;
    if (lane.queue.length >= this.limits.files || (lane.queue.length > 0 && lane.bytes + size > this.limits.bytes)) {
      const reason = `this tenant's FTP upload queue is full (${lane.queue.length} files, ${lane.bytes} bytes waiting; limits DOJOT_KAFKA2FTP_QUEUE_FILES=${this.limits.files}, DOJOT_KAFKA2FTP_QUEUE_BYTES=${this.limits.bytes}): its server is failing or slow`;
      this.log.error({ tenant, filename: file.filename }, 'kafka2ftp: queue full, file set aside');
      await this.hooks.setAside(message, reason);
      return;
    }
    const id = await this.hooks.keep(tenant, message);
    this.enqueue(tenant, { id, message, file });
  }

  /** Queues a file already kept in the store (taken over from a stopped or dead instance). */
  restore(tenant: string, id: string, message: BusMessage, file: FtpFile): void {
    this.enqueue(tenant, { id, message, file });
  }

  private laneOf(tenant: string): Lane {
    let lane = this.lanes.get(tenant);
    if (!lane) {
      lane = { queue: [], bytes: 0, running: null };
      this.lanes.set(tenant, lane);
    }
    return lane;
  }

  private enqueue(tenant: string, w: Waiting): void {
    if (this.stopping.signal.aborted) return; // stays in the store, for the next start
    const lane = this.laneOf(tenant);
    lane.queue.push(w);
    lane.bytes += w.file.content.length;
    if (!lane.running) lane.running = this.drain(tenant, lane);
  }

  private async drain(tenant: string, lane: Lane): Promise<void> {
    try {
      while (lane.queue.length > 0 && !this.stopping.signal.aborted) {
        const w = lane.queue[0];
        let uploaded = false;
        try {
          uploaded = await this.hooks.upload(tenant, w.file, this.stopping.signal);
        } catch (err) {
          // Stopping: the file stays in the queue, to be put back on the bus by stop().
          if (this.stopping.signal.aborted) break;
          this.log.error({ err, tenant, filename: w.file.filename }, 'kafka2ftp: upload failed unexpectedly');
        }
        if (this.stopping.signal.aborted && !uploaded) break;
        lane.queue.shift();
        lane.bytes -= w.file.content.length;
        let done = true;
        if (!uploaded) {
          await this.hooks
            .setAside(w.message, `upload of ${w.file.filename} given up after its retries (see /kafka2ftp/v1/failures)`)
            .catch((err: unknown) => {
              // Its row stays: the next start (or another instance, once this one is gone) tries it again.
              done = false;
              this.log.error({ err, tenant }, 'kafka2ftp: could not set a file aside; it stays in the store');
            });
        }
        if (done)
          await this.hooks
            .forget(w.id)
            .catch((err: unknown) =>
              this.log.error(
                { err, tenant, filename: w.file.filename },
                'kafka2ftp: a finished file stays in the store',
              ),
            );
      }
    } finally {
      lane.running = null;
      if (lane.queue.length === 0) this.lanes.delete(tenant);
    }
  }

  /**
   * Stops every worker (uploads in progress are cut); the files still waiting stay in the store,
   * released at once for another instance or the next start.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all([...this.lanes.values()].map((l) => l.running));
    const left = this.total();
    this.lanes.clear();
    try {
      await this.hooks.release();
      if (left > 0) this.log.info({ files: left }, 'kafka2ftp: files not uploaded yet are left for the next start');
    } catch (err) {
      // They are still kept: their lease runs out, and another instance or the next start takes them.
      this.log.error({ err, files: left }, 'kafka2ftp: could not release the waiting files; they wait for their lease');
    }
  }
}
