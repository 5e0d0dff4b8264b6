/**
 * A hash map from byte strings (UTF-8) to small integers, looked up straight from a
 * slice of a file buffer: the import of a large file finds each row's student without
 * first making a JavaScript string of the id.
 */
/** Up to this many keys, `get` compares them in turn rather than hashing. */
const FEW = 4;

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
    // A handful of keys (a file's sources or kinds) are compared one by one. Otherwise
    // the key found last and the one added after it come first: exports list rows in
    // roster order, so they are often the answer, found with a few sequential reads
    // instead of a random probe into a table of 100,000 keys.
    if (this.count <= FEW) {
      for (let k = 0; k < this.count; k++) if (this.is(k, buf, from, to)) return this.values[k];
      return -1;
    }
    const last = this.last;
    if (this.is(last, buf, from, to)) return this.values[last];
    if (this.is(last + 1, buf, from, to)) {
      this.last = last + 1;
      return this.values[last + 1];
    }
    const length = to - from;
    let slot = hash(buf, from, to) & this.mask;
    for (;;) {
      const entry = this.slots[slot];
      if (entry === 0) return -1;
      const k = entry - 1;
      if (this.lengths[k] === length && this.is(k, buf, from, to)) {
        this.last = k;
        return this.values[k];
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** The key `get` found last. */
  private last = 0;

  /** True when key `k` exists and is `buf[from..to)`. */
  private is(k: number, buf: Uint8Array, from: number, to: number): boolean {
    const length = to - from;
    if (k >= this.count || this.lengths[k] !== length) return false;
    const pool = this.pool;
    const start = this.starts[k];
    for (let i = 0; i < length; i++) if (pool[start + i] !== buf[from + i]) return false;
    return true;
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
