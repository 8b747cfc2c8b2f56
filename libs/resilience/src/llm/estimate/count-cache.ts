/**
 * The counts of texts already counted, so a system prompt or a conversation's earlier turns sent
 * again are not tokenized again. Two generations of at most `maxChars` characters each: a text is
 * looked up in the young one, then the old one (and moved to the young one when found there);
 * when the young one is full it becomes the old one and the previous old one is dropped. So a
 * text counted on every call stays, one-off texts age out, every step is O(1) (no per-hit
 * reordering), and at most `2 × maxChars` characters are held. A text longer than `maxChars` is
 * counted every time. `maxChars` 0: no cache.
 * @internal
 */
export function cachedCount(count: (text: string) => number, maxChars: number): (text: string) => number {
  if (maxChars <= 0) return count;
  let young = new Map<string, number>();
  let old = new Map<string, number>();
  let chars = 0;
  const keep = (text: string, n: number): void => {
    if (chars + text.length > maxChars) {
      old = young;
      young = new Map();
      chars = 0;
    }
    young.set(text, n);
    chars += text.length;
  };
  return (text) => {
    let n = young.get(text);
    if (n !== undefined) return n;
    n = old.get(text);
    if (n === undefined) {
      n = count(text);
      if (text.length > maxChars) return n;
    } else old.delete(text);
    keep(text, n);
    return n;
  };
}
