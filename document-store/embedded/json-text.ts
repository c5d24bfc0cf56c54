/**
 * Stored documents as JSON text. The embedded store keeps what SQLite keeps: a document it has
 * written but nobody has read since stays the text it was stored as, and is parsed on first
 * read. Rebuilds write far more than they read: parsing every document once more (and keeping
 * hundreds of thousands of parsed objects for the garbage collector) was most of their cost.
 */
import { Document } from '../port';

/** A document, or the JSON text of one that has not been parsed yet. */
export type Stored = Document | string;

/**
 * The JSON text a stored document was parsed from, so a commit does not serialize it again.
 * Only recorded for documents that are not changed after parsing (stored documents never are).
 */
const jsonText = new WeakMap<Document, string>();

export function serialized(doc: Stored): string {
  return typeof doc === 'string' ? doc : (jsonText.get(doc) ?? JSON.stringify(doc));
}

/** The text a document was parsed from, when known. */
export function knownText(doc: Document): string | undefined {
  return jsonText.get(doc);
}

/** Parses stored text, remembering the text for the next serialization. */
export function parseStored(text: string): Document {
  const doc = JSON.parse(text) as Document;
  jsonText.set(doc, text);
  return doc;
}

/**
 * A copy as plain JSON (Dates become strings, undefined disappears), in the caller's realm
 * (unlike structuredClone: Jest runs tests in a vm context). A stored document is parsed
 * afresh from the text it was stored as when that is known, which skips half of a round trip
 * through JSON (reads copy every document they return).
 */
export function copyOf<T>(doc: T): T {
  const text = typeof doc === 'object' && doc !== null ? jsonText.get(doc as unknown as Document) : undefined;
  return JSON.parse(text ?? JSON.stringify(doc)) as T;
}

export function parsed(doc: Stored): Document {
  return typeof doc === 'string' ? parseStored(doc) : doc;
}

/** The store's own copy of a caller's value: plain JSON (Dates become strings, undefined disappears). */
export function parsedWithText(value: unknown): Document {
  return parseStored(JSON.stringify(value));
}
