/** Page geometry, colours and a thin cursor over pdfkit used by the document sections. */
/// <reference types="pdfkit" />

export type Pdf = PDFKit.PDFDocument;

export const PAGE = { width: 595.28, height: 841.89 };
export const MARGIN = 48;
export const LEFT = MARGIN;
export const RIGHT = PAGE.width - MARGIN;
export const WIDTH = RIGHT - LEFT;
const FOOTER_HEIGHT = 28;
const BOTTOM = PAGE.height - MARGIN - FOOTER_HEIGHT;

export const COLOR = { text: '#1a1a1a', muted: '#5f6368', accent: '#1f4e79', rule: '#c7ccd1', fill: '#eef2f7' };

/** A thin cursor over pdfkit: explicit positions, page breaks we decide (pdfkit's own would split rows). */
export class Writer {
  pdf: Pdf;
  y = MARGIN;
  /** printed at the top of continuation pages, e.g. "FACTURE FAC-2026-0042 (suite)" */
  continuation: string;
  constructor(pdf: Pdf, continuation: string) {
    this.pdf = pdf;
    this.continuation = continuation;
  }

  style(size: number, bold = false, color = COLOR.text): this {
    this.pdf.font(bold ? 'bold' : 'regular').fontSize(size).fillColor(color);
    return this;
  }

  height(text: string, width: number): number {
    return this.pdf.heightOfString(text, { width, lineGap: 1 });
  }

  /** draws text at (x, y) within width, returns its height; never lets pdfkit paginate */
  at(text: string, x: number, y: number, width: number, align: 'left' | 'right' | 'center' = 'left'): number {
    const h = this.height(text, width);
    this.pdf.text(text, x, y, { width, align, lineGap: 1, height: h + 2 });
    return h;
  }

  /** a flowing paragraph over the full width */
  para(text: string, size = 9, bold = false, color = COLOR.text, gapAfter = 3): void {
    this.style(size, bold, color);
    this.ensure(this.height(text, WIDTH));
    this.y += this.at(text, LEFT, this.y, WIDTH) + gapAfter;
  }

  ensure(needed: number): boolean {
    if (this.y + needed <= BOTTOM) return false;
    this.pdf.addPage();
    this.y = MARGIN;
    this.style(8.5, false, COLOR.muted);
    this.y += this.at(this.continuation, LEFT, this.y, WIDTH, 'right') + 8;
    return true;
  }

  rule(y = this.y, color = COLOR.rule): void {
    this.pdf.moveTo(LEFT, y).lineTo(RIGHT, y).lineWidth(0.6).strokeColor(color).stroke();
  }
}
