/** A fixed-size ring of numbers (null kept as a gap), for per-series history. */
export class Ring {
  private readonly buf: Float64Array;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.buf = new Float64Array(capacity);
  }

  push(v: number | null): void {
    this.buf[this.next] = v === null ? Number.NaN : v;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Oldest first. */
  values(): (number | null)[] {
    const out: (number | null)[] = [];
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) {
      const v = this.buf[(start + i) % this.capacity] ?? Number.NaN;
      out.push(Number.isNaN(v) ? null : v);
    }
    return out;
  }
}
