import { EventEmitter } from 'node:events';

/**
 * In-process notifications of committed changes (e.g. for the command center's live stream).
 * Durable delivery to other systems goes through the outbox; this bus is only for pushing to
 * screens connected to this instance.
 */
export interface DomainEvent {
  type: string;
  /** org path the event belongs to, so subscribers can filter by data scope */
  path?: string | null;
  departmentId?: string | null;
  data: Record<string, unknown>;
  at: string;
}

export class EventBus {
  private readonly ee = new EventEmitter();
  constructor() {
    this.ee.setMaxListeners(1000);
  }
  publish(e: DomainEvent): void {
    this.ee.emit('event', e);
  }
  subscribe(fn: (e: DomainEvent) => void): () => void {
    this.ee.on('event', fn);
    return () => this.ee.off('event', fn);
  }
}
