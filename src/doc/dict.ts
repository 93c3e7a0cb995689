// Objects keyed by names the user chose (node ids, input and output names, weight names).
// A plain `{}` has Object.prototype behind it: `out["__proto__"] = t` replaces the prototype
// instead of storing t, and `values["constructor"]` finds Object's constructor where nothing was
// stored. Null-prototype objects and own-property reads make every name an ordinary key.

/** An empty object with no prototype: every string is an ordinary key of it. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A null-prototype copy of `entries`. */
export function dictFrom<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = dict<T>();
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** o[k] when o holds k itself (not through its prototype), else undefined. */
export function own<T>(o: Readonly<Record<string, T>> | null | undefined, k: string): T | undefined {
  return o != null && Object.hasOwn(o, k) ? o[k] : undefined;
}
