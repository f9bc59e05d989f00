/**
 * Contiguous storage for the vectors of one index: one Float32Array (a view on a WebAssembly
 * memory, so the SIMD kernel reads it in place), slot i at `i * stride`, every vector
 * L2-normalised on the way in so that a dot product is a cosine.
 *
 * Layout of the memory: [query scratch: stride floats][scan output: SCAN_BLOCK floats][slot 0][slot 1]...
 * `stride` is the dimension rounded up to 8 floats (the kernel's step) and padded with zeros,
 * which leaves every dot product unchanged.
 */
import { instantiateKernel, type Kernel } from './kernel.js';

const PAGE = 65536;
/** wasm32 addresses 4 GiB; one page less keeps `end` pointers below 2^32. */
const MAX_PAGES = 65535;
const SCAN_BLOCK = 4096;

/** L2-normalises `v` into `out` (zeros stay zeros); returns the norm. */
export function normalizeInto(v: ArrayLike<number>, out: Float32Array, offset: number, dimensions: number): number {
  let sum = 0;
  for (let i = 0; i < dimensions; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  const inv = norm > 0 ? 1 / norm : 0;
  for (let i = 0; i < dimensions; i++) out[offset + i] = v[i]! * inv;
  return norm;
}

export class VectorArena {
  readonly dimensions: number;
  /** Floats per slot. */
  readonly stride: number;
  private readonly strideBytes: number;
  private readonly base: number;
  private readonly memory: WebAssembly.Memory;
  private readonly kernel: Kernel;
  private f32: Float32Array;
  private capacity: number;
  /** Slots in use. */
  length = 0;

  /** The most vectors of `dimensions` floats one arena can hold (wasm32 memory is at most 4 GiB). */
  static maxSlots(dimensions: number): number {
    const stride = Math.ceil(dimensions / 8) * 8;
    return Math.floor((MAX_PAGES * PAGE - (stride + SCAN_BLOCK) * 4) / (stride * 4));
  }

  constructor(dimensions: number, initialCapacity = 256) {
    if (!Number.isInteger(dimensions) || dimensions < 1) throw new Error(`bad vector dimension ${dimensions}`);
    this.dimensions = dimensions;
    this.stride = Math.ceil(dimensions / 8) * 8;
    this.strideBytes = this.stride * 4;
    this.base = this.strideBytes + SCAN_BLOCK * 4;
    this.capacity = Math.max(1, initialCapacity);
    this.memory = new WebAssembly.Memory({ initial: this.pagesFor(this.capacity), maximum: MAX_PAGES });
    this.kernel = instantiateKernel(this.memory);
    this.f32 = new Float32Array(this.memory.buffer);
    this.capacity = this.slotsIn(this.memory.buffer.byteLength);
  }

  private pagesFor(slots: number): number {
    return Math.ceil((this.base + slots * this.strideBytes) / PAGE);
  }

  private slotsIn(bytes: number): number {
    return Math.floor((bytes - this.base) / this.strideBytes);
  }

  /** Makes room for `slots` vectors in all (growing by half again, at least). */
  reserve(slots: number): void {
    if (slots <= this.capacity) return;
    const max = VectorArena.maxSlots(this.dimensions);
    if (slots > max) throw new RangeError(`a vector index holds at most ${max} vectors of ${this.dimensions} dimensions`);
    const want = Math.min(max, Math.max(slots, Math.ceil(this.capacity * 1.5)));
    this.memory.grow(this.pagesFor(want) - this.memory.buffer.byteLength / PAGE);
    this.f32 = new Float32Array(this.memory.buffer); // growing detaches the old buffer
    this.capacity = this.slotsIn(this.memory.buffer.byteLength);
  }

  /** Copies `v`, normalised, into a new slot; returns the slot. */
  append(v: ArrayLike<number>): number {
    if (v.length !== this.dimensions) throw new RangeError(`expected a vector of ${this.dimensions} dimensions, got ${v.length}`);
    this.reserve(this.length + 1);
    const slot = this.length++;
    normalizeInto(v, this.f32, (this.base >> 2) + slot * this.stride, this.dimensions);
    return slot;
  }

  /** Byte address of a slot, for `dotAt`. */
  ptr(slot: number): number {
    return this.base + slot * this.strideBytes;
  }

  /** The normalised vector of a slot (a copy). */
  vector(slot: number): Float32Array {
    const at = (this.base >> 2) + slot * this.stride;
    return this.f32.slice(at, at + this.dimensions);
  }

  /** Normalises `q` into the query scratch; returns its address. */
  setQuery(q: ArrayLike<number>): number {
    if (q.length !== this.dimensions) throw new RangeError(`expected a query of ${this.dimensions} dimensions, got ${q.length}`);
    normalizeInto(q, this.f32, 0, this.dimensions);
    return 0;
  }

  /** Cosine between the vector at byte address `p` and slot `slot`. */
  dotAt(p: number, slot: number): number {
    return this.kernel.dot(p, this.base + slot * this.strideBytes, this.stride);
  }

  dotSlots(a: number, b: number): number {
    return this.kernel.dot(this.base + a * this.strideBytes, this.base + b * this.strideBytes, this.stride);
  }

  /** Calls `visit(slot, cosine)` for every slot in [from, to) whose cosine with `p` is >= minCosine. */
  scan(p: number, from: number, to: number, minCosine: number, visit: (slot: number, cosine: number) => void): void {
    const out = this.strideBytes >> 2;
    for (let start = from; start < to; start += SCAN_BLOCK) {
      const count = Math.min(SCAN_BLOCK, to - start);
      this.kernel.scan(p, this.ptr(start), this.strideBytes, count, this.strideBytes, this.stride);
      const f = this.f32;
      for (let i = 0; i < count; i++) {
        const c = f[out + i]!;
        if (c >= minCosine) visit(start + i, c);
      }
    }
  }

  /** Moves the vector in slot `from` to slot `to` (for swap-removal). */
  move(from: number, to: number): void {
    const src = (this.base >> 2) + from * this.stride;
    this.f32.copyWithin((this.base >> 2) + to * this.stride, src, src + this.stride);
  }

  /** The first `slots` vectors as one view (for persistence; invalid after the arena grows). */
  rawView(slots = this.length): Float32Array {
    return new Float32Array(this.memory.buffer, this.base, slots * this.stride);
  }
}
