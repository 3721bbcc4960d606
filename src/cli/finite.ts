/**
 * The output boundary's guard: every number a command prints must be finite. JSON.stringify would print NaN
 * and ±Infinity as null, and text as "NaN", either way a wrong answer that looks like one; a failing run
 * (exit 70, an internal error to report) is better than a silent NaN.
 */
export function assertFiniteNumbers(value: unknown, what: string): void {
  const stack: { readonly v: unknown; readonly path: string }[] = [{ v: value, path: what }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { v, path } = item;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`${path} is ${String(v)}: a number that is not finite`);
    } else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const arr = v as unknown as ArrayLike<number | bigint>;
      for (let i = 0; i < arr.length; i++) stack.push({ v: arr[i], path: `${path}[${i}]` });
    } else if (Array.isArray(v)) {
      // Numbers checked in place: a long series would otherwise push a frame per sample.
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'number') {
          if (!Number.isFinite(x))
            throw new Error(`${path}[${i}] is ${String(x)}: a number that is not finite`);
        } else if (typeof x === 'object' && x !== null) stack.push({ v: x, path: `${path}[${i}]` });
      }
    } else if (v instanceof Map) {
      for (const [k, x] of v) stack.push({ v: x, path: `${path}.${String(k)}` });
    } else if (v instanceof Set) {
      for (const x of v) stack.push({ v: x, path: `${path}[]` });
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) stack.push({ v: x, path: `${path}.${k}` });
    }
  }
}
