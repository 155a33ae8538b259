import { decodeEncodedWords, decodeQuotedPrintable, headerParam, splitPart } from './smtp-sink.ts';

/**
 * The leaves of a raw MIME message (as the SMTP sink keeps it: a latin1 string, one char per byte),
 * with their decoded bytes: enough to find attachments. The sink's own parser only wants the text.
 */
export interface MimeLeaf {
  /** lower-cased header names; first occurrence, unfolded */
  headers: Map<string, string>;
  /** e.g. application/pdf */
  mime: string;
  /** the Content-Type `name` parameter, RFC 2047 decoded ('' when absent) */
  name: string;
  /** the Content-Disposition `filename` parameter, RFC 2047 decoded ('' when absent) */
  filename: string;
  /** 'attachment', 'inline' or '' */
  disposition: string;
  /** the raw Content-Type header value */
  contentType: string;
  bytes: Buffer;
}

function param(value: string, name: string): string {
  return decodeEncodedWords(headerParam(value, name) ?? '');
}

function decode(headers: Map<string, string>, body: string): Buffer {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (encoding === 'quoted-printable') return Buffer.from(decodeQuotedPrintable(body), 'latin1');
  return Buffer.from(body, 'latin1');
}

/** Every non-multipart part of the message, depth first. */
export function mimeLeaves(raw: string): MimeLeaf[] {
  const out: MimeLeaf[] = [];
  const walk = (text: string) => {
    const { headers, body } = splitPart(text);
    const contentType = headers.get('content-type') ?? 'text/plain';
    const mime = contentType.split(';', 1)[0]!.trim().toLowerCase();
    if (mime.startsWith('multipart/')) {
      const boundary = param(contentType, 'boundary');
      if (!boundary) return;
      const delimiter = `--${boundary}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const sections = body.split(new RegExp(`\\r?\\n?${delimiter}`));
      for (const section of sections.slice(1)) {
        if (section.startsWith('--')) break;
        walk(section.replace(/^[ \t]*\r?\n/, ''));
      }
      return;
    }
    const disposition = headers.get('content-disposition') ?? '';
    out.push({
      headers,
      mime,
      name: param(contentType, 'name'),
      filename: param(disposition, 'filename'),
      disposition: disposition.split(';', 1)[0]!.trim().toLowerCase(),
      contentType,
      bytes: decode(headers, body),
    });
  };
  walk(raw);
  return out;
}

/** The parts that carry a file name (attachments and named inline parts). */
export function attachmentsOf(raw: string): MimeLeaf[] {
  return mimeLeaves(raw).filter((p) => p.name !== '' || p.filename !== '' || p.disposition === 'attachment');
}
