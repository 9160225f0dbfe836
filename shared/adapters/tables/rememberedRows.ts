/**
 * The last version of a few hot rows this process read or wrote, with its ETag, so that the next
 * conditional write of the same row needs no read first: it is made under the remembered ETag,
 * and a `412` (another writer, or another process, came first) forgets the row and takes the
 * usual path, read then write. This is how the Durable Task Framework's tracking store keeps an
 * orchestration's ETags in its session between episodes (style.md): a remembered row is never
 * an answer to a reader, only the starting point of a writer whose write is refused if it is stale.
 *
 * Rules for its users:
 * - only a conditional write (under the remembered ETag) may follow from a remembered row;
 * - a decision to write nothing, or a refusal, taken on a remembered row is taken again on a fresh
 *   read (the row may have moved on), unless it stays true whatever happened since (a change
 *   already applied stays applied);
 * - any failed request forgets the row (a write whose answer was lost may have landed).
 *
 * Bounded: the oldest rows are dropped past `limit`. Within one process (the local host, one
 * instance in Azure) a chain of writes to one row costs one request each; across instances a
 * remembered row may be stale, and then its write costs one refused request more than reading
 * first would have.
 */
export class RememberedRows<T> {
  private readonly rows = new Map<string, T>();

  constructor(private readonly limit = 1000) {}

  get(key: string): T | undefined {
    return this.rows.get(key);
  }

  set(key: string, value: T): void {
    this.rows.delete(key); // re-inserted last: the Map's order is the age
    this.rows.set(key, value);
    if (this.rows.size > this.limit) {
      const oldest = this.rows.keys().next().value;
      if (oldest !== undefined) this.rows.delete(oldest);
    }
  }

  forget(key: string): void {
    this.rows.delete(key);
  }
}
