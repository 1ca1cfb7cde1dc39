const BLOCK = 512;
const decoder = new TextDecoder();

/**
 * A copy of an uncompressed (ustar) tarball without the entries whose path `drop` matches. Entries are
 * a 512-byte header (name at 0, size in octal at 124, ustar prefix at 345) followed by the data padded to
 * whole blocks; the archive ends with zero blocks, which are kept as they are.
 */
export function stripTarEntries(tar: Uint8Array, drop: (path: string) => boolean): Uint8Array {
  const kept: Uint8Array[] = [];
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const size = Number.parseInt(field(header, 124, 12).trim() || "0", 8);
    if (!Number.isFinite(size)) throw new Error(`not a tar archive (bad size at byte ${offset})`);
    const length = BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    const prefix = field(header, 345, 155);
    const name = field(header, 0, 100);
    if (!drop(prefix ? `${prefix}/${name}` : name)) kept.push(tar.subarray(offset, offset + length));
    offset += length;
  }
  kept.push(tar.subarray(offset));
  return Buffer.concat(kept);
}

function field(header: Uint8Array, start: number, length: number): string {
  const bytes = header.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
}
