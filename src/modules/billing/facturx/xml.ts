/**
 * A tiny XML writer: a tree of plain objects serialised with a fixed indentation, so the same input always
 * gives the same bytes (the PDF embeds this text and is compared byte for byte on reprint).
 * No dependency: the only hard part of writing XML is escaping, done here once and tested.
 */

export interface XmlElement {
  name: string;
  attrs?: Record<string, string>;
  /** text content (escaped on output); an element has either text or children */
  text?: string;
  children?: XmlChild[];
}

/** falsy children (null, undefined, false, '', 0) are skipped, so optional elements read as `cond && el(...)` */
export type XmlChild = XmlElement | null | undefined | false | '' | 0;

export function el(name: string, content?: string | XmlChild[], attrs?: Record<string, string>): XmlElement {
  const node: XmlElement = { name };
  if (attrs) node.attrs = attrs;
  if (typeof content === 'string') node.text = content;
  else if (content) node.children = content;
  return node;
}

/**
 * Characters XML 1.0 forbids even as references (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/FFFF):
 * dropped rather than producing a file no parser accepts.
 */
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text content and attribute values (both quote kinds, so it is safe in either context). */
export function escapeXml(value: string): string {
  return value.replace(FORBIDDEN, '').replace(/[&<>"'\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        // a literal CR would be normalised to LF by any parser
        return '&#13;';
    }
  });
}

function isEmpty(node: XmlElement): boolean {
  if (node.text !== undefined) return node.text.trim() === '';
  return (node.children ?? []).every((c) => !c || isEmpty(c));
}

function write(node: XmlElement, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const attrs = node.attrs
    ? Object.entries(node.attrs)
        .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
        .join('')
    : '';
  // An element with nothing in it says nothing (and draws schematron warnings): it is left out.
  const children = (node.children ?? []).filter((c): c is XmlElement => Boolean(c) && !isEmpty(c as XmlElement));
  if (node.text !== undefined) {
    out.push(`${pad}<${node.name}${attrs}>${escapeXml(node.text)}</${node.name}>`);
  } else if (children.length === 0) {
    out.push(`${pad}<${node.name}${attrs}/>`);
  } else {
    out.push(`${pad}<${node.name}${attrs}>`);
    for (const child of children) write(child, depth + 1, out);
    out.push(`${pad}</${node.name}>`);
  }
}

/** Serialises a document: XML declaration, UTF-8, LF line ends, two-space indentation, final newline. */
export function serializeXml(root: XmlElement): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  write(root, 0, out);
  return out.join('\n') + '\n';
}
