const CONSONANTS = 'bcdfghjklmnprstvwz';
const VOWELS = 'aeiou';
const SYLLABLES: string[] = [];
for (const c of CONSONANTS) for (const v of VOWELS) SYLLABLES.push(c + v);

/**
 * The word of a vocabulary rank: rank + 1 written in bijective base-90 with
 * one consonant-vowel syllable per digit. Distinct ranks give distinct words,
 * and frequent (low) ranks get short words, as in natural text.
 */
export function wordForRank(rank: number): string {
  let n = rank + 1;
  let word = '';
  while (n > 0) {
    const digit = (n - 1) % SYLLABLES.length;
    word = SYLLABLES[digit] + word;
    n = Math.floor((n - 1) / SYLLABLES.length);
  }
  return word;
}

/**
 * Vocabulary: the first n words packed as ASCII bytes, so generators can copy
 * a word into an output buffer without building strings.
 */
export class Vocabulary {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;

  constructor(readonly size: number) {
    const words: string[] = [];
    let total = 0;
    for (let r = 0; r < size; r++) {
      const w = wordForRank(r);
      words.push(w);
      total += w.length;
    }
    this.bytes = new Uint8Array(total);
    this.offsets = new Uint32Array(size + 1);
    let pos = 0;
    for (let r = 0; r < size; r++) {
      this.offsets[r] = pos;
      const w = words[r];
      for (let i = 0; i < w.length; i++) this.bytes[pos++] = w.charCodeAt(i);
    }
    this.offsets[size] = pos;
  }
}
