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

export interface DocumentFonts {
  regular: Buffer;
  bold: Buffer;
}

let cached: DocumentFonts | undefined;

/** Read once per process (~1.3 MB); pdfkit subsets them into each PDF. */
export function documentFonts(): DocumentFonts {
  if (!cached) {
    const require = createRequire(import.meta.url);
    const dir = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    cached = {
      regular: readFileSync(path.join(dir, 'DejaVuSansCondensed.ttf')),
      bold: readFileSync(path.join(dir, 'DejaVuSansCondensed-Bold.ttf')),
    };
  }
  return cached;
}
