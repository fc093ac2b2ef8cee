// Wall time per step of a long operation (a training job's stages), for its log line and the benchmarks.

/** Returns `lap(name)`: records into `into[prefix + name]` the milliseconds since the previous lap (or the call). */
export function lapTimer(into: Record<string, number>, prefix = ''): (name: string) => void {
  let mark = performance.now();
  return (name) => {
    const t = performance.now();
    into[prefix + name] = Math.round(t - mark);
    mark = t;
  };
}
