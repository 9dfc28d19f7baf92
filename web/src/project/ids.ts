// Stable ids for the objects of a project document. A new id is 12 characters drawn from the 64
// of [A-Za-z0-9_-] with the platform's cryptographic random source: 72 bits, so clients can make
// ids offline and concurrently without asking anyone (a million objects collide with odds about
// 1 in 10^10, and the validator refuses a document with a duplicate anyway). Ids made by a
// migration are derived from their parent's id and always contain '.', which a random id never
// does, so the two kinds never meet. Any id matches ^[A-Za-z0-9_.:-]{1,64}$.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
export const NEW_ID_LENGTH = 12;

export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(NEW_ID_LENGTH));
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte & 63];
  return id;
}

/** The id a migration gives to an object it creates under `parentId`, e.g. "trk1.instrument". */
export const derivedId = (parentId: string, role: string): string => `${parentId}.${role}`;
