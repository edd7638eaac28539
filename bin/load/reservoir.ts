// A uniform sample of at most `size` values (Vitter's algorithm R), with the exact count and max:
// a run of millions of messages keeps a bounded memory and still gives honest percentiles.
export class Reservoir {
  readonly values: number[] = [];
  count = 0;
  max = 0;

  constructor(private readonly size = 100_000) {}

  add(v: number): void {
    this.count += 1;
    if (v > this.max) this.max = v;
    if (this.values.length < this.size) this.values.push(v);
    else {
      const j = Math.floor(Math.random() * this.count);
      if (j < this.size) this.values[j] = v;
    }
  }
}
