/**
 * Kernel addresses to function names, from /proc/kallsyms: for the few places that drop packets (kfree_skb's
 * location), resolved when they are first seen, by one pass over the file that keeps only the answers (the whole table
 * would be 120,000 names held for a handful). The read is most of the cost (the kernel makes the file as it is read:
 * about 100 ms here), the scan about 55 ms for a few addresses: paid once per batch of new places, which a host has
 * few of (a handful of functions drop packets).
 */
import { readFileSync } from 'node:fs';

/** Beyond this past a symbol's start, an address is not taken to be in it (the gap after the last one, a module's). */
const MAX_FUNCTION_BYTES = 1 << 20;

/**
 * Each address's function (the text symbol at or below it, "[module]" kept), from kallsyms' text. Addresses it cannot
 * place are left out: all of them when the file's addresses are hidden (kptr_restrict, no CAP_SYSLOG: all zero).
 */
export function resolveAddresses(kallsyms: string, addrs: readonly bigint[]): Map<bigint, string> {
  const want = addrs.map((a) => ({ a, hex: a.toString(16).padStart(16, '0'), best: '', name: '' }));
  const out = new Map<bigint, string>();
  if (want.length === 0) return out;
  let pos = 0;
  while (pos < kallsyms.length) {
    const nl = kallsyms.indexOf('\n', pos);
    const end = nl < 0 ? kallsyms.length : nl;
    // "ffffffff81000000 T name\t[module]": 16 hex digits on 64-bit kernels; other widths are not ours to read.
    const type = kallsyms[pos + 17];
    if (end - pos > 19 && kallsyms[pos + 16] === ' ' && (type === 't' || type === 'T')) {
      const hex = kallsyms.slice(pos, pos + 16);
      if (hex === '0000000000000000') return out; // hidden
      for (const w of want) {
        if (hex <= w.hex && hex > w.best) {
          w.best = hex;
          w.name = kallsyms.slice(pos + 19, end);
        }
      }
    }
    pos = end + 1;
  }
  for (const w of want) {
    if (!w.best || w.a - BigInt(`0x${w.best}`) > BigInt(MAX_FUNCTION_BYTES)) continue;
    const tab = w.name.indexOf('\t');
    // Copied out: a slice of the file's text would keep all 5 MB of it alive for as long as the name is kept.
    out.set(w.a, Buffer.from(tab < 0 ? w.name : `${w.name.slice(0, tab)} ${w.name.slice(tab + 1)}`, 'latin1').toString('latin1'));
  }
  return out;
}

/** A cache of names by address; the file is read again only when addresses not seen before come. */
export function createSymbolizer(read: () => string = () => readFileSync('/proc/kallsyms', 'utf8')): (addrs: readonly bigint[]) => ReadonlyMap<bigint, string> {
  const names = new Map<bigint, string>();
  return (addrs) => {
    const fresh = [...new Set(addrs.filter((a) => !names.has(a)))];
    if (fresh.length > 0) {
      let text = '';
      try {
        text = read();
      } catch {
        // unreadable: the addresses stay unnamed
      }
      const found = resolveAddresses(text, fresh);
      for (const a of fresh) names.set(a, found.get(a) ?? `0x${a.toString(16)}`);
    }
    return names;
  };
}
