/**
 * Validates Factur-X XML with the official tools, as ../shared/schemas/README.md describes: the EN 16931
 * XSD with xmllint, then the compiled schematron (XSLT 2) with Saxon-HE; a file passes when xmllint
 * accepts it and the SVRL report has no failed-assert (warnings included: we want none).
 *
 * Used by the tests (not by the running service). Needs the Debian packages libxml2-utils (xmllint) and
 * libsaxonhe-java (/usr/share/java/Saxon-HE.jar) and a Java runtime; a missing tool fails with a message
 * naming the package rather than being skipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** the repository root (this file is src/modules/billing/facturx/) */
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** `<clone>/../shared/schemas/facturx-en16931`, as laid out for developers and CI; FACTURX_SCHEMA_DIR overrides */
export const SCHEMA_DIR =
  process.env.FACTURX_SCHEMA_DIR ?? path.resolve(REPO_ROOT, '../shared/schemas/facturx-en16931');
export const XSD = path.join(SCHEMA_DIR, 'Factur-X_EN16931.xsd');
export const SCHEMATRON_XSL = path.join(SCHEMA_DIR, 'Factur-X_1.09_EN16931.xsl');
export const SAXON_JAR = process.env.SAXON_JAR ?? '/usr/share/java/Saxon-HE.jar';

export interface FacturxReport {
  /** xmllint's complaints, empty when the XSD validates */
  xsdErrors: string;
  /** the text of each svrl:failed-assert (errors and warnings) */
  failedAsserts: string[];
}

/** Throws a clear error when a tool or the schemas are missing (the CI must install them). */
export function assertValidatorsAvailable(): void {
  const missing: string[] = [];
  if (spawnSync('xmllint', ['--version']).error) missing.push('xmllint (Debian package libxml2-utils)');
  if (spawnSync('java', ['-version']).error) missing.push('java (a JRE, e.g. Debian default-jre-headless)');
  if (!existsSync(SAXON_JAR)) missing.push(`${SAXON_JAR} (Debian package libsaxonhe-java)`);
  if (!existsSync(XSD) || !existsSync(SCHEMATRON_XSL)) missing.push(`the Factur-X schemas in ${SCHEMA_DIR}`);
  if (missing.length) {
    throw new Error(`Factur-X validation cannot run, missing: ${missing.join('; ')}`);
  }
}

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * Validates several documents at once (one JVM start for the schematron: Saxon transforms a whole
 * directory). Keys are file stems made of [A-Za-z0-9_-].
 */
export function validateFacturx(xmls: Record<string, string>): Record<string, FacturxReport> {
  assertValidatorsAvailable();
  const dir = mkdtempSync(path.join(tmpdir(), 'facturx-'));
  try {
    const inDir = path.join(dir, 'in');
    const outDir = path.join(dir, 'out');
    mkdirSync(inDir);
    mkdirSync(outDir);
    const reports: Record<string, FacturxReport> = {};
    for (const [name, xml] of Object.entries(xmls)) {
      if (!/^[\w-]+$/.test(name)) throw new Error(`bad document name ${name}`);
      const file = path.join(inDir, `${name}.xml`);
      writeFileSync(file, xml);
      const lint = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
      reports[name] = { xsdErrors: lint.status === 0 ? '' : `${lint.stderr}${lint.stdout}`.trim(), failedAsserts: [] };
    }
    const saxon = spawnSync(
      'java',
      ['-cp', SAXON_JAR, 'net.sf.saxon.Transform', `-s:${inDir}`, `-xsl:${SCHEMATRON_XSL}`, `-o:${outDir}`],
      { encoding: 'utf8' },
    );
    if (saxon.status !== 0) throw new Error(`Saxon failed (${saxon.status}): ${saxon.stderr}`);
    for (const name of Object.keys(xmls)) {
      const svrl = readFileSync(path.join(outDir, `${name}.xml`), 'utf8');
      const failed = svrl.match(/<svrl:failed-assert[\s\S]*?<\/svrl:failed-assert>/g) ?? [];
      reports[name]!.failedAsserts = failed.map((f) => {
        const text = /<svrl:text>([\s\S]*?)<\/svrl:text>/.exec(f)?.[1] ?? f;
        const location = /location="([^"]*)"/.exec(f)?.[1] ?? '';
        return `${decodeEntities(text).trim()} @ ${location}`;
      });
    }
    return reports;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
