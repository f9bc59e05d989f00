/**
 * The dot-product kernel of the vector indexes: a hand-assembled WebAssembly module using 128-bit
 * SIMD (f32x4, two accumulators), about 4-5x faster than the best scalar JavaScript loop on a
 * 512-d vector (measured ~150 ns against ~750 ns on the 2-core dev machine). WebAssembly SIMD is
 * on by default since Node 16.4; if it fails to compile, the index refuses to start and says why
 * (a silently 5x slower search would go unnoticed until a collection is large).
 *
 * Exports (all addresses are byte offsets into the imported memory, `n` a multiple of 8 floats):
 *   dot(a, b, n) -> f32                         sum of a[i]*b[i]
 *   scan(q, base, stride, count, out, n)        out[i] = dot(q, base + i*stride, n), i < count
 */

const leb = (value: number): number[] => {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
};
const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
const name = (s: string) => [...leb(s.length), ...Buffer.from(s, 'utf8')];
const body = (code: number[]) => [...leb(code.length), ...code];

// Opcodes used below.
const GET = 0x20, SET = 0x21, I32 = 0x41, ADD = 0x6a, SHL = 0x74, GE_U = 0x4f, BR_IF = 0x0d, BR = 0x0c;
const BLOCK = 0x02, LOOP = 0x03, VOID = 0x40, END = 0x0b, CALL = 0x10, F32_ADD = 0x92, F32_STORE = 0x38;
const SIMD = 0xfd, V128_LOAD = 0x00, F32X4_EXTRACT = 0x1f;
const F32X4_ADD = [SIMD, 0xe4, 0x01], F32X4_MUL = [SIMD, 0xe6, 0x01];
const T_I32 = 0x7f, T_F32 = 0x7d, T_V128 = 0x7b;

// dot: params a=0 b=1 n=2; locals acc0=3 acc1=4 (v128), end=5 (i32)
const DOT = [
  2, 2, T_V128, 1, T_I32,
  GET, 0, GET, 2, I32, 2, SHL, ADD, SET, 5,
  BLOCK, VOID, LOOP, VOID,
  GET, 0, GET, 5, GE_U, BR_IF, 1,
  GET, 3, GET, 0, SIMD, V128_LOAD, 2, 0, GET, 1, SIMD, V128_LOAD, 2, 0, ...F32X4_MUL, ...F32X4_ADD, SET, 3,
  GET, 4, GET, 0, SIMD, V128_LOAD, 2, 16, GET, 1, SIMD, V128_LOAD, 2, 16, ...F32X4_MUL, ...F32X4_ADD, SET, 4,
  GET, 0, I32, 32, ADD, SET, 0,
  GET, 1, I32, 32, ADD, SET, 1,
  BR, 0,
  END, END,
  GET, 3, GET, 4, ...F32X4_ADD, SET, 3,
  GET, 3, SIMD, F32X4_EXTRACT, 0, GET, 3, SIMD, F32X4_EXTRACT, 1, F32_ADD,
  GET, 3, SIMD, F32X4_EXTRACT, 2, F32_ADD, GET, 3, SIMD, F32X4_EXTRACT, 3, F32_ADD,
  END,
];

// scan: params q=0 base=1 stride=2 count=3 out=4 n=5; local end=6
const SCAN = [
  1, 1, T_I32,
  GET, 4, GET, 3, I32, 2, SHL, ADD, SET, 6,
  BLOCK, VOID, LOOP, VOID,
  GET, 4, GET, 6, GE_U, BR_IF, 1,
  GET, 4, GET, 0, GET, 1, GET, 5, CALL, 0, F32_STORE, 2, 0,
  GET, 1, GET, 2, ADD, SET, 1,
  GET, 4, I32, 4, ADD, SET, 4,
  BR, 0,
  END, END,
  END,
];

const MODULE_BYTES = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [2, 0x60, 3, T_I32, T_I32, T_I32, 1, T_F32, 0x60, 6, T_I32, T_I32, T_I32, T_I32, T_I32, T_I32, 0]),
  ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]),
  ...section(3, [2, 0, 1]),
  ...section(7, [2, ...name('dot'), 0x00, 0, ...name('scan'), 0x00, 1]),
  ...section(10, [2, ...body(DOT), ...body(SCAN)]),
]);

export interface Kernel {
  dot(a: number, b: number, n: number): number;
  scan(q: number, base: number, stride: number, count: number, out: number, n: number): void;
}

let compiled: WebAssembly.Module | undefined;

/** A kernel instance bound to `memory` (the module is compiled once per process). */
export function instantiateKernel(memory: WebAssembly.Memory): Kernel {
  try {
    compiled ??= new WebAssembly.Module(MODULE_BYTES);
  } catch (err) {
    throw new Error(`the vector index needs WebAssembly SIMD, which this Node.js cannot compile: ${(err as Error).message}`);
  }
  return new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as Kernel;
}
