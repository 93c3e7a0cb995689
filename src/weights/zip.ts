// The members of a zip archive (a PyTorch .pt file is one), read with fflate, within bounds:
// every member's declared size and the sum of them are checked before anything is inflated, a
// member that claims to inflate more than WEIGHT_LIMITS.zipRatio times is refused as a zip bomb,
// and fflate inflates into a buffer of the declared size, so a member that lies about its size
// cannot grow past it.
import { unzipSync } from 'fflate';
import { mib, WEIGHT_LIMITS, WeightsError } from './tensors';

export function readZip(bytes: Uint8Array, file: string): Map<string, Uint8Array> {
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter(f) {
        if (f.compression !== 0 && f.compression !== 8) throw new WeightsError(`${file}: member '${f.name}' uses zip compression method ${f.compression}; only stored and deflated members are read`);
        if (f.originalSize > WEIGHT_LIMITS.tensorBytes + 1024) throw new WeightsError(`${file}: member '${f.name}' would inflate to ${mib(f.originalSize)}; seqgraph reads members up to ${mib(WEIGHT_LIMITS.tensorBytes)}`);
        if (f.compression === 8 && f.originalSize > 4096 && f.originalSize > WEIGHT_LIMITS.zipRatio * Math.max(1, f.size)) {
          throw new WeightsError(`${file}: member '${f.name}' would inflate ${Math.round(f.originalSize / Math.max(1, f.size))}× (${mib(f.size)} to ${mib(f.originalSize)}): refused as a zip bomb (at most ${WEIGHT_LIMITS.zipRatio}×)`);
        }
        total += f.originalSize;
        if (total > WEIGHT_LIMITS.totalBytes) throw new WeightsError(`${file}: the archive's members inflate to more than ${mib(WEIGHT_LIMITS.totalBytes)} in all, the most seqgraph reads`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof WeightsError) throw e;
    throw new WeightsError(`${file}: not a readable zip archive (${(e as Error).message})`);
  }
  return new Map(Object.entries(files));
}
