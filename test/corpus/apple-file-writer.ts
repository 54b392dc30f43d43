// AppleSingle / AppleDouble headers (RFC 1740) as Mac mail programs write them: entries for the
// real name and the Finder info, and for AppleSingle the data fork. For the corpus and tests.

export function appleFileOf(kind: 'single' | 'double', name: string, dataFork?: Uint8Array): Buffer {
  const realName = Buffer.from(name, 'latin1');
  // Finder info: file type and creator (PDF / Acrobat), then flags.
  const finderInfo = Buffer.concat([Buffer.from('PDF CARO', 'latin1'), Buffer.alloc(24)]);
  const entries: { id: number; data: Buffer }[] = [
    { id: 3, data: realName },
    { id: 9, data: finderInfo },
    ...(kind === 'single' && dataFork ? [{ id: 1, data: Buffer.from(dataFork) }] : []),
  ];
  const header = Buffer.alloc(26 + entries.length * 12);
  header.writeUInt32BE(kind === 'single' ? 0x00051600 : 0x00051607, 0);
  header.writeUInt32BE(0x00020000, 4);
  header.writeUInt16BE(entries.length, 24);
  let offset = header.length;
  for (const [i, entry] of entries.entries()) {
    header.writeUInt32BE(entry.id, 26 + i * 12);
    header.writeUInt32BE(offset, 30 + i * 12);
    header.writeUInt32BE(entry.data.length, 34 + i * 12);
    offset += entry.data.length;
  }
  return Buffer.concat([header, ...entries.map((e) => e.data)]);
}
