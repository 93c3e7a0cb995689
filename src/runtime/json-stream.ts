// JSON written in pieces, for results too large for one string (V8 caps a string near 512 MB:
// outputs at B = 100,000 or a trace at T = 100,000 pass that). The text is exactly what
// JSON.stringify writes (no spaces), except that typed arrays are written as arrays of numbers,
// so tensors and traces can be streamed from their Float32Arrays without copying them into
// JS arrays first. Pieces go to `write` in chunks of about CHUNK characters.

export const CHUNK = 1 << 16;

export type Write = (text: string) => void;

/** Streams `value` as JSON to `write`; returns the number of characters written. */
export function streamJSON(value: unknown, write: Write, chunk = CHUNK): number {
  let buf = '';
  let total = 0;
  const put = (s: string) => {
    buf += s;
    if (buf.length >= chunk) {
      total += buf.length;
      write(buf);
      buf = '';
    }
  };
  const num = (x: number) => (Number.isFinite(x) ? String(x) : 'null');

  const emit = (v: unknown, inArray: boolean): void => {
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: () => unknown }).toJSON();
    switch (typeof v) {
      case 'string':
        put(JSON.stringify(v));
        return;
      case 'number':
        put(num(v));
        return;
      case 'boolean':
        put(v ? 'true' : 'false');
        return;
      case 'bigint':
        throw new TypeError('Do not know how to serialize a BigInt');
      case 'undefined':
      case 'function':
      case 'symbol':
        if (inArray) put('null');
        return;
    }
    if (v === null) {
      put('null');
      return;
    }
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const a = v as unknown as ArrayLike<number>;
      put('[');
      // numbers straight into the buffer, a run at a time
      for (let i = 0; i < a.length; i += 4096) {
        const end = Math.min(a.length, i + 4096);
        let s = i ? ',' : '';
        for (let j = i; j < end; j++) s += (j > i ? ',' : '') + num(a[j]);
        put(s);
      }
      put(']');
      return;
    }
    if (Array.isArray(v)) {
      put('[');
      for (let i = 0; i < v.length; i++) {
        if (i) put(',');
        emit(v[i], true);
      }
      put(']');
      return;
    }
    put('{');
    let first = true;
    for (const k of Object.keys(v as object)) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      put((first ? '' : ',') + JSON.stringify(k) + ':');
      first = false;
      emit(x, false);
    }
    put('}');
  };

  emit(value, false);
  if (buf) {
    total += buf.length;
    write(buf);
  }
  return total;
}
