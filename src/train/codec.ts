// Float32Array <-> base64 of its little-endian bytes, for optimiser and trainer state that must
// survive JSON bit for bit (a number list would too, but at three times the size).

export function f32ToBase64(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let bin = '';
  const CH = 0x8000;
  for (let i = 0; i < bytes.length; i += CH) bin += String.fromCharCode(...bytes.subarray(i, i + CH));
  return btoa(bin);
}

/** The values, or throws naming `what` when the text is not base64 of `n` float32 values. */
export function base64ToF32(b64: string, n: number, what: string): Float32Array {
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    throw new Error(`${what}: not valid base64`);
  }
  if (bin.length !== n * 4) throw new Error(`${what}: ${bin.length} bytes, expected ${n * 4} (${n} float32 values)`);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}
