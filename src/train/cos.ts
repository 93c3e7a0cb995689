// A correctly rounded cosine, so CosineAnnealingLR's lr sequence equals PyTorch's to the last
// bit. Python's math.cos is the C library's (glibc: correctly rounded in practice), while V8's
// Math.cos (fdlibm) is off by one ulp for some arguments (cos(12π/10) is one), and the
// recursive schedule carries that difference into every later lr. Here the argument is reduced
// by π/2 held in three doubles and cos/sin are summed as double-double Taylor series (~104
// bits), then rounded once to the nearest double.

type DD = [number, number];
const SPLIT = 134217729; // 2^27 + 1, Dekker's split

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}
function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}
function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}
function add(a: DD, b: DD): DD {
  const s = twoSum(a[0], b[0]);
  const t = twoSum(a[1], b[1]);
  let r = quickTwoSum(s[0], s[1] + t[0]);
  r = quickTwoSum(r[0], r[1] + t[1]);
  return r;
}
function mul(a: DD, b: DD): DD {
  const p = twoProd(a[0], b[0]);
  return quickTwoSum(p[0], p[1] + a[0] * b[1] + a[1] * b[0]);
}
function divInt(a: DD, d: number): DD {
  const q = a[0] / d;
  const p = twoProd(q, d);
  const r = (a[0] - p[0] - p[1] + a[1]) / d;
  return quickTwoSum(q, r);
}
const neg = (a: DD): DD => [-a[0], -a[1]];

// π/2 = P1 + P2 + P3 (each the nearest double to what remains)
const P1 = 1.5707963267948966;
const P2 = 6.123233995736766e-17;
const P3 = -1.4973849048591698e-33;

/** Σ (-1)^n r^(2n+start) / (2n+start)!  for start 0 (cos) or 1 (sin) */
function series(r: DD, start: 0 | 1): DD {
  const r2 = mul(r, r);
  let term: DD = start === 0 ? [1, 0] : r;
  let sum: DD = term;
  for (let n = start + 2; n < 40; n += 2) {
    term = divInt(neg(mul(term, r2)), n * (n - 1));
    sum = add(sum, term);
    if (Math.abs(term[0]) < 1e-36 * Math.abs(sum[0])) break;
  }
  return sum;
}

/** cos(x), correctly rounded for |x| < 2^40 (larger arguments fall back to Math.cos). */
export function cosCR(x: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 2 ** 40) return Math.cos(x);
  const k = Math.round(x / P1);
  // r = x - k·π/2, each product exact as a double-double
  let r: DD = add([x, 0], neg(twoProd(k, P1)));
  r = add(r, neg(twoProd(k, P2)));
  r = add(r, neg(twoProd(k, P3)));
  const q = ((k % 4) + 4) % 4;
  const v = q === 0 ? series(r, 0) : q === 1 ? neg(series(r, 1)) : q === 2 ? neg(series(r, 0)) : series(r, 1);
  return v[0] + v[1];
}
