// What the bytes of a PDF say without a PDF library: the main thread (the document budget) reads
// these; pdf-lib stays in the worker's bundle.

const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');
// Readers accept the header anywhere in the first 1024 bytes (some generators write junk first).
const HEADER_WINDOW = 1024;

/** A PDF by its bytes: `%PDF-` within the first 1024 bytes, whatever the part's name or type says. */
export function isPdf(bytes: Uint8Array): boolean {
  return (
    asBuffer(bytes)
      .subarray(0, HEADER_WINDOW + PDF_MAGIC.length)
      .indexOf(PDF_MAGIC) >= 0
  );
}

/** A Buffer view of the same memory: no copy. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
