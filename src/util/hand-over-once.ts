/**
 * A call whose first answer was started early (before anyone asked): the first call takes that
 * pending answer, every later call starts its own with `next`. The early answer is not awaited
 * until then, so its failure is kept from becoming an unhandled rejection; the first caller still
 * sees it.
 */
export function handOverOnce<T>(first: Promise<T>, next: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = first;
  first.catch(() => undefined);
  return () => {
    const answer = pending;
    pending = null;
    return answer ?? next();
  };
}
