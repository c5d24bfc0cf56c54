/** Names for the generated schema's shapes the app passes around (aliases, never re-declarations). */
import type { paths } from './schema';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON body of a path's successful answer. */
export type Answer<P extends keyof paths, M extends Method & keyof paths[P]> = paths[P][M] extends { responses: infer R }
  ? Json<R[keyof R & (200 | 201 | 202)]>
  : never;

/** The JSON body a path takes. */
export type Body<P extends keyof paths, M extends Method & keyof paths[P]> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
