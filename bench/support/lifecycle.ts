// Runs a benchmark with a stack of clean-ups (service child, database) that always run, in reverse order: on success,
// on error and on Ctrl-C. A hard time limit stops a run that hangs.

export type Defer = (name: string, fn: () => Promise<void>) => void;

export async function runBench(name: string, limitMs: number, body: (defer: Defer) => Promise<void>): Promise<void> {
  const cleanups: { name: string; fn: () => Promise<void> }[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const c of cleanups.reverse()) {
        try {
          await c.fn();
        } catch (err) {
          console.error(`clean-up "${c.name}" failed: ${String(err)}`);
        }
      }
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`\n${name}: ${signal}, stopping`);
    void cleanUp().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const limit = setTimeout(() => {
    console.error(`\n${name}: time limit of ${Math.round(limitMs / 1000)} s reached, stopping`);
    void cleanUp().then(() => process.exit(2));
  }, limitMs);
  let failed = false;
  try {
    await body((n, fn) => cleanups.push({ name: n, fn }));
  } catch (err) {
    failed = true;
    console.error(`${name} failed:`, err);
  } finally {
    clearTimeout(limit);
    await cleanUp();
  }
  process.exit(failed ? 1 : 0);
}

export const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000;
