import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { recordMailedLinks } from './journey.ts';

/**
 * An SMTP server on loopback that keeps every message it receives, for the browser journeys: the
 * application sends its real mail (through its pg-boss worker and nodemailer) and the test reads it
 * here. No authentication, no TLS. The raw message is parsed just enough to get the plain-text part
 * (multipart, quoted-printable, base64) and the subject (RFC 2047 encoded words).
 */
export interface SinkMessage {
  /** envelope recipients (RCPT TO) */
  to: string[];
  from: string;
  subject: string;
  /** the decoded text/plain part ('' when there is none) */
  text: string;
  raw: string;
}

export interface SmtpSink {
  port: number;
  url: string;
  messages: SinkMessage[];
  /** resolves with the first message (already received or to come) that matches */
  waitFor(predicate: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const waiters = new Set<{ predicate: (m: SinkMessage) => boolean; resolve: (m: SinkMessage) => void }>();

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    banner: 'ecrin test sink',
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('latin1');
        try {
          const msg: SinkMessage = {
            to: session.envelope.rcptTo.map((a) => a.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            ...parseMessage(raw),
            raw,
          };
          messages.push(msg);
          recordMailedLinks(msg.text);
          for (const w of waiters) {
            if (w.predicate(msg)) {
              waiters.delete(w);
              w.resolve(msg);
            }
          }
          callback();
        } catch (err) {
          callback(err as Error);
        }
      });
    },
  });
  server.on('error', () => {}); // a client hanging up mid-session is not the test's business

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(predicate, timeoutMs = 20_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<SinkMessage>((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (m: SinkMessage) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = messages.map((m) => `  to ${m.to.join(', ')}: ${m.subject}`).join('\n') || '  (none)';
          reject(new Error(`no matching mail within ${timeoutMs} ms; received:\n${seen}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// --- minimal MIME parsing ---------------------------------------------------------------------

export interface Part {
  headers: Map<string, string>;
  body: string; // latin1 "binary" string: one char per byte
}

export function splitPart(raw: string): Part {
  const sep = /\r?\n\r?\n/.exec(raw);
  const head = sep ? raw.slice(0, sep.index) : raw;
  const body = sep ? raw.slice(sep.index + sep[0].length) : '';
  const headers = new Map<string, string>();
  // unfold continuation lines, then split
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

export function headerParam(value: string, param: string): string | null {
  const re = new RegExp(`;\\s*${param}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i');
  const m = re.exec(value);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** quoted-printable to bytes (as a latin1 string) */
export function decodeQuotedPrintable(s: string): string {
  return s
    .replace(/[ \t]+(\r?\n)/g, '$1') // trailing whitespace is not part of the data
    .replace(/=\r?\n/g, '') // soft line breaks
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  let bytes: Buffer;
  if (encoding === 'quoted-printable') bytes = Buffer.from(decodeQuotedPrintable(part.body), 'latin1');
  else if (encoding === 'base64') bytes = Buffer.from(part.body.replace(/\s+/g, ''), 'base64');
  else bytes = Buffer.from(part.body, 'latin1');
  const charset = (headerParam(part.headers.get('content-type') ?? '', 'charset') ?? 'utf-8').toLowerCase();
  const text = new TextDecoder(charset === 'us-ascii' ? 'utf-8' : charset).decode(bytes);
  return text.replace(/\r\n/g, '\n');
}

/** The first text/plain part, depth first through multipart containers. */
function findText(part: Part): string | null {
  const type = part.headers.get('content-type') ?? 'text/plain';
  const mime = type.split(';', 1)[0]!.trim().toLowerCase();
  if (mime.startsWith('multipart/')) {
    const boundary = headerParam(type, 'boundary');
    if (!boundary) return null;
    const delimiter = `--${boundary}`;
    const sections = part.body.split(new RegExp(`\\r?\\n?${delimiter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    // sections[0] is the preamble; a section starting with "--" is the epilogue
    for (const section of sections.slice(1)) {
      if (section.startsWith('--')) break;
      const found = findText(splitPart(section.replace(/^[ \t]*\r?\n/, '')));
      if (found !== null) return found;
    }
    return null;
  }
  if (mime === 'text/plain') return decodeBody(part);
  return null;
}

/** Decodes RFC 2047 encoded words (=?charset?Q|B?...?=); whitespace between adjacent words goes. */
export function decodeEncodedWords(value: string): string {
  const word = /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g;
  // join adjacent encoded words first so multi-byte characters split across them decode whole
  const joined = value.replace(/(\?=)\s+(=\?)/g, '$1$2');
  return joined.replace(/(?:=\?([^?]+)\?([QqBb])\?([^?]*)\?=)+/g, (run) => {
    const chunks: Buffer[] = [];
    let charset = 'utf-8';
    for (const m of run.matchAll(word)) {
      charset = m[1]!.split('*', 1)[0]!.toLowerCase();
      const data = m[3]!;
      if (m[2]!.toUpperCase() === 'B') chunks.push(Buffer.from(data, 'base64'));
      else chunks.push(Buffer.from(decodeQuotedPrintable(data.replace(/_/g, ' ')), 'latin1'));
    }
    return new TextDecoder(charset).decode(Buffer.concat(chunks));
  });
}

function parseMessage(raw: string): { subject: string; text: string } {
  const root = splitPart(raw);
  const subjectBytes = root.headers.get('subject') ?? '';
  // a raw 8-bit subject (SMTPUTF8) arrives as latin1 here: reinterpret as UTF-8
  const subject = decodeEncodedWords(Buffer.from(subjectBytes, 'latin1').toString('utf8'));
  return { subject, text: findText(root) ?? '' };
}
