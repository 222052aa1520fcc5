/**
 * The message filter's normal form: a message's words once the usual tricks are undone, so the lexicon and a
 * school's watched words are matched on one spelling.
 *
 *   1. `fold`: NFKC (full-width and styled letters → plain), lower case, format characters (zero-width
 *      spaces, soft hyphens) dropped, diacritics stripped — but й stays й, and ё becomes е.
 *   2. links, e-mail addresses and @mentions are left out (their random letters are not words).
 *   3. pieces are runs of letters, digits and the symbols that stand for a letter (@ $ €) or mask one (* #);
 *      a run of ≥ 3 one-character pieces with ≥ 2 letters among them is glued back into one word ("х у й",
 *      "б-л-я", "х.у.й" — and "а я в", which is harmless); digits alone ("5 5 4") stay apart.
 *   4. each word is read character by character as the Cyrillic letter it looks like (a→а, p→р, y→у, x→х,
 *      h→н, b→в, 0→о, 1→и, 3→з, 4→ч, 6→б, 9→я, @→а, $→с …; digits only inside a word with letters) and
 *      repeated letters are collapsed ("бляяя" → "бля"). A word with Latin letters is also transliterated
 *      (b→б, h→х, p→п, c→ц, ya→я, sh→ш …: "pizdec", "blyat", "bля"): `alt`, tried by the detectors too.
 *      A word all in Latin and spelled like English is marked `english`, and the lexicon leaves it alone.
 *      Masks (*, #) stay: the detector reads one as any letter.
 *
 * Besides the words, `joined` holds readings a word list cannot show: a word split by punctuation joined
 * back ("су.ка", "ху-й", "п!зда" with ! as и) and a fragment — a lone letter that is no Russian one-letter
 * word, or two letters without a vowel — joined to its neighbours ("ху й", "бл я"). Only the detectors look
 * at those; `normalizeText` shows the words.
 */

export interface Token {
  /** the look-alike reading, repeats collapsed: the normal form */
  readonly text: string
  /** the transliterated reading when the word has Latin letters and it differs from `text` */
  readonly alt: string | undefined
  /** the word has a letter (digits and symbols alone are kept for phrases, never matched on their own) */
  readonly letters: boolean
  /** an English word (all Latin, spelled as English): kept for watched words, not matched on the lexicon */
  readonly english: boolean
  /** the separator before it held a dash («Петров — козел») */
  readonly dashBefore: boolean
}

export interface Tokens {
  readonly words: readonly Token[]
  readonly joined: readonly Token[]
}

// ------------------------------------------------------------------ letters

/** Latin, Greek and other Cyrillic letters, digits and symbols → the Cyrillic letter they look like. */
const LOOKALIKE: Readonly<Record<string, string>> = {
  a: 'а', b: 'в', c: 'с', d: 'д', e: 'е', f: 'ф', g: 'д', h: 'н', i: 'и', j: 'й', k: 'к', l: 'л', m: 'м',
  n: 'п', o: 'о', p: 'р', q: 'к', r: 'г', s: 'с', t: 'т', u: 'и', v: 'в', w: 'ш', x: 'х', y: 'у', z: 'з',
  α: 'а', β: 'в', γ: 'у', ε: 'е', η: 'п', ι: 'и', κ: 'к', λ: 'л', μ: 'м', ο: 'о', π: 'п', ρ: 'р', ς: 'с',
  τ: 'т', υ: 'у', φ: 'ф', χ: 'х', ω: 'ш',
  і: 'и', ї: 'и', є: 'е', ѕ: 'с', ј: 'й', ў: 'у', ґ: 'г', ө: 'о', ү: 'у', һ: 'н',
  '0': 'о', '1': 'и', '3': 'з', '4': 'ч', '6': 'б', '9': 'я',
  '@': 'а', $: 'с', '€': 'е',
}

/** Latin → Cyrillic as Russians transliterate; the longer spellings first. */
const TRANSLIT_MULTI: readonly (readonly [string, string])[] = [
  ['shch', 'щ'], ['sch', 'щ'], ['sh', 'ш'], ['ch', 'ч'], ['zh', 'ж'], ['kh', 'х'], ['ts', 'ц'], ['tz', 'ц'],
  ['yo', 'е'], ['jo', 'е'], ['yu', 'ю'], ['ju', 'ю'], ['ya', 'я'], ['ja', 'я'], ['ye', 'е'], ['je', 'е'],
]
const TRANSLIT: Readonly<Record<string, string>> = {
  a: 'а', b: 'б', c: 'ц', d: 'д', e: 'е', f: 'ф', g: 'г', h: 'х', i: 'и', j: 'й', k: 'к', l: 'л', m: 'м',
  n: 'н', o: 'о', p: 'п', q: 'к', r: 'р', s: 'с', t: 'т', u: 'у', v: 'в', w: 'в', x: 'х', z: 'з',
}
const VOWELS = 'аеиоуыэюя'

/**
 * A word all in Latin may be Russian in disguise ("CYKA", "blyat") or English (an English lesson's
 * homework): English ones are not matched against the lexicon. English = spellings Russian
 * transliteration does not use (w, th, ck, ee, oo, ou, gh, ph, qu, ea, doubled consonants, -ing, -tion,
 * -ity, -le), or a common word that reads as a root anyway (job → «ёб», her → «хер», lox → «лох»).
 */
const ENGLISH_SPELLING = /w|th|ck|ee|oo|ou|gh|ph|qu|ea|([bcdfgklmnprstz])\1|ing$|tion|ity$|le$/
const ENGLISH = new Set([
  'ebay', 'ebook', 'ebooks', 'ebony', 'ebola', 'eben', 'ebert', 'hue', 'hues', 'hued', 'huey', 'her', 'hers',
  'herb', 'herbs', 'hera', 'heritage', 'job', 'jobs', 'lox', 'mandy', 'debilitate', 'debilitated', 'degenerate',
])
const ALL_LATIN = /^[a-z]+$/
const isEnglish = (raw: string) => raw.length >= 3 && ALL_LATIN.test(raw) && (ENGLISH.has(raw) || ENGLISH.has(raw.replace(/s$/, '')) || ENGLISH_SPELLING.test(raw))

/** Russian words of one letter (and their Latin look-alikes, and English "i"): never joined to a neighbour. */
const ONE_LETTER_WORDS = new Set([...'абвжиксоуя', 'a', 'b', 'c', 'i', 'k', 'o', 'y'])

const MASKS = /^[*#]+/
const MASKS_END = /[*#]+$/

const PLAIN_CYRILLIC = /^[\u0430-\u044f]*$/

function lookalike(raw: string): string {
  if (PLAIN_CYRILLIC.test(raw)) return raw
  let out = ''
  for (const ch of raw) out += LOOKALIKE[ch] ?? ch
  return out
}

function translit(raw: string): string {
  let out = ''
  for (let i = 0; i < raw.length;) {
    const ch = raw[i]!
    if (ch < 'a' || ch > 'z') {
      out += LOOKALIKE[ch] ?? ch
      i++
      continue
    }
    const multi = TRANSLIT_MULTI.find(([lat]) => raw.startsWith(lat, i))
    if (multi) {
      out += multi[1]
      i += multi[0].length
    } else if (ch === 'y') {
      // y after a vowel is й (nahuy), otherwise ы (debily)
      out += out.length > 0 && VOWELS.includes(out[out.length - 1]!) ? 'й' : 'ы'
      i++
    } else {
      out += TRANSLIT[ch]!
      i++
    }
  }
  return out
}

const REPEAT = /(.)\1/

/** Repeated letters → one ("хууууй" → "хуй"); digits and masks are counted, so they stay. */
function collapse(s: string): string {
  if (!REPEAT.test(s)) return s
  let out = ''
  let prev = ''
  for (const ch of s) {
    if (ch !== prev || ch === '*' || ch === '#' || (ch >= '0' && ch <= '9')) out += ch
    prev = ch
  }
  return out
}

const HAS_LETTER = /\p{L}/u
const HAS_LATIN = /[a-z]/

function token(raw: string, dashBefore: boolean): Token {
  const letters = HAS_LETTER.test(raw)
  if (!letters) return { text: raw, alt: undefined, letters, english: false, dashBefore }
  const text = collapse(lookalike(raw))
  let alt: string | undefined
  if (HAS_LATIN.test(raw)) {
    alt = collapse(translit(raw))
    if (alt === text) alt = undefined
  }
  return { text, alt, letters, english: isEnglish(raw), dashBefore }
}

// ------------------------------------------------------------------ text

const FORMAT = /\p{Cf}/gu
const MARKS = /\p{M}/gu
/**
 * anything but ASCII, plain Cyrillic and the usual typography (– — « » … №): the text may hold
 * diacritics, look-alike scripts or format characters
 */
const UNUSUAL = /[^\x00-\x7f\u0430-\u044f\u2013\u2014\u00ab\u00bb\u2026\u2116]/

/** NFKC, lower case, no format characters, no diacritics (й kept, ё → е). Personal data is read on this too. */
export function fold(text: string): string {
  // NFKC spells № as "No"; the sign is kept (passport and school numbers are written with it)
  let s = (text.includes('№') ? text.split('№').map((p) => p.normalize('NFKC')).join('№') : text.normalize('NFKC')).toLowerCase()
  if (s.includes('ё')) s = s.replace(/ё/g, 'е')
  if (!UNUSUAL.test(s)) return s
  return s.replace(FORMAT, '').normalize('NFD').replace(/\u0438\u0306/g, 'й').replace(MARKS, '').normalize('NFC')
}

const SKIPPED = /(?<!\S)(?:(?:https?:\/\/|www\.)\S*|[^\s@]+@[^\s@]+\.[^\s@]+|@[a-z0-9_]{3,}(?![a-z0-9_]))/g
const SPACE = /\s/

interface Piece {
  readonly raw: string
  /** whitespace (or the text's start) before it */
  readonly ws: boolean
  /** a dash before it */
  readonly dash: boolean
  /** exactly "!" before it */
  readonly bang: boolean
}

/** letters, digits, and the symbols that stand for a letter (@ $ €) or mask one (* #) */
function isWordChar(c: number, s: string, i: number): boolean {
  if (c >= 0x430 && c <= 0x44f) return true
  if (c < 0x80) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 42 || c === 35 || c === 64 || c === 36
  if (c === 0x20ac) return true
  if (c >= 0xd800 && c <= 0xdfff) return false
  return HAS_LETTER.test(s[i]!)
}

function isSpace(c: number, s: string, i: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 0x7f && SPACE.test(s[i]!))
}

function pieces(folded: string): Piece[] {
  let s = folded
  if (s.includes('|')) s = s.replace(/\}\|\{|>\|</g, 'ж')
  if (s.includes('@') || s.includes('//') || s.includes('www.')) s = s.replace(SKIPPED, ' ')
  const out: Piece[] = []
  let ws = true
  let dash = false
  let gap = 0
  let bang = false
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i)
    if (!isWordChar(c, s, i)) {
      if (isSpace(c, s, i)) ws = true
      else if (c === 45 || (c >= 0x2010 && c <= 0x2015)) dash = true
      bang = gap === 0 && c === 33
      gap++
      i++
      continue
    }
    let j = i + 1
    while (j < s.length && isWordChar(s.charCodeAt(j), s, j)) j++
    let raw = s.slice(i, j)
    // leading masks are markup (*bold*, #tag), not hidden letters; then so are the trailing ones
    if (c === 42 || c === 35) raw = raw.replace(MASKS, '').replace(MASKS_END, '')
    if (raw !== '') {
      out.push({ raw, ws, dash, bang: bang && gap === 1 })
      ws = false
      dash = false
    }
    gap = 0
    bang = false
    i = j
  }
  return out
}

const isLetter = (ch: string) => HAS_LETTER.test(ch)
const HAS_VOWEL = /[аеиоуыэюя]/
const ALL_LETTERS = /^\p{L}+$/u
/** a piece that is no word: one letter that is no Russian word, or two letters without a vowel */
function isFragment(raw: string): boolean {
  if (raw.length === 1) return isLetter(raw) && !ONE_LETTER_WORDS.has(raw)
  return raw.length === 2 && ALL_LETTERS.test(raw) && !HAS_VOWEL.test(lookalike(raw))
}

/** Folds and splits a message into words and the extra joined readings (see the file's comment). */
export function tokenize(text: string): Tokens {
  return tokenizeFolded(fold(text))
}

/** the joined readings so far: each raw string read once, each reading kept once and only if no word has it */
class Joined {
  readonly list: Token[] = []
  private readonly tried = new Set<string>()
  private seen: Set<string> | undefined
  constructor(private readonly words: readonly Token[]) {}

  add(raw: string): void {
    if (this.tried.has(raw)) return
    this.tried.add(raw)
    const t = token(raw, false)
    if (!t.letters) return
    this.seen ??= new Set(this.words.map((w) => w.text))
    if (this.seen.has(t.text)) return
    this.seen.add(t.text)
    this.list.push(t)
  }
}

export function tokenizeFolded(folded: string): Tokens {
  const ps = pieces(folded)
  const n = ps.length
  const words: Token[] = []
  const glued = new Uint8Array(n)
  let fragments = false
  let chunks = false

  for (let i = 0; i < n;) {
    const p = ps[i]!
    if (!chunks && i > 0 && !p.ws) chunks = true
    if (p.raw.length !== 1) {
      if (!fragments && p.raw.length === 2) fragments = isFragment(p.raw)
      words.push(token(p.raw, p.dash))
      i++
      continue
    }
    let j = i
    let letters = 0
    let raw = ''
    for (; j < n && ps[j]!.raw.length === 1; j++) {
      raw += ps[j]!.raw
      if (isLetter(ps[j]!.raw)) letters++
      if (j > i && !ps[j]!.ws) chunks = true
    }
    if (j - i >= 3 && letters >= 2) {
      words.push(token(raw, p.dash))
      glued.fill(1, i, j)
    } else {
      for (let k = i; k < j; k++) {
        if (!fragments) fragments = isFragment(ps[k]!.raw)
        words.push(token(ps[k]!.raw, ps[k]!.dash))
      }
    }
    i = j
  }
  if (!chunks && !fragments) return { words, joined: [] }

  const joined = new Joined(words)
  // a word split by punctuation (no space): "су.ка", "ху-й", "п!зда" (a lone ! between letters reads as и)
  for (let i = 0; chunks && i < n;) {
    let j = i + 1
    while (j < n && !ps[j]!.ws) j++
    if (j - i >= 2 && !(glued[i] && glued[j - 1])) {
      let raw = ps[i]!.raw
      for (let k = i + 1; k < j; k++) raw += (ps[k]!.bang ? 'и' : '') + ps[k]!.raw
      joined.add(raw)
    }
    i = j
  }
  // a lone letter that is no Russian word, or two without a vowel, split off by spaces: "ху й", "бл я"
  for (let k = 0; fragments && k < n; k++) {
    const p = ps[k]!
    if (glued[k] || !isFragment(p.raw)) continue
    const prev = k > 0 && p.ws && !glued[k - 1] ? ps[k - 1]!.raw : ''
    const next = k + 1 < n && ps[k + 1]!.ws && !glued[k + 1] ? ps[k + 1]!.raw : ''
    if (prev) joined.add(prev + p.raw)
    if (next) joined.add(p.raw + next)
    if (prev && next) joined.add(prev + p.raw + next)
  }
  return { words, joined: joined.list }
}

/** The normal form of a text: its words' look-alike readings, separated by one space. */
export function normalizeText(text: string): string {
  return tokenize(text).words.map((w) => w.text).join(' ')
}
