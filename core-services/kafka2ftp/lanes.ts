// One lane per tenant: each tenant's files wait in a queue of their own and are uploaded by a worker
// of their own, in order, with their own back-off. A tenant whose FTP server refuses, is slow or
// takes the connection and never answers holds up only its own lane; the bus consumer hands files
// to the lanes and goes on with the next batch at once.
//
// Memory is bounded per tenant (files and bytes waiting): a file that finds its tenant's lane full
// is not queued but set aside as a dead letter at once, as is a file given up after its retries.
// Files still waiting when the platform stops are published again on their topic (so that this or
// another instance uploads them after the restart); one that cannot be published becomes a dead
// letter. What a crash (no stop) loses is the lanes' content: files waiting on a failing server.
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
  /** Puts messages back on the bus (at stop). */
  requeue(messages: BusMessage[]): Promise<void>;
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

  /** Queues the file in its tenant's lane; resolves once it is queued, or set aside when the lane is full. */
  async add(tenant: string, message: BusMessage, file: FtpFile): Promise<void> {
    let lane = this.lanes.get(tenant);
    if (!lane) {
      lane = { queue: [], bytes: 0, running: null };
      this.lanes.set(tenant, lane);
    }
    const size = file.content.length;
    if (lane.queue.length >= this.limits.files || (lane.queue.length > 0 && lane.bytes + size > this.limits.bytes)) {
      const reason = `this tenant's FTP upload queue is full (${lane.queue.length} files, ${lane.bytes} bytes waiting; limits DOJOT_KAFKA2FTP_QUEUE_FILES=${this.limits.files}, DOJOT_KAFKA2FTP_QUEUE_BYTES=${this.limits.bytes}): its server is failing or slow`;
      this.log.error({ tenant, filename: file.filename }, 'kafka2ftp: queue full, file set aside');
      await this.hooks.setAside(message, reason);
      return;
    }
    lane.queue.push({ message, file });
    lane.bytes += size;
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
        if (!uploaded) {
          await this.hooks
            .setAside(w.message, `upload of ${w.file.filename} given up after its retries (see /kafka2ftp/v1/failures)`)
            .catch((err: unknown) => this.log.error({ err, tenant }, 'kafka2ftp: could not set a file aside'));
        }
      }
    } finally {
      lane.running = null;
      if (lane.queue.length === 0) this.lanes.delete(tenant);
    }
  }

  /** Stops every worker (uploads in progress are cut) and puts the files still waiting back on the bus. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all([...this.lanes.values()].map((l) => l.running));
    const left = [...this.lanes.values()].flatMap((l) => l.queue.map((w) => w.message));
    this.lanes.clear();
    if (left.length === 0) return;
    try {
      await this.hooks.requeue(left);
      this.log.info({ files: left.length }, 'kafka2ftp: files not uploaded yet were put back on the bus');
    } catch (err) {
      this.log.error({ err, files: left.length }, 'kafka2ftp: could not put files back on the bus; set aside');
      for (const m of left)
        await this.hooks
          .setAside(m, 'kafka2ftp stopped before this file was uploaded, and could not put it back on the bus')
          .catch(() => undefined);
    }
  }
}
