/** The buffers that move to the other thread; shared memory stays where it is, seen by both. */
export function transferable(buffers: (ArrayBuffer | SharedArrayBuffer)[]): ArrayBuffer[] {
  return buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}
