/**
 * Two WebAssembly SIMD kernels for cached attention, assembled here from their instructions (no
 * toolchain needed). 128-bit SIMD runs these loops several times faster than JavaScript
 * (docs/performance.md), and decoding spends most of its time in them.
 *
 *   scores(q, k, n, dh, out):   out[s] = sum_j q[j] * k[s*dh + j]        for s < n
 *   weighted(p, v, n, dh, out): out[j] = sum_s p[s] * v[s*dh + j]        for j < dh
 *
 * Pointers are byte offsets into the imported memory; dh must be a multiple of 4. Both sum in
 * float32, four lanes at a time.
 */

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const name = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  add: [0x6a],
  shl: [0x74],
  geU: [0x4f],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  br: (d: number) => [0x0c, ...uleb(d)],
  end: [0x0b],
  f32Load: [0x2a, 0x02, 0x00],
  f32Store: [0x38, 0x02, 0x00],
  f32Add: [0x92],
  v128Load: [0xfd, 0x00, 0x02, 0x00],
  v128Store: [0xfd, 0x0b, 0x02, 0x00],
  v128Zero: [0xfd, 0x0c, ...new Array(16).fill(0)],
  f32x4Splat: [0xfd, 0x13],
  f32x4Lane: (l: number) => [0xfd, 0x1f, l],
  f32x4Add: [0xfd, 0xe4, 0x01],
  f32x4Mul: [0xfd, 0xe6, 0x01],
};

// Parameters 0..4 as in the signatures above; locals: 5 s, 6 j, 7 rowBytes, 8 ptr (i32), 9 acc (v128).
const [S, J, ROW, PTR, ACC] = [5, 6, 7, 8, 9];
const locals = [0x02, 0x04, I32, 0x01, V128];
const rowBytes = [...op.get(3), ...op.i32(2), ...op.shl, ...op.set(ROW)];

const scoresBody = [
  ...locals,
  ...rowBytes,
  ...op.block,
  ...op.loop,
  ...op.get(S),
  ...op.get(2),
  ...op.geU,
  ...op.brIf(1),
  ...op.v128Zero,
  ...op.set(ACC),
  ...op.i32(0),
  ...op.set(J),
  ...op.block,
  ...op.loop,
  ...op.get(J),
  ...op.get(ROW),
  ...op.geU,
  ...op.brIf(1),
  ...op.get(ACC),
  ...op.get(0),
  ...op.get(J),
  ...op.add,
  ...op.v128Load,
  ...op.get(1),
  ...op.get(J),
  ...op.add,
  ...op.v128Load,
  ...op.f32x4Mul,
  ...op.f32x4Add,
  ...op.set(ACC),
  ...op.get(J),
  ...op.i32(16),
  ...op.add,
  ...op.set(J),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...op.get(4),
  ...op.get(S),
  ...op.i32(2),
  ...op.shl,
  ...op.add,
  ...op.get(ACC),
  ...op.f32x4Lane(0),
  ...op.get(ACC),
  ...op.f32x4Lane(1),
  ...op.f32Add,
  ...op.get(ACC),
  ...op.f32x4Lane(2),
  ...op.f32Add,
  ...op.get(ACC),
  ...op.f32x4Lane(3),
  ...op.f32Add,
  ...op.f32Store,
  ...op.get(1),
  ...op.get(ROW),
  ...op.add,
  ...op.set(1),
  ...op.get(S),
  ...op.i32(1),
  ...op.add,
  ...op.set(S),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...op.end,
];

const weightedBody = [
  ...locals,
  ...rowBytes,
  ...op.block,
  ...op.loop,
  ...op.get(J),
  ...op.get(ROW),
  ...op.geU,
  ...op.brIf(1),
  ...op.v128Zero,
  ...op.set(ACC),
  ...op.i32(0),
  ...op.set(S),
  ...op.get(1),
  ...op.get(J),
  ...op.add,
  ...op.set(PTR),
  ...op.block,
  ...op.loop,
  ...op.get(S),
  ...op.get(2),
  ...op.geU,
  ...op.brIf(1),
  ...op.get(ACC),
  ...op.get(0),
  ...op.get(S),
  ...op.i32(2),
  ...op.shl,
  ...op.add,
  ...op.f32Load,
  ...op.f32x4Splat,
  ...op.get(PTR),
  ...op.v128Load,
  ...op.f32x4Mul,
  ...op.f32x4Add,
  ...op.set(ACC),
  ...op.get(PTR),
  ...op.get(ROW),
  ...op.add,
  ...op.set(PTR),
  ...op.get(S),
  ...op.i32(1),
  ...op.add,
  ...op.set(S),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...op.get(4),
  ...op.get(J),
  ...op.add,
  ...op.get(ACC),
  ...op.v128Store,
  ...op.get(J),
  ...op.i32(16),
  ...op.add,
  ...op.set(J),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...op.end,
];

const body = (code: number[]) => [...uleb(code.length), ...code];

export const SIMD_KERNELS_WASM = Uint8Array.from([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  ...section(1, [0x01, 0x60, 0x05, I32, I32, I32, I32, I32, 0x00]),
  ...section(2, [0x01, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]),
  ...section(3, [0x02, 0x00, 0x00]),
  ...section(7, [0x02, ...name('scores'), 0x00, 0x00, ...name('weighted'), 0x00, 0x01]),
  ...section(10, [0x02, ...body(scoresBody), ...body(weightedBody)]),
]);

/** The few WebAssembly globals used here (this project's TypeScript lib has no DOM/WebAssembly types). */
interface WasmMemory {
  buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (d: { initial: number }) => WasmMemory;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface SimdKernels {
  memory: WasmMemory;
  scores: (q: number, k: number, n: number, dh: number, out: number) => void;
  weighted: (p: number, v: number, n: number, dh: number, out: number) => void;
}

let compiled: object | null | undefined;

/** The kernels over a fresh memory of `bytes`, or undefined where WebAssembly SIMD is unavailable. */
export function simdKernels(bytes: number): SimdKernels | undefined {
  if (compiled === undefined) {
    try {
      compiled = new wasm.Module(SIMD_KERNELS_WASM);
    } catch {
      compiled = null;
    }
  }
  if (!compiled) return undefined;
  const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const instance = new wasm.Instance(compiled, { env: { memory } });
  const e = instance.exports as unknown as Pick<SimdKernels, 'scores' | 'weighted'>;
  return { memory, scores: e.scores, weighted: e.weighted };
}
