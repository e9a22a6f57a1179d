/** Resolves when `settled` does (fulfilled or rejected) or after `timeoutMs`, whichever comes first. */
export function settledWithin(settled: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  const done = settled.then(
    () => undefined,
    () => undefined,
  );
  return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
}
