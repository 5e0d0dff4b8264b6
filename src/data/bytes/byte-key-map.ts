/**
 * A hash map from byte strings (UTF-8) to small integers, looked up straight from a
 * slice of a file buffer: the import of a large file finds each row's student without
 * first making a JavaScript string of the id.
 */
export class ByteKeyMap {
  private pool = new Uint8Array(1 << 12);
  private used = 0;
  private starts: Int32Array;
  private lengths: Int32Array;
  private values: Int32Array;
  private slots: Int32Array; // key index + 1, 0 = empty
  private mask: number;
  private count = 0;

  constructor(expected = 16) {
    let size = 16;
    while (size < expected * 2) size <<= 1;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.starts = new Int32Array(Math.max(16, expected));
    this.lengths = new Int32Array(this.starts.length);
    this.values = new Int32Array(this.starts.length);
  }

  get size(): number {
    return this.count;
  }

  /** Adds `key` → `value`; an existing key keeps its first value. */
  set(key: string, value: number): void {
    // A Buffer, like the file buffers `get` is called with: one element kind keeps `get` fast.
    const bytes = Buffer.from(key, "utf8");
    if (this.get(bytes, 0, bytes.length) !== -1) return;
    if ((this.count + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    if (this.count === this.starts.length) {
      this.starts = grow(this.starts);
      this.lengths = grow(this.lengths);
      this.values = grow(this.values);
    }
    if (this.used + bytes.length > this.pool.length) {
      const next = new Uint8Array(Math.max(this.pool.length * 2, this.used + bytes.length));
      next.set(this.pool.subarray(0, this.used));
      this.pool = next;
    }
    const k = this.count++;
    this.pool.set(bytes, this.used);
    this.starts[k] = this.used;
    this.lengths[k] = bytes.length;
    this.values[k] = value;
    this.used += bytes.length;
    this.place(k, hash(bytes, 0, bytes.length));
  }

  /** The value of the key `buf[from..to)`, or -1. */
  get(buf: Uint8Array, from: number, to: number): number {
    const length = to - from;
    let slot = hash(buf, from, to) & this.mask;
    const pool = this.pool;
    for (;;) {
      const entry = this.slots[slot];
      if (entry === 0) return -1;
      const k = entry - 1;
      if (this.lengths[k] === length) {
        const start = this.starts[k];
        let i = 0;
        while (i < length && pool[start + i] === buf[from + i]) i++;
        if (i === length) return this.values[k];
      }
      slot = (slot + 1) & this.mask;
    }
  }

  private place(k: number, h: number): void {
    let slot = h & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = k + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let k = 0; k < this.count; k++) {
      const start = this.starts[k];
      this.place(k, hash(this.pool, start, start + this.lengths[k]));
    }
  }
}

function grow(a: Int32Array): Int32Array {
  const next = new Int32Array(a.length * 2);
  next.set(a);
  return next;
}

/** FNV-1a, 32 bits. */
function hash(buf: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= buf[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
