import type { LifecycleTimings } from './defaults.js';
import { advance, type InstanceRecord } from './lifecycle.js';

/**
 * Every instance by id. Reads advance the record to "now" and drop it once its deletion has
 * finished, so lookups stay O(1) and nothing runs in the background. Records in DELETING are
 * also indexed apart, so counting live instances (quota) never scans the whole table.
 */
export class InstanceTable {
  private readonly byId = new Map<string, InstanceRecord>();
  private readonly deleting = new Set<string>();
  private nextSeq = 1;

  constructor(private readonly timings: LifecycleTimings) {}

  /** A fresh creation sequence number (tie-breaker for equal `create_at`). */
  seq(): number {
    return this.nextSeq++;
  }

  insert(rec: InstanceRecord): void {
    this.byId.set(rec.id, rec);
    if (rec.status === 'DELETING') this.deleting.add(rec.id);
  }

  /** The record advanced to `now`, or undefined when unknown or already gone. */
  get(id: string, now: number): InstanceRecord | undefined {
    const rec = this.byId.get(id);
    if (!rec) return undefined;
    return this.refresh(rec, now) ? rec : undefined;
  }

  /** Call after changing a record's status so the DELETING index stays right. */
  touched(rec: InstanceRecord): void {
    if (rec.status === 'DELETING') this.deleting.add(rec.id);
    else this.deleting.delete(rec.id);
  }

  /** Every live record, advanced to `now` (O(n); used by list and admin only). */
  all(now: number): InstanceRecord[] {
    const out: InstanceRecord[] = [];
    for (const rec of this.byId.values()) if (this.refresh(rec, now)) out.push(rec);
    return out;
  }

  /** Live instances, after settling finished deletions: O(instances being deleted). */
  count(now: number): number {
    for (const id of this.deleting) {
      const rec = this.byId.get(id);
      if (rec) this.refresh(rec, now);
      else this.deleting.delete(id);
    }
    return this.byId.size;
  }

  remove(id: string): boolean {
    this.deleting.delete(id);
    return this.byId.delete(id);
  }

  clear(): void {
    this.byId.clear();
    this.deleting.clear();
  }

  /** Advances one record; false (and the record is dropped) when its deletion has completed. */
  private refresh(rec: InstanceRecord, now: number): boolean {
    advance(rec, now, this.timings);
    if (rec.status === 'DELETED') {
      this.remove(rec.id);
      return false;
    }
    if (rec.status !== 'DELETING') this.deleting.delete(rec.id);
    return true;
  }
}
