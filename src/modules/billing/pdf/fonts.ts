/**
 * The fonts of every billing PDF: DejaVu Sans Condensed, regular and bold, from the npm package
 * `dejavu-fonts-ttf` (TrueType files; free licence in the package), so a fresh machine with only npm
 * renders the same bytes — no system font is ever looked up.
 *
 * Why an embedded TrueType font and not Helvetica: PDF/A (the Factur-X carrier) forbids non-embedded
 * fonts, and the standard 14 fonts' WinAnsi encoding cannot show U+202F NARROW NO-BREAK SPACE, which
 * `Intl.NumberFormat('fr-FR')` puts in "1 234,56 €". DejaVu has U+202F, U+00A0, €, − and ×, so French
 * amounts are drawn exactly as Intl formats them, with no character swapped.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as fontkit from 'fontkit';

export interface DocumentFonts {
  regular: fontkit.Font;
  bold: fontkit.Font;
}

let cached: DocumentFonts | undefined;

function load(dir: string, file: string): fontkit.Font {
  const font = fontkit.create(readFileSync(path.join(dir, file)));
  if (!('layout' in font)) throw new Error(`${file} is a font collection, expected a single font`);
  return font;
}

/**
 * Read and parsed once per process. pdfkit accepts a fontkit font object as a font source and makes a
 * fresh subset of it for each PDF, so the per-document cost is the subset, not re-parsing the ~650 kB
 * TrueType tables (which took most of the render time: ~29 ms → see bench/invoice-pdf.ts). fontkit's
 * internal caches only memoise decoded tables and glyphs: the output bytes do not depend on them (the
 * determinism test renders cold in a child process and warm in-process and compares).
 */
export function documentFonts(): DocumentFonts {
  if (!cached) {
    const require = createRequire(import.meta.url);
    const dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    cached = { regular: load(dir, 'DejaVuSansCondensed.ttf'), bold: load(dir, 'DejaVuSansCondensed-Bold.ttf') };
  }
  return cached;
}
