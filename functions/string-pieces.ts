// When bytes are better turned into a string (latin1 or base64) a piece at a time. V8 makes a string
// over 128 KiB in its large-object space, which is slow to allocate and to free: the 140 KB base64
// body of a 100 KiB PDF took 0.16 ms as one latin1 string and 0.02 ms as pieces of 64 KiB, a 900 KB
// one 0.78 ms and 0.24 ms. From about 1 MB on (Node's EXTERN_APEX, 1,031,913 characters) Node makes
// the string outside V8's heap, which is cheaper than pieces again (1.1 MB: 0.12 ms whole, 0.16 ms
// in pieces; a 10 MiB PDF's mail 60 % slower in pieces), so such strings are made whole.

/** Characters of one piece: under the large-object size, whole lines or groups to spare. */
export const STRING_PIECE_CHARACTERS = 64 * 1024;

/** Whether a string of `characters` is made in pieces. */
export function madeInPieces(characters: number): boolean {
  return characters > STRING_PIECE_CHARACTERS && characters <= 1_000_000;
}
