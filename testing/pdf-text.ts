/**
 * The text a PDF shows, for tests: the strings of its pages' text operators (Tj and TJ, hex or
 * literal, in a standard font's single-byte encoding), one line per text operator. Enough for the
 * documents this system renders; no general PDF parser.
 */
import { inflateSync } from 'node:zlib';

export function pdfText(pdf: Buffer): string {
  return contentStreams(pdf).flatMap(showStrings).join('\n');
}

/** How many pages the document has. */
export function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
}

function contentStreams(pdf: Buffer): string[] {
  const text = pdf.toString('latin1');
  const streams: string[] = [];
  const pattern = /<<([^]*?)>>\s*stream\r?\n/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    const start = match.index + match[0].length;
    const end = text.indexOf('endstream', start);
    const raw = pdf.subarray(start, end);
    const body = /\/FlateDecode/.test(match[1]!) ? inflateSync(raw).toString('latin1') : raw.toString('latin1');
    streams.push(body);
    pattern.lastIndex = end;
  }
  return streams;
}

function showStrings(content: string): string[] {
  const lines: string[] = [];
  for (const [, array, single] of content.matchAll(/\[((?:[^\]])*)\]\s*TJ|(<[0-9a-fA-F]*>|\((?:\\.|[^\\)])*\))\s*Tj/g)) {
    const parts = array !== undefined ? [...array.matchAll(/<[0-9a-fA-F]*>|\((?:\\.|[^\\)])*\)/g)].map((m) => m[0]) : [single!];
    lines.push(parts.map(decode).join(''));
  }
  return lines;
}

function decode(token: string): string {
  if (token.startsWith('<')) return Buffer.from(token.slice(1, -1), 'hex').toString('latin1');
  return token.slice(1, -1).replace(/\\([()\\])/g, '$1');
}

/** The text on one line, runs of white space as one space: a phrase wrapped over lines still reads whole. */
export function pdfFlatText(pdf: Buffer): string {
  return pdfText(pdf).replace(/\s+/g, ' ');
}
