// A tiny WebAssembly binary emitter: just enough to write our fixed set of SIMD kernels from
// TypeScript and compile them at run time.
//
// Why emit bytes instead of shipping a .wasm or using AssemblyScript: the kernels must load the
// same way in Node, in a Web Worker and under Vite (dev and build) with no build step, no asset
// URL and no dependency; the ~18 KB module is generated once, in a few milliseconds.
// Generating from TS also lets one template produce many specialised variants (micro-kernels
// for 1..5 rows, one gate kernel per activation pair) without hand-copying code.
//
// Style: an instruction sequence is a plain `number[]` (`Code`); helpers build expressions
// bottom-up in stack order, e.g. `i32.add(get(a), i32c(4))`. Only the opcodes we use exist here.

export type Code = number[];

export const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}

const name = (s: string): number[] => {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
};
// Code is built with concat, not spread: spreading large arrays (function bodies) is ~5x slower
const cat = (...parts: Code[]): Code => ([] as number[]).concat(...parts);
const vec = (items: number[][]): number[] => cat(uleb(items.length), ...items);
const section = (id: number, body: number[]): number[] => cat([id], uleb(body.length), body);

// ---- scalar instructions ----
export const get = (l: number): Code => [0x20, ...uleb(l)];
export const set = (l: number, v: Code): Code => cat(v, [0x21], uleb(l));
export const i32c = (n: number): Code => [0x41, ...sleb(n | 0)];
export const call = (fn: number, ...args: Code[]): Code => cat(...args, [0x10], uleb(fn));
const bin = (op: number) => (a: Code, b: Code): Code => cat(a, b, [op]);
export const i32 = {
  add: bin(0x6a), sub: bin(0x6b), mul: bin(0x6c), shl: bin(0x74), shrU: bin(0x76), remU: bin(0x70), and: bin(0x71),
  eqz: (a: Code): Code => cat(a, [0x45]), eq: bin(0x46), ne: bin(0x47),
  lt: bin(0x48), gt: bin(0x4a), le: bin(0x4c), ge: bin(0x4e),
};
/** 4 bytes at addr (+ a constant offset), and a store of them: scalar copies of floats as bits */
export const load32 = (addr: Code, off = 0): Code => cat(addr, [0x28, 2], uleb(off));
export const store32 = (addr: Code, val: Code, off = 0): Code => cat(addr, val, [0x36, 2], uleb(off));
/** select(a, b, cond) = cond ? a : b */
export const select = (a: Code, b: Code, cond: Code): Code => cat(a, b, cond, [0x1b]);
/** l += by (i32) */
export const inc = (l: number, by: Code): Code => set(l, i32.add(get(l), by));

// ---- SIMD (0xFD prefix; opcodes are LEB128 u32) ----
const simd = (op: number): Code => [0xfd, ...uleb(op)];
// memarg: alignment hint 0 (no alignment is promised: rows of odd-sized matrices), byte offset
const mem = (off: number): Code => [0, ...uleb(off)];
const vbin = (op: number) => (a: Code, b: Code): Code => cat(a, b, simd(op));
const vun = (op: number) => (a: Code): Code => cat(a, simd(op));
export const v = {
  load: (addr: Code, off = 0): Code => cat(addr, simd(0x00), mem(off)),
  /** one f32 at addr, broadcast to all four lanes */
  load32Splat: (addr: Code, off = 0): Code => cat(addr, simd(0x09), mem(off)),
  store: (addr: Code, val: Code, off = 0): Code => cat(addr, val, simd(0x0b), mem(off)),
  f32x4: (x: number): Code => {
    const b = new Uint8Array(new Float32Array([x, x, x, x]).buffer);
    return [...simd(0x0c), ...b];
  },
  i32x4: (x: number): Code => {
    const b = new Uint8Array(new Int32Array([x, x, x, x]).buffer);
    return [...simd(0x0c), ...b];
  },
  and: vbin(0x4e), or: vbin(0x50),
  /** lane masks (all ones where true): a < b, a > b */
  lt: vbin(0x43), gt: vbin(0x44),
  sqrt: vun(0xe3),
  // f32x4 arithmetic
  add: vbin(0xe4), sub: vbin(0xe5), mul: vbin(0xe6), div: vbin(0xe7),
  /** pmin/pmax are `b < a ? b : a` / `a < b ? b : a`: one minps/maxps each on x86 */
  pmin: vbin(0xea), pmax: vbin(0xeb),
  abs: vun(0xe0), nearest: vun(0x6a),
  // conversions and integer lanes (for 2^n in exp)
  truncSatI32: vun(0xf8), i32add: vbin(0xae),
  i32shl: (a: Code, n: Code): Code => cat(a, n, simd(0xab)),
  // relaxed SIMD (Wasm 3.0; Chromium >= 114, Node 20 only behind --experimental-wasm-relaxed-simd).
  // The engine may fuse (one rounding) or not (two): either is far inside our tolerances.
  /** f32x4.relaxed_madd: a*b + c */
  relaxedMadd: (a: Code, b: Code, c: Code): Code => cat(a, b, c, simd(0x105)),
  /** f32x4.relaxed_nmadd: -(a*b) + c */
  relaxedNmadd: (a: Code, b: Code, c: Code): Code => cat(a, b, c, simd(0x106)),
};

/**
 * a*b + c in function f: one relaxed_madd in the FMA variant of the module, a mul and an add in
 * the plain one. Kernels write every multiply that feeds an add through this (or nmadd), so one
 * template emits both variants.
 */
export const madd = (f: Func, a: Code, b: Code, c: Code): Code => (f.fma ? v.relaxedMadd(a, b, c) : v.add(v.mul(a, b), c));
/** c - a*b, the same way */
export const nmadd = (f: Func, a: Code, b: Code, c: Code): Code => (f.fma ? v.relaxedNmadd(a, b, c) : v.sub(c, v.mul(a, b)));

// ---- control flow ----
const EMPTY = 0x40;
export const block = (...body: Code[]): Code => cat([0x02, EMPTY], ...body, [0x0b]);
export const loop = (...body: Code[]): Code => cat([0x03, EMPTY], ...body, [0x0b]);
export const br = (depth: number): Code => [0x0c, ...uleb(depth)];
export const brIf = (depth: number, cond: Code): Code => cat(cond, [0x0d], uleb(depth));
export const ifThen = (cond: Code, then: Code, otherwise?: Code): Code =>
  otherwise ? cat(cond, [0x04, EMPTY], then, [0x05], otherwise, [0x0b]) : cat(cond, [0x04, EMPTY], then, [0x0b]);

/**
 * `for (l = start; l < end; l += step) body` on i32 locals. Inside `body`, `br(1)` would be
 * `break` and `br(0)` would re-run the loop without the increment; we use neither.
 */
export const forLt = (l: number, start: Code, end: Code, step: Code, ...body: Code[]): Code =>
  cat(set(l, start), block(loop(brIf(1, i32.ge(get(l), end)), ...body, inc(l, step), br(0))));

/** One function: signature, locals (params first) and body. */
export class Func {
  readonly locals: number[] = [];
  body: Code = [];
  /** runs before `body`: loads of the vector constants made by vconst() */
  prologue: Code = [];
  private consts = new Map<string, number>();
  /** `fma`: multiply-adds are emitted as relaxed_madd (see madd()); the module's choice */
  constructor(readonly index: number, readonly exportName: string | null, readonly params: number[], readonly result: number | null, readonly fma = false) {}
  /** a new local of type t; returns its index */
  local(t: number): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }
  /** n new locals of type t */
  localsOf(t: number, n: number): number[] {
    return Array.from({ length: n }, () => this.local(t));
  }
  /**
   * A vector constant held in a local set once on entry. V8 materialises each v128.const with
   * three instructions inside the loop; a local costs at most one load from the stack frame.
   */
  vconst(x: number, kind: 'f32' | 'i32' = 'f32'): Code {
    const key = `${kind}:${x}`;
    let l = this.consts.get(key);
    if (l === undefined) {
      l = this.local(V128);
      this.consts.set(key, l);
      this.prologue = cat(this.prologue, set(l, kind === 'f32' ? v.f32x4(x) : v.i32x4(x)));
    }
    return get(l);
  }
}

/** A module that imports its memory as env.memory and exports its functions by name. */
export class ModuleBuilder {
  readonly funcs: Func[] = [];
  /** `fma`: every function's multiply-adds become f32x4.relaxed_madd (needs relaxed SIMD) */
  constructor(readonly fma = false) {}
  /** declare a function (its index is fixed now, so others can call it before its body exists) */
  func(exportName: string | null, params: number[], result: number | null = null): Func {
    const f = new Func(this.funcs.length, exportName, params, result, this.fma);
    this.funcs.push(f);
    return f;
  }
  /**
   * The module's bytes. With `sharedMaxPages` the imported memory is a shared one (threads:
   * every worker instantiates the same module on the same Memory), which must declare a maximum.
   */
  bytes(sharedMaxPages?: number): Uint8Array {
    const sigs: string[] = [];
    const sigOf = (f: Func) => {
      const key = `${f.params.join(',')}:${f.result ?? ''}`;
      let i = sigs.indexOf(key);
      if (i < 0) i = sigs.push(key) - 1;
      return i;
    };
    const typeIdx = this.funcs.map(sigOf);
    const types = sigs.map((s) => {
      const [p, r] = s.split(':');
      const params = p ? p.split(',').map(Number) : [];
      return [0x60, ...uleb(params.length), ...params, ...(r ? [1, Number(r)] : [0])];
    });
    const limits = sharedMaxPages === undefined ? [0x00, 1] : [0x03, 1, ...uleb(sharedMaxPages)]; // min 1 page; shared: + max
    const imports = [[...name('env'), ...name('memory'), 0x02, ...limits]];
    const exported = this.funcs.filter((f) => f.exportName !== null);
    const code = this.funcs.map((f) => {
      // locals as runs of equal types
      const runs: number[][] = [];
      for (const t of f.locals) {
        const last = runs[runs.length - 1];
        if (last && last[1] === t) last[0]++;
        else runs.push([1, t]);
      }
      const body = cat(uleb(runs.length), ...runs.map(([n, t]) => cat(uleb(n), [t])), f.prologue, f.body, [0x0b]);
      return cat(uleb(body.length), body);
    });
    return new Uint8Array(cat(
      [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      section(1, vec(types)),
      section(2, vec(imports)),
      section(3, vec(typeIdx.map((i) => uleb(i)))),
      section(7, vec(exported.map((f) => cat(name(f.exportName!), [0x00], uleb(f.index))))),
      section(10, vec(code)),
    ));
  }
}
